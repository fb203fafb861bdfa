import { and, count, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Setup } from "../../shared/auth.js";
import { recordAudit } from "../audit/audit.service.js";
import type { Clock } from "../clock.js";
import { HOUR } from "../clock.js";
import { type ServiceContext, SYSTEM_ACTOR } from "../context.js";
import type { Executor } from "../db/client.js";
import { settings, users } from "../db/schema/index.js";
import { AppError } from "../http/errors.js";
import { createUser, findUserById } from "../users/users.service.js";
import { assertLoginAllowed, recordLoginFailure } from "./login-limiter.js";
import { createSession } from "./sessions.service.js";
import { randomToken, safeEqual, sha256 } from "./tokens.js";

/**
 * First-run setup. While no active admin exists, every start of the app issues a one-time setup
 * token and prints the link; the token is stored hashed in `settings`, so every instance on the
 * database accepts it. Each start adds its token (the newest few are kept, each for a day), so
 * a link printed by any instance works; the first admin created through any of them deletes
 * them all in the same transaction.
 */
export const SETUP_SETTING_KEY = "setup_tokens";
/** How long a printed setup link works; a restart prints a new one. */
export const SETUP_TOKEN_TTL_MS = 24 * HOUR;
/** Starts whose links stay valid at once (several instances starting together). */
const MAX_SETUP_TOKENS = 5;

/** Any constant: the advisory lock that serialises issuing setup tokens. */
const SETUP_LOCK_KEY = 7_261_023;

const ZStoredTokens = z.array(z.object({ hash: z.string(), expiresAt: z.iso.datetime({ offset: true }) }));
type StoredTokens = z.infer<typeof ZStoredTokens>;

async function readTokens(db: Executor, options: { lock?: boolean } = {}): Promise<StoredTokens> {
  const query = db.select({ value: settings.value }).from(settings).where(eq(settings.key, SETUP_SETTING_KEY));
  const [row] = options.lock ? await query.for("update") : await query;
  const parsed = ZStoredTokens.safeParse(row?.value);
  return parsed.success ? parsed.data : [];
}

/** Whether an active admin account exists: then setup is over. */
export async function hasActiveAdmin(db: Executor): Promise<boolean> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.active, true)));
  return (row?.n ?? 0) > 0;
}

/**
 * At start: when no active admin exists, a new setup token (returned once, to print) joins the
 * stored ones; otherwise undefined and any leftover tokens are deleted.
 */
export async function issueSetupToken(db: Executor, clock: Clock): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    // Instances starting together append their tokens one after the other (the row may not exist yet).
    await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK_KEY})`);
    if (await hasActiveAdmin(tx)) {
      await tx.delete(settings).where(eq(settings.key, SETUP_SETTING_KEY));
      return undefined;
    }
    const now = clock.now();
    const token = randomToken();
    const kept = (await readTokens(tx)).filter((stored) => Date.parse(stored.expiresAt) > now.getTime());
    const value: StoredTokens = [
      ...kept.slice(-(MAX_SETUP_TOKENS - 1)),
      { hash: sha256(token), expiresAt: new Date(now.getTime() + SETUP_TOKEN_TTL_MS).toISOString() },
    ];
    await tx
      .insert(settings)
      .values({ key: SETUP_SETTING_KEY, value, updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now } });
    return token;
  });
}

/** The link the log prints: PUBLIC_URL, else the address the app listens on. */
export function setupLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/setup?token=${encodeURIComponent(token)}`;
}

const setupDone = () =>
  new AppError(
    409,
    "setup.done",
    "Uplink is already set up: an admin account exists. Sign in, or ask an admin to create your account.",
  );

/**
 * Creates the first admin from a valid setup token, deletes every setup token and signs the new
 * admin in, all in one transaction. Rate-limited per client address like sign-in.
 */
export async function completeSetup(ctx: ServiceContext, input: Setup, meta: { ip: string; userAgent?: string }) {
  // Counted apart from sign-ins to any account, so wrong setup tokens from one address cannot lock out another.
  const limiterKey = `setup:${meta.ip}`;
  await assertLoginAllowed(ctx.db, ctx.clock, limiterKey, meta.ip);
  if (await hasActiveAdmin(ctx.db)) throw setupDone();
  const actor = { ...SYSTEM_ACTOR, ip: meta.ip };
  const outcome = await ctx.db.transaction(async (tx) => {
    const txCtx = { ...ctx, db: tx };
    const tokens = await readTokens(tx, { lock: true });
    // Checked again under the lock: two setups racing, one wins.
    if (await hasActiveAdmin(tx)) throw setupDone();
    const now = ctx.clock.now().getTime();
    const hash = sha256(input.token);
    const valid = tokens.some((stored) => Date.parse(stored.expiresAt) > now && safeEqual(stored.hash, hash));
    if (!valid) return { ok: false as const };
    const user = await createUser(txCtx, actor, { ...input, role: "admin" });
    await tx.delete(settings).where(eq(settings.key, SETUP_SETTING_KEY));
    const session = await createSession(tx, ctx.clock, user.id, meta);
    await recordAudit(tx, {
      actorId: user.id,
      action: "setup.complete",
      entityType: "user",
      entityId: user.id,
      data: { email: user.email },
      ip: meta.ip,
      at: ctx.clock.now(),
    });
    const row = await findUserById(tx, user.id);
    if (!row) throw new Error("the new admin vanished");
    return { ok: true as const, user: row, session };
  });
  if (!outcome.ok) {
    await recordLoginFailure(ctx.db, ctx.clock, limiterKey, meta.ip);
    throw new AppError(
      403,
      "setup.token_invalid",
      "This setup link is not valid (mistyped, expired or from an older start). Use the newest link printed in the server log, or restart the app to print a new one.",
    );
  }
  return outcome;
}
