import { z } from "zod";
import { ZOptionalMac } from "./customers.js";
import {
  CONNECTION_TYPES,
  TICKET_CATEGORIES,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  USER_ROLES,
  VISIT_KINDS,
  VISIT_STATUSES,
} from "./enums.js";
import { ZBooleanParam, ZLimit } from "./pagination.js";

/** Technicians' visits on tickets (docs/field-work.md). */

const isoTime = z.iso.datetime({ offset: true, error: "must be a date and time with its offset (ISO 8601)" });
const blankToNull = (value: unknown) => (typeof value === "string" && value.trim() === "" ? null : value);

/** Where the phone was (WGS84), when the technician allows the browser to tell. */
export const ZPosition = z
  .object({
    latitude: z.number({ error: "latitude must be a number" }).min(-90).max(90),
    longitude: z.number({ error: "longitude must be a number" }).min(-180).max(180),
    /** Metres, as the browser's Geolocation API reports it. */
    accuracy: z.number().min(0).max(100_000).nullable().optional(),
  })
  .strict();
export type Position = z.infer<typeof ZPosition>;

/** The customer's equipment as a completion report records it. */
export const ZEquipment = z.object({
  cpeModel: z.string().nullable(),
  cpeSerial: z.string().nullable(),
  macAddress: z.string().nullable(),
});
export type Equipment = z.infer<typeof ZEquipment>;

export const ZVisit = z
  .object({
    id: z.uuid(),
    ticketId: z.uuid(),
    technician: z.object({ id: z.uuid(), name: z.string() }),
    kind: z.enum(VISIT_KINDS),
    status: z.enum(VISIT_STATUSES),
    startsAt: isoTime,
    endsAt: isoTime,
    notes: z.string(),
    report: z.string().nullable(),
    /** The equipment installed or swapped: the customer's before and after. */
    equipment: z.object({ before: ZEquipment, after: ZEquipment }).nullable(),
    enRouteAt: isoTime.nullable(),
    etaAt: isoTime.nullable(),
    arrivedAt: isoTime.nullable(),
    arrivedPosition: ZPosition.nullable(),
    finishedAt: isoTime.nullable(),
    finishedPosition: ZPosition.nullable(),
    reminderSentAt: isoTime.nullable(),
    confirmedAt: isoTime.nullable(),
    changeRequestedAt: isoTime.nullable(),
    version: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: "Visit" });
export type Visit = z.infer<typeof ZVisit>;

/** A visit with what the technician needs on the doorstep: the ticket, the customer, the connection. */
export const ZVisitDetail = ZVisit.extend({
  ticket: z.object({ id: z.uuid(), number: z.string(), subject: z.string(), status: z.enum(TICKET_STATUSES) }),
  customer: z
    .object({
      id: z.uuid(),
      accountNumber: z.string(),
      name: z.string(),
      phone: z.string().nullable(),
      altPhone: z.string().nullable(),
      address: z.string().nullable(),
      latitude: z.number().nullable(),
      longitude: z.number().nullable(),
      planName: z.string().nullable(),
      siteName: z.string().nullable(),
      connectionType: z.enum(CONNECTION_TYPES).nullable(),
      ipAddress: z.string().nullable(),
      macAddress: z.string().nullable(),
      cpeModel: z.string().nullable(),
      cpeSerial: z.string().nullable(),
      vlanId: z.number().int().nullable(),
    })
    .nullable(),
}).meta({ id: "VisitDetail" });
export type VisitDetail = z.infer<typeof ZVisitDetail>;

export const ZVisitList = z.object({ items: z.array(ZVisitDetail) }).meta({ id: "VisitList" });
export type VisitList = z.infer<typeof ZVisitList>;

const notes = z.preprocess(
  (value) => (value === null ? "" : value),
  z.string({ error: "Notes must be text" }).max(5_000, "Notes: at most 5,000 characters"),
);

/** Scheduling: a double-booked technician gets 409 unless `allowOverlap` says the dispatcher confirmed it. */
export const ZCreateVisit = z
  .object({
    ticketId: z.uuid("ticketId must be a ticket id (UUID)"),
    technicianId: z.uuid("technicianId must be a staff member's id (UUID)"),
    kind: z.enum(VISIT_KINDS, { error: `Kind must be one of ${VISIT_KINDS.join(", ")}` }),
    startsAt: isoTime,
    endsAt: isoTime,
    notes: notes.optional(),
    allowOverlap: z.boolean().default(false),
  })
  .strict();
export type CreateVisit = z.output<typeof ZCreateVisit>;

/** Moving or reassigning: only the changed fields, with the version the editor saw. */
export const ZUpdateVisit = z
  .object({
    technicianId: z.uuid("technicianId must be a staff member's id (UUID)").optional(),
    kind: z.enum(VISIT_KINDS, { error: `Kind must be one of ${VISIT_KINDS.join(", ")}` }).optional(),
    startsAt: isoTime.optional(),
    endsAt: isoTime.optional(),
    notes: notes.optional(),
    version: z.number({ error: "version is required" }).int(),
    allowOverlap: z.boolean().default(false),
  })
  .strict();
export type UpdateVisit = z.output<typeof ZUpdateVisit>;

export const ETA_CHOICES = [15, 30, 45, 60] as const;

export const ZVisitEnRoute = z
  .object({
    etaMinutes: z
      .number({ error: "etaMinutes must be a number of minutes" })
      .int("etaMinutes must be whole minutes")
      .min(1, "etaMinutes: at least 1 minute")
      .max(480, "etaMinutes: at most 8 hours"),
    position: ZPosition.nullable().optional(),
  })
  .strict();
export type VisitEnRoute = z.infer<typeof ZVisitEnRoute>;

export const ZVisitArrived = z.object({ position: ZPosition.nullable().optional() }).strict();
export type VisitArrived = z.infer<typeof ZVisitArrived>;

const optionalEquipmentText = (label: string, max: number) =>
  z.preprocess(
    blankToNull,
    z
      .string({ error: `${label} must be text` })
      .trim()
      .max(max, `${label}: at most ${max} characters`)
      .nullable()
      .optional(),
  );

/** Done: the report, the equipment now at the customer (only what changed), the ticket's new status. */
export const ZVisitComplete = z
  .object({
    report: z
      .string({ error: "Report must be text" })
      .trim()
      .min(1, "Report: say what was done")
      .max(10_000, "Report: at most 10,000 characters"),
    equipment: z
      .object({
        cpeModel: optionalEquipmentText("CPE model", 100),
        cpeSerial: optionalEquipmentText("CPE serial", 100),
        // Checked and written as the customer record holds it: "nonsense" is a 422, not the database's error.
        macAddress: ZOptionalMac,
      })
      .strict()
      .optional(),
    ticketStatus: z.enum(TICKET_STATUSES).optional(),
    position: ZPosition.nullable().optional(),
  })
  .strict();
export type VisitComplete = z.infer<typeof ZVisitComplete>;

export const ZVisitNoAccess = z
  .object({
    note: z.preprocess(blankToNull, z.string().trim().max(2_000).nullable().optional()),
    position: ZPosition.nullable().optional(),
  })
  .strict();
export type VisitNoAccess = z.infer<typeof ZVisitNoAccess>;

export const ZVisitCancel = z
  .object({ reason: z.preprocess(blankToNull, z.string().trim().max(2_000).nullable().optional()) })
  .strict();
export type VisitCancel = z.infer<typeof ZVisitCancel>;

export const ZVisitListQuery = z
  .object({
    from: isoTime.optional(),
    to: isoTime.optional(),
    technicianId: z.uuid("technicianId must be a staff member's id (UUID)").optional(),
    ticketId: z.uuid("ticketId must be a ticket id (UUID)").optional(),
    customerId: z.uuid("customerId must be a customer id (UUID)").optional(),
    /**
     * true: only scheduled visits whose customer asked to change them (answered the reminder
     * 2/CHANGE) and that wait for the dispatcher; enough on its own, any day.
     */
    changeRequested: ZBooleanParam("changeRequested").optional(),
  })
  .strict();
export type VisitListQuery = z.infer<typeof ZVisitListQuery>;

/** A technician's day: today's visits in order, tomorrow's, and their open tickets with no visit ahead. */
export const ZMyDay = z
  .object({
    date: z.string(),
    timeZone: z.string(),
    today: z.array(ZVisitDetail),
    tomorrow: z.array(ZVisitDetail),
    unscheduled: z.array(
      z.object({
        id: z.uuid(),
        number: z.string(),
        subject: z.string(),
        status: z.enum(TICKET_STATUSES),
        customerName: z.string().nullable(),
        address: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: "MyDay" });
export type MyDay = z.infer<typeof ZMyDay>;

/** 409 visit.double_booked: the technician's visits that overlap the window. */
export const ZVisitOverlap = z.object({
  id: z.uuid(),
  ticketId: z.uuid(),
  startsAt: isoTime,
  endsAt: isoTime,
  kind: z.enum(VISIT_KINDS),
});

/** The dashboard's card: today's visits (in the ISP's time zone) by state, and those the customer asked to move. */
export const ZVisitsToday = z
  .object({
    date: z.string(),
    timeZone: z.string(),
    total: z.number().int(),
    byStatus: z.record(z.enum(VISIT_STATUSES), z.number().int()),
    /** Visits ahead whose customer answered the reminder with 2/CHANGE: they wait for the dispatcher. */
    changeRequested: z.number().int(),
  })
  .meta({ id: "VisitsToday" });
export type VisitsToday = z.infer<typeof ZVisitsToday>;

/** Why a ticket waits on the dispatch board (docs/field-work.md, "Dispatch board"). */
export const UNSCHEDULED_REASONS = ["rebook", "field_category", "technician_assigned"] as const;
export type UnscheduledReason = (typeof UNSCHEDULED_REASONS)[number];

export const ZUnscheduledQuery = z.object({ limit: ZLimit }).strict();
export type UnscheduledQuery = z.infer<typeof ZUnscheduledQuery>;

/**
 * The dispatch board's side panel: open tickets that need a visit and have none ahead, most
 * urgent first, with the kind of visit their category suggests and how many there are in all.
 */
export const ZUnscheduledTickets = z
  .object({
    items: z.array(
      z.object({
        id: z.uuid(),
        number: z.string(),
        subject: z.string(),
        status: z.enum(TICKET_STATUSES),
        category: z.enum(TICKET_CATEGORIES),
        priority: z.enum(TICKET_PRIORITIES),
        dueAt: isoTime.nullable(),
        createdAt: isoTime,
        customer: z.object({ id: z.uuid(), name: z.string(), address: z.string().nullable() }).nullable(),
        assignee: z.object({ id: z.uuid(), name: z.string(), role: z.enum(USER_ROLES) }).nullable(),
        /** rebook: the last visit found nobody in; field_category: installation, relocation, equipment or no service; technician_assigned: a technician holds it. */
        reason: z.enum(UNSCHEDULED_REASONS),
        suggestedKind: z.enum(VISIT_KINDS),
      }),
    ),
    /** All the tickets waiting, of which `items` are the first `limit`. */
    total: z.number().int(),
  })
  .meta({ id: "UnscheduledTickets" });
export type UnscheduledTickets = z.infer<typeof ZUnscheduledTickets>;
export type UnscheduledTicket = UnscheduledTickets["items"][number];
