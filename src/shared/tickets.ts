import { z } from "zod";
import {
  COMMENT_SOURCES,
  COMMENT_VISIBILITIES,
  TICKET_CATEGORIES,
  TICKET_EVENT_KINDS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
} from "./enums.js";
import { ZBooleanParam, ZPageQuery, ZSearchText } from "./pagination.js";
import { ZCommentSms } from "./sms.js";
import { isValidTimeZone } from "./zoned-time.js";

const isoTime = z.iso.datetime({ offset: true });

export const ZTicket = z
  .object({
    id: z.uuid(),
    number: z.string(),
    customerId: z.uuid().nullable(),
    subject: z.string(),
    description: z.string(),
    category: z.enum(TICKET_CATEGORIES),
    priority: z.enum(TICKET_PRIORITIES),
    status: z.enum(TICKET_STATUSES),
    assigneeId: z.uuid().nullable(),
    createdById: z.uuid().nullable(),
    /** The resolution due time while the SLA clock runs; null while it is stopped (see slaPaused). */
    dueAt: isoTime.nullable(),
    /** Clock running, not resolved or closed, and the due time has come, at the moment the server answered. */
    overdue: z.boolean(),
    /** The SLA clock is stopped: waiting on the customer, resolved or closed. Never overdue while so. */
    slaPaused: z.boolean(),
    /** While stopped: the business seconds that were left until the due time (negative: that late). */
    slaRemainingSeconds: z.number().int().nullable(),
    /** When staff must first answer; null for tickets from before first-response targets. */
    firstResponseDueAt: isoTime.nullable(),
    /** No first response yet, still open, and firstResponseDueAt has come. */
    firstResponseOverdue: z.boolean(),
    firstResponseAt: isoTime.nullable(),
    resolvedAt: isoTime.nullable(),
    closedAt: isoTime.nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
    version: z.number().int(),
    /** The incident this ticket is about: linked by hand, or automatically while the incident is active. */
    incidentId: z.uuid().nullable(),
  })
  .meta({ id: "Ticket" });
export type Ticket = z.infer<typeof ZTicket>;

export const ZStaffSummary = z.object({ id: z.uuid(), name: z.string(), active: z.boolean() });
export type StaffSummary = z.infer<typeof ZStaffSummary>;

/** What a queue row shows besides the ticket itself. */
export const ZTicketListItem = ZTicket.extend({
  customer: z.object({ id: z.uuid(), name: z.string(), accountNumber: z.string() }).nullable(),
  assignee: ZStaffSummary.nullable(),
}).meta({ id: "TicketListItem" });
export type TicketListItem = z.infer<typeof ZTicketListItem>;

/** The ticket page: the ticket with its customer card and the people involved. */
export const ZTicketDetail = ZTicket.extend({
  customer: z
    .object({
      id: z.uuid(),
      name: z.string(),
      accountNumber: z.string(),
      phone: z.string().nullable(),
      planName: z.string().nullable(),
      ipAddress: z.string().nullable(),
      address: z.string().nullable(),
      archived: z.boolean(),
    })
    .nullable(),
  assignee: ZStaffSummary.nullable(),
  createdBy: ZStaffSummary.nullable(),
}).meta({ id: "TicketDetail" });
export type TicketDetail = z.infer<typeof ZTicketDetail>;

const subject = z
  .string({ error: "Subject is required" })
  .trim()
  .min(1, "Subject is required")
  .max(200, "Subject must be at most 200 characters");
const description = z.string().trim().max(20_000, "Description must be at most 20,000 characters");
const category = z.enum(TICKET_CATEGORIES, {
  error: `Category must be one of: ${TICKET_CATEGORIES.join(", ")}`,
});
const priority = z.enum(TICKET_PRIORITIES, { error: `Priority must be one of: ${TICKET_PRIORITIES.join(", ")}` });
const status = z.enum(TICKET_STATUSES, { error: `Status must be one of: ${TICKET_STATUSES.join(", ")}` });
const assigneeId = z.uuid("Assignee must be a staff account id (UUID)").nullable();
const customerId = z.uuid("Customer must be a customer id (UUID)").nullable();

export const ZCreateTicket = z
  .object({
    customerId: customerId.optional(),
    subject,
    description: description.optional(),
    category: category.optional(),
    priority: priority.optional(),
    status: status.optional(),
    assigneeId: assigneeId.optional(),
  })
  .strict();
export type CreateTicket = z.infer<typeof ZCreateTicket>;

export const ZUpdateTicket = z
  .object({
    customerId: customerId.optional(),
    subject: subject.optional(),
    description: description.optional(),
    category: category.optional(),
    priority: priority.optional(),
    status: status.optional(),
    assigneeId: assigneeId.optional(),
    /** The version the editor saw; a stale one gets 409 with the current ticket. */
    version: z
      .number({ error: "version is required (the ticket's version you edited)" })
      .int()
      .min(1)
      // The column is a PostgreSQL integer: a larger number could not even be compared with it.
      .max(2_147_483_647),
  })
  .strict();
export type UpdateTicket = z.infer<typeof ZUpdateTicket>;

export const TICKET_SORTS = [
  "created",
  "-created",
  "updated",
  "-updated",
  "due",
  "-due",
  "priority",
  "-priority",
] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

/** `status=open,in_progress` or `status=open&status=in_progress`. */
function listOf<T extends readonly [string, ...string[]]>(values: T, label: string) {
  return z.preprocess((raw) => {
    if (raw === undefined || raw === "") return undefined;
    const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((item) => String(item).split(","));
    return parts.map((part) => part.trim()).filter(Boolean);
  }, z.array(z.enum(values, { error: `${label} must be one of: ${values.join(", ")}` })).optional());
}

export const ZTicketListQuery = ZPageQuery.extend({
  q: ZSearchText.optional(),
  status: listOf(TICKET_STATUSES, "status"),
  priority: listOf(TICKET_PRIORITIES, "priority"),
  category: listOf(TICKET_CATEGORIES, "category"),
  assigneeId: z
    .union([z.literal("me"), z.literal("none"), z.uuid()], {
      error: "assigneeId must be a staff account id, me or none",
    })
    .optional(),
  customerId: z.uuid("customerId must be a customer id (UUID)").optional(),
  /** Tickets linked to this incident. */
  incidentId: z.uuid("incidentId must be an incident id (UUID)").optional(),
  overdue: ZBooleanParam("overdue").optional(),
  sort: z.enum(TICKET_SORTS, { error: `sort must be one of: ${TICKET_SORTS.join(", ")}` }).default("-created"),
});
export type TicketListQuery = z.infer<typeof ZTicketListQuery>;

export const ZTicketList = z
  .object({
    items: z.array(ZTicketListItem),
    nextCursor: z.string().nullable(),
    /**
     * How many tickets match, counted only up to a cap so a page never scans the whole table:
     * exact when `countCapped` is false, otherwise "more than `count`". Only on the first page.
     */
    count: z.number().int().nullable(),
    countCapped: z.boolean(),
  })
  .meta({ id: "TicketList" });
export type TicketList = z.infer<typeof ZTicketList>;

export const ZComment = z
  .object({
    id: z.uuid(),
    ticketId: z.uuid(),
    authorId: z.uuid().nullable(),
    body: z.string(),
    visibility: z.enum(COMMENT_VISIBILITIES),
    source: z.enum(COMMENT_SOURCES),
    createdAt: isoTime,
  })
  .meta({ id: "TicketComment" });
export type Comment = z.infer<typeof ZComment>;

export const ZCreateComment = z
  .object({
    body: z
      .string({ error: "Comment is required" })
      .trim()
      .min(1, "Comment is required")
      .max(20_000, "Comment must be at most 20,000 characters"),
    visibility: z.enum(COMMENT_VISIBILITIES, { error: "Visibility must be internal or public" }).default("internal"),
    /**
     * A public reply is also texted to the customer unless this is false (default true). An
     * internal note never leaves: `true` with `visibility: internal` is refused (422).
     */
    sendSms: z.boolean({ error: "sendSms must be true or false" }).optional(),
  })
  .strict();
export type CreateComment = z.infer<typeof ZCreateComment>;

/** POST /api/tickets/:id/comments: the comment and what became of its SMS (null: none was written). */
export const ZCreatedComment = ZComment.extend({ sms: ZCommentSms.nullable() }).meta({
  id: "CreatedTicketComment",
});
export type CreatedComment = z.infer<typeof ZCreatedComment>;

export const ZCommentList = z.object({ items: z.array(ZComment), nextCursor: z.string().nullable() });

const ZActor = z.object({ id: z.uuid(), name: z.string() }).nullable();

export const ZTimelineEntry = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("comment"),
      id: z.string(),
      createdAt: isoTime,
      actor: ZActor,
      comment: ZComment,
      /** A public reply's SMS in the state its row has now (that SMS is not listed again as an event). */
      sms: ZCommentSms.nullable(),
    }),
    z.object({
      type: z.literal("event"),
      id: z.string(),
      createdAt: isoTime,
      actor: ZActor,
      kind: z.enum(TICKET_EVENT_KINDS),
      fromValue: z.string().nullable(),
      toValue: z.string().nullable(),
      /** Readable forms of from/to (a staff member's name instead of an id). */
      fromLabel: z.string().nullable(),
      toLabel: z.string().nullable(),
      data: z.record(z.string(), z.unknown()).nullable(),
    }),
  ])
  .meta({ id: "TicketTimelineEntry" });
export type TimelineEntry = z.infer<typeof ZTimelineEntry>;

export const ZTimeline = z.object({ items: z.array(ZTimelineEntry) });

export const ZBulkTicketAction = z
  .object({
    ids: z
      .array(z.uuid("ids must be ticket ids (UUID)"))
      .min(1, "Select at least one ticket")
      .max(200, "At most 200 tickets at once"),
    assigneeId: assigneeId.optional(),
    status: status.optional(),
    priority: priority.optional(),
  })
  .strict()
  .refine((body) => body.assigneeId !== undefined || body.status !== undefined || body.priority !== undefined, {
    message: "Choose a change: assignee, status or priority",
    path: ["(request)"],
  });
export type BulkTicketAction = z.infer<typeof ZBulkTicketAction>;

export const ZBulkTicketResult = z.object({ items: z.array(ZTicket) });

const hours = (label: string) =>
  z
    .number({ error: `${label}: hours must be a number` })
    .int(`${label}: hours must be a whole number`)
    .min(1, `${label}: at least 1 hour`)
    .max(24 * 90, `${label}: at most 2,160 hours (90 days)`);

export const ZSlaHours = z
  .object({ urgent: hours("Urgent"), high: hours("High"), normal: hours("Normal"), low: hours("Low") })
  .strict()
  .meta({ id: "SlaHours" });
export type SlaHours = z.infer<typeof ZSlaHours>;

export const DEFAULT_SLA_HOURS: SlaHours = { urgent: 4, high: 8, normal: 24, low: 72 };

/** How long staff have to first answer a ticket of each priority, in hours (business time). */
export const DEFAULT_FIRST_RESPONSE_HOURS: SlaHours = { urgent: 1, high: 2, normal: 4, low: 8 };

const clockTime = (label: string) =>
  z
    .string({ error: `${label}: a time such as 09:00` })
    .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, `${label}: a time from 00:00 to 24:00, such as 09:00`);

export const SLA_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

export const ZSlaDayHours = z
  .object({ open: clockTime("Opens"), close: clockTime("Closes") })
  .strict()
  .refine((day) => day.close > day.open, { message: "Closes must be after opens", path: ["close"] });
export type SlaDayHours = z.infer<typeof ZSlaDayHours>;

/** An IANA time zone name this server knows, such as America/Chicago. */
export const ZTimeZone = z
  .string({ error: "Time zone: a name such as America/Chicago" })
  .trim()
  .min(1, "Time zone: a name such as America/Chicago")
  .max(64, "Time zone: a name such as America/Chicago")
  .refine(isValidTimeZone, "Time zone: not a known time zone name (such as America/Chicago or Europe/Berlin)");

const holiday = z
  .string({ error: "Holiday: a date such as 2026-12-25" })
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Holiday: a date such as 2026-12-25")
  .refine((value) => {
    // 2026-02-30 rolls over to March and 2026-13-01 is no date at all (an invalid Date, whose
    // toISOString throws): both are refused, never a 500.
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, "Holiday: not a real date");

/**
 * The whole SLA policy (admins edit it on the SLA settings page): targets per priority, the
 * opening hours the clock runs in, the days it does not run and the zone those are read in.
 */
export const ZSlaSettings = z
  .object({
    resolutionHours: ZSlaHours,
    firstResponseHours: ZSlaHours,
    /** null: the server's TIME_ZONE (UTC unless configured). */
    timeZone: ZTimeZone.nullable(),
    /** Monday first, seven days; null closes the day. Every day 00:00–24:00 is around the clock. */
    week: z
      .array(ZSlaDayHours.nullable(), { error: "Opening hours: one entry per weekday, Monday first" })
      .length(7, "Opening hours: one entry per weekday, Monday first")
      .refine((days) => days.some((day) => day !== null), "Opening hours: open at least one day a week"),
    holidays: z
      .array(holiday)
      .max(366, "Holidays: at most 366 dates")
      .refine((dates) => new Set(dates).size === dates.length, "Holidays: each date once"),
  })
  .strict()
  .meta({ id: "SlaSettings" });
export type SlaSettings = z.infer<typeof ZSlaSettings>;

/**
 * A change to the policy: only the parts sent change (the others stay as saved). What GET
 * answered may be sent back whole: its read-only defaultTimeZone is ignored.
 */
export const ZSlaSettingsPatch = ZSlaSettings.extend({
  defaultTimeZone: z.string().max(64).optional().describe("Read-only; ignored"),
})
  .partial()
  .meta({ id: "SlaSettingsPatch" });
export type SlaSettingsPatch = z.infer<typeof ZSlaSettingsPatch>;

/** What the settings page reads: the policy and the zone used when it names none. */
export const ZSlaSettingsView = ZSlaSettings.extend({
  defaultTimeZone: z.string().describe("The server's TIME_ZONE, used while timeZone is null"),
}).meta({ id: "SlaSettingsView" });
export type SlaSettingsView = z.infer<typeof ZSlaSettingsView>;

export const ALWAYS_OPEN_DAY: SlaDayHours = { open: "00:00", close: "24:00" };

/**
 * GET /api/customers/:id/site-tickets: other customers' open tickets at this customer's network
 * site, the nearest thing to "a problem at their site" until incidents exist. `site` is null for
 * a customer without a site; `count` and `customerCount` cover every such ticket, `items` the
 * newest few.
 */
export const ZSiteTickets = z
  .object({
    site: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    count: z.number().int(),
    customerCount: z.number().int(),
    items: z.array(
      ZTicket.pick({ id: true, number: true, subject: true, status: true, priority: true, createdAt: true }).extend({
        customer: z.object({ id: z.uuid(), name: z.string(), accountNumber: z.string() }),
      }),
    ),
  })
  .meta({ id: "SiteTickets" });
export type SiteTickets = z.infer<typeof ZSiteTickets>;
