import { createHash, randomUUID } from "node:crypto";
import { and, eq, lt, lte } from "drizzle-orm";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../clock.js";
import { HOUR } from "../clock.js";
import type { Executor } from "../db/client.js";
import { idempotencyKeys } from "../db/schema/index.js";
import type { App } from "../deps.js";
import { AppError } from "./errors.js";

/**
 * `Idempotency-Key` on POST under /api (IETF httpapi draft "The Idempotency-Key HTTP Header
 * Field"): a client that retries a creation with the same key gets the first answer again instead
 * of a second ticket, comment, customer or SMS.
 *
 * The first request claims the key (one row per caller and key, INSERT … ON CONFLICT DO NOTHING,
 * so of 20 concurrent duplicates exactly one wins on any number of instances), runs, and its 2xx
 * answer is stored before it is sent. Meanwhile a duplicate gets 409; afterwards the same key and
 * body get the stored answer with `Idempotent-Replayed: true`; the same key with another method,
 * path or body gets 422. Error answers are not stored (the key is released): an error made no
 * change, so a retry simply runs again.
 *
 * The effect (the route's own transaction) and the stored answer are two writes. If the process
 * dies between them, the claim stays `in_flight` until `locked_until` (a minute) and a retry then
 * takes it over and runs again: at worst one duplicate after a crash, never a key stuck for a day.
 *
 * Every claim and takeover writes a new `claim_token`, and only the request holding the current
 * token may store its answer or release the key. A request that was merely slow (past the minute)
 * and finishes after a retry took its claim over still answers its own client, but its answer is
 * not stored and its error does not free the key: the key keeps the taker's answer, so later
 * retries replay that one. What a takeover cannot undo is the slow request's effect: both may
 * have run (at-least-once after a minute, the price of never leaving a key stuck).
 */

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/** How long a key is remembered (the draft's suggestion; also the web app's longest retry). */
export const IDEMPOTENCY_RETENTION_MS = 24 * HOUR;
/** An in-flight claim older than this was lost (a crash or a hung request): a retry may take it over. */
export const IDEMPOTENCY_LOCK_MS = 60_000;
/** 1–255 printable ASCII characters (a UUID is the usual choice). */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;
/** The response headers replayed with the stored body; per-request ones (rate limits) are not. */
const REPLAYED_HEADERS = ["content-type", "location"] as const;

declare module "fastify" {
  interface FastifyContextConfig {
    /** false: the route ignores Idempotency-Key (its answer holds a secret that must not be stored). */
    idempotency?: boolean;
  }
  interface FastifyRequest {
    idempotencyClaim: { caller: string; key: string; token: string } | null;
  }
}

/** The key of a request, with the draft's sf-string quotes or without; undefined when none. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (header === undefined) return undefined;
  const raw = Array.isArray(header) ? undefined : header;
  const key = raw && raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (key === undefined || !KEY_PATTERN.test(key)) {
    throw new AppError(
      400,
      "idempotency.key_invalid",
      "Idempotency-Key must be one value of 1 to 255 printable ASCII characters (a UUID, for example).",
    );
  }
  return key;
}

/** Keys are per caller: a session's user, or an API token (two tokens of one person are two callers). */
function callerOf(request: FastifyRequest): string | undefined {
  if (request.apiToken) return `token:${request.apiToken.id}`;
  if (request.session) return `user:${request.session.user.id}`;
  return undefined;
}

function fingerprintOf(request: FastifyRequest): string {
  return createHash("sha256")
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest("hex");
}

export function registerIdempotency(app: App): void {
  const { database, clock } = app.deps;
  app.decorateRequest("idempotencyClaim", null);

  app.addHook("preHandler", async (request, reply) => {
    if (request.method !== "POST" || !request.url.startsWith("/api/")) return;
    // Session-only routes (sign-in, setup, tokens) answer secrets that must not be stored.
    const { config } = request.routeOptions;
    if (config?.idempotency === false || config?.sessionOnly) return;
    const key = idempotencyKeyOf(request);
    const caller = callerOf(request);
    if (key === undefined || caller === undefined) return;
    return claimOrReplay(database.db, clock, request, reply, caller, key);
  });

  // Before @fastify/compress's onSend (registered later), so the payload is still the JSON text.
  app.addHook("onSend", async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = null;
    // Only while this request still holds the claim: after a takeover the key is the taker's.
    const where = and(
      eq(idempotencyKeys.caller, claim.caller),
      eq(idempotencyKeys.key, claim.key),
      eq(idempotencyKeys.claimToken, claim.token),
      eq(idempotencyKeys.state, "in_flight"),
    );
    const body = typeof payload === "string" ? payload : Buffer.isBuffer(payload) ? payload.toString("utf8") : null;
    if (reply.statusCode >= 200 && reply.statusCode < 300 && body !== null) {
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      await database.db
        .update(idempotencyKeys)
        .set({
          state: "completed",
          responseStatus: reply.statusCode,
          responseHeaders: JSON.stringify(headers),
          responseBody: body,
        })
        .where(where);
    } else {
      // An error changed nothing (or a streamed answer cannot be kept): free the key for a retry.
      await database.db.delete(idempotencyKeys).where(where);
    }
    return payload;
  });
}

async function claimOrReplay(
  db: Executor,
  clock: Clock,
  request: FastifyRequest,
  reply: FastifyReply,
  caller: string,
  key: string,
): Promise<FastifyReply | undefined> {
  const fingerprint = fingerprintOf(request);
  // Twice at most: the second pass follows the removal of a key older than the retention.
  for (let attempt = 0; attempt < 2; attempt++) {
    const now = clock.now();
    const lockedUntil = new Date(now.getTime() + IDEMPOTENCY_LOCK_MS);
    const where = and(eq(idempotencyKeys.caller, caller), eq(idempotencyKeys.key, key));
    const token = randomUUID();
    const claimed = await db
      .insert(idempotencyKeys)
      .values({ caller, key, fingerprint, state: "in_flight", lockedUntil, claimToken: token, createdAt: now })
      .onConflictDoNothing({ target: [idempotencyKeys.caller, idempotencyKeys.key] })
      .returning({ key: idempotencyKeys.key });
    if (claimed.length > 0) {
      request.idempotencyClaim = { caller, key, token };
      return undefined;
    }
    const [existing] = await db.select().from(idempotencyKeys).where(where).limit(1);
    if (!existing) continue; // released between the two statements: claim again
    if (existing.createdAt.getTime() <= now.getTime() - IDEMPOTENCY_RETENTION_MS) {
      await db
        .delete(idempotencyKeys)
        .where(and(where, lte(idempotencyKeys.createdAt, new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS))));
      continue;
    }
    if (existing.fingerprint !== fingerprint) {
      throw new AppError(
        422,
        "idempotency.key_reused",
        "This Idempotency-Key was already used for a different request (another address or body). Use a new key for a new request.",
      );
    }
    if (existing.state === "completed" && existing.responseStatus !== null) {
      const headers = JSON.parse(existing.responseHeaders ?? "{}") as Record<string, string>;
      return reply
        .code(existing.responseStatus)
        .headers({ ...headers, "idempotent-replayed": "true" })
        .send(existing.responseBody ?? "");
    }
    if (existing.lockedUntil.getTime() <= now.getTime()) {
      // The first attempt's claim was lost (a crash between its effect and its record) or it is
      // hung: take it over with a new token, so that attempt can no longer store or release.
      const taken = await db
        .update(idempotencyKeys)
        .set({ lockedUntil, claimToken: token, createdAt: now })
        .where(and(where, eq(idempotencyKeys.state, "in_flight"), lte(idempotencyKeys.lockedUntil, now)))
        .returning({ key: idempotencyKeys.key });
      if (taken.length > 0) {
        request.idempotencyClaim = { caller, key, token };
        return undefined;
      }
    }
    throw new AppError(
      409,
      "idempotency.in_flight",
      "A request with this Idempotency-Key is still being processed. Wait for its answer, then retry.",
      {},
      { "retry-after": "1" },
    );
  }
  throw new AppError(
    409,
    "idempotency.in_flight",
    "This Idempotency-Key is busy. Retry in a moment.",
    {},
    {
      "retry-after": "1",
    },
  );
}

/** Housekeeping (the maintenance schedule, src/server/maintenance.ts): forgets keys past the retention. */
export async function purgeOldIdempotencyKeys(db: Executor, clock: Clock): Promise<number> {
  const deleted = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, new Date(clock.now().getTime() - IDEMPOTENCY_RETENTION_MS)))
    .returning({ key: idempotencyKeys.key });
  return deleted.length;
}
