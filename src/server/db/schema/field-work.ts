import { sql } from "drizzle-orm";
import {
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { visitKind, visitStatus } from "./enums.js";
import { tickets } from "./tickets.js";
import { users } from "./users.js";

/** Binary data (a file's bytes) as a Node.js Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * A technician's visit on a ticket (owned by `visits/`): a window, who goes, and each step with its
 * time (and the phone's position when the technician allows it). A ticket can have several.
 */
export const visits = pgTable(
  "visits",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => tickets.id),
    technicianId: uuid("technician_id")
      .notNull()
      .references(() => users.id),
    kind: visitKind("kind").notNull(),
    status: visitStatus("status").notNull().default("scheduled"),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    endsAt: timestamp("ends_at", { withTimezone: true }).notNull(),
    notes: text("notes").notNull().default(""),
    /** What was done (the completion report, or why nobody could get in). */
    report: text("report"),
    /** The equipment installed or swapped: `{before, after}` of the customer's CPE model, serial and MAC. */
    equipment: jsonb("equipment"),
    /** When the technician said they were on the way, and the arrival they announced. */
    enRouteAt: timestamp("en_route_at", { withTimezone: true }),
    etaAt: timestamp("eta_at", { withTimezone: true }),
    /** Check-in and check-out, with the phone's position (WGS84, metres of accuracy) when shared. */
    arrivedAt: timestamp("arrived_at", { withTimezone: true }),
    arrivedLatitude: doublePrecision("arrived_latitude"),
    arrivedLongitude: doublePrecision("arrived_longitude"),
    arrivedAccuracy: doublePrecision("arrived_accuracy"),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    finishedLatitude: doublePrecision("finished_latitude"),
    finishedLongitude: doublePrecision("finished_longitude"),
    finishedAccuracy: doublePrecision("finished_accuracy"),
    /** The reminder SMS went out (once); the customer's answer to it. */
    reminderSentAt: timestamp("reminder_sent_at", { withTimezone: true }),
    confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
    /** The customer asked to change it: the dispatcher's board shows it until it is moved. */
    changeRequestedAt: timestamp("change_requested_at", { withTimezone: true }),
    version: integer("version").notNull().default(1),
    createdById: uuid("created_by_id").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A technician's day and the double-booking check: their visits by start.
    index("visits_technician_starts_idx").on(t.technicianId, t.startsAt),
    // A ticket's visits (the ticket page, the customer page through their tickets).
    index("visits_ticket_id_idx").on(t.ticketId, t.startsAt),
    // The dispatch board's day and week: every technician's visits in a window.
    index("visits_starts_at_idx").on(t.startsAt, t.id),
    // The evening reminders: scheduled visits whose reminder has not gone out.
    index("visits_reminder_due_idx")
      .on(t.startsAt)
      .where(sql`${t.status} = 'scheduled' and ${t.reminderSentAt} is null`),
    // The board's "Customer asked to change" list: every scheduled visit waiting on the dispatcher (few).
    index("visits_change_requested_idx")
      .on(t.startsAt)
      .where(sql`${t.status} = 'scheduled' and ${t.changeRequestedAt} is not null`),
    // FK index.
    index("visits_created_by_id_idx").on(t.createdById),
  ],
);

/**
 * A technician's secret calendar address (owned by `visits/`): `/ical/<token>.ics`. Only the
 * token's SHA-256 is kept; regenerating replaces it, so the old address stops working.
 */
export const calendarFeeds = pgTable(
  "calendar_feeds",
  {
    userId: uuid("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("calendar_feeds_token_hash_key").on(t.tokenHash)],
);

/**
 * Photos and files on tickets, optionally from a visit (owned by `attachments/`). Stored in the
 * database, so every instance sees the same files and a backup holds them.
 */
export const attachments = pgTable(
  "attachments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => tickets.id),
    visitId: uuid("visit_id").references(() => visits.id, { onDelete: "set null" }),
    /** The name the uploader's file had (shown and offered on download, never trusted for the type). */
    fileName: text("file_name").notNull(),
    /** The type found in the content (magic bytes), not the one the client claimed. */
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    data: bytea("data").notNull(),
    thumbnail: bytea("thumbnail"),
    width: integer("width"),
    height: integer("height"),
    uploadedById: uuid("uploaded_by_id").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("attachments_ticket_id_idx").on(t.ticketId, t.createdAt),
    index("attachments_visit_id_idx").on(t.visitId).where(sql`${t.visitId} is not null`),
    // FK index.
    index("attachments_uploaded_by_id_idx").on(t.uploadedById),
  ],
);
