import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { customers } from "./customers.js";
import { incidents } from "./incidents.js";
import { users } from "./users.js";

/**
 * One message to everyone an incident affects (owned by `incidents/incidents.messages.ts`). Its
 * SMS rows live in the SMS outbox (`sms_logs.incident_message_id`); this row keeps what was asked
 * and what was skipped before any row was written.
 */
export const incidentMessages = pgTable(
  "incident_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    /** The template's purpose (incident_started, …), or null for a custom text. */
    template: text("template"),
    /** The text before placeholders were filled (the template's at the time, or the custom body). */
    body: text("body").notNull(),
    recipients: integer("recipients").notNull(),
    /** Customers not texted, by reason (opted_out, no_valid_mobile, shared_number). */
    skipped: jsonb("skipped").$type<Record<string, number>>().notNull(),
    /** Held until then by quiet hours; null when sent at once. */
    holdUntil: timestamp("hold_until", { withTimezone: true }),
    duringQuietHours: boolean("during_quiet_hours").notNull().default(false),
    createdById: uuid("created_by_id").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
    cancelledById: uuid("cancelled_by_id").references(() => users.id),
  },
  (t) => [
    // FK index; an incident's sends, newest first (the progress list, the duplicate-send check).
    index("incident_messages_incident_id_idx").on(t.incidentId, t.createdAt),
    // FK indexes.
    index("incident_messages_created_by_id_idx").on(t.createdById),
    index("incident_messages_cancelled_by_id_idx").on(t.cancelledById),
  ],
);

/** The automatic answer to a customer who texted during an incident: at most one per customer and incident. */
export const incidentAutoReplies = pgTable(
  "incident_auto_replies",
  {
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    // The primary key is the "once" (insert … on conflict do nothing).
    primaryKey({ columns: [t.incidentId, t.customerId] }),
    // FK index.
    index("incident_auto_replies_customer_id_idx").on(t.customerId),
  ],
);
