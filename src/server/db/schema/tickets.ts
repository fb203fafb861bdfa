import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { customers } from "./customers.js";
import {
  commentSource,
  commentVisibility,
  ticketCategory,
  ticketEventKind,
  ticketPriority,
  ticketStatus,
} from "./enums.js";
import { incidents } from "./incidents.js";
import { users } from "./users.js";

// Ticket numbers come from a sequence: unique across instances, never reused.
export const ticketNumberSeq = pgSequence("ticket_number_seq", { startWith: 1 });

export const tickets = pgTable(
  "tickets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // T-000001 … T-999999, then T-1000000: lpad alone would cut seven digits to six and collide.
    number: text("number").notNull().default(sql`uplink_next_ticket_number()`),
    customerId: uuid("customer_id").references(() => customers.id),
    subject: text("subject").notNull(),
    description: text("description").notNull().default(""),
    category: ticketCategory("category").notNull().default("other"),
    priority: ticketPriority("priority").notNull().default("normal"),
    status: ticketStatus("status").notNull().default("open"),
    assigneeId: uuid("assignee_id").references(() => users.id),
    createdById: uuid("created_by_id").references(() => users.id),
    dueAt: timestamp("due_at", { withTimezone: true }),
    /** When staff must first answer (the first-response target); met once firstResponseAt is set. */
    firstResponseDueAt: timestamp("first_response_due_at", { withTimezone: true }),
    /** Set while the SLA clock is stopped (waiting on the customer, resolved): the resolution time left. */
    slaRemainingSeconds: integer("sla_remaining_seconds"),
    firstResponseAt: timestamp("first_response_at", { withTimezone: true }),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    closedAt: timestamp("closed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    version: integer("version").notNull().default(1),
    /** The incident this ticket is about (linked by hand, or automatically while it is active). */
    incidentId: uuid("incident_id").references(() => incidents.id),
  },
  (t) => [
    uniqueIndex("tickets_number_key").on(t.number),
    // FK index; an incident's linked tickets (its counts, resolving them) and the queue's
    // incidentId filter, newest first.
    index("tickets_incident_id_idx").on(t.incidentId, t.createdAt, t.id).where(sql`${t.incidentId} is not null`),
    // FK index; a customer's tickets on the customer page.
    index("tickets_customer_id_idx").on(t.customerId, t.updatedAt),
    // FK index; "my open" and per-technician workload.
    index("tickets_assignee_id_idx").on(t.assigneeId, t.status),
    // FK index.
    index("tickets_created_by_id_idx").on(t.createdById),
    // Queue "All open" (status in the open set, newest first) pages this index in order.
    index("tickets_open_created_idx")
      .on(t.createdAt, t.id)
      .where(sql`${t.status} in ('open', 'in_progress', 'waiting_on_customer')`),
    // Queue "My open" (assignee = me, soonest due first) reads exactly its rows in order; also the
    // "Unassigned" queue when sorted by due. Unassigned newest-first uses tickets_open_created_idx.
    // "Has an open ticket?" for many customers at once (an incident's affected list and map):
    // one probe of a small index instead of reading every ticket the customer ever had.
    index("tickets_open_customer_idx")
      .on(t.customerId)
      .where(sql`${t.status} in ('open', 'in_progress', 'waiting_on_customer')`),
    index("tickets_open_assignee_due_idx")
      .on(t.assigneeId, sql`coalesce(${t.dueAt}, 'infinity'::timestamptz)`, t.id)
      .where(sql`${t.status} in ('open', 'in_progress', 'waiting_on_customer')`),
    // Queue "Overdue" (open and due before now, soonest due first) and the due sort of open queues;
    // the expression matches the list query's due key (no due time sorts last, never overdue).
    index("tickets_open_due_idx")
      .on(sql`coalesce(${t.dueAt}, 'infinity'::timestamptz)`, t.id)
      .where(sql`${t.status} in ('open', 'in_progress', 'waiting_on_customer')`),
    // The SLA notifications job (notifications/notifications.sla.ts), every minute: open tickets
    // still waiting for their first answer whose first-response target is near or just past.
    index("tickets_first_response_due_idx")
      .on(t.firstResponseDueAt)
      .where(sql`${t.firstResponseAt} is null and ${t.status} in ('open', 'in_progress', 'waiting_on_customer')`),
    // Unfiltered lists sorted by created (the API default) and by last update.
    index("tickets_created_at_idx").on(t.createdAt, t.id),
    index("tickets_updated_at_idx").on(t.updatedAt, t.id),
    // Text search on the subject (`q`): substring match with ILIKE needs trigrams.
    index("tickets_subject_trgm_idx").using("gin", sql`${t.subject} gin_trgm_ops`),
  ],
);

export const ticketComments = pgTable(
  "ticket_comments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => tickets.id),
    authorId: uuid("author_id").references(() => users.id),
    body: text("body").notNull(),
    visibility: commentVisibility("visibility").notNull().default("internal"),
    source: commentSource("source").notNull().default("web"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // FK index; the ticket page reads a ticket's comments in order.
    index("ticket_comments_ticket_id_idx").on(t.ticketId, t.createdAt),
    // FK index.
    index("ticket_comments_author_id_idx").on(t.authorId),
  ],
);

export const ticketEvents = pgTable(
  "ticket_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => tickets.id),
    kind: ticketEventKind("kind").notNull(),
    actorId: uuid("actor_id").references(() => users.id),
    fromValue: text("from_value"),
    toValue: text("to_value"),
    data: jsonb("data").$type<Record<string, unknown>>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // FK index; the ticket page's timeline.
    index("ticket_events_ticket_id_idx").on(t.ticketId, t.createdAt),
    // FK index.
    index("ticket_events_actor_id_idx").on(t.actorId),
    // The dashboard's "recent activity".
    index("ticket_events_created_at_idx").on(t.createdAt),
  ],
);
