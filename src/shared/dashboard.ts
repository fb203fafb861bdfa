import { z } from "zod";
import { CUSTOMER_STATUSES, OPEN_TICKET_STATUSES, TICKET_EVENT_KINDS, TICKET_PRIORITIES, USER_ROLES } from "./enums.js";
import { isValidTimeZone } from "./zoned-time.js";

/** How many days the trend chart and the medians cover (today included). */
export const DASHBOARD_DAYS = 30;
/** How many timeline events the activity feed shows. */
export const DASHBOARD_ACTIVITY_LIMIT = 20;
/** How many of the signed-in person's own open tickets the dashboard lists. */
export const DASHBOARD_MY_TICKETS_LIMIT = 10;

/**
 * An IANA zone name the runtime knows. Names only: a bare offset such as "+05:00" would mean the
 * opposite direction to PostgreSQL (POSIX signs), so it is refused rather than misread.
 */
function isTimeZone(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) && isValidTimeZone(name);
}

export const ZDashboardQuery = z
  .object({
    tz: z
      .string()
      .trim()
      .min(1, "tz must be an IANA time zone name such as Europe/Berlin or UTC")
      .max(64, "tz must be an IANA time zone name such as Europe/Berlin or UTC")
      .refine(isTimeZone, { error: "tz must be an IANA time zone name such as Europe/Berlin or UTC" })
      .default("UTC")
      .describe(
        "IANA time zone for the per-day buckets and the 30-day window (default UTC): a day runs from local midnight to local midnight.",
      ),
  })
  .strict();
export type DashboardQuery = z.infer<typeof ZDashboardQuery>;

const count = z.number().int().min(0);
const isoTime = z.iso.datetime({ offset: true });

const ZWorkload = z.object({
  open: count.describe("Open tickets (status open, in_progress or waiting_on_customer)"),
  overdue: count.describe("Open tickets whose SLA clock runs and whose due time has come (at or before now)"),
});

export const ZTechnicianWorkload = ZWorkload.extend({
  userId: z.uuid(),
  name: z.string(),
  role: z.enum(USER_ROLES),
  active: z.boolean(),
});
export type TechnicianWorkload = z.infer<typeof ZTechnicianWorkload>;

export const ZMyTicket = z.object({
  id: z.uuid(),
  number: z.string(),
  subject: z.string(),
  status: z.enum(OPEN_TICKET_STATUSES),
  priority: z.enum(TICKET_PRIORITIES),
  dueAt: isoTime.nullable(),
  overdue: z.boolean(),
  customer: z.object({ id: z.uuid(), name: z.string() }).nullable(),
});
export type MyTicket = z.infer<typeof ZMyTicket>;

export const ZDailyTickets = z.object({
  date: z.iso.date().describe("The local calendar day (in the requested time zone), YYYY-MM-DD"),
  created: count.describe("Tickets created that day"),
  resolved: count.describe(
    "Tickets resolved that day and not reopened since (a ticket closed without being resolved counts on its closing day)",
  ),
});
export type DailyTickets = z.infer<typeof ZDailyTickets>;

export const ZActivityEvent = z.object({
  id: z.string().describe("The timeline event's id, or sms-<id> for an outgoing SMS (its state is the SMS log's)"),
  kind: z.enum(TICKET_EVENT_KINDS),
  at: isoTime,
  fromValue: z.string().nullable().describe("The previous value (status, priority, or the assignee's name)"),
  toValue: z.string().nullable().describe("The new value (status, priority, or the assignee's name)"),
  actor: z
    .object({ id: z.uuid(), name: z.string() })
    .nullable()
    .describe("Staff who did it; null for the system or a customer's SMS"),
  ticket: z.object({ id: z.uuid(), number: z.string(), subject: z.string() }),
  customer: z.object({ id: z.uuid(), name: z.string() }).nullable(),
});
export type ActivityEvent = z.infer<typeof ZActivityEvent>;

export const ZDashboard = z
  .object({
    generatedAt: isoTime,
    timeZone: z.string().describe("The time zone the days are counted in"),
    window: z
      .object({
        from: isoTime.describe("Local midnight 29 days before today"),
        to: isoTime.describe("Now"),
      })
      .describe("The last 30 days including today: the span of `daily` and of both medians"),
    tickets: ZWorkload.extend({
      byStatus: z
        .array(z.object({ status: z.enum(OPEN_TICKET_STATUSES), count }))
        .describe("Open tickets per open status, every open status present"),
      byPriority: z
        .array(z.object({ priority: z.enum(TICKET_PRIORITIES), open: count, overdue: count }))
        .describe("Open and overdue tickets per priority, every priority present"),
    }).describe(
      '"Open" means status open, in_progress or waiting_on_customer; overdue means open, the SLA clock running (a stopped clock has no due time) and the due time at or before now, as in the ticket queues',
    ),
    mine: ZWorkload.extend({
      tickets: z
        .array(ZMyTicket)
        .describe(`The signed-in person's open tickets, soonest due first (at most ${DASHBOARD_MY_TICKETS_LIMIT})`),
    }).describe("The signed-in person's own queue"),
    technicians: z
      .array(ZTechnicianWorkload)
      .describe("Open work per person: every active technician, plus anyone else with open tickets assigned"),
    unassigned: ZWorkload,
    daily: z
      .array(ZDailyTickets)
      .describe(
        "Created vs resolved per local day, oldest first: exactly 30 days ending today, days without tickets as 0",
      ),
    medians: z.object({
      firstResponseSeconds: z
        .number()
        .nullable()
        .describe(
          "Median of first response time minus creation time over tickets created in the window that have had a first response; null when there are none",
        ),
      firstResponseSample: count.describe("How many tickets the first-response median is over"),
      resolutionSeconds: z
        .number()
        .nullable()
        .describe(
          "Median of resolution time minus creation time over tickets resolved in the window (and not reopened); null when there are none",
        ),
      resolutionSample: count.describe("How many tickets the resolution median is over"),
    }),
    customers: z.object({
      total: count.describe("Customers not archived"),
      byStatus: z.array(z.object({ status: z.enum(CUSTOMER_STATUSES), count })).describe("Every status present"),
    }),
    recentActivity: z
      .array(ZActivityEvent)
      .describe(`The ${DASHBOARD_ACTIVITY_LIMIT} most recent ticket timeline events, newest first`),
  })
  .meta({ id: "Dashboard" });
export type Dashboard = z.infer<typeof ZDashboard>;
