import { sql } from "drizzle-orm";
import { bigint, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./users.js";

/**
 * The bell (owned by `notifications/`, docs/notifications.md): one row per person told, written in
 * the transaction of the change that tells them and announced on the live stream at commit.
 *
 * `ticket_id`, `incident_id` and `visit_id` say what it is about without foreign keys: a
 * notification is a message of its moment that no query joins back through them, and each key
 * would want an index of its own for nothing.
 */
export const notifications = pgTable(
  "notifications",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** `assigned`, `sms_reply`, … (NOTIFICATION_KINDS in shared/notifications.ts). */
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    /** Where it leads in the app ("/tickets/…"). */
    link: text("link"),
    ticketId: uuid("ticket_id"),
    incidentId: uuid("incident_id"),
    visitId: uuid("visit_id"),
    /** Who caused it (null: the system, or a customer's SMS). */
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    /**
     * Set by producers that may run more than once for the same fact (the SLA job on every
     * instance, every minute): a second row with the same key for the same person is not written.
     */
    dedupeKey: text("dedupe_key"),
    readAt: timestamp("read_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The bell's list, newest first, page after page (keyset on created_at, id); also the FK index.
    // Ascending, read backwards for "order by created_at desc, id desc": an index declared DESC is
    // DESC NULLS LAST, which that order (DESC NULLS FIRST) cannot use (docs/notifications.md).
    index("notifications_user_created_idx").on(t.userId, t.createdAt, t.id),
    // The unread count on every page and the "unread only" list: only the unread rows, which stay few
    // while the read ones pile up.
    index("notifications_user_unread_idx").on(t.userId, t.createdAt, t.id).where(sql`${t.readAt} is null`),
    // The SLA job's "already told?" (INSERT … ON CONFLICT DO NOTHING); NULL keys never collide.
    uniqueIndex("notifications_user_dedupe_key").on(t.userId, t.dedupeKey),
    // FK index (deleting a user sets it to null); most rows of the system's have none.
    index("notifications_actor_id_idx").on(t.actorId).where(sql`${t.actorId} is not null`),
    // No index on created_at alone: the planner took it for the bell's "newest 20 of this person"
    // (walking everyone's newest rows, filtered by person), which is cheap only for people with many
    // notifications. The retention purge reads notifications_user_created_idx person by person.
  ],
);

/**
 * What each staff member wants to be told, and how (owned by `notifications/`): only what they
 * changed from the defaults is stored, so a new kind gets its default for everyone.
 */
export const notificationPreferences = pgTable("notification_preferences", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  prefs: jsonb("prefs").$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
