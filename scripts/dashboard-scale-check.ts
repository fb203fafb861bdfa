/**
 * How fast is GET /api/dashboard at 2,000,000 tickets? Creates a scratch database on a PostgreSQL
 * server, fills it (generate_series, a few minutes), prints EXPLAIN ANALYZE of every dashboard
 * query and the timing of whole requests through the app (no cache anywhere), then drops it.
 *
 *   npx tsx scripts/dashboard-scale-check.ts [postgres://postgres@127.0.0.1:5432/postgres] [--keep]
 *
 * The URL names the server (its database is only used to create and drop the scratch one).
 * Env: SCALE_TICKETS (default 2000000), SCALE_CUSTOMERS (300000), SCALE_REQUESTS (200).
 */
import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import { buildApp } from "../src/server/app.js";
import { systemClock } from "../src/server/clock.js";
import { loadConfig } from "../src/server/config.js";
import { dashboardQueries } from "../src/server/dashboard/dashboard.service.js";
import { openPostgres, queryRows } from "../src/server/db/client.js";
import { runMigrations } from "../src/server/db/migrate.js";
import { seedDemoUsers } from "../src/server/db/seed.js";
import { hashPassword } from "../src/server/users/users.passwords.js";

const args = process.argv.slice(2);
const serverUrl = args.find((arg) => !arg.startsWith("--")) ?? "postgres://postgres@127.0.0.1:5432/postgres";
const reuse = args.includes("--reuse");
const keep = reuse || args.includes("--keep");
const TICKETS = Number(process.env.SCALE_TICKETS ?? 2_000_000);
const CUSTOMERS = Number(process.env.SCALE_CUSTOMERS ?? 300_000);
const REQUESTS = Number(process.env.SCALE_REQUESTS ?? 200);
const NAME = "uplink_dashboard_scale";

const databaseUrl = new URL(serverUrl);
databaseUrl.pathname = `/${NAME}`;

async function onServer(statement: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const started = Date.now();
const log = (message: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

if (!reuse) {
  await onServer(`drop database if exists ${NAME} with (force)`);
  await onServer(`create database ${NAME}`);
}
const database = await openPostgres({ connectionString: databaseUrl.toString(), poolSize: 10 });
try {
  await runMigrations(database);
  await seedDemoUsers(database.db, hashPassword);
  const { db } = database;
  if (!reuse) {
    // Bulk generation runs longer than the app pool's 30 s query timeout: its own client.
    const bulk = new pg.Client({ connectionString: databaseUrl.toString() });
    await bulk.connect();
    const generate = (query: ReturnType<typeof sql>) => {
      const { sql: text, params } = new PgDialect().sqlToQuery(query);
      return bulk.query(text, params);
    };
    log("migrated; generating staff and customers");

    await generate(sql`
      insert into users (name, email, role, password_hash)
      select 'Technician ' || g, 'tech' || g || '@scale.test', 'technician', 'x' from generate_series(1, 30) g`);
    await generate(sql`
      insert into customers (name, status, phone, created_at, updated_at, deleted_at)
      select 'Customer ' || g,
             (array['active','active','active','active','active','active','suspended','cancelled','lead','pending_install'])[1 + g % 10]::customer_status,
             '+1415555' || lpad((g % 10000)::text, 4, '0'),
             now() - (g % 2000) * interval '1 day', now(),
             case when g % 50 = 0 then now() else null end
      from generate_series(1, ${CUSTOMERS}) g`);

    log(`generating ${TICKETS} tickets over four years (about 1,370 a day)`);
    // Numbers are given: the column default (lpad to 6 digits) cannot number more than 999,999 tickets.
    // Open tickets: four in ten of the last month's, and a stale backlog of one in 200 older ones.
    await generate(sql`
      with staff as (select array_agg(id order by name) as ids from users where role = 'technician'),
           base as (
             select g,
                    now() - (${TICKETS} - g) * (interval '4 years' / ${TICKETS}) - random() * interval '1 hour' as created_at,
                    random() as r, random() as s
             from generate_series(1, ${TICKETS}) g
           ),
           shaped as (
             select base.*,
                    case
                      when created_at > now() - interval '30 days' and r < 0.4
                        then (array['open','in_progress','waiting_on_customer'])[1 + (g % 3)]
                      when created_at <= now() - interval '30 days' and r < 0.005
                        then (array['open','in_progress','waiting_on_customer'])[1 + (g % 3)]
                      when created_at > now() - interval '2 days' then 'resolved'
                      when r < 0.2 then 'resolved' else 'closed'
                    end as status,
                    (array['low','normal','normal','normal','high','urgent'])[1 + (g % 6)] as priority
             from base
           )
      insert into tickets (number, subject, customer_id, category, priority, status, assignee_id, due_at,
                           first_response_at, resolved_at, closed_at, created_at, updated_at)
      select 'S-' || g, 'Scale ticket ' || g,
             case when g % 20 = 0 then null
                  else (select id from customers where account_number = 'C-' || lpad((1 + (g::bigint * 7919) % ${CUSTOMERS})::text, 6, '0')) end,
             'other', priority::ticket_priority, status::ticket_status,
             case when g % 10 = 0 then null else (select ids[1 + (g % array_length(ids, 1))] from staff) end,
             created_at + case priority when 'urgent' then interval '4 hours' when 'high' then interval '8 hours'
                                        when 'normal' then interval '24 hours' else interval '72 hours' end,
             case when s < 0.9 and (status not in ('open') or s < 0.5) then created_at + s * interval '8 hours' end,
             case when status in ('resolved', 'closed') and s < 0.95 then created_at + interval '1 hour' + s * interval '72 hours' end,
             case when status = 'closed' then created_at + interval '1 day' + s * interval '96 hours' end,
             created_at, created_at
      from shaped`);

    log("generating one timeline event per ticket and a comment event per second ticket");
    await generate(sql`
      insert into ticket_events (ticket_id, kind, actor_id, to_value, created_at)
      select id, 'created'::ticket_event_kind, assignee_id, 'open', created_at from tickets
      union all
      select id, 'commented'::ticket_event_kind, assignee_id, null, created_at + interval '2 hours'
      from tickets where right(number, 1) in ('0', '2', '4', '6', '8')`);

    log("vacuum analyze");
    for (const table of ["tickets", "ticket_events", "customers", "users"]) {
      await bulk.query(`vacuum analyze ${table}`);
    }
    await bulk.end();
  }
  const sizes = await queryRows<{ relname: string; rows: string; size: string }>(
    db,
    sql`select relname, reltuples::bigint::text as rows, pg_size_pretty(pg_total_relation_size(oid)) as size
        from pg_class where relname in ('tickets', 'ticket_events', 'customers') order by relname`,
  );
  console.table(sizes);
  const openCount = await queryRows<{ open: number; recent: number }>(
    db,
    sql`select count(*) filter (where status in ('open','in_progress','waiting_on_customer'))::int as open,
               count(*) filter (where created_at > now() - interval '30 days')::int as recent from tickets`,
  );
  console.table(openCount);

  const now = new Date().toISOString();
  const [someone] = await queryRows<{ id: string }>(db, sql`select id from users where email = 'tech1@scale.test'`);
  if (!someone) throw new Error("the generated technicians are missing");
  const plans = {
    openWork: dashboardQueries.openWork(now),
    myTickets: dashboardQueries.myTickets(now, someone.id),
    trend: dashboardQueries.trend(now, "America/New_York"),
    customersByStatus: dashboardQueries.customersByStatus(),
    recentActivity: dashboardQueries.recentActivity(),
    staff: dashboardQueries.staff(),
  };
  for (const [name, query] of Object.entries(plans)) {
    await db.execute(query); // warm, as the requests below will be
    const rows = await queryRows<{ "QUERY PLAN": string }>(db, sql`explain (analyze, buffers) ${query}`);
    console.log(`\n### ${name}\n${rows.map((row) => row["QUERY PLAN"]).join("\n")}`);
  }

  const config = loadConfig({ NODE_ENV: "production", SEED_DEMO_USERS: "false", LOG_LEVEL: "silent" });
  const app = await buildApp({ config, database, clock: systemClock });
  await app.ready();
  const login = await app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { email: "john@isp.com", password: "tech123" },
  });
  const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const timings: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    const response = await app.inject({
      method: "GET",
      url: "/api/dashboard?tz=America/New_York",
      headers: { cookie },
    });
    timings.push(performance.now() - t0);
    if (response.statusCode !== 200) throw new Error(`GET /api/dashboard: ${response.statusCode} ${response.body}`);
  }
  await app.close();
  const sorted = [...timings].sort((a, b) => a - b);
  const pick = (p: number) => (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0).toFixed(1);
  console.log(
    `\nGET /api/dashboard x ${REQUESTS}: first ${(timings[0] ?? 0).toFixed(1)} ms, p50 ${pick(0.5)} ms, p95 ${pick(0.95)} ms, max ${pick(1)} ms`,
  );
} finally {
  await database.close();
  if (!keep) await onServer(`drop database if exists ${NAME} with (force)`);
  log(keep ? `kept ${NAME}` : `dropped ${NAME}`);
}
