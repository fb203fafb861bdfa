import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { networkSites } from "./customers.js";
import { connectionType, incidentEventKind, incidentKind, incidentSeverity, incidentStatus } from "./enums.js";
import { users } from "./users.js";

/** Outages, degradations and planned maintenance on network sites (owned by `incidents/`). */
export const incidents = pgTable(
  "incidents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    title: text("title").notNull(),
    kind: incidentKind("kind").notNull(),
    severity: incidentSeverity("severity").notNull(),
    status: incidentStatus("status").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    /** The ETA customers are told. */
    expectedEndAt: timestamp("expected_end_at", { withTimezone: true }),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    /** What customers and the public status page see. */
    publicMessage: text("public_message").notNull().default(""),
    internalNotes: text("internal_notes").notNull().default(""),
    // The optional narrowing filter over the sites' customers: null (never an empty list) = no narrowing.
    planIds: uuid("plan_ids").array(),
    connectionTypes: connectionType("connection_types").array(),
    cities: text("cities").array(),
    postalCodes: text("postal_codes").array(),
    version: integer("version").notNull().default(1),
    createdById: uuid("created_by_id").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // FK index.
    index("incidents_created_by_id_idx").on(t.createdById),
    // The incidents list (newest start first), the status page's 30-day history.
    index("incidents_starts_at_idx").on(t.startsAt, t.id),
    // Auto-linking a new ticket and the status page read the few incidents not yet over; the
    // scheduler finds scheduled ones whose start has come.
    index("incidents_open_status_idx")
      .on(t.status, t.startsAt)
      .where(sql`${t.status} not in ('resolved', 'cancelled')`),
  ],
);

/** The network sites an incident affects (one or more). */
export const incidentSites = pgTable(
  "incident_sites",
  {
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    siteId: uuid("site_id")
      .notNull()
      .references(() => networkSites.id),
  },
  (t) => [
    primaryKey({ columns: [t.incidentId, t.siteId] }),
    // FK index; auto-linking finds the active incidents of a customer's site.
    index("incident_sites_site_id_idx").on(t.siteId),
  ],
);

/** An incident's timeline: every change and public update, with its author. */
export const incidentEvents = pgTable(
  "incident_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    kind: incidentEventKind("kind").notNull(),
    actorId: uuid("actor_id").references(() => users.id),
    /** Changed fields, from and to; or the linked ticket; whatever the kind records. */
    changes: jsonb("changes").$type<Record<string, unknown>>(),
    /** The public message this entry published (a public update), if any. */
    publicUpdate: text("public_update"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // FK index; the incident page's timeline.
    index("incident_events_incident_id_idx").on(t.incidentId, t.createdAt),
    // FK index.
    index("incident_events_actor_id_idx").on(t.actorId),
  ],
);
