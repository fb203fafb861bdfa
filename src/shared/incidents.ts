import { z } from "zod";
import { ZConflictChange } from "./conflict.js";
import {
  CONNECTION_TYPES,
  CUSTOMER_STATUSES,
  INCIDENT_EVENT_KINDS,
  INCIDENT_KINDS,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  SMS_STATUSES,
} from "./enums.js";
import { ZIncidentMessage } from "./incident-messages.js";
import { ZPageQuery } from "./pagination.js";
import { ZProblem } from "./problem.js";
import { ZStaffSummary, ZTicket } from "./tickets.js";

/**
 * Incidents: outages, degradations and planned maintenance on network sites (docs/incidents.md).
 * The affected customers are computed live from the sites and the optional narrowing filter.
 */
const isoTime = z.iso.datetime({ offset: true });

export const ZIncident = z
  .object({
    id: z.uuid(),
    title: z.string(),
    kind: z.enum(INCIDENT_KINDS),
    severity: z.enum(INCIDENT_SEVERITIES),
    status: z.enum(INCIDENT_STATUSES),
    startsAt: isoTime,
    /** The ETA customers are told; null when nobody knows yet. */
    expectedEndAt: isoTime.nullable(),
    resolvedAt: isoTime.nullable(),
    /** What customers and the public status page see. */
    publicMessage: z.string(),
    /** Staff only; never on the status page. */
    internalNotes: z.string(),
    siteIds: z.array(z.uuid()),
    // The narrowing filter: null means "every customer of the sites" for that criterion.
    planIds: z.array(z.uuid()).nullable(),
    connectionTypes: z.array(z.enum(CONNECTION_TYPES)).nullable(),
    cities: z.array(z.string()).nullable(),
    postalCodes: z.array(z.string()).nullable(),
    version: z.number().int(),
    createdById: z.uuid().nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: "Incident" });
export type Incident = z.infer<typeof ZIncident>;

export const ZIncidentSite = z.object({ id: z.uuid(), name: z.string(), publicName: z.string().nullable() });
export type IncidentSite = z.infer<typeof ZIncidentSite>;

/** A row of the incidents list. */
export const ZIncidentListItem = ZIncident.extend({ sites: z.array(ZIncidentSite) }).meta({ id: "IncidentListItem" });
export type IncidentListItem = z.infer<typeof ZIncidentListItem>;

/** The incident page: the incident, its sites, who opened it and its live counts. */
export const ZIncidentDetail = ZIncident.extend({
  sites: z.array(ZIncidentSite),
  createdBy: ZStaffSummary.nullable(),
  /** Customers affected now (not archived; active, suspended or pending install; at the sites; matching the filter). */
  affectedCustomerCount: z.number().int(),
  /** Linked tickets: still open, and all of them. */
  tickets: z.object({ open: z.number().int(), total: z.number().int() }),
  /**
   * The SMS rows of all the incident's sends (`POST /api/incidents/:id/messages`) by state, summed
   * the way each send's `counts` are: queued (waiting or being sent), sent, delivered, failed (or
   * undelivered), skipped, cancelled. All zero before the first send; automatic answers to a
   * customer's text are not a send and are not counted.
   */
  messageCounts: ZIncidentMessage.shape.counts,
}).meta({ id: "IncidentDetail" });
export type IncidentDetail = z.infer<typeof ZIncidentDetail>;

const blankToNull = (value: unknown) => (typeof value === "string" && value.trim() === "" ? null : value);
/** A filter list: an empty list means the same as none (no narrowing), so both arrive as null. */
const filterList = <T extends z.ZodType>(item: T, label: string) =>
  z
    .array(item, { error: `${label} must be a list` })
    .max(200, `${label} may list at most 200 values`)
    .nullable()
    .transform((list) => (list && list.length > 0 ? [...new Set(list)] : null));
/** Control characters (tab and line breaks aside): invisible, and they break the status feed's XML. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point (they are refused)
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/;
const text = (label: string, max: number) =>
  z
    .string({ error: `${label} must be text` })
    .trim()
    .max(max, `${label} must be at most ${max.toLocaleString("en-US")} characters`)
    .refine((value) => !CONTROL_CHARACTERS.test(value), `${label} may not contain control characters`);
const PG_INT_MAX = 2_147_483_647;

const incidentFields = {
  title: z
    .string({ error: "Title is required" })
    .trim()
    .min(1, "Title is required")
    .max(200, "Title must be at most 200 characters")
    .refine((value) => !CONTROL_CHARACTERS.test(value), "Title may not contain control characters"),
  kind: z.enum(INCIDENT_KINDS, { error: `Kind must be one of: ${INCIDENT_KINDS.join(", ")}` }),
  severity: z.enum(INCIDENT_SEVERITIES, { error: `Severity must be one of: ${INCIDENT_SEVERITIES.join(", ")}` }),
  status: z.enum(INCIDENT_STATUSES, { error: `Status must be one of: ${INCIDENT_STATUSES.join(", ")}` }),
  startsAt: isoTime,
  expectedEndAt: z.preprocess(blankToNull, isoTime.nullable()),
  publicMessage: text("Public message", 2_000),
  internalNotes: text("Internal notes", 20_000),
  siteIds: z
    .array(z.uuid("Sites must be network site ids (UUID)"), { error: "Sites must be a list of network site ids" })
    .min(1, "Choose at least one network site")
    .max(200, "An incident may name at most 200 sites")
    .transform((ids) => [...new Set(ids)]),
  planIds: filterList(z.uuid("Plans must be service plan ids (UUID)"), "Plans"),
  connectionTypes: filterList(
    z.enum(CONNECTION_TYPES, { error: `Connection types must be among: ${CONNECTION_TYPES.join(", ")}` }),
    "Connection types",
  ),
  cities: filterList(text("City", 100).min(1, "A city may not be blank"), "Cities"),
  postalCodes: filterList(text("Postal code", 20).min(1, "A postal code may not be blank"), "Postal codes"),
};

/**
 * Opening an incident. `startsAt` defaults to now; `status` defaults to `scheduled` when the start
 * is in the future and `investigating` otherwise.
 */
export const ZCreateIncident = z
  .object({
    ...incidentFields,
    status: incidentFields.status.optional(),
    startsAt: incidentFields.startsAt.optional(),
    expectedEndAt: incidentFields.expectedEndAt.optional(),
    publicMessage: incidentFields.publicMessage.optional(),
    internalNotes: incidentFields.internalNotes.optional(),
    planIds: incidentFields.planIds.optional(),
    connectionTypes: incidentFields.connectionTypes.optional(),
    cities: incidentFields.cities.optional(),
    postalCodes: incidentFields.postalCodes.optional(),
  })
  .strict();
export type CreateIncident = z.output<typeof ZCreateIncident>;

/** A change: only the fields that changed, with the version the editor saw (409 when stale). */
export const ZUpdateIncident = z
  .object({
    title: incidentFields.title.optional(),
    kind: incidentFields.kind.optional(),
    severity: incidentFields.severity.optional(),
    status: incidentFields.status.optional(),
    startsAt: incidentFields.startsAt.optional(),
    expectedEndAt: incidentFields.expectedEndAt.optional(),
    publicMessage: incidentFields.publicMessage.optional(),
    internalNotes: incidentFields.internalNotes.optional(),
    siteIds: incidentFields.siteIds.optional(),
    planIds: incidentFields.planIds.optional(),
    connectionTypes: incidentFields.connectionTypes.optional(),
    cities: incidentFields.cities.optional(),
    postalCodes: incidentFields.postalCodes.optional(),
    version: z
      .number({ error: "version is required (the incident's version you edited)" })
      .int()
      .min(1)
      .max(PG_INT_MAX),
  })
  .strict();
export type UpdateIncident = z.output<typeof ZUpdateIncident>;

/** The 409 a stale `version` gets: the incident as it is now and what changed since. */
export const ZIncidentConflict = ZProblem.extend({
  code: z.literal("incident.version_conflict"),
  current: ZIncidentDetail,
  changes: z.array(ZConflictChange),
}).meta({ id: "IncidentConflict" });
export type IncidentConflict = z.infer<typeof ZIncidentConflict>;

/** `state`: active (investigating, identified, monitoring), scheduled, or resolved (resolved, cancelled). */
export const INCIDENT_LIST_STATES = ["active", "scheduled", "resolved"] as const;
export type IncidentListState = (typeof INCIDENT_LIST_STATES)[number];
export const ZIncidentListQuery = ZPageQuery.extend({
  state: z.enum(INCIDENT_LIST_STATES, { error: `state must be one of: ${INCIDENT_LIST_STATES.join(", ")}` }).optional(),
});
export type IncidentListQuery = z.infer<typeof ZIncidentListQuery>;

export const ZIncidentList = z
  .object({ items: z.array(ZIncidentListItem), nextCursor: z.string().nullable() })
  .meta({ id: "IncidentList" });
export type IncidentList = z.infer<typeof ZIncidentList>;

export const ZIncidentEvent = z
  .object({
    id: z.number().int(),
    kind: z.enum(INCIDENT_EVENT_KINDS),
    actor: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    /** What the entry records: changed fields `{field: {from, to}}`, the linked ticket, … */
    changes: z.record(z.string(), z.unknown()).nullable(),
    /** The public message published with this entry. */
    publicUpdate: z.string().nullable(),
    createdAt: isoTime,
  })
  .meta({ id: "IncidentEvent" });
export type IncidentEvent = z.infer<typeof ZIncidentEvent>;

export const ZIncidentTimeline = z
  .object({ items: z.array(ZIncidentEvent), nextCursor: z.string().nullable() })
  .meta({ id: "IncidentTimeline" });
export type IncidentTimeline = z.infer<typeof ZIncidentTimeline>;

/** One affected customer, as the incident page lists them. */
export const ZIncidentCustomer = z
  .object({
    id: z.uuid(),
    accountNumber: z.string(),
    name: z.string(),
    status: z.enum(CUSTOMER_STATUSES),
    phone: z.string().nullable(),
    address: z.string().nullable(),
    siteId: z.uuid(),
    planName: z.string().nullable(),
    hasOpenTicket: z.boolean(),
    /**
     * The incident's latest message to this customer and where it stands (queued, sent,
     * delivered, failed; skipped when opted out, without a valid mobile or sharing a number
     * another affected customer got it on); null when no message of this incident named them.
     */
    message: z.object({ status: z.enum(SMS_STATUSES), at: isoTime }).nullable(),
  })
  .meta({ id: "IncidentCustomer" });
export type IncidentCustomer = z.infer<typeof ZIncidentCustomer>;

export const ZIncidentCustomerList = z
  .object({ items: z.array(ZIncidentCustomer), nextCursor: z.string().nullable() })
  .meta({ id: "IncidentCustomerList" });
export type IncidentCustomerList = z.infer<typeof ZIncidentCustomerList>;

/**
 * The incident's map: its sites with their affected counts and the affected customers with
 * coordinates (a sample of at most MAP_CUSTOMER_LIMIT when there are more), and the tiles to draw
 * them on (null: markers on a blank background).
 */
export const MAP_CUSTOMER_LIMIT = 2_000;

export const ZIncidentMap = z
  .object({
    tiles: z.object({ urlTemplate: z.string(), attribution: z.string() }).nullable(),
    sites: z.array(
      z.object({
        id: z.uuid(),
        name: z.string(),
        latitude: z.number().nullable(),
        longitude: z.number().nullable(),
        affectedCustomers: z.number().int(),
      }),
    ),
    customers: z.array(
      z.object({
        id: z.uuid(),
        name: z.string(),
        latitude: z.number(),
        longitude: z.number(),
        hasOpenTicket: z.boolean(),
      }),
    ),
    /** Affected customers with coordinates; more than `customers` holds when it is a sample. */
    customersWithLocation: z.number().int(),
    /** Affected customers without coordinates (not on the map). */
    customersWithoutLocation: z.number().int(),
  })
  .meta({ id: "IncidentMap" });
export type IncidentMap = z.infer<typeof ZIncidentMap>;

export const ZLinkIncidentTicket = z.object({ ticketId: z.uuid("ticketId must be a ticket id (UUID)") }).strict();
export type LinkIncidentTicket = z.infer<typeof ZLinkIncidentTicket>;
export const ZLinkedTicket = ZTicket;

/**
 * Resolving: the status, and optionally every open linked ticket resolved with one public comment
 * and no per-ticket status SMS (the incident's own message covers those customers).
 */
export const ZResolveIncident = z
  .object({
    comment: z.preprocess(blankToNull, text("Comment", 20_000).nullable().optional()),
    resolveTickets: z.boolean({ error: "resolveTickets must be true or false" }).default(false),
    /** Also send the incident_resolved message to everyone affected (incidents.messages.ts). */
    sendMessage: z.boolean({ error: "sendMessage must be true or false" }).default(false),
  })
  .strict();
export type ResolveIncident = z.output<typeof ZResolveIncident>;

export const ZResolveIncidentResult = z
  .object({ incident: ZIncidentDetail, resolvedTicketIds: z.array(z.uuid()) })
  .meta({ id: "ResolveIncidentResult" });
export type ResolveIncidentResult = z.infer<typeof ZResolveIncidentResult>;

/** An incident as the public status page shows it: no customer, no address, no private site name. */
export const ZPublicIncident = z
  .object({
    id: z.uuid(),
    /** The public headline: the kind and the public area ("Outage: North Boulder"), never the staff title. */
    title: z.string(),
    kind: z.enum(INCIDENT_KINDS),
    severity: z.enum(INCIDENT_SEVERITIES),
    status: z.enum(INCIDENT_STATUSES),
    startsAt: isoTime,
    expectedEndAt: isoTime.nullable(),
    resolvedAt: isoTime.nullable(),
    publicMessage: z.string(),
    /** The public names of the affected sites that have one. */
    areas: z.array(z.string()),
    /** How the page names the area: the public names, or "part of our network". */
    areaText: z.string(),
    /** Public updates, newest first. */
    updates: z.array(z.object({ at: isoTime, message: z.string() })),
    updatedAt: isoTime,
  })
  .meta({ id: "PublicIncident" });
export type PublicIncident = z.infer<typeof ZPublicIncident>;

export const ZStatusPage = z
  .object({
    generatedAt: isoTime,
    active: z.array(ZPublicIncident),
    scheduled: z.array(ZPublicIncident),
    /** Resolved or cancelled in the last 30 days, newest first. */
    history: z.array(ZPublicIncident),
  })
  .meta({ id: "StatusPage" });
export type StatusPage = z.infer<typeof ZStatusPage>;
