import { sql } from "drizzle-orm";
import { index, integer, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { customers } from "./customers.js";
import { smsDirection, smsPurpose, smsStatus } from "./enums.js";
import { incidentMessages } from "./incident-messages.js";
import { incidents } from "./incidents.js";
import { ticketComments, tickets } from "./tickets.js";
import { users } from "./users.js";

/** Every SMS meant to be sent or received. Outbound rows in `queued` form the outbox. */
export const smsLogs = pgTable(
  "sms_logs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    direction: smsDirection("direction").notNull(),
    toNumber: text("to_number"),
    fromNumber: text("from_number"),
    body: text("body").notNull(),
    purpose: smsPurpose("purpose").notNull(),
    ticketId: uuid("ticket_id").references(() => tickets.id),
    customerId: uuid("customer_id").references(() => customers.id),
    userId: uuid("user_id").references(() => users.id),
    /** The public reply this message carries to the customer (purpose ticket_reply). */
    commentId: uuid("comment_id").references(() => ticketComments.id),
    /** The incident this message told its customers about (purpose incident). */
    incidentId: uuid("incident_id").references(() => incidents.id, { onDelete: "set null" }),
    /** The send (one message to everyone affected) this row belongs to; null for an automatic reply. */
    incidentMessageId: uuid("incident_message_id").references(() => incidentMessages.id, { onDelete: "set null" }),
    status: smsStatus("status").notNull(),
    reason: text("reason"),
    providerSid: text("provider_sid"),
    errorCode: text("error_code"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Status callbacks and duplicate inbound webhooks find the row by Twilio's SID.
    uniqueIndex("sms_logs_provider_sid_key").on(t.providerSid),
    // The dispatcher claims due rows of the outbox, one-off messages before incident sends' rows.
    index("sms_logs_outbox_idx")
      .on(sql`(${t.incidentMessageId} is not null)`, t.nextAttemptAt)
      .where(sql`${t.status} in ('queued', 'sending')`),
    // FK indexes; a ticket's and a customer's SMS history. Partial where the column is mostly null
    // (an incident send's 20,000 rows have no ticket and no comment): nothing to maintain for them.
    index("sms_logs_ticket_id_idx").on(t.ticketId, t.createdAt).where(sql`${t.ticketId} is not null`),
    index("sms_logs_customer_id_idx").on(t.customerId, t.createdAt),
    index("sms_logs_user_id_idx").on(t.userId),
    // FK index; a reply's SMS beside it on the timeline.
    index("sms_logs_comment_id_idx").on(t.commentId).where(sql`${t.commentId} is not null`),
    // FK index; an incident's messages to one customer (the affected-customers list, auto-replies).
    index("sms_logs_incident_id_idx").on(t.incidentId, t.customerId).where(sql`${t.incidentId} is not null`),
    // FK index; a send's progress (counts by state) and its cancel (the rows still queued).
    index("sms_logs_incident_message_id_idx")
      .on(t.incidentMessageId, t.status)
      .where(sql`${t.incidentMessageId} is not null`),
    // The SMS log page, newest first.
    index("sms_logs_created_at_idx").on(t.createdAt),
  ],
);

export const smsTemplates = pgTable(
  "sms_templates",
  {
    purpose: smsPurpose("purpose").primaryKey(),
    body: text("body").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedById: uuid("updated_by_id").references(() => users.id, { onDelete: "set null" }),
  },
  // FK index (tiny table, but deleting a user scans it otherwise).
  (t) => [index("sms_templates_updated_by_id_idx").on(t.updatedById)],
);

/**
 * The send rate all instances share (SMS_RATE_PER_SECOND): one row, the moment the next message
 * may leave. A dispatcher's claim locks it, takes the slots for the rows it claims and moves it on.
 */
export const smsSendRate = pgTable("sms_send_rate", {
  id: smallint("id").primaryKey(),
  nextSlotAt: timestamp("next_slot_at", { withTimezone: true }).notNull(),
});
