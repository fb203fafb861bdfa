import { and, eq, gt, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { SecondFactorMethod, SecondFactorRequired } from "../../shared/two-factor.js";
import { randomToken, sha256 } from "../auth/tokens.js";
import type { Clock } from "../clock.js";
import { MINUTE } from "../clock.js";
import type { Executor } from "../db/client.js";
import { passkeys, pendingLogins, recoveryCodes, totpAuthenticators, users } from "../db/schema/index.js";
import { AppError } from "../http/errors.js";

/** How long the second step may take after the password: enough to find a phone, not for a coffee. */
export const PENDING_LOGIN_TTL_MS = 5 * MINUTE;

export type PendingUser = typeof users.$inferSelect;

/** The second steps a person can answer with (none: sign-in needs no second step). */
export async function secondFactorMethods(db: Executor, userId: string): Promise<SecondFactorMethod[]> {
  const [totp] = await db
    .select({ userId: totpAuthenticators.userId })
    .from(totpAuthenticators)
    .where(and(eq(totpAuthenticators.userId, userId), isNotNull(totpAuthenticators.confirmedAt)));
  const [passkey] = await db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, userId)).limit(1);
  if (!totp && !passkey) return [];
  const [codes] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  const methods: SecondFactorMethod[] = [];
  if (totp) methods.push("totp");
  if (passkey) methods.push("passkey");
  if ((codes?.n ?? 0) > 0) methods.push("recovery_code");
  return methods;
}

/**
 * After a right password: when the person has a second factor, a pending sign-in (no session) whose
 * token goes in a short-lived cookie; otherwise null and the caller signs them in.
 */
export async function startSecondStep(
  db: Executor,
  clock: Clock,
  user: PendingUser,
  meta: { ip: string; userAgent?: string },
): Promise<{ token: string; answer: SecondFactorRequired } | null> {
  const methods = await secondFactorMethods(db, user.id);
  if (methods.length === 0) return null;
  const now = clock.now();
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + PENDING_LOGIN_TTL_MS);
  await db.delete(pendingLogins).where(lt(pendingLogins.expiresAt, now));
  await db.insert(pendingLogins).values({
    id: sha256(token),
    userId: user.id,
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 500),
    createdAt: now,
    expiresAt,
  });
  return { token, answer: { secondFactor: { methods, expiresAt: expiresAt.toISOString() } } };
}

const PENDING_EXPIRED = () =>
  new AppError(
    401,
    "auth.second_factor_expired",
    "This sign-in has expired or was already used: enter your email and password again.",
  );

/** The pending sign-in behind the cookie and its user (active), or 401. */
export async function findPendingLogin(
  db: Executor,
  clock: Clock,
  token: string | undefined,
): Promise<{ id: string; user: PendingUser }> {
  if (!token || token.length < 20 || token.length > 100) throw PENDING_EXPIRED();
  const [row] = await db
    .select({ id: pendingLogins.id, user: users })
    .from(pendingLogins)
    .innerJoin(users, eq(users.id, pendingLogins.userId))
    .where(and(eq(pendingLogins.id, sha256(token)), gt(pendingLogins.expiresAt, clock.now())))
    .limit(1);
  if (!row?.user.active) throw PENDING_EXPIRED();
  return row;
}

/**
 * Spends a pending sign-in (its second step succeeded): deleted in the caller's transaction, so two
 * concurrent answers to one pending sign-in make one session at most.
 */
export async function consumePendingLogin(db: Executor, id: string): Promise<void> {
  const deleted = await db.delete(pendingLogins).where(eq(pendingLogins.id, id)).returning({ id: pendingLogins.id });
  if (deleted.length === 0) throw PENDING_EXPIRED();
}
