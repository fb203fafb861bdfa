import { sql } from "drizzle-orm";
import { bigint, boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { userRole } from "./enums.js";

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    phone: text("phone"),
    role: userRole("role").notNull(),
    passwordHash: text("password_hash").notNull(),
    active: boolean("active").notNull().default(true),
    // True for a seeded account until its password is changed: admins see a warning meanwhile.
    defaultPassword: boolean("default_password").notNull().default(false),
    lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    // Sign-in looks users up by email regardless of case; also enforces case-insensitive uniqueness.
    uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`),
  ],
);

export const sessions = pgTable(
  "sessions",
  {
    // SHA-256 of the cookie token: a leaked table does not hand out live sessions.
    id: text("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    csrfToken: text("csrf_token").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [
    // Ending every session of a user (deactivation, password change).
    index("sessions_user_id_idx").on(t.userId),
  ],
);

export const loginFailures = pgTable(
  "login_failures",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    email: text("email").notNull(),
    ip: text("ip").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    // The limiter counts recent failures per account and per address.
    index("login_failures_email_idx").on(t.email, t.createdAt),
    index("login_failures_ip_idx").on(t.ip, t.createdAt),
  ],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id"),
    data: jsonb("data").$type<Record<string, unknown>>(),
    ip: text("ip"),
    /** The API token the change came through (api_tokens.id; tokens are revoked, never deleted). */
    tokenId: uuid("token_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // "What did this token do" (Settings → API tokens, an investigation); most rows have none.
    index("audit_log_token_idx").on(t.tokenId, t.createdAt).where(sql`${t.tokenId} is not null`),
    // History of one record (a customer's or a user's changes).
    index("audit_log_entity_idx").on(t.entityType, t.entityId, t.createdAt),
    // FK index; "what did this person do".
    index("audit_log_actor_idx").on(t.actorId, t.createdAt),
    // The audit log screen (audit/audit.query.ts), newest first, keyset on (created_at, id): the whole
    // log and a time range; a filter on a common action or record type walks it too.
    index("audit_log_created_idx").on(t.createdAt, t.id),
    // The screen filtered to one action (a rare one, such as user.password_reset, in 2,000,000 rows).
    index("audit_log_action_idx").on(t.action, t.createdAt, t.id),
    // The screen filtered to one kind of record (all webhook changes).
    index("audit_log_entity_type_idx").on(t.entityType, t.createdAt, t.id),
  ],
);

export const settings = pgTable(
  "settings",
  {
    key: text("key").primaryKey(),
    value: jsonb("value").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedById: uuid("updated_by_id").references(() => users.id, { onDelete: "set null" }),
  },
  // FK index (tiny table, but deleting a user scans it otherwise).
  (t) => [index("settings_updated_by_id_idx").on(t.updatedById)],
);

export { timestamps };
