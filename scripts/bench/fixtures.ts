import { existsSync } from "node:fs";
import path from "node:path";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { loadConfig } from "../../src/server/config.js";
import type { DatabaseHandle } from "../../src/server/db/client.js";
import { openDatabase } from "../../src/server/db/open.js";
import { DEMO_USERS } from "../../src/server/db/seed.js";
import { DEMO_MARKER_KEY, DEMO_TECHNICIAN_PASSWORD } from "../seed-demo/seed.js";
import type { DemoSizeName } from "../seed-demo/sizes.js";
import type { DatabaseTarget } from "./options.js";
import { BENCH_TICKET_DESCRIPTION } from "./scenarios.js";

/** The entries a ticket page's timeline should hold (the "ticket detail with 50 timeline entries"). */
export const TIMELINE_ENTRIES = 50;

export interface Account {
  email: string;
  password: string;
}

export interface SearchCase {
  /** What staff type into the search box. */
  q: string;
  /** The customer it must find. */
  customerId: string;
  /** How the text differs from the stored value. */
  note: string;
}

/** Rows of the demo data the scenarios use, picked by query so every request hits real data. */
export interface Fixtures {
  marker: { size: string; seed: number; generatedAt: string; counts: Record<string, number> };
  rowCounts: Record<string, number>;
  databaseVersion: string;
  admin: Account;
  technician: Account & { name: string; openTickets: number };
  signInAccounts: Account[];
  timelineTickets: { id: string; number: string; entries: number }[];
  customerSearch: {
    phone: SearchCase[];
    ip: SearchCase[];
    mac: SearchCase[];
    account: SearchCase[];
    nameTypo: SearchCase[];
  };
  queueSearch: string[];
  /** The ticket queue's search naming a customer (name, phone, account): their tickets should show. */
  queueByCustomer: SearchCase[];
  /** Active customers with a textable phone, not opted out: a new ticket queues an SMS to them. */
  textableCustomers: { id: string; name: string }[];
  /** Open tickets of textable customers: comments, and the SMS dispatch measurement. */
  openTickets: { id: string; number: string }[];
  /** Tickets earlier benchmark runs opened (they sit in the open queues). */
  earlierBenchTickets: number;
}

export class NoDemoDataError extends Error {
  override name = "NoDemoDataError";
}

/** The app's own way of opening the database (embedded: with the data directory lock). */
export async function openTarget(target: DatabaseTarget, extraEnv: Record<string, string> = {}, sizeHint = "S") {
  // Opening a missing directory would create an empty database there: refuse instead.
  if (target.kind === "embedded" && !existsSync(path.join(target.dataDir, "PG_VERSION"))) {
    throw new NoDemoDataError(
      `There is no embedded database in ${target.dataDir}: run \`npm run seed:demo -- --size ${sizeHint}\` first (${seedCommand(sizeHint, target)}).`,
    );
  }
  const config = loadConfig(environmentFor(target, extraEnv));
  return { config, handle: await openDatabase(config) };
}

/** The environment that makes the app open `target` (and no other database). */
export function environmentFor(target: DatabaseTarget, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ["DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "DATA_DIR"]) {
    delete env[name];
  }
  if (target.kind === "server") env.DATABASE_URL = target.url;
  else env.DATA_DIR = target.dataDir;
  return env;
}

export async function rows<T>(handle: DatabaseHandle, text: string, params: unknown[] = []): Promise<T[]> {
  if (handle.pool) return (await handle.pool.query(text, params)).rows as T[];
  if (handle.pglite) return (await handle.pglite.query<T>(text, params)).rows;
  throw new Error("the database handle has neither a pool nor PGlite");
}

async function one<T>(handle: DatabaseHandle, text: string, params: unknown[] = []): Promise<T | undefined> {
  return (await rows<T>(handle, text, params))[0];
}

export function seedCommand(size: string, target: DatabaseTarget): string {
  const env = target.kind === "server" ? `DATABASE_URL=${redactUrl(target.url)}` : `DATA_DIR=${target.dataDir}`;
  return `${env} npm run seed:demo -- --size ${size}`;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Reads the demo marker; refuses a database without demo data or with another size. */
export async function readMarker(
  handle: DatabaseHandle,
  target: DatabaseTarget,
  wanted: DemoSizeName | undefined,
): Promise<Fixtures["marker"]> {
  let marker: Fixtures["marker"] | undefined;
  try {
    const row = await one<{ value: Fixtures["marker"] | string }>(handle, "select value from settings where key = $1", [
      DEMO_MARKER_KEY,
    ]);
    marker = typeof row?.value === "string" ? (JSON.parse(row.value) as Fixtures["marker"]) : row?.value;
  } catch (error) {
    // 42P01: no settings table, a database the app never migrated.
    if ((error as { code?: string }).code !== "42P01") throw error;
  }
  const size = wanted ?? "S";
  if (!marker) {
    throw new NoDemoDataError(
      `${handle.description} holds no demo data (no settings row 'demo_data'): run \`npm run seed:demo -- --size ${size}\` first (${seedCommand(size, target)}).`,
    );
  }
  if (wanted && marker.size !== wanted) {
    throw new NoDemoDataError(
      `${handle.description} holds size ${marker.size} demo data, not ${wanted}: run \`npm run seed:demo -- --size ${wanted}\` first (${seedCommand(wanted, target)}), or pass --size ${marker.size}.`,
    );
  }
  return marker;
}

const OPEN = "('open', 'in_progress', 'waiting_on_customer')";

export async function pickFixtures(handle: DatabaseHandle, marker: Fixtures["marker"]): Promise<Fixtures> {
  const version = await one<{ version: string }>(handle, "select version()");
  // Accounts that still have their published demo password.
  const staff = await rows<{ email: string; role: string }>(
    handle,
    "select email, role from users where active and default_password order by role, created_at, email",
  );
  const passwordOf = (email: string) =>
    DEMO_USERS.find((user) => user.email === email)?.password ?? DEMO_TECHNICIAN_PASSWORD;
  const adminEmail = staff.find((user) => user.role === "admin")?.email;
  if (!adminEmail) {
    throw new NoDemoDataError(
      "No active admin account still has its demo password (admin@isp.com / admin123): the benchmark signs in with the demo passwords.",
    );
  }
  const busiest = await one<{ email: string; name: string; open: number }>(
    handle,
    `select u.email, u.name, count(*)::int as open from tickets t join users u on u.id = t.assignee_id
      where t.status in ${OPEN} and u.role = 'technician' and u.active and u.default_password
      group by u.id, u.email, u.name order by open desc, u.email limit 1`,
  );
  if (!busiest) throw new NoDemoDataError("No active technician with the demo password has open tickets.");

  // Tickets whose timeline (events, plus comments without a `commented` event) is nearest 50 entries.
  const timelineTickets = await rows<{ id: string; number: string; entries: number }>(
    handle,
    `with e as (select ticket_id, count(*) filter (where kind <> 'commented') as n from ticket_events group by ticket_id),
          c as (select ticket_id, count(*) as n from ticket_comments group by ticket_id),
          s as (select ticket_id, count(*) as n from sms_logs where ticket_id is not null and direction = 'outbound' group by ticket_id),
          n as (select e.ticket_id, (e.n + coalesce(c.n, 0) + coalesce(s.n, 0))::int as entries
                  from e left join c using (ticket_id) left join s using (ticket_id))
     select t.id, t.number, n.entries from n join tickets t on t.id = n.ticket_id
      order by abs(n.entries - $1), n.entries desc, t.number limit 5`,
    [TIMELINE_ENTRIES],
  );

  // Customers spread over the whole table, each with a phone, an IP and a MAC.
  const sample = await rows<{
    id: string;
    name: string;
    phone: string;
    ip: string;
    mac: string;
    account_number: string;
  }>(
    handle,
    `select id, name, phone, host(ip_address) as ip, mac_address::text as mac, account_number from (
       select c.*, row_number() over (order by account_number) as rn, count(*) over () as total
         from customers c
        where deleted_at is null and phone is not null and ip_address is not null and mac_address is not null) s
      where rn % greatest(1, total / 8) = 0 order by rn limit 8`,
  );
  if (sample.length === 0) throw new NoDemoDataError("No customer has a phone, an IP address and a MAC address.");
  const customerSearch: Fixtures["customerSearch"] = { phone: [], ip: [], mac: [], account: [], nameTypo: [] };
  const queueByCustomer: SearchCase[] = [];
  sample.forEach((customer, i) => {
    const national = parsePhoneNumberFromString(customer.phone)?.formatNational() ?? customer.phone;
    customerSearch.phone.push({ q: national, customerId: customer.id, note: `${customer.phone} typed as ${national}` });
    customerSearch.ip.push({ q: customer.ip, customerId: customer.id, note: "as stored" });
    const mac = otherMacNotation(customer.mac, i);
    customerSearch.mac.push({ q: mac, customerId: customer.id, note: `${customer.mac} typed as ${mac}` });
    const account = i % 2 === 0 ? customer.account_number : customer.account_number.toLowerCase();
    customerSearch.account.push({ q: account, customerId: customer.id, note: "as stored, or in lower case" });
    const typo = withTypo(customer.name);
    customerSearch.nameTypo.push({ q: typo, customerId: customer.id, note: `${customer.name} typed as ${typo}` });
    const named = [
      { q: customer.name, note: "the name" },
      { q: national, note: `${customer.phone} typed as ${national}` },
      { q: customer.account_number, note: "the account number" },
    ][i % 3];
    if (named) queueByCustomer.push({ ...named, customerId: customer.id });
  });

  const queueSearch = ["router", "storm", "invoice", "slow", "wi-fi"];
  const textableCustomers = await rows<{ id: string; name: string }>(
    handle,
    `select id, name from customers
      where deleted_at is null and status = 'active' and phone is not null and not sms_opt_out
      order by account_number desc limit 20`,
  );
  const openTickets = await rows<{ id: string; number: string }>(
    handle,
    `select t.id, t.number from tickets t join customers c on c.id = t.customer_id
      where t.status in ${OPEN} and c.deleted_at is null and c.phone is not null and not c.sms_opt_out
      order by t.created_at desc limit 20`,
  );

  return {
    marker,
    rowCounts: await countRows(handle),
    databaseVersion: version?.version ?? "unknown",
    admin: { email: adminEmail, password: passwordOf(adminEmail) },
    technician: {
      email: busiest.email,
      password: passwordOf(busiest.email),
      name: busiest.name,
      openTickets: busiest.open,
    },
    signInAccounts: staff.slice(0, 8).map((user) => ({ email: user.email, password: passwordOf(user.email) })),
    timelineTickets,
    customerSearch,
    queueSearch,
    queueByCustomer,
    textableCustomers,
    openTickets,
    earlierBenchTickets:
      (
        await one<{ n: number }>(handle, "select count(*)::int as n from tickets where description = $1", [
          BENCH_TICKET_DESCRIPTION,
        ])
      )?.n ?? 0,
  };
}

/** aa:bb:cc:dd:ee:ff as staff copy it from other tools: Cisco dots, or Windows dashes in capitals. */
function otherMacNotation(mac: string, i: number): string {
  const hex = mac.replace(/[^0-9a-f]/gi, "").toLowerCase();
  return i % 2 === 0
    ? `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8, 12)}`
    : (hex.toUpperCase().match(/../g)?.join("-") ?? hex);
}

/** "Sandra Wilson" → "Sandra Wilsn": one letter of the last name dropped. */
function withTypo(name: string): string {
  const words = name.split(" ");
  const last = words[words.length - 1] ?? "";
  if (last.length >= 4) {
    const at = last.length - 2;
    words[words.length - 1] = last.slice(0, at) + last.slice(at + 1);
  } else if (words[0] && words[0].length >= 4) {
    words[0] = words[0].slice(0, 2) + words[0].slice(3);
  }
  return words.join(" ");
}

/** Rows of the tables the benchmark's requests write to. */
export async function countRows(handle: DatabaseHandle): Promise<Record<string, number>> {
  const counts = await one<Record<string, number>>(
    handle,
    `select (select count(*) from customers)::int as "customers", (select count(*) from tickets)::int as "tickets",
            (select count(*) from ticket_comments)::int as "ticketComments",
            (select count(*) from ticket_events)::int as "ticketEvents", (select count(*) from sms_logs)::int as "smsLogs",
            (select count(*) from sessions)::int as "sessions", (select count(*) from audit_log)::int as "auditLog"`,
  );
  return counts ?? {};
}

/** Outbox rows not yet handed to Twilio. */
export async function pendingSms(handle: DatabaseHandle): Promise<number> {
  const row = await one<{ n: number }>(
    handle,
    "select count(*)::int as n from sms_logs where status in ('queued', 'sending')",
  );
  return row?.n ?? 0;
}
