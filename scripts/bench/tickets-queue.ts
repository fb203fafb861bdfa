/**
 * Queue latency and plans at scale, on a PostgreSQL server (not part of the test suite):
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx scripts/bench/tickets-queue.ts [tickets]
 *
 * Creates the database `uplink_bench_tickets` next to the given one (dropping an older copy of
 * that one database only), migrates it, generates customers and tickets (default 2,000,000; about
 * 3% still open), then times each main queue view through `listTickets` and prints EXPLAIN
 * (ANALYZE, BUFFERS) of every query the view runs. Drop the database afterwards.
 */
import pg from "pg";
import { systemClock } from "../../src/server/clock.js";
import { openPostgres } from "../../src/server/db/client.js";
import { runMigrations } from "../../src/server/db/migrate.js";
import { listTickets } from "../../src/server/tickets/tickets.queries.js";
import { ZTicketListQuery } from "../../src/shared/tickets.js";
import { databaseUrlFor } from "../../test/support/databases.js";

const base = process.env.BENCH_DATABASE_URL;
if (!base) throw new Error("set BENCH_DATABASE_URL to a server database (used only to create uplink_bench_tickets)");
const total = Number(process.argv[2] ?? 2_000_000);
const name = "uplink_bench_tickets";
const url = databaseUrlFor(base, name);

async function setUp() {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const handle = await openPostgres({ connectionString: url, poolSize: 2 });
  await runMigrations(handle);
  await handle.close();

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = Date.now();
  // Bulk load without the secondary indexes, then build them once: far faster than row by row.
  const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
    "select indexname, indexdef from pg_indexes where tablename = 'tickets' and indexname <> 'tickets_pkey'",
  );
  for (const index of indexes) await client.query(`drop index ${index.indexname}`);
  await client.query(`insert into users (name, email, role, password_hash)
    select 'Tech ' || g, 'tech' || g || '@bench.test', 'technician', 'x' from generate_series(1, 40) g`);
  await client.query("insert into customers (name) select 'Customer ' || g from generate_series(1, 200000) g");
  const open = Math.round(total * 0.03);
  await client.query(
    `with u as (select array_agg(id) ids from users where email like '%@bench.test'),
          cu as (select array_agg(id) ids from customers)
     insert into tickets (customer_id, subject, category, priority, status, assignee_id, due_at, created_at,
                          updated_at, resolved_at, closed_at)
     select cu.ids[1 + (g % 200000)],
            'Ticket ' || g || ' ' || (array['no internet','slow speed','router broken','billing question',
              'move service','packet loss'])[1 + g % 6],
            (array['no_service','slow_speed','intermittent','installation','relocation','equipment','billing',
              'other'])[1 + g % 8]::ticket_category,
            (array['low','normal','normal','high','urgent'])[1 + g % 5]::ticket_priority,
            s.status::ticket_status,
            case when g % 7 = 0 then null else u.ids[1 + g % 40] end,
            ts + interval '24 hours', ts, ts + interval '2 hours',
            case when s.status in ('resolved','closed') then ts + interval '5 hours' end,
            case when s.status = 'closed' then ts + interval '2 days' end
     from generate_series(1, $1::int) g, u, cu,
          lateral (select now() - (($1::int - g) * interval '63 seconds') as ts) t,
          lateral (select case when g > $1::int - $2::int
                                then (array['open','in_progress','waiting_on_customer'])[1 + g % 3]
                                else (array['resolved','closed','closed'])[1 + g % 3] end as status) s`,
    [total, open],
  );
  for (const index of indexes) await client.query(index.indexdef);
  await client.query("vacuum analyze tickets");
  await client.query("vacuum analyze customers");
  await client.query("vacuum analyze users");
  console.log(`generated ${total} tickets (${open} open) in ${Math.round((Date.now() - started) / 1000)} s`);
  await client.end();
}

type Captured = { text: string; values: unknown[] };

async function measure() {
  const handle = await openPostgres({ connectionString: url, poolSize: 2 });
  const plain = new pg.Client({ connectionString: url });
  await plain.connect();
  const { rows } = await plain.query<{ id: string }>("select id from users where email = 'tech3@bench.test'");
  const actorId = rows[0]?.id ?? "";

  // Record the SQL the service sends, to EXPLAIN exactly that.
  const captured: Captured[] = [];
  let capturing = false;
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    if (capturing && this !== plain) {
      captured.push(
        typeof config === "string"
          ? { text: config, values: values ?? [] }
          : { text: config.text, values: config.values ?? values ?? [] },
      );
    }
    return original.apply(this, args);
  };

  const open = "open,in_progress,waiting_on_customer";
  const views: [string, Record<string, string>][] = [
    ["All open (newest first)", { status: open, sort: "-created" }],
    ["My open (due soonest)", { assigneeId: "me", status: open, sort: "due" }],
    ["Unassigned (newest first)", { assigneeId: "none", status: open, sort: "-created" }],
    ["Overdue (due soonest)", { overdue: "true", sort: "due" }],
    ["All tickets (newest first)", { sort: "-created" }],
    ["Search 'router' (newest first)", { q: "router", sort: "-created" }],
  ];
  for (const [title, raw] of views) {
    const query = ZTicketListQuery.parse({ ...raw, limit: "50" });
    await listTickets(handle.db, systemClock, query, { actorId, defaultCountry: "US" });
    const times: number[] = [];
    let first = await listTickets(handle.db, systemClock, query, { actorId, defaultCountry: "US" });
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      first = await listTickets(handle.db, systemClock, query, { actorId, defaultCountry: "US" });
      times.push(performance.now() - started);
    }
    const nextStarted = performance.now();
    const next = await listTickets(
      handle.db,
      systemClock,
      { ...query, cursor: first.nextCursor ?? undefined },
      { actorId, defaultCountry: "US" },
    );
    const nextMs = performance.now() - nextStarted;
    captured.length = 0;
    capturing = true;
    await listTickets(handle.db, systemClock, query, { actorId, defaultCountry: "US" });
    capturing = false;
    times.sort((a, b) => a - b);
    console.log(
      `\n### ${title}\nfirst page: ${first.items.length} rows, count ${first.countCapped ? `${first.count}+` : first.count}; ` +
        `median ${times[2]?.toFixed(1)} ms (min ${times[0]?.toFixed(1)}, max ${times[4]?.toFixed(1)}); ` +
        `next page ${nextMs.toFixed(1)} ms, ${next.items.length} rows`,
    );
    for (const statement of captured) {
      const plan = await plain.query({
        text: `explain (analyze, buffers) ${statement.text}`,
        values: statement.values as unknown[],
      });
      console.log(`\`\`\`\n${plan.rows.map((row) => row["QUERY PLAN"]).join("\n")}\n\`\`\``);
    }
  }
  prototype.query = original;
  await plain.end();
  await handle.close();
}

if (process.env.BENCH_SKIP_SETUP !== "true") await setUp();
await measure();
