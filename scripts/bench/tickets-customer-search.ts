/**
 * The ticket queue's search by customer at scale (not part of the test suite), on a database
 * filled by `npm run seed:demo` (size L: 200,000 customers, 2,000,000 tickets):
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/uplink_demo_l npx tsx scripts/bench/tickets-customer-search.ts
 *
 * Picks a customer with a phone from the middle of the table, times `listTickets` for their name,
 * their first name alone, their phone in national format, their account number, a subject word,
 * the customerId filter (pages of 50, newest first) and the command palette's request (5, last
 * updated first) (median of 7 after a warm-up), and prints EXPLAIN (ANALYZE, BUFFERS)
 * of every statement each sends (lists of ids shortened), then the plan of a join over customers
 * for comparison. Reads only.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js";
import pg from "pg";
import { systemClock } from "../../src/server/clock.js";
import { openPostgres } from "../../src/server/db/client.js";
import { listTickets } from "../../src/server/tickets/tickets.queries.js";
import { ZTicketListQuery } from "../../src/shared/tickets.js";

const url = process.env.BENCH_DATABASE_URL;
if (!url) throw new Error("set BENCH_DATABASE_URL to a database filled by npm run seed:demo");

const handle = await openPostgres({ connectionString: url, poolSize: 2 });
const plain = new pg.Client({ connectionString: url });
await plain.connect();
const { rows: picked } = await plain.query<{ id: string; name: string; phone: string; account_number: string }>(
  `select id, name, phone, account_number from customers where phone is not null and deleted_at is null
    order by account_number offset (select count(*) / 2 from customers) limit 1`,
);
const customer = picked[0];
if (!customer) throw new Error("no customer with a phone: seed the demo data first");
const { rows: staff } = await plain.query<{ id: string }>("select id from users order by created_at limit 1");
const context = { actorId: staff[0]?.id ?? "", defaultCountry: "US" };
const national = parsePhoneNumberFromString(customer.phone)?.formatNational() ?? customer.phone;
console.log(`customer ${customer.account_number} ${customer.name} ${customer.phone}`);

// Record the SQL the service sends, to EXPLAIN exactly that.
const captured: { text: string; values: unknown[] }[] = [];
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

const shortenIds = (line: string) =>
  line.replace(/'\{([0-9a-f-]{36})(,[0-9a-f-]{36})+\}'/g, (list) => `'{… ${list.split(",").length} ids …}'`);

async function explain(text: string, values: unknown[]) {
  const plan = await plain.query({ text: `explain (analyze, buffers) ${text}`, values });
  console.log(`\`\`\`\n${plan.rows.map((row) => shortenIds(row["QUERY PLAN"])).join("\n")}\n\`\`\``);
}

const firstName = customer.name.split(" ")[0] ?? customer.name;
const views: [string, Record<string, string>][] = [
  [`Name "${customer.name}"`, { q: customer.name }],
  [`First name alone "${firstName}"`, { q: firstName }],
  [`Phone in national format "${national}"`, { q: national }],
  [`Account number "${customer.account_number}"`, { q: customer.account_number }],
  [`Subject word "router"`, { q: "router" }],
  ["customerId filter", { customerId: customer.id }],
  // The command palette's request: five tickets, last updated first.
  [`Palette: first name alone "${firstName}", 5 by last update`, { q: firstName, sort: "-updated", limit: "5" }],
  [`Palette: phone "${national}", 5 by last update`, { q: national, sort: "-updated", limit: "5" }],
];
for (const [title, raw] of views) {
  const query = ZTicketListQuery.parse({ sort: "-created", limit: "50", ...raw });
  await listTickets(handle.db, systemClock, query, context);
  const times: number[] = [];
  let first = await listTickets(handle.db, systemClock, query, context);
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    first = await listTickets(handle.db, systemClock, query, context);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  captured.length = 0;
  capturing = true;
  await listTickets(handle.db, systemClock, query, context);
  capturing = false;
  const theirs = first.items.filter((item) => item.customer?.id === customer.id).length;
  console.log(
    `\n### ${title}\nfirst page: ${first.items.length} rows (${theirs} of the customer), count ` +
      `${first.countCapped ? `${first.count}+` : first.count}; median ${times[3]?.toFixed(1)} ms ` +
      `(min ${times[0]?.toFixed(1)}, max ${times[6]?.toFixed(1)})`,
  );
  for (const statement of captured) await explain(statement.text, statement.values);
}

console.log("\n### For comparison: customers joined in, the name matched in the join");
await explain(
  `select t.id from tickets t left join customers c on c.id = t.customer_id
    where t.subject ilike $1 or lower(c.name) like $2 order by t.created_at desc, t.id desc limit 51`,
  [`%${customer.name}%`, `%${customer.name.toLowerCase()}%`],
);

prototype.query = original;
await plain.end();
await handle.close();
