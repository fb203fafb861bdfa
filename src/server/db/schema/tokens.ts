import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./users.js";

/**
 * API tokens (owned by tokens/): `Authorization: Bearer upl_…` for integrations. Only the SHA-256
 * of the secret is kept, so a leaked table hands out no working token. Revoked tokens stay (the
 * audit log names them); the rate-limit counter lives on the row, so every instance sharing the
 * database counts the same requests.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** `read`, `write`, `admin` (shared/tokens.ts). */
    scopes: text("scopes").array().notNull(),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    lastUsedIp: text("last_used_ip"),
    /** Fixed-window rate limit: the minute being counted and the requests in it. */
    rateWindowStart: timestamp("rate_window_start", { withTimezone: true }),
    rateCount: integer("rate_count").notNull().default(0),
  },
  (t) => [
    // Every token request looks its token up by hash.
    uniqueIndex("api_tokens_token_hash_key").on(t.tokenHash),
    // Settings → API tokens lists a user's tokens; also the FK index.
    index("api_tokens_user_id_idx").on(t.userId, t.createdAt),
    // FK index (deleting a user).
    index("api_tokens_created_by_id_idx").on(t.createdById),
  ],
);
