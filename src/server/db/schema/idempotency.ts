import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * Idempotency-Key records (owned by http/idempotency.ts): per caller and key, the request's
 * fingerprint and, once answered, the response to replay for 24 hours.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    /** `user:<id>` for a session, `token:<id>` for an API token: keys are per caller. */
    caller: text("caller").notNull(),
    key: text("key").notNull(),
    /** SHA-256 of method, path and body. */
    fingerprint: text("fingerprint").notNull(),
    /** `in_flight` while the first request runs, then `completed`. */
    state: text("state").notNull(),
    /** An in-flight claim older than this was lost (a crash between effect and record): a retry may take it. */
    lockedUntil: timestamp("locked_until", { withTimezone: true }).notNull(),
    /**
     * Which request holds the claim: a new one at every claim and takeover. Only the holder may
     * store its answer or release the key, so a request whose claim was taken over cannot.
     */
    claimToken: uuid("claim_token").notNull().defaultRandom(),
    responseStatus: integer("response_status"),
    responseHeaders: text("response_headers"),
    responseBody: text("response_body"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    // The claim: one row per caller and key (INSERT … ON CONFLICT DO NOTHING).
    uniqueIndex("idempotency_keys_caller_key_key").on(t.caller, t.key),
    // The maintenance job deletes keys older than 24 hours.
    index("idempotency_keys_created_at_idx").on(t.createdAt),
  ],
);
