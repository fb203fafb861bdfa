import { and, eq, isNotNull } from "drizzle-orm";
import type {
  AddPasskey,
  PasskeyAdded,
  PasswordConfirmation,
  RecoveryCodes,
  TotpSetup,
  TwoFactorStatus,
} from "../../shared/two-factor.js";
import { recordAudit } from "../audit/audit.service.js";
import { endUserSessions } from "../auth/sessions.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import { pendingLogins, totpAuthenticators } from "../db/schema/index.js";
import { AppError, fieldError, notFound } from "../http/errors.js";
import { verifyPassword } from "../users/users.passwords.js";
import { findUserById } from "../users/users.service.js";
import {
  listPasskeys,
  type RelyingParty,
  registerPasskey,
  removeAllPasskeys,
  removePasskey,
} from "./two-factor.passkeys.js";
import { hasSecondFactor, policyCovers, readTwoFactorPolicy } from "./two-factor.policy.js";
import { countUnusedRecoveryCodes, removeRecoveryCodes, replaceRecoveryCodes } from "./two-factor.recovery.js";
import { hasConfirmedTotp, removeTotp, setUpTotp, spendTotpCode } from "./two-factor.totp.js";

async function signedInUser(ctx: ServiceContext, actor: Actor) {
  if (!actor.id) throw new AppError(401, "auth.required", "Sign in to continue.");
  const user = await findUserById(ctx.db, actor.id);
  if (!user) throw notFound("user.not_found", "Your account");
  return user;
}

export async function twoFactorStatus(ctx: ServiceContext, actor: Actor): Promise<TwoFactorStatus> {
  const user = await signedInUser(ctx, actor);
  const [totp] = await ctx.db
    .select({ confirmedAt: totpAuthenticators.confirmedAt })
    .from(totpAuthenticators)
    .where(and(eq(totpAuthenticators.userId, user.id), isNotNull(totpAuthenticators.confirmedAt)));
  const keys = await listPasskeys(ctx.db, user.id);
  const { policy } = await readTwoFactorPolicy(ctx.db, ctx.config);
  return {
    enabled: totp !== undefined || keys.length > 0,
    totp: { enabled: totp !== undefined, confirmedAt: totp?.confirmedAt?.toISOString() ?? null },
    passkeys: keys,
    recoveryCodesLeft: await countUnusedRecoveryCodes(ctx.db, user.id),
    required: policyCovers(policy, user.role),
  };
}

/** A new authenticator app secret (not in use until a first code confirms it). */
export async function startTotpSetup(ctx: ServiceContext, actor: Actor): Promise<TotpSetup> {
  const user = await signedInUser(ctx, actor);
  if (await hasConfirmedTotp(ctx.db, user.id)) {
    throw new AppError(
      409,
      "two_factor.totp_exists",
      "An authenticator app is already set up: remove it first (with your password) to set up another.",
    );
  }
  return setUpTotp(ctx.db, ctx.clock, user, issuerName(ctx));
}

/** The issuer an authenticator app lists the account under: Uplink and the site's host. */
function issuerName(ctx: ServiceContext): string {
  const host = ctx.config.PUBLIC_URL ? new URL(ctx.config.PUBLIC_URL).host : undefined;
  return host ? `Uplink (${host})` : "Uplink";
}

/**
 * The first code from the app proves it holds the secret: the app is in use from now on. With it
 * the first second factor, the person gets their recovery codes (shown once).
 */
export async function confirmTotp(
  ctx: ServiceContext,
  actor: Actor,
  code: string,
): Promise<{ recoveryCodes: string[] | null }> {
  const user = await signedInUser(ctx, actor);
  return inTransaction(ctx, async ({ db: tx }) => {
    const hadFactor = await hasSecondFactor(tx, user.id);
    const ok = await spendTotpCode(tx, ctx.clock, user.id, code, "pending");
    if (!ok) {
      throw fieldError(
        "two_factor.code_invalid",
        "code",
        "Code is not correct: enter the 6-digit code your authenticator app shows now",
      );
    }
    const codes = hadFactor ? null : await replaceRecoveryCodes(tx, ctx.clock, user.id);
    await recordAudit(tx, {
      actorId: user.id,
      action: "two_factor.totp_enabled",
      entityType: "user",
      entityId: user.id,
      ip: actor.ip,
      at: ctx.clock.now(),
    });
    return { recoveryCodes: codes };
  });
}

async function assertPassword(ctx: ServiceContext, actor: Actor, input: PasswordConfirmation) {
  const user = await signedInUser(ctx, actor);
  if (!(await verifyPassword(user.passwordHash, input.password))) {
    throw fieldError("two_factor.password_wrong", "password", "Password is not correct");
  }
  return user;
}

/**
 * Refuses to take away a person's last second factor while the policy requires one: they would be
 * sent straight back to set one up.
 */
async function assertNotLastRequiredFactor(
  ctx: ServiceContext,
  user: { id: string; role: "admin" | "agent" | "technician" },
) {
  const { policy } = await readTwoFactorPolicy(ctx.db, ctx.config);
  if (policyCovers(policy, user.role) && !(await hasSecondFactor(ctx.db, user.id))) {
    throw new AppError(
      409,
      "two_factor.required_by_policy",
      "Two-factor sign-in is required for your account: set up another method (an authenticator app or a passkey) before removing this one.",
    );
  }
}

/** Removes the authenticator app (password required); with no factor left, the recovery codes go too. */
export async function disableTotp(ctx: ServiceContext, actor: Actor, input: PasswordConfirmation): Promise<void> {
  const user = await assertPassword(ctx, actor, input);
  await inTransaction(ctx, async (tx) => {
    const removed = await removeTotp(tx.db, user.id);
    if (!removed) throw notFound("two_factor.totp_not_found", "An authenticator app");
    await assertNotLastRequiredFactor(tx, user);
    if (!(await hasSecondFactor(tx.db, user.id))) await removeRecoveryCodes(tx.db, user.id);
    await recordAudit(tx.db, {
      actorId: user.id,
      action: "two_factor.totp_disabled",
      entityType: "user",
      entityId: user.id,
      ip: actor.ip,
      at: ctx.clock.now(),
    });
  });
}

/** Ten new recovery codes (password required); the old ones stop working. */
export async function regenerateRecoveryCodes(
  ctx: ServiceContext,
  actor: Actor,
  input: PasswordConfirmation,
): Promise<RecoveryCodes> {
  const user = await assertPassword(ctx, actor, input);
  return inTransaction(ctx, async ({ db: tx }) => {
    if (!(await hasSecondFactor(tx, user.id))) {
      throw new AppError(
        409,
        "two_factor.not_enabled",
        "Recovery codes go with two-factor sign-in: set up an authenticator app or a passkey first.",
      );
    }
    const codes = await replaceRecoveryCodes(tx, ctx.clock, user.id);
    await recordAudit(tx, {
      actorId: user.id,
      action: "two_factor.recovery_codes_regenerated",
      entityType: "user",
      entityId: user.id,
      ip: actor.ip,
      at: ctx.clock.now(),
    });
    return { recoveryCodes: codes };
  });
}

export async function addPasskey(
  ctx: ServiceContext,
  actor: Actor,
  rp: RelyingParty,
  input: AddPasskey,
): Promise<PasskeyAdded> {
  const user = await signedInUser(ctx, actor);
  return inTransaction(ctx, async ({ db: tx }) => {
    const hadFactor = await hasSecondFactor(tx, user.id);
    const passkey = await registerPasskey(tx, ctx.clock, rp, user.id, input);
    const codes = hadFactor ? null : await replaceRecoveryCodes(tx, ctx.clock, user.id);
    await recordAudit(tx, {
      actorId: user.id,
      action: "two_factor.passkey_added",
      entityType: "user",
      entityId: user.id,
      data: { passkeyId: passkey.id, name: passkey.name },
      ip: actor.ip,
      at: ctx.clock.now(),
    });
    return { passkey, recoveryCodes: codes };
  });
}

export async function deletePasskey(
  ctx: ServiceContext,
  actor: Actor,
  passkeyId: string,
  input: PasswordConfirmation,
): Promise<void> {
  const user = await assertPassword(ctx, actor, input);
  await inTransaction(ctx, async (tx) => {
    const removed = await removePasskey(tx.db, user.id, passkeyId);
    if (!removed) throw notFound("two_factor.passkey_not_found", "This passkey");
    await assertNotLastRequiredFactor(tx, user);
    if (!(await hasSecondFactor(tx.db, user.id))) await removeRecoveryCodes(tx.db, user.id);
    await recordAudit(tx.db, {
      actorId: user.id,
      action: "two_factor.passkey_removed",
      entityType: "user",
      entityId: user.id,
      data: { passkeyId, name: removed.name },
      ip: actor.ip,
      at: ctx.clock.now(),
    });
  });
}

/**
 * An admin's reset of a staff member's second factor (a lost phone): the authenticator app,
 * passkeys and recovery codes go, and so do the person's sessions and pending sign-ins (whoever
 * holds the lost device is signed out). They sign in with the password next, and set up again
 * (at once, when the policy requires it).
 */
export async function resetTwoFactor(ctx: ServiceContext, actor: Actor, userId: string): Promise<void> {
  const target = await findUserById(ctx.db, userId);
  if (!target) throw notFound("user.not_found", "This staff account");
  if (target.id === actor.id) {
    throw new AppError(
      409,
      "two_factor.reset_self",
      "You cannot reset your own second factor here: change it on your profile, or ask another admin.",
    );
  }
  await inTransaction(ctx, async ({ db: tx }) => {
    const totp = await removeTotp(tx, target.id);
    const removedPasskeys = await removeAllPasskeys(tx, target.id);
    await removeRecoveryCodes(tx, target.id);
    await tx.delete(pendingLogins).where(eq(pendingLogins.userId, target.id));
    await endUserSessions(tx, target.id);
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "two_factor.reset",
      entityType: "user",
      entityId: target.id,
      data: { totp, passkeys: removedPasskeys },
      ip: actor.ip,
      at: ctx.clock.now(),
    });
  });
}
