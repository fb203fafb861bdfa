import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { UserRole } from "../../shared/enums.js";
import type { TwoFactorPolicy, TwoFactorPolicySetting } from "../../shared/two-factor.js";
import { recordAudit } from "../audit/audit.service.js";
import type { Config } from "../config.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import { type Executor, queryRows } from "../db/client.js";
import { writeSetting } from "../db/config-cache.js";
import { passkeys, settings, totpAuthenticators } from "../db/schema/index.js";
import { AppError } from "../http/errors.js";

/** The `settings` row holding who must use two-factor sign-in (owned by two-factor/). */
export const TWO_FACTOR_POLICY_KEY = "require_two_factor";

/**
 * Who must have a second factor. REQUIRE_2FA, when the environment sets it, decides (an operator
 * can pin it, and a hijacked admin session cannot turn it off); unset, the admins' setting does.
 */
export async function readTwoFactorPolicy(
  db: Executor,
  config: Pick<Config, "REQUIRE_2FA">,
): Promise<TwoFactorPolicySetting> {
  if (config.REQUIRE_2FA) return { policy: config.REQUIRE_2FA, fromEnvironment: true };
  const [row] = await db
    .select({ value: settings.value })
    .from(settings)
    .where(eq(settings.key, TWO_FACTOR_POLICY_KEY));
  const stored = (row?.value as { policy?: TwoFactorPolicy } | undefined)?.policy;
  return { policy: stored === "admins" || stored === "all" ? stored : "off", fromEnvironment: false };
}

export async function updateTwoFactorPolicy(
  ctx: ServiceContext,
  actor: Actor,
  policy: TwoFactorPolicy,
): Promise<TwoFactorPolicySetting> {
  if (ctx.config.REQUIRE_2FA) {
    throw new AppError(
      409,
      "two_factor.policy_from_environment",
      `REQUIRE_2FA=${ctx.config.REQUIRE_2FA} is set in the server's environment and decides this; change it there (or unset it) to choose here.`,
    );
  }
  return inTransaction(ctx, async ({ db: tx }) => {
    const now = ctx.clock.now();
    const value = { policy };
    await writeSetting(tx, TWO_FACTOR_POLICY_KEY, value, actor, now);
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "settings.require_two_factor",
      entityType: "settings",
      data: value,
      ip: actor.ip,
      at: now,
    });
    return { policy, fromEnvironment: false };
  });
}

export const policyCovers = (policy: TwoFactorPolicy, role: UserRole) =>
  policy === "all" || (policy === "admins" && role === "admin");

/** Whether sign-in asks this person for a second step: a confirmed authenticator app or a passkey. */
export async function hasSecondFactor(db: Executor, userId: string): Promise<boolean> {
  const [row] = await queryRows<{ enrolled: boolean }>(
    db,
    sql`select exists (select 1 from ${totpAuthenticators}
          where ${and(eq(totpAuthenticators.userId, userId), isNotNull(totpAuthenticators.confirmedAt))})
        or exists (select 1 from ${passkeys} where ${eq(passkeys.userId, userId)}) as enrolled`,
  );
  return row?.enrolled === true;
}

/** Whether the policy requires a second factor of this person and they have none yet. */
export async function mustEnrolSecondFactor(
  db: Executor,
  config: Pick<Config, "REQUIRE_2FA">,
  user: { id: string; role: UserRole },
): Promise<boolean> {
  const { policy } = await readTwoFactorPolicy(db, config);
  return policyCovers(policy, user.role) && !(await hasSecondFactor(db, user.id));
}
