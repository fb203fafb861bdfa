import { and, getTableColumns } from "drizzle-orm";
import { systemClock } from "../../src/server/clock.js";
import { loadConfig } from "../../src/server/config.js";
import { filterConditions, sortPlan, WORD_SIMILARITY_THRESHOLD } from "../../src/server/customers/customers.search.js";
import { listCustomers } from "../../src/server/customers/customers.service.js";
import { openPostgres } from "../../src/server/db/client.js";
import { customers } from "../../src/server/db/schema/index.js";

const handle = await openPostgres({ connectionString: process.argv[2], poolSize: 2 });
const ctx = { db: handle.db, clock: systemClock, config: loadConfig({ DEFAULT_COUNTRY: "US" }) };
const QUERIES: [string, Record<string, string>][] = [
  ["no query, sort by name (first page)", {}],
  ["no query, status=suspended, sort -updated", { status: "suspended", sort: "-updated" }],
  ["name, two words", { q: "sandra wilson" }],
  ["name with typos", { q: "sandar wilsn" }],
  ["name fragment", { q: "mitch" }],
  ["phone, local format", { q: "(839) 731-0941" }],
  ["phone, E.164", { q: "+18407318860" }],
  ["phone, last 4 digits", { q: "0941" }],
  ["email", { q: "sandra.wilson125939@example.net" }],
  ["account number", { q: "C-156449" }],
  ["IP", { q: "10.1.235.243" }],
  ["MAC (Cisco notation)", { q: "0200.0001.ebf3" }],
  ["CPE serial fragment", { q: "950EFE" }],
  ["street", { q: "8940 high" }],
  ["name + filter", { q: "wilson", status: "active", connectionType: "fiber" }],
];
const explain = process.argv.includes("--explain");
for (const [label, query] of QUERIES) {
  const filter = { ...query, limit: 50 } as Parameters<typeof listCustomers>[1];
  const times: number[] = [];
  let count = 0;
  for (let run = 0; run < 30; run++) {
    const started = performance.now();
    const page = await listCustomers(ctx, filter);
    times.push(performance.now() - started);
    count = page.items.length;
  }
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]?.toFixed(1);
  console.log(`| ${label} | \`${JSON.stringify(query)}\` | ${count} | ${p(0.5)} | ${p(0.95)} |`);
  if (explain) {
    const { where, score } = filterConditions(filter);
    const sort = filter.sort ?? (score ? "relevance" : "name");
    const plan = sortPlan(sort, score, undefined);
    const built = handle.db
      .select({ ...getTableColumns(customers), sortKey: plan.sortKey })
      .from(customers)
      .where(and(where, plan.after))
      .orderBy(...plan.orderBy)
      .limit(51)
      .toSQL();
    const client = await handle.pool!.connect();
    try {
      await client.query("begin");
      await client.query(
        `select set_config('pg_trgm.word_similarity_threshold', '${WORD_SIMILARITY_THRESHOLD}', true)`,
      );
      const result = await client.query(
        `explain (analyze, costs off, timing on) ${built.sql}`,
        built.params as unknown[],
      );
      console.log(`\n#### ${label}\n\`\`\`\n${result.rows.map((r) => r["QUERY PLAN"]).join("\n")}\n\`\`\`\n`);
      await client.query("rollback");
    } finally {
      client.release();
    }
  }
}
await handle.close();
