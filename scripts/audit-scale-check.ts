/**
 * Does the audit log screen stay indexed at a regional ISP's size? Creates a scratch database on a
 * PostgreSQL server, fills audit_log with SCALE_AUDIT rows over two years (sign-ins, customer and
 * ticket changes, a few rare admin actions, 30 staff, 100,000 records), prints EXPLAIN ANALYZE of
 * the screen's query (src/server/audit/audit.query.ts) for each kind of filter, then drops the
 * database. docs/benchmarks.md keeps the output of the last run.
 *
 *   npx tsx scripts/audit-scale-check.ts [postgres://postgres@127.0.0.1:5432/postgres] [--keep]
 *
 * Env: SCALE_AUDIT (default 2000000).
 */
import { sql } from "drizzle-orm";
import { auditEntriesQuery } from "../src/server/audit/audit.query.js";
import { queryRows } from "../src/server/db/client.js";
import type { AuditFilter } from "../src/shared/audit.js";
import { openScaleDatabase } from "./scale-database.js";

const ROWS = Number(process.env.SCALE_AUDIT ?? 2_000_000);

const { database, bulk, generate, log, close } = await openScaleDatabase("uplink_audit_scale");
try {
  const { db } = database;
  await generate(sql`
    insert into users (name, email, role, password_hash)
    select 'Staff ' || g, 'staff' || g || '@scale.test', 'agent', 'x' from generate_series(1, 30) g`);
  log(`generating ${ROWS} audit rows over two years`);
  // 30 % sign-ins, 30 % customer changes, 30 % ticket changes and creations, the rest rarer admin
  // work; one row in a thousand is a password reset (a rare action worth finding).
  await generate(sql`
    with staff as (select array_agg(id order by name) as ids from users),
         base as (select g, random() as r, (random() * 100000)::int as record from generate_series(1, ${ROWS}) g)
    insert into audit_log (actor_id, action, entity_type, entity_id, data, ip, created_at)
    select staff.ids[1 + g % array_length(staff.ids, 1)],
           case when r < 0.3 then 'auth.login' when r < 0.6 then 'customer.update'
                when r < 0.85 then 'ticket.update' when r < 0.95 then 'ticket.create'
                when r < 0.999 then 'site.update' else 'user.password_reset' end,
           case when r < 0.3 or r >= 0.999 then 'user' when r < 0.6 then 'customer'
                when r < 0.95 then 'ticket' else 'site' end,
           case when r < 0.3 then null
                else md5((case when r < 0.6 then 'c' else 't' end) || record)::uuid::text end,
           case when r between 0.3 and 0.6
                then jsonb_build_object('changes', jsonb_build_object('phone', jsonb_build_object('from', '+12015550100', 'to', '+12015550199')))
                else null end,
           '10.0.' || (g % 250) || '.' || (g % 200),
           now() - (${ROWS} - g) * (interval '2 years' / ${ROWS})
    from base, staff`);
  await bulk.query("analyze audit_log");
  const [count] = await queryRows<{ n: number; size: string }>(
    db,
    sql`select count(*)::int as n, pg_size_pretty(pg_total_relation_size('audit_log')) as size from audit_log`,
  );
  log(`audit_log: ${count?.n} rows, ${count?.size} with indexes`);

  const [someone] = await queryRows<{ id: string }>(db, sql`select id from users where name = 'Staff 7'`);
  const [record] = await queryRows<{ entity_id: string }>(
    db,
    sql`select entity_id from audit_log where entity_type = 'customer' order by created_at desc limit 1`,
  );
  const yearAgo = new Date(Date.now() - 365 * 24 * 3_600_000);
  const weekAfter = new Date(yearAgo.getTime() + 7 * 24 * 3_600_000);
  const [deep] = await queryRows<{ at: string; id: number }>(
    db,
    sql`select created_at::text as at, id from audit_log order by created_at desc, id desc offset 5000 limit 1`,
  );
  const cases: [string, AuditFilter, [string, number] | undefined][] = [
    ["newest 50, no filter", {}, undefined],
    ["page 101 (cursor), no filter", {}, deep ? [deep.at, deep.id] : undefined],
    ["one person", { actorId: someone?.id }, undefined],
    ["one record's history (customer)", { entityType: "customer", entityId: record?.entity_id }, undefined],
    ["a common action (customer.update)", { action: "customer.update" }, undefined],
    ["a rare action (user.password_reset)", { action: "user.password_reset" }, undefined],
    ["a record type (site, 5 %)", { entityType: "site" }, undefined],
    ["one week a year ago", { from: yearAgo.toISOString(), to: weekAfter.toISOString() }, undefined],
    [
      "one person in that week",
      { actorId: someone?.id, from: yearAgo.toISOString(), to: weekAfter.toISOString() },
      undefined,
    ],
  ];
  for (const [name, filter, after] of cases) {
    const { sql: text, params } = auditEntriesQuery(db, filter, after, 51).toSQL();
    const plan = await bulk.query(`explain (analyze, buffers, costs off) ${text}`, params);
    console.log(`\n### ${name}\n`);
    console.log(plan.rows.map((row) => row["QUERY PLAN"]).join("\n"));
  }
} finally {
  await close();
}
