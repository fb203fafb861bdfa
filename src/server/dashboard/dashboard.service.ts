import { type SQL, sql } from "drizzle-orm";
import {
  type ActivityEvent,
  DASHBOARD_ACTIVITY_LIMIT,
  DASHBOARD_DAYS,
  DASHBOARD_MY_TICKETS_LIMIT,
  type DailyTickets,
  type Dashboard,
  type DashboardQuery,
  type TechnicianWorkload,
} from "../../shared/dashboard.js";
import {
  CUSTOMER_STATUSES,
  type CustomerStatus,
  OPEN_TICKET_STATUSES,
  TICKET_PRIORITIES,
  type TicketEventKind,
  type TicketPriority,
  type UserRole,
} from "../../shared/enums.js";
import type { Clock } from "../clock.js";
import { type Executor, queryRows } from "../db/client.js";
import { fieldError, pgErrorCode } from "../http/errors.js";
import type { DashboardCache } from "./dashboard.cache.js";

export interface DashboardContext {
  db: Executor;
  clock: Clock;
  /** Shared between requests of one app; without it every request computes everything. */
  cache?: DashboardCache<SharedDashboardRows>;
}

/** The parts every viewer sees alike (given the time zone): the expensive ones. */
export interface SharedDashboardRows {
  generatedAt: string;
  openWork: OpenWorkRow[];
  window: WindowRow;
  trend: TrendRow[];
  activity: ActivityRow[];
}

type OpenStatus = (typeof OPEN_TICKET_STATUSES)[number];

/**
 * The open statuses as SQL literals, not a parameter: the partial index
 * dashboard_tickets_open_idx is only usable when the planner can see that the query's
 * condition matches the index's, which it cannot do for `= any($1)`.
 */
const OPEN_STATUSES_SQL = sql.raw(`(${OPEN_TICKET_STATUSES.map((s) => `'${s}'`).join(", ")})`);

/** A timestamptz as ISO 8601 in UTC, the same text on PGlite and on a server whatever the driver's parsers. */
const isoUtc = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The moment a ticket counts as resolved: when it was resolved, or closed without being resolved first. */
const RESOLVED_AT = sql`coalesce(t.resolved_at, t.closed_at)`;

/**
 * The start of the window: local midnight (in `tz`) 29 days before today, so the window is the
 * last 30 local days including today. Computed by the database so that daylight-saving changes
 * inside the window are handled by its time zone rules.
 */
function windowStart(now: string, tz: string): SQL {
  return sql`((date_trunc('day', ${now}::timestamptz at time zone ${tz}) - interval '${sql.raw(String(DASHBOARD_DAYS - 1))} days') at time zone ${tz})`;
}

/** The dashboard's queries, one per part, exported so the scale check can EXPLAIN each one. */
export const dashboardQueries = {
  /** Every open ticket, grouped to the few combinations of assignee, status, priority and overdue. */
  openWork(now: string): SQL {
    return sql`
      select t.assignee_id as "assigneeId", t.status, t.priority,
             coalesce(t.due_at <= ${now}::timestamptz, false) as overdue, count(*)::int as count
      from tickets t
      where t.status in ${OPEN_STATUSES_SQL}
      group by 1, 2, 3, 4`;
  },

  /** The signed-in person's own open tickets, soonest due first (no due time last). */
  myTickets(now: string, userId: string): SQL {
    return sql`
      select t.id, t.number, t.subject, t.status, t.priority, ${isoUtc(sql`t.due_at`)} as "dueAt",
             coalesce(t.due_at <= ${now}::timestamptz, false) as overdue,
             c.id as "customerId", c.name as "customerName"
      from (
        select * from tickets
        where assignee_id = ${userId} and status in ${OPEN_STATUSES_SQL}
        order by due_at asc nulls last, created_at asc, id asc
        limit ${DASHBOARD_MY_TICKETS_LIMIT}
      ) as t
      left join customers c on c.id = t.customer_id
      order by t.due_at asc nulls last, t.created_at asc, t.id asc`;
  },

  /** The window in the requested zone: its first instant, its first local day and today's. */
  window(now: string, tz: string): SQL {
    return sql`
      select ${isoUtc(windowStart(now, tz))} as "windowStart",
             to_char((${windowStart(now, tz)} at time zone ${tz})::date, 'YYYY-MM-DD') as "firstDay",
             to_char((${now}::timestamptz at time zone ${tz})::date, 'YYYY-MM-DD') as "today"`;
  },

  /**
   * Created and resolved per local day (days without any are filled in by the caller), and, from
   * the same two index scans, the medians: first response over the tickets created in the window
   * (those answered so far) and resolution time over the tickets resolved in the window. Each
   * scan is materialised once, then counted per day (hash aggregate on the date, formatted only
   * for the 30 result rows) and sorted once for its median; the row with a null `date` is the
   * whole window's.
   */
  trend(now: string, tz: string): SQL {
    return sql`
      with created as materialized (
        select (t.created_at at time zone ${tz})::date as day, t.first_response_at - t.created_at as wait
        from tickets t
        where t.created_at >= ${windowStart(now, tz)} and t.created_at <= ${now}::timestamptz
      ), resolved as materialized (
        select (${RESOLVED_AT} at time zone ${tz})::date as day, ${RESOLVED_AT} - t.created_at as wait
        from tickets t
        where ${RESOLVED_AT} >= ${windowStart(now, tz)} and ${RESOLVED_AT} <= ${now}::timestamptz
          and ${RESOLVED_AT} is not null
      )
      select 'created' as series, to_char(day, 'YYYY-MM-DD') as date, count(*)::int as n,
             null::float8 as "medianSeconds", null::int as sample
      from created group by day
      union all
      select 'created', null, count(*)::int,
             extract(epoch from percentile_cont(0.5) within group (order by wait))::float8, count(wait)::int
      from created
      union all
      select 'resolved', to_char(day, 'YYYY-MM-DD'), count(*)::int, null, null
      from resolved group by day
      union all
      select 'resolved', null, count(*)::int,
             extract(epoch from percentile_cont(0.5) within group (order by wait))::float8, count(wait)::int
      from resolved`;
  },

  /** Kept by triggers on customers (migration 0008): five rows, however many customers there are. */
  customersByStatus(): SQL {
    return sql`select d.status, d.count::int as count from dashboard_customer_counts d`;
  },

  /**
   * The newest timeline entries: ticket events and outgoing SMS (whose state the SMS log keeps),
   * the newest of each first (each from its own index), so only those rows are joined.
   */
  recentActivity(): SQL {
    return sql`
      select e.id, e.kind, ${isoUtc(sql`e.created_at`)} as at, e.from_value as "fromValue",
             e.to_value as "toValue", e.actor_id as "actorId", a.name as "actorName",
             t.id as "ticketId", t.number as "ticketNumber", t.subject as "ticketSubject",
             c.id as "customerId", c.name as "customerName"
      from (
        (select id::text as id, kind::text as kind, created_at, from_value, to_value, actor_id, ticket_id, 0 as tie, id as seq
         from ticket_events order by created_at desc, id desc limit ${DASHBOARD_ACTIVITY_LIMIT})
        union all
        (select 'sms-' || s.id::text, case s.status when 'skipped' then 'sms_skipped' when 'sent' then 'sms_sent'
                  when 'delivered' then 'sms_delivered' when 'undelivered' then 'sms_failed' when 'failed' then 'sms_failed'
                  else 'sms_queued' end,
                s.created_at, null, s.to_number, case when s.purpose = 'manual' then s.user_id end, s.ticket_id, 1, 0::bigint
         from sms_logs s where s.direction = 'outbound' and s.ticket_id is not null
         order by s.created_at desc limit ${DASHBOARD_ACTIVITY_LIMIT})
        order by created_at desc, tie desc, seq desc limit ${DASHBOARD_ACTIVITY_LIMIT}
      ) as e
      join tickets t on t.id = e.ticket_id
      left join users a on a.id = e.actor_id
      left join customers c on c.id = t.customer_id
      order by e.created_at desc, e.tie desc, e.seq desc`;
  },

  /**
   * Changes since the cache was filled: every ticket change writes a timeline event, every SMS a
   * row, so a new stamp means numbers may have moved (an SMS's later states show after the cache's
   * maximum age).
   */
  changeStamp(): SQL {
    return sql`select (select coalesce(max(e.id), 0) from ticket_events e)::text || ':' ||
                      coalesce((select max(s.created_at) from sms_logs s)::text, '') as stamp`;
  },

  /** Staff are few (tens): all of them, to name assignees and list technicians with no open work. */
  staff(): SQL {
    return sql`select u.id, u.name, u.role, u.active from users u`;
  },
};

interface OpenWorkRow {
  assigneeId: string | null;
  status: OpenStatus;
  priority: TicketPriority;
  overdue: boolean;
  count: number;
}
interface MyTicketRow {
  id: string;
  number: string;
  subject: string;
  status: OpenStatus;
  priority: TicketPriority;
  dueAt: string | null;
  overdue: boolean;
  customerId: string | null;
  customerName: string | null;
}
interface TrendRow {
  series: "created" | "resolved";
  /** Null on the row that covers the whole window. */
  date: string | null;
  n: number;
  medianSeconds: number | null;
  sample: number;
}
interface WindowRow {
  windowStart: string;
  firstDay: string;
  today: string;
}
interface ActivityRow {
  id: string;
  kind: TicketEventKind;
  at: string;
  fromValue: string | null;
  toValue: string | null;
  actorId: string | null;
  actorName: string | null;
  ticketId: string;
  ticketNumber: string;
  ticketSubject: string;
  customerId: string | null;
  customerName: string | null;
}
interface StaffRow {
  id: string;
  name: string;
  role: UserRole;
  active: boolean;
}

const PG_INVALID_PARAMETER_VALUE = "22023";

/** The expensive parts, as of `now`: open work, the 30-day trend and the activity feed. */
async function sharedDashboardRows(db: Executor, now: string, tz: string): Promise<SharedDashboardRows> {
  const [openWork, [window], trend, activity] = await Promise.all([
    queryRows<OpenWorkRow>(db, dashboardQueries.openWork(now)),
    queryRows<WindowRow>(db, dashboardQueries.window(now, tz)),
    queryRows<TrendRow>(db, dashboardQueries.trend(now, tz)),
    queryRows<ActivityRow>(db, dashboardQueries.recentActivity()),
  ]);
  if (!window) throw new Error("the dashboard window query returned no row");
  return { generatedAt: now, openWork, window, trend, activity };
}

/**
 * Everything the dashboard shows. The viewer's own tickets, customer counts and staff are read
 * on every request; the expensive aggregates come from `ctx.cache` while no ticket has changed
 * since they were computed (and for at most DASHBOARD_CACHE_SECONDS), else they are computed
 * as of `clock.now()`. On a server each part takes its own pooled connection.
 */
export async function getDashboard(ctx: DashboardContext, userId: string, query: DashboardQuery): Promise<Dashboard> {
  const nowDate = ctx.clock.now();
  const requestedAt = nowDate.toISOString();
  const { tz } = query;
  let results: [SharedDashboardRows, MyTicketRow[], { status: CustomerStatus; count: number }[], StaffRow[]];
  try {
    const shared = async () => {
      const cache = ctx.cache;
      if (!cache) return sharedDashboardRows(ctx.db, requestedAt, tz);
      const [row] = await queryRows<{ stamp: string }>(ctx.db, dashboardQueries.changeStamp());
      return cache.get(tz, row?.stamp ?? "0", nowDate.getTime(), () => sharedDashboardRows(ctx.db, requestedAt, tz));
    };
    results = await Promise.all([
      shared(),
      queryRows<MyTicketRow>(ctx.db, dashboardQueries.myTickets(requestedAt, userId)),
      queryRows<{ status: CustomerStatus; count: number }>(ctx.db, dashboardQueries.customersByStatus()),
      queryRows<StaffRow>(ctx.db, dashboardQueries.staff()),
    ]);
  } catch (error) {
    // A zone name the browser knows but this database's time zone data does not.
    if (pgErrorCode(error) === PG_INVALID_PARAMETER_VALUE) {
      throw fieldError("dashboard.time_zone_unknown", "tz", `tz: the database does not know the time zone "${tz}"`);
    }
    throw error;
  }
  const [{ generatedAt: now, openWork, window, trend, activity }, myTickets, customerCounts, staff] = results;
  const dailyCounts = trend.filter((row): row is TrendRow & { date: string } => row.date !== null);
  const windowTotal = (series: TrendRow["series"]) => trend.find((row) => row.series === series && row.date === null);
  const created = windowTotal("created");
  const resolved = windowTotal("resolved");

  const byStatus = new Map<OpenStatus, number>(OPEN_TICKET_STATUSES.map((s) => [s, 0]));
  const byPriority = new Map<TicketPriority, { open: number; overdue: number }>(
    TICKET_PRIORITIES.map((p) => [p, { open: 0, overdue: 0 }]),
  );
  const byAssignee = new Map<string | null, { open: number; overdue: number }>();
  let open = 0;
  let overdue = 0;
  for (const row of openWork) {
    const n = Number(row.count);
    const late = row.overdue ? n : 0;
    open += n;
    overdue += late;
    byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + n);
    const priority = byPriority.get(row.priority);
    if (priority) {
      priority.open += n;
      priority.overdue += late;
    }
    const assignee = byAssignee.get(row.assigneeId) ?? { open: 0, overdue: 0 };
    assignee.open += n;
    assignee.overdue += late;
    byAssignee.set(row.assigneeId, assignee);
  }

  const staffById = new Map(staff.map((person) => [person.id, person]));
  const technicians: TechnicianWorkload[] = staff
    .filter((person) => (person.role === "technician" && person.active) || byAssignee.has(person.id))
    .map((person) => ({
      userId: person.id,
      name: person.name,
      role: person.role,
      active: person.active,
      open: byAssignee.get(person.id)?.open ?? 0,
      overdue: byAssignee.get(person.id)?.overdue ?? 0,
    }))
    .sort((a, b) => b.open - a.open || a.name.localeCompare(b.name));

  const customerCount = new Map(customerCounts.map((row) => [row.status, Number(row.count)]));
  const customersByStatus = CUSTOMER_STATUSES.map((status) => ({ status, count: customerCount.get(status) ?? 0 }));

  return {
    generatedAt: now,
    timeZone: tz,
    window: { from: window.windowStart, to: now },
    tickets: {
      open,
      overdue,
      byStatus: OPEN_TICKET_STATUSES.map((status) => ({ status, count: byStatus.get(status) ?? 0 })),
      byPriority: TICKET_PRIORITIES.map((priority) => ({
        priority,
        ...(byPriority.get(priority) ?? { open: 0, overdue: 0 }),
      })),
    },
    mine: {
      ...(byAssignee.get(userId) ?? { open: 0, overdue: 0 }),
      tickets: myTickets.map((row) => ({
        id: row.id,
        number: row.number,
        subject: row.subject,
        status: row.status,
        priority: row.priority,
        dueAt: row.dueAt,
        overdue: row.overdue,
        customer: row.customerId && row.customerName !== null ? { id: row.customerId, name: row.customerName } : null,
      })),
    },
    technicians,
    unassigned: byAssignee.get(null) ?? { open: 0, overdue: 0 },
    daily: fillDays(window, dailyCounts),
    medians: {
      firstResponseSeconds: created?.medianSeconds ?? null,
      firstResponseSample: Number(created?.sample ?? 0),
      resolutionSeconds: resolved?.medianSeconds ?? null,
      resolutionSample: Number(resolved?.sample ?? 0),
    },
    customers: {
      total: customersByStatus.reduce((sum, row) => sum + row.count, 0),
      byStatus: customersByStatus,
    },
    recentActivity: activity.map((row) => toActivityEvent(row, staffById)),
  };
}

/** Every local day from the window's first to today, oldest first, days without tickets as zeros. */
function fillDays(window: WindowRow, counts: (TrendRow & { date: string })[]): DailyTickets[] {
  const byDay = new Map<string, DailyTickets>();
  // Calendar arithmetic on the dates themselves: the zone was applied when the dates were made.
  for (let day = Date.parse(`${window.firstDay}T00:00:00Z`); ; day += 86_400_000) {
    const date = new Date(day).toISOString().slice(0, 10);
    byDay.set(date, { date, created: 0, resolved: 0 });
    if (date >= window.today || byDay.size > DASHBOARD_DAYS + 1) break;
  }
  for (const row of counts) {
    const day = byDay.get(row.date);
    if (day) day[row.series] = Number(row.n);
  }
  return [...byDay.values()];
}

/** Assignment events store staff ids; the feed shows their names. */
function toActivityEvent(row: ActivityRow, staffById: Map<string, StaffRow>): ActivityEvent {
  const nameOf = (value: string | null) =>
    row.kind === "assigned" && value !== null ? (staffById.get(value)?.name ?? value) : value;
  return {
    id: row.id,
    kind: row.kind,
    at: row.at,
    fromValue: nameOf(row.fromValue),
    toValue: nameOf(row.toValue),
    actor: row.actorId && row.actorName !== null ? { id: row.actorId, name: row.actorName } : null,
    ticket: { id: row.ticketId, number: row.ticketNumber, subject: row.ticketSubject },
    customer: row.customerId && row.customerName !== null ? { id: row.customerId, name: row.customerName } : null,
  };
}
