import { eq } from "drizzle-orm";
import type { Login, SessionInfo } from "../../shared/auth.js";
import type { SecondFactorMethod, TwoFactorPolicy } from "../../shared/two-factor.js";
import { recordAudit } from "../audit/audit.service.js";
import type { Clock } from "../clock.js";
import type { Database, Executor } from "../db/client.js";
import { users } from "../db/schema/index.js";
import { AppError } from "../http/errors.js";
import { startSecondStep } from "../two-factor/two-factor.pending.js";
import { mustEnrolSecondFactor } from "../two-factor/two-factor.policy.js";
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
 * so the first screen need not ask): the user, the CSRF token, for admins the accounts still on a
 * published password, and whether the person must set up two-factor sign-in before anything else.
 */
export async function sessionInfoOf(
  deps: {
    database: { db: Database };
    config: { DEFAULT_COUNTRY: SessionInfo["defaultCountry"]; TIME_ZONE: string; REQUIRE_2FA?: TwoFactorPolicy };
  },
  user: SessionUser,
  csrfToken: string,
): Promise<SessionInfo> {
  return {
    user: toUser(user),
    csrfToken,
    defaultPasswordAccounts: user.role === "admin" ? await defaultPasswordAccounts(deps.database.db) : [],
    defaultCountry: deps.config.DEFAULT_COUNTRY,
    timeZone: deps.config.TIME_ZONE,
    twoFactorEnrolmentRequired: await mustEnrolSecondFactor(deps.database.db, deps.config, user),
  };
}

const INVALID_CREDENTIALS = () => new AppError(401, "auth.invalid_credentials", "Email or password is not correct.");

/**
 * Signs a user in: limiter first (before any password work), then the same 401 for an unknown
 * email, a wrong password or a deactivated account, so none can be told apart. With a second
 * factor set up, a right password only opens a pending sign-in (two-factor/): no session, and the
 * failures counted so far stay counted until the second step succeeds.
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
    const secondStep = await startSecondStep(tx, clock, user, meta);
    if (secondStep) return { kind: "second_factor" as const, ...secondStep };
    return { kind: "session" as const, ...(await completeSignIn(tx, clock, user, meta)) };
  });
}

/**
 * The end of every successful sign-in (password alone, password and second step, or a passkey):
 * the limiter's count for the account cleared, a session, the last sign-in time and the audit row.
 */
export async function completeSignIn(
  tx: Executor,
  clock: Clock,
  user: SessionUser,
  meta: RequestMeta,
  secondFactor?: SecondFactorMethod | "passwordless_passkey",
) {
  await clearLoginFailures(tx, user.email.trim().toLowerCase());
  const session = await createSession(tx, clock, user.id, meta);
  const [updated] = await tx.update(users).set({ lastLoginAt: clock.now() }).where(eq(users.id, user.id)).returning();
  await recordAudit(tx, {
    actorId: user.id,
    action: "auth.login",
    entityType: "user",
    entityId: user.id,
    ...(secondFactor ? { data: { method: secondFactor } } : {}),
    ip: meta.ip,
    at: clock.now(),
  });
  return { user: updated ?? user, session };
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
