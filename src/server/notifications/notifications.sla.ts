import { sql } from "drizzle-orm";
import { DEFAULT_NOTIFICATION_PREFERENCES, SLA_DUE_SOON_MINUTES } from "../../shared/notifications.js";
import { inTransaction, type ServiceContext } from "../context.js";
import { type Executor, queryRows } from "../db/client.js";
import { type NotificationDraft, writeNotifications } from "./notifications.service.js";

/**
 * The SLA notifications (docs/notifications.md), from the maintenance schedule every minute on
 * every instance: the assignee of an open ticket hears once when its first-response or
 * resolution target is less than SLA_DUE_SOON_MINUTES away (`sla_due_soon`) and once when it has
 * passed (`sla_overdue`). "Once" is the dedupe key: ticket, target, kind and the due time itself,
 * so a target that moves (a new priority, the clock stopped and restarted) is a new deadline and
 * is told again, while the same deadline never is, however many instances run the job.
 */

/**
 * Targets that passed longer ago than this are not told any more: each run looks at every open
 * ticket overdue within it, so it is kept to a day (a new assignee of a ticket long overdue hears
 * of it as an assignment; docs/notifications.md).
 */
export const SLA_OVERDUE_LOOKBACK_HOURS = 24;
/** A run writes at most this many (the rest the next minute). */
const BATCH = 500;

type Target = "first_response" | "resolution";

interface DueRow {
  ticket_id: string;
  number: string;
  subject: string;
  assignee_id: string;
  target: Target;
  kind: "sla_due_soon" | "sla_overdue";
  due_at: Date | string;
  dedupe_key: string;
}

const inAppDefault = (kind: "sla_due_soon" | "sla_overdue") => DEFAULT_NOTIFICATION_PREFERENCES[kind].inApp;

/**
 * The tickets to tell about now, with their dedupe keys, leaving out what was told already and
 * what the assignee turned off (so a person who turned the kind off costs no work each minute).
 * Each half reads a partial index of open tickets by due time (tickets_open_due_idx,
 * tickets_first_response_due_idx); the plan is in docs/notifications.md.
 */
export function dueTicketsQuery(now: Date, limit: number) {
  const soon = new Date(now.getTime() + SLA_DUE_SOON_MINUTES * 60_000);
  const since = new Date(now.getTime() - SLA_OVERDUE_LOOKBACK_HOURS * 3_600_000);
  return sql`
    with due as (
      select t.id as ticket_id, t.number, t.subject, t.assignee_id, 'resolution' as target, t.due_at
        from tickets t
       where t.status in ('open', 'in_progress', 'waiting_on_customer')
         and coalesce(t.due_at, 'infinity'::timestamptz) <= ${soon}::timestamptz
         and coalesce(t.due_at, 'infinity'::timestamptz) > ${since}::timestamptz
         and t.sla_remaining_seconds is null
         and t.assignee_id is not null
      union all
      select t.id, t.number, t.subject, t.assignee_id, 'first_response', t.first_response_due_at
        from tickets t
       where t.first_response_at is null
         and t.status in ('open', 'in_progress', 'waiting_on_customer')
         and t.first_response_due_at <= ${soon}::timestamptz
         and t.first_response_due_at > ${since}::timestamptz
         and t.assignee_id is not null
    ), told as (
      select due.*, k.kind,
             'sla:' || due.ticket_id || ':' || due.target || ':' || k.kind || ':' ||
               floor(extract(epoch from due.due_at))::bigint as dedupe_key
        from due
        cross join lateral (select case when due.due_at <= ${now}::timestamptz
                                        then 'sla_overdue' else 'sla_due_soon' end as kind) k
    )
    select told.ticket_id, told.number, told.subject, told.assignee_id, told.target, told.kind, told.due_at,
           told.dedupe_key
      from told
      join users u on u.id = told.assignee_id and u.active
      left join notification_preferences p on p.user_id = told.assignee_id
     where coalesce(case when jsonb_typeof(p.prefs -> told.kind -> 'inApp') = 'boolean'
                         then (p.prefs -> told.kind ->> 'inApp')::boolean end,
                    case told.kind when 'sla_overdue' then ${inAppDefault("sla_overdue")}::boolean
                                   else ${inAppDefault("sla_due_soon")}::boolean end)
       and not exists (select 1 from notifications n
                        where n.user_id = told.assignee_id and n.dedupe_key = told.dedupe_key)
     order by told.due_at
     limit ${limit}`;
}

const TARGET_WORDS: Record<Target, string> = { first_response: "First response", resolution: "Resolution" };

function draftOf(row: DueRow, now: Date): NotificationDraft {
  const target = TARGET_WORDS[row.target];
  const minutes = Math.max(1, Math.ceil((new Date(row.due_at).getTime() - now.getTime()) / 60_000));
  return {
    userId: row.assignee_id,
    kind: row.kind,
    title:
      row.kind === "sla_overdue"
        ? `${target} overdue: ${row.number}`
        : `${target} due in ${minutes} min: ${row.number}`,
    body: row.subject,
    link: `/tickets/${row.ticket_id}`,
    ticketId: row.ticket_id,
    actorId: null,
    dedupeKey: row.dedupe_key,
  };
}

/** One run of the job: returns how many notifications it wrote. */
export async function notifySlaTargets(ctx: ServiceContext): Promise<number> {
  return inTransaction(ctx, async (tx) => {
    const now = ctx.clock.now();
    const rows = await queryRows<DueRow>(tx.db, dueTicketsQuery(now, BATCH));
    return writeNotifications(
      tx,
      rows.map((row) => draftOf(row, now)),
    );
  });
}

/** For docs and benchmarks: the plan of the job's query. */
export async function explainDueTickets(db: Executor, now: Date): Promise<string[]> {
  const rows = await queryRows<{ "QUERY PLAN": string }>(
    db,
    sql`explain (analyze, costs off, timing off) ${dueTicketsQuery(now, BATCH)}`,
  );
  return rows.map((row) => row["QUERY PLAN"]);
}
