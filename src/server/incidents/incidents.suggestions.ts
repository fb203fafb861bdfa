import { sql } from "drizzle-orm";
import { ACTIVE_INCIDENT_STATUSES, OPEN_TICKET_STATUSES } from "../../shared/enums.js";
import type { OutageSuggestionList } from "../../shared/incident-suggestions.js";
import { type Executor, queryRows } from "../db/client.js";

/** The ticket categories a subscriber picks when the line is down or dropping. */
export const OUTAGE_SIGNAL_CATEGORIES = ["no_service", "intermittent"] as const;

/**
 * How far back a burst is still news: at least two hours (or the window itself, if longer). An
 * outage still going on keeps bringing calls, so its suggestion stays up; a burst nobody acted on
 * fades instead of sitting on the dashboard until its tickets are closed.
 */
export const lookbackMinutes = (windowMinutes: number) => Math.max(windowMinutes, 120);

const quoted = (values: readonly string[]) => sql.raw(`(${values.map((value) => `'${value}'`).join(", ")})`);

/**
 * Sites where at least `tickets` customers opened a no-service or intermittent ticket within some
 * `minutes`-long window of the lookback, and no active incident covers the site. One query:
 * the open tickets of the lookback (tickets_open_created_idx), their customers' sites, a window
 * count per site over each customer's first ticket (three tickets from one caller are no outage),
 * and every ticket that falls in a window dense enough. Tickets already linked to an incident,
 * closed ones and network-wide ones (no customer) are not signals.
 */
export async function findOutageSuggestions(
  db: Executor,
  options: { now: Date; tickets: number; minutes: number },
): Promise<OutageSuggestionList> {
  const since = new Date(options.now.getTime() - lookbackMinutes(options.minutes) * 60_000);
  const rows = await queryRows<{
    site_id: string;
    site_name: string;
    ticket_count: number;
    first_at: Date | string;
    last_at: Date | string;
    ticket_ids: string[];
  }>(
    db,
    sql`with signals as (
          select t.id, t.created_at, t.customer_id, c.site_id
            from tickets t
            join customers c on c.id = t.customer_id
           where t.status in ${quoted(OPEN_TICKET_STATUSES)}
             and t.created_at > ${since.toISOString()}::timestamptz
             and t.created_at <= ${options.now.toISOString()}::timestamptz
             and t.category in ${quoted(OUTAGE_SIGNAL_CATEGORIES)}
             and t.incident_id is null
             and c.site_id is not null
             and not exists (
                   select 1
                     from incident_sites s
                     join incidents i on i.id = s.incident_id
                    where s.site_id = c.site_id
                      and i.status in ${quoted(ACTIVE_INCIDENT_STATUSES)})
        ),
        first_calls as (
          select distinct on (customer_id) site_id, created_at
            from signals
           order by customer_id, created_at
        ),
        dense_ends as (
          select site_id, created_at as ends_at
            from (select site_id, created_at,
                         count(*) over (partition by site_id order by created_at
                                        range between make_interval(mins => ${options.minutes}) preceding
                                              and current row) as callers
                    from first_calls) w
           where callers >= ${options.tickets}
        )
        select s.site_id, n.name as site_name, count(*)::int as ticket_count,
               min(s.created_at) as first_at, max(s.created_at) as last_at,
               array_agg(s.id order by s.created_at, s.id) as ticket_ids
          from signals s
          join network_sites n on n.id = s.site_id
         where exists (select 1 from dense_ends e
                        where e.site_id = s.site_id
                          and s.created_at between e.ends_at - make_interval(mins => ${options.minutes}) and e.ends_at)
         group by s.site_id, n.name
         order by max(s.created_at) desc, s.site_id`,
  );
  return {
    items: rows.map((row) => ({
      siteId: row.site_id,
      siteName: row.site_name,
      ticketCount: Number(row.ticket_count),
      firstAt: new Date(row.first_at).toISOString(),
      lastAt: new Date(row.last_at).toISOString(),
      ticketIds: row.ticket_ids,
    })),
    thresholds: { tickets: options.tickets, minutes: options.minutes },
  };
}
