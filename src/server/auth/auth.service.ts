import { eq } from "drizzle-orm";
import type { Login, SessionInfo } from "../../shared/auth.js";
import { recordAudit } from "../audit/audit.service.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { users } from "../db/schema/index.js";
import { AppError } from "../http/errors.js";
import { burnPasswordCheck, verifyPassword } from "../users/users.passwords.js";
import { defaultPasswordAccounts, findUserByEmail, toUser } from "../users/users.service.js";
import { assertLoginAllowed, clearLoginFailures, recordLoginFailure } from "./login-limiter.js";
import { createSession, endSession, type SessionUser } from "./sessions.service.js";

export interface RequestMeta {
  ip: string;
  userAgent?: string;
}

/**
 * What the web app knows of its session (`GET /api/auth/me`, and the page's HTML, which carries it
 * so the first screen need not ask): the user, the CSRF token, and for admins the accounts still
 * on a published password.
 */
export async function sessionInfoOf(
  deps: { database: { db: Database }; config: { DEFAULT_COUNTRY: SessionInfo["defaultCountry"] } },
  user: SessionUser,
  csrfToken: string,
): Promise<SessionInfo> {
  return {
    user: toUser(user),
    csrfToken,
    defaultPasswordAccounts: user.role === "admin" ? await defaultPasswordAccounts(deps.database.db) : [],
    defaultCountry: deps.config.DEFAULT_COUNTRY,
  };
}

const INVALID_CREDENTIALS = () => new AppError(401, "auth.invalid_credentials", "Email or password is not correct.");

/**
 * Signs a user in: limiter first (before any password work), then the same 401 for an unknown
 * email, a wrong password or a deactivated account, so none can be told apart.
 */
export async function signIn(db: Database, clock: Clock, input: Login, meta: RequestMeta) {
  const email = input.email.trim().toLowerCase();
  await assertLoginAllowed(db, clock, email, meta.ip);
  const user = await findUserByEmail(db, email);
  let passwordOk = false;
  if (user) passwordOk = await verifyPassword(user.passwordHash, input.password);
  else await burnPasswordCheck(input.password);
  if (!user || !passwordOk || !user.active) {
    await db.transaction(async (tx) => {
      await recordLoginFailure(tx, clock, email, meta.ip);
      await recordAudit(tx, {
        actorId: user?.id ?? null,
        action: "auth.login_failed",
        entityType: "user",
        entityId: user?.id ?? null,
        data: { email, reason: !user ? "unknown_email" : !passwordOk ? "wrong_password" : "inactive" },
        ip: meta.ip,
        at: clock.now(),
      });
    });
    throw INVALID_CREDENTIALS();
  }
  return db.transaction(async (tx) => {
    await clearLoginFailures(tx, email);
    const session = await createSession(tx, clock, user.id, meta);
    const [updated] = await tx.update(users).set({ lastLoginAt: clock.now() }).where(eq(users.id, user.id)).returning();
    await recordAudit(tx, {
      actorId: user.id,
      action: "auth.login",
      entityType: "user",
      entityId: user.id,
      ip: meta.ip,
      at: clock.now(),
    });
    return { user: updated ?? user, session };
  });
}

export async function signOut(db: Database, sessionId: string, userId: string, meta: RequestMeta) {
  await db.transaction(async (tx) => {
    await endSession(tx, sessionId);
    await recordAudit(tx, {
      actorId: userId,
      action: "auth.logout",
      entityType: "user",
      entityId: userId,
      ip: meta.ip,
    });
  });
}
