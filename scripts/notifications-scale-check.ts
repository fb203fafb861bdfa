/**
 * Do the bell and the SLA job stay indexed at a regional ISP's size? Creates a scratch database on a
 * PostgreSQL server, fills it (generate_series: tickets over four years with a backlog of open ones
 * due around now, and millions of notifications, most of them read), prints EXPLAIN ANALYZE of the
 * SLA job's query and of the bell's queries, times two runs of the job, then drops the database.
 *
 *   npx tsx scripts/notifications-scale-check.ts [postgres://postgres@127.0.0.1:5432/postgres] [--keep]
 *
 * The URL names the server (its database is only used to create and drop the scratch one).
 * Env: SCALE_TICKETS (default 1000000), SCALE_NOTIFICATIONS (2000000). docs/notifications.md
 * keeps the output of the last run.
 */
import { sql } from "drizzle-orm";
import { systemClock } from "../src/server/clock.js";
import { loadConfig } from "../src/server/config.js";
import { queryRows } from "../src/server/db/client.js";
import { dueTicketsQuery, notifySlaTargets } from "../src/server/notifications/notifications.sla.js";
import { openScaleDatabase } from "./scale-database.js";

const TICKETS = Number(process.env.SCALE_TICKETS ?? 1_000_000);
const NOTIFICATIONS = Number(process.env.SCALE_NOTIFICATIONS ?? 2_000_000);

const { database, bulk, generate, log, close } = await openScaleDatabase("uplink_notifications_scale");
try {
  const { db } = database;
  log("migrated; generating 30 technicians");
  await generate(sql`
    insert into users (name, email, role, password_hash)
    select 'Technician ' || g, 'tech' || g || '@scale.test', 'technician', 'x' from generate_series(1, 30) g`);

  // Most tickets are long closed; the open backlog (one in 25) has its targets spread from two
  // weeks ago to two days ahead, half of them still waiting for the first answer.
  log(`generating ${TICKETS} tickets`);
  await generate(sql`
    with staff as (select array_agg(id order by name) as ids from users where role = 'technician'),
         base as (
           select g, random() as r, random() as s,
                  now() - (${TICKETS} - g) * (interval '4 years' / ${TICKETS}) as created_at
           from generate_series(1, ${TICKETS}) g
         )
    insert into tickets (number, subject, priority, status, assignee_id, due_at, first_response_due_at,
                         first_response_at, created_at, updated_at)
    select 'S-' || g, 'Scale ticket ' || g,
           (array['low','normal','normal','high','urgent'])[1 + g % 5]::ticket_priority,
           (case when r < 0.04 then (array['open','in_progress','waiting_on_customer'])[1 + g % 3]
                 else 'closed' end)::ticket_status,
           case when g % 10 = 0 then null else (select ids[1 + (g % array_length(ids, 1))] from staff) end,
           case when r < 0.04 then now() - interval '14 days' + s * interval '16 days' else created_at + interval '24 hours' end,
           case when r < 0.04 then now() - interval '14 days' + s * interval '16 days' - interval '20 hours'
                else created_at + interval '4 hours' end,
           case when r < 0.02 or r >= 0.04 then created_at + interval '1 hour' end,
           created_at, created_at
    from base`);

  log(`generating ${NOTIFICATIONS} notifications (nine in ten read)`);
  await generate(sql`
    with staff as (select array_agg(id order by name) as ids, count(*) as n from users)
    insert into notifications (user_id, kind, title, body, link, dedupe_key, read_at, created_at)
    select (select ids[1 + (g % n)] from staff), 'assigned', 'Scale notification ' || g, 'Body', '/tickets/x',
           case when g % 4 = 0 then 'sla:scale:' || g end,
           case when g % 10 <> 0 then now() - (${NOTIFICATIONS} - g) * (interval '90 days' / ${NOTIFICATIONS}) end,
           now() - (${NOTIFICATIONS} - g) * (interval '90 days' / ${NOTIFICATIONS})
    from generate_series(1, ${NOTIFICATIONS}) g`);
  log("vacuum analyze");
  for (const table of ["tickets", "notifications", "users"]) await bulk.query(`vacuum analyze ${table}`);

  const counts = await queryRows<Record<string, number>>(
    db,
    sql`select (select count(*)::int from tickets) as tickets,
               (select count(*)::int from tickets where status in ('open','in_progress','waiting_on_customer')) as open,
               (select count(*)::int from notifications) as notifications`,
  );
  console.table(counts);

  const [someone] = await queryRows<{ id: string }>(db, sql`select id from users where email = 'tech1@scale.test'`);
  if (!someone) throw new Error("the generated technicians are missing");
  const user = someone.id;
  const plans = {
    "SLA job: the tickets to tell about now": dueTicketsQuery(new Date(), 500),
    "Bell: first page of 20": sql`select n.*, u.name from notifications n left join users u on u.id = n.actor_id
        where n.user_id = ${user} order by n.created_at desc, n.id desc limit 21`,
    "Bell: unread only": sql`select n.*, u.name from notifications n left join users u on u.id = n.actor_id
        where n.user_id = ${user} and n.read_at is null order by n.created_at desc, n.id desc limit 21`,
    "Bell: unread count": sql`select count(*)::int as n from notifications where user_id = ${user} and read_at is null`,
    // The purge's rows (a DELETE would delete): the generated ones span 90 days, so a few are past.
    "Retention purge: the rows past 90 days": sql`select old.id from users u
        cross join lateral (select n.id from notifications n
                             where n.user_id = u.id and n.created_at < now() - interval '90 days'
                             order by n.created_at limit 5000) old
        limit 5000`,
  };
  for (const [name, query] of Object.entries(plans)) {
    await db.execute(query);
    const rows = await queryRows<{ "QUERY PLAN": string }>(db, sql`explain (analyze, buffers) ${query}`);
    console.log(`\n### ${name}\n${rows.map((row) => row["QUERY PLAN"]).join("\n")}`);
  }

  const config = loadConfig({ NODE_ENV: "production", SEED_DEMO_USERS: "false", LOG_LEVEL: "silent" });
  const ctx = { db, clock: systemClock, config };
  // The backlog is told 500 a run; then each minute's run finds nothing new (the steady state).
  const runs: { written: number; ms: number }[] = [];
  for (let run = 0; run < 200; run++) {
    const t0 = performance.now();
    const written = await notifySlaTargets(ctx);
    runs.push({ written, ms: performance.now() - t0 });
    if (written === 0) break;
  }
  const busy = runs.filter((run) => run.written > 0);
  const total = busy.reduce((sum, run) => sum + run.written, 0);
  const slowest = Math.max(0, ...busy.map((run) => run.ms));
  console.log(
    `\nSLA job: ${total} notifications in ${busy.length} runs (slowest ${slowest.toFixed(0)} ms); ` +
      `then a run with nothing to tell: ${(runs.at(-1)?.ms ?? 0).toFixed(1)} ms`,
  );
} finally {
  await close();
}
