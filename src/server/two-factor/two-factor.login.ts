import type { PasskeyAssertion, SecondFactorCode } from "../../shared/two-factor.js";
import { recordAudit } from "../audit/audit.service.js";
import { completeSignIn, type RequestMeta } from "../auth/auth.service.js";
import { assertLoginAllowed, recordLoginFailure } from "../auth/login-limiter.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { AppError } from "../http/errors.js";
import {
  passkeyRefused,
  passkeySignInOptions,
  type RelyingParty,
  verifyPasskeyAssertion,
} from "./two-factor.passkeys.js";
import { consumePendingLogin, findPendingLogin, type PendingUser } from "./two-factor.pending.js";
import { countUnusedRecoveryCodes, spendRecoveryCode } from "./two-factor.recovery.js";
import { spendTotpCode } from "./two-factor.totp.js";

const accountKey = (user: PendingUser) => user.email.trim().toLowerCase();

/** A wrong second step counts against the account and the address like a wrong password. */
async function recordSecondStepFailure(
  db: Database,
  clock: Clock,
  key: string,
  user: PendingUser | null,
  meta: RequestMeta,
  method: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await recordLoginFailure(tx, clock, key, meta.ip);
    await recordAudit(tx, {
      actorId: user?.id ?? null,
      action: "auth.login_failed",
      entityType: "user",
      entityId: user?.id ?? null,
      data: { email: user?.email ?? null, reason: "wrong_second_factor", method },
      ip: meta.ip,
      at: clock.now(),
    });
  });
}

const WRONG_CODE = (method: SecondFactorCode["method"]) =>
  new AppError(
    401,
    "auth.second_factor_invalid",
    method === "totp"
      ? "The code is not correct, or was already used: wait for the next code in your authenticator app and enter it."
      : "This recovery code is not correct, or was already used.",
    {
      errors: [{ field: "code", message: method === "totp" ? "Code is not correct" : "Recovery code is not correct" }],
    },
  );

/** The second step with a code from the authenticator app, or a recovery code (spent). */
export async function completeSecondStepWithCode(
  db: Database,
  clock: Clock,
  pendingToken: string | undefined,
  input: { method: "totp" | "recovery_code"; code: string },
  meta: RequestMeta,
) {
  const pending = await findPendingLogin(db, clock, pendingToken);
  await assertLoginAllowed(db, clock, accountKey(pending.user), meta.ip);
  const result = await db.transaction(async (tx) => {
    const userId = pending.user.id;
    const ok =
      input.method === "totp"
        ? await spendTotpCode(tx, clock, userId, input.code, "confirmed")
        : await spendRecoveryCode(tx, clock, userId, input.code);
    if (!ok) return null;
    await consumePendingLogin(tx, pending.id);
    if (input.method === "recovery_code") {
      await recordAudit(tx, {
        actorId: userId,
        action: "two_factor.recovery_code_used",
        entityType: "user",
        entityId: userId,
        data: { left: await countUnusedRecoveryCodes(tx, userId) },
        ip: meta.ip,
        at: clock.now(),
      });
    }
    return completeSignIn(tx, clock, pending.user, meta, input.method);
  });
  if (!result) {
    await recordSecondStepFailure(db, clock, accountKey(pending.user), pending.user, meta, input.method);
    throw WRONG_CODE(input.method);
  }
  return result;
}

/** The challenge for a passkey as the second step of a pending sign-in. */
export async function secondStepPasskeyOptions(
  db: Database,
  clock: Clock,
  rp: RelyingParty,
  pendingToken: string | undefined,
) {
  const pending = await findPendingLogin(db, clock, pendingToken);
  return passkeySignInOptions(db, clock, rp, { userId: pending.user.id, pendingLoginId: pending.id });
}

/** The second step with one of the person's passkeys. */
export async function completeSecondStepWithPasskey(
  db: Database,
  clock: Clock,
  rp: RelyingParty,
  pendingToken: string | undefined,
  assertion: PasskeyAssertion,
  meta: RequestMeta,
) {
  const pending = await findPendingLogin(db, clock, pendingToken);
  await assertLoginAllowed(db, clock, accountKey(pending.user), meta.ip);
  const owner = { userId: pending.user.id, pendingLoginId: pending.id };
  const verified = await verifyPasskeyAssertion(db, clock, rp, assertion, owner);
  if (!verified.user) {
    await recordSecondStepFailure(db, clock, accountKey(pending.user), pending.user, meta, "passkey");
    throw passkeyRefused();
  }
  return db.transaction(async (tx) => {
    await consumePendingLogin(tx, pending.id);
    return completeSignIn(tx, clock, pending.user, meta, "passkey");
  });
}

/**
 * A password-less sign-in with a discoverable passkey that verified its person (PIN or biometrics):
 * both factors at once. Failures count against the address (and the credential id as the account);
 * an account locked by wrong passwords or codes stays locked.
 */
export async function signInWithPasskey(
  db: Database,
  clock: Clock,
  rp: RelyingParty,
  assertion: PasskeyAssertion,
  meta: RequestMeta,
) {
  const anonymousKey = `passkey:${assertion.id.slice(0, 200)}`;
  await assertLoginAllowed(db, clock, anonymousKey, meta.ip);
  const verified = await verifyPasskeyAssertion(db, clock, rp, assertion, null);
  if (!verified.user?.active) {
    await recordSecondStepFailure(db, clock, anonymousKey, verified.user, meta, "passwordless_passkey");
    throw passkeyRefused();
  }
  const user = verified.user;
  await assertLoginAllowed(db, clock, accountKey(user), meta.ip);
  return db.transaction((tx) => completeSignIn(tx, clock, user, meta, "passwordless_passkey"));
}
