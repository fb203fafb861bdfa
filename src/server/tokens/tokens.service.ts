import { randomBytes } from "node:crypto";
import { and, desc, eq, gt, inArray, isNull, or, sql } from "drizzle-orm";
import type { UserRole } from "../../shared/enums.js";
import {
  type ApiToken,
  type CreateApiToken,
  type CreatedApiToken,
  scopesAllowedFor,
  TOKEN_SCOPES,
  type TokenScope,
} from "../../shared/tokens.js";
import { recordAudit } from "../audit/audit.service.js";
import { sha256 } from "../auth/tokens.js";
import { MINUTE } from "../clock.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { apiTokens, users } from "../db/schema/index.js";
import { AppError, fieldError, forbidden, notFound } from "../http/errors.js";
import { endLiveStreams } from "../live/live.publish.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 62^43 > 2^256: 43 base62 digits hold 32 bytes, left-padded so every token has the same length. */
const TOKEN_DIGITS = 43;

/** A new secret: `upl_` + 32 random bytes in base62 (secret scanners match the prefix and length). */
export function newTokenSecret(): string {
  let value = BigInt(`0x${randomBytes(32).toString("hex")}`);
  let digits = "";
  while (value > 0n) {
    digits = BASE62[Number(value % 62n)] + digits;
    value /= 62n;
  }
  return `upl_${digits.padStart(TOKEN_DIGITS, "0")}`;
}

type TokenRow = typeof apiTokens.$inferSelect;

function toApiToken(row: TokenRow, owner: { id: string; name: string }): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes.filter((scope): scope is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(scope)),
    user: owner,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    lastUsedIp: row.lastUsedIp,
  };
}

/** The caller as the token routes need them: who, and with which role. */
export interface TokenCaller {
  actor: Actor;
  role: UserRole;
}

/**
 * Creates a token for the caller, or (admins) for another staff member. Its scopes never exceed
 * what the owner's role allows. The secret is returned this once; only its SHA-256 is kept.
 */
export async function createApiToken(
  ctx: ServiceContext,
  caller: TokenCaller,
  input: CreateApiToken,
): Promise<CreatedApiToken> {
  const ownerId = input.userId ?? caller.actor.id;
  if (!ownerId) throw forbidden();
  if (ownerId !== caller.actor.id && caller.role !== "admin") {
    throw forbidden("Only admins can create tokens for other staff members.");
  }
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= ctx.clock.now().getTime()) {
    throw fieldError("token.expiry_past", "expiresAt", "Expiry must be in the future");
  }
  return inTransaction(ctx, async ({ db }) => {
    const [owner] = await db
      .select({ id: users.id, name: users.name, role: users.role, active: users.active })
      .from(users)
      .where(eq(users.id, ownerId))
      .limit(1);
    if (!owner) throw fieldError("token.user_not_found", "userId", "userId: no staff member has this id");
    if (!owner.active) throw fieldError("token.user_inactive", "userId", "userId: this staff account is deactivated");
    // A token acts as its owner in the audit log: one admin must not be able to act as another.
    if (owner.id !== caller.actor.id && owner.role === "admin") {
      throw forbidden("Admins create their own tokens; a token for another admin would act in their name.");
    }
    const allowed = scopesAllowedFor(owner.role);
    const refused = input.scopes.filter((scope) => !allowed.includes(scope));
    if (refused.length > 0) {
      throw fieldError(
        "token.scope_not_allowed",
        "scopes",
        `Scopes: a ${owner.role}'s token cannot hold ${refused.join(", ")} (allowed: ${allowed.join(", ")})`,
      );
    }
    const secret = newTokenSecret();
    const [row] = await db
      .insert(apiTokens)
      .values({
        userId: owner.id,
        name: input.name,
        tokenHash: sha256(secret),
        scopes: [...input.scopes],
        createdById: caller.actor.id,
        createdAt: ctx.clock.now(),
        expiresAt,
      })
      .returning();
    if (!row) throw new Error("token insert returned no row");
    await recordAudit(db, {
      actorId: caller.actor.id,
      action: "token.create",
      entityType: "api_token",
      entityId: row.id,
      data: { name: row.name, scopes: row.scopes, userId: owner.id, expiresAt: expiresAt?.toISOString() ?? null },
      ip: caller.actor.ip,
    });
    return { ...toApiToken(row, { id: owner.id, name: owner.name }), token: secret };
  });
}

/** Tokens, newest first: the caller's own, or (admins) everyone's or one staff member's. */
export async function listApiTokens(
  db: Executor,
  caller: TokenCaller,
  query: { userId?: string },
): Promise<ApiToken[]> {
  if (query.userId && query.userId !== caller.actor.id && caller.role !== "admin") {
    throw forbidden("Only admins can see other staff members' tokens.");
  }
  const userId = caller.role === "admin" ? query.userId : (caller.actor.id ?? undefined);
  const rows = await db
    .select({ token: apiTokens, owner: { id: users.id, name: users.name } })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(userId ? eq(apiTokens.userId, userId) : undefined)
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
    .limit(1000);
  return rows.map(({ token, owner }) => toApiToken(token, owner));
}

/** Revokes a token at once (its next request gets 401). Owners revoke their own; admins any. */
export async function revokeApiToken(ctx: ServiceContext, caller: TokenCaller, id: string): Promise<void> {
  await inTransaction(ctx, async ({ db }) => {
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id)).limit(1);
    if (!row || (row.userId !== caller.actor.id && caller.role !== "admin")) {
      throw notFound("token.not_found", "The API token");
    }
    if (row.revokedAt) return;
    await db.update(apiTokens).set({ revokedAt: ctx.clock.now() }).where(eq(apiTokens.id, id));
    await recordAudit(db, {
      actorId: caller.actor.id,
      action: "token.revoke",
      entityType: "api_token",
      entityId: id,
      data: { name: row.name, userId: row.userId },
      ip: caller.actor.ip,
    });
    await endLiveStreams(db, { tokenId: id });
  });
}

/**
 * Which of these tokens still work (not revoked or expired, their owner active): the live streams
 * re-check theirs with it, one query for all of an instance's streams.
 */
export async function liveTokenIds(db: Executor, now: Date, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        inArray(apiTokens.id, [...ids]),
        isNull(apiTokens.revokedAt),
        eq(users.active, true),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
      ),
    );
  return new Set(rows.map((row) => row.id));
}

/** A token that authenticated: its owner (active) and scopes. */
export interface AuthenticatedToken {
  id: string;
  name: string;
  scopes: readonly TokenScope[];
  user: typeof users.$inferSelect;
}

/**
 * The live token behind a bearer secret, or undefined (unknown, revoked, expired, or its owner
 * deactivated: checked here, at every request, so deactivation takes effect at once).
 */
export async function findApiToken(db: Executor, now: Date, secret: string): Promise<AuthenticatedToken | undefined> {
  const [row] = await db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, sha256(secret)))
    .limit(1);
  if (!row || row.token.revokedAt || !row.user.active) return undefined;
  if (row.token.expiresAt && row.token.expiresAt.getTime() <= now.getTime()) return undefined;
  return {
    id: row.token.id,
    name: row.token.name,
    scopes: toApiToken(row.token, row.user).scopes,
    user: row.user,
  };
}

export const RATE_WINDOW_MS = MINUTE;
/** last_used_at/ip change at most this often, so the row is not rewritten with a new time every request. */
const LAST_USED_RESOLUTION_MS = MINUTE;

/**
 * Counts one request against the token's fixed one-minute window and notes when and from where
 * it was used. One single-row UPDATE in the shared database, so several instances count together
 * (an in-process counter would let each instance grant the full limit).
 */
export async function countTokenRequest(
  db: Executor,
  now: Date,
  tokenId: string,
  ip: string,
): Promise<{ count: number; windowStart: Date }> {
  const windowStart = new Date(Math.floor(now.getTime() / RATE_WINDOW_MS) * RATE_WINDOW_MS);
  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  const stale = sql`(${apiTokens.lastUsedAt} is null or ${apiTokens.lastUsedAt} < ${staleBefore} or ${apiTokens.lastUsedIp} is distinct from ${ip})`;
  const [row] = await db
    .update(apiTokens)
    .set({
      rateCount: sql`case when ${apiTokens.rateWindowStart} = ${windowStart} then ${apiTokens.rateCount} + 1 else 1 end`,
      rateWindowStart: windowStart,
      lastUsedAt: sql`case when ${stale} then ${now}::timestamptz else ${apiTokens.lastUsedAt} end`,
      lastUsedIp: sql`case when ${stale} then ${ip} else ${apiTokens.lastUsedIp} end`,
    })
    .where(and(eq(apiTokens.id, tokenId)))
    .returning({ count: apiTokens.rateCount });
  if (!row) throw new AppError(401, "token.invalid", "The API token is not valid.");
  return { count: row.count, windowStart };
}
