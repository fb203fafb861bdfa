import type { DatabaseHandle } from "../../src/server/db/client.js";
import { readSlaHours } from "../../src/server/tickets/tickets.sla.js";
import { hashPassword } from "../../src/server/users/users.passwords.js";
import {
  type Column,
  type Connection,
  CopyBatch,
  connect,
  DEMO_TABLES,
  dropSecondaryIndexesAndForeignKeys,
  restoreIndexesAndForeignKeys,
} from "./database.js";
import { DemoGenerator, type RowSink, type StaffMember } from "./generate.js";
import { PhoneBook } from "./phones.js";
import { formatCount, formatDuration, Progress } from "./progress.js";
import { DEMO_SIZES, type DemoSizeName } from "./sizes.js";

/** The `settings` row that marks a database as filled by this generator. */
export const DEMO_MARKER_KEY = "demo_data";
/** Every generated technician signs in with this (like the seeded john/jane accounts). */
export const DEMO_TECHNICIAN_PASSWORD = "tech123";
/** Sent-from number when TWILIO_PHONE_NUMBER is unset: the 555-01xx block is fictional. */
const FALLBACK_SMS_FROM = "+13035550100";

const CUSTOMER_BATCH = 5_000;
const TICKET_BATCH = 2_500;

export class DemoDataRefusedError extends Error {
  override name = "DemoDataRefusedError";
}

export interface SeedOptions {
  size: DemoSizeName;
  /** Replace customers and tickets even though this generator did not create them. */
  force?: boolean;
  seed?: number;
  /** The moment the five years of history end (default: now). */
  now?: Date;
  /** DEFAULT_COUNTRY: the country of the generated phone numbers. */
  country: string;
  smsFrom?: string;
  /** Suppress the progress bar (tests). */
  quiet?: boolean;
}

export interface SeedReport {
  size: DemoSizeName;
  counts: Record<string, number>;
  seconds: number;
  /** Seconds spent building indexes and checking foreign keys after the rows were in. */
  indexSeconds: number;
  technicianEmails: string[];
  technicianPassword: string;
}

const text = (name: string): Column => ({ name, kind: "text" });
const number = (name: string): Column => ({ name, kind: "number" });
const boolean = (name: string): Column => ({ name, kind: "boolean" });
const timestamp = (name: string): Column => ({ name, kind: "timestamp" });

// Only the spec's columns: anything other features add must have a default, which applies here too.
const batches = () => ({
  plans: new CopyBatch("service_plans", [
    text("id"),
    text("name"),
    number("download_mbps"),
    number("upload_mbps"),
    number("monthly_price"),
    boolean("active"),
    timestamp("created_at"),
    timestamp("updated_at"),
  ]),
  sites: new CopyBatch("network_sites", [
    text("id"),
    text("name"),
    text("kind"),
    text("address"),
    number("latitude"),
    number("longitude"),
    text("notes"),
    timestamp("created_at"),
    timestamp("updated_at"),
  ]),
  customers: new CopyBatch("customers", [
    text("id"),
    text("account_number"),
    text("name"),
    text("email"),
    text("phone"),
    text("alt_phone"),
    text("street"),
    text("city"),
    text("region"),
    text("postal_code"),
    text("country"),
    number("latitude"),
    number("longitude"),
    text("service_plan_id"),
    text("connection_type"),
    text("site_id"),
    text("ip_address"),
    text("mac_address"),
    text("cpe_model"),
    text("cpe_serial"),
    number("vlan_id"),
    text("status"),
    text("install_date"),
    boolean("sms_opt_out"),
    text("notes"),
    timestamp("created_at"),
    timestamp("updated_at"),
    timestamp("deleted_at"),
  ]),
  tickets: new CopyBatch("tickets", [
    text("id"),
    text("number"),
    text("customer_id"),
    text("subject"),
    text("description"),
    text("category"),
    text("priority"),
    text("status"),
    text("assignee_id"),
    text("created_by_id"),
    timestamp("due_at"),
    timestamp("first_response_at"),
    timestamp("resolved_at"),
    timestamp("closed_at"),
    timestamp("created_at"),
    timestamp("updated_at"),
    number("version"),
  ]),
  comments: new CopyBatch("ticket_comments", [
    text("id"),
    text("ticket_id"),
    text("author_id"),
    text("body"),
    text("visibility"),
    text("source"),
    timestamp("created_at"),
  ]),
  events: new CopyBatch("ticket_events", [
    text("ticket_id"),
    text("kind"),
    text("actor_id"),
    text("from_value"),
    text("to_value"),
    text("data"),
    timestamp("created_at"),
  ]),
  sms: new CopyBatch("sms_logs", [
    text("id"),
    text("direction"),
    text("to_number"),
    text("from_number"),
    text("body"),
    text("purpose"),
    text("ticket_id"),
    text("customer_id"),
    text("user_id"),
    text("status"),
    text("reason"),
    text("provider_sid"),
    text("error_code"),
    number("attempts"),
    timestamp("created_at"),
    timestamp("updated_at"),
  ]),
});

const plural = (n: number, noun: string) => `${formatCount(n)} ${noun}${n === 1 ? "" : "s"}`;

interface Guard {
  customers: number;
  tickets: number;
  marker: unknown;
}

/** Refuses a database whose customers or tickets this generator did not create, unless forced. */
async function checkDatabase(connection: Connection, force: boolean): Promise<Guard> {
  const [guard] = await connection.query<Guard>(
    `select (select count(*)::int from customers) as customers,
            (select count(*)::int from tickets) as tickets,
            (select value from settings where key = $1) as marker`,
    [DEMO_MARKER_KEY],
  );
  if (!guard) throw new Error("the guard query returned nothing");
  if ((guard.customers > 0 || guard.tickets > 0) && !guard.marker && !force) {
    throw new DemoDataRefusedError(
      `This database holds ${plural(guard.customers, "customer")} and ${plural(guard.tickets, "ticket")} that the demo generator did not create. ` +
        "Seeding replaces all customers, tickets, comments, events, SMS logs, sites and service plans, so it stopped without changing anything. " +
        "Point DATABASE_URL or DATA_DIR at an empty database, or add --force to replace that data.",
    );
  }
  return guard;
}

/**
 * Fills the database with a demo ISP of the given size, in one transaction on one connection:
 * either all of it commits, or (error, Ctrl-C) none of it does.
 */
export async function seedDemo(handle: DatabaseHandle, options: SeedOptions): Promise<SeedReport> {
  const size = DEMO_SIZES[options.size];
  const now = (options.now ?? new Date()).getTime();
  const progress = new Progress(process.stderr, options.quiet);
  const slaHours = await readSlaHours(handle.db);
  // argon2id is slow by design: hash once, share it among all generated technicians.
  const passwordHash = await hashPassword(DEMO_TECHNICIAN_PASSWORD);
  const phones = new PhoneBook(options.country, Math.ceil(size.customers * 1.15));
  const generator = new DemoGenerator({
    size,
    seed: options.seed ?? 20_240_601,
    now,
    country: options.country,
    smsFrom: options.smsFrom ?? FALLBACK_SMS_FROM,
    slaHours,
    phones,
  });

  const connection = await connect(handle);
  const counts: Record<string, number> = {
    users: 0,
    service_plans: 0,
    network_sites: 0,
    customers: 0,
    tickets: 0,
    ticket_comments: 0,
    ticket_events: 0,
    sms_logs: 0,
  };
  let indexSeconds = 0;
  try {
    await connection.query("begin");
    await checkDatabase(connection, options.force ?? false);
    if (connection.kind === "postgres") {
      // Room to sort while building indexes on millions of rows (this transaction only).
      await connection.query("set local maintenance_work_mem = '256MB'");
    }
    await connection.query(`truncate table ${DEMO_TABLES.join(", ")} restart identity cascade`);
    const saved = await dropSecondaryIndexesAndForeignKeys(connection);
    const b = batches();

    // Staff: the accounts already there (admin, john, jane…) plus generated technicians.
    generator.makePlans().forEach((plan) => {
      b.plans.add([plan.id, plan.name, plan.down, plan.up, plan.price, plan.active, plan.createdAt, plan.createdAt]);
    });
    generator.makeSites().forEach((site) => {
      b.sites.add([
        site.id,
        site.name,
        site.kind,
        site.address,
        site.latitude,
        site.longitude,
        site.notes,
        site.createdAt,
        site.createdAt,
      ]);
    });
    const previewStaff = generator.staffEmails();
    const existing = await connection.query<StaffMember>(
      `select id, name, phone, role, active from users where lower(email) <> all($1::text[]) order by created_at, id`,
      [previewStaff],
    );
    const newStaff = generator.makeStaff(existing);
    // A re-run finds the technicians of the previous run (same emails) and keeps their accounts.
    await connection.query(
      `insert into users (id, name, email, phone, role, password_hash, active, default_password, created_at, updated_at)
       select id, name, email, phone, 'technician', $6, active, true, to_timestamp(created / 1000.0), to_timestamp(created / 1000.0)
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[], $7::float8[]) as u(id, name, email, phone, active, created)
       on conflict ((lower(email))) do nothing`,
      [
        newStaff.map((s) => s.id),
        newStaff.map((s) => s.name),
        newStaff.map((s) => s.email),
        newStaff.map((s) => s.phone),
        newStaff.map((s) => s.active),
        passwordHash,
        newStaff.map((s) => s.createdAt),
      ],
    );
    const ids = await connection.query<{ id: string; email: string }>(
      "select id, lower(email) as email from users where lower(email) = any($1::text[])",
      [newStaff.map((s) => s.email)],
    );
    const idByEmail = new Map(ids.map((row) => [row.email, row.id]));
    for (const s of newStaff) s.id = idByEmail.get(s.email) ?? s.id;
    counts.users = newStaff.length;
    counts.service_plans = await b.plans.flush(connection);
    counts.network_sites = await b.sites.flush(connection);

    const fixedRows = counts.users + counts.service_plans + counts.network_sites;
    let estimatedTotal = fixedRows + size.customers + size.tickets * 8;
    const phaseWeight = size.customers / (size.customers + size.tickets * 2);
    let pending: Promise<number>[] = [];
    const settle = async () => {
      const done = await Promise.all(pending);
      pending = [];
      return done;
    };

    let customersDone = 0;
    generator.makeCustomers((row) => {
      b.customers.add(row);
      if (b.customers.size >= CUSTOMER_BATCH) {
        pending.push(b.customers.flush(connection));
      }
    });
    pending.push(b.customers.flush(connection));
    for (const rows of await settle()) customersDone += rows;
    counts.customers = customersDone;
    progress.update(fixedRows + customersDone, estimatedTotal, phaseWeight, "customers", true);

    const sink: RowSink = {
      ticket: (row) => b.tickets.add(row),
      comment: (row) => b.comments.add(row),
      event: (row) => b.events.add(row),
      sms: (row) => b.sms.add(row),
    };
    let inFlight: Promise<void> | undefined;
    for (let start = 0; start < size.tickets; start += TICKET_BATCH) {
      const end = Math.min(size.tickets, start + TICKET_BATCH);
      for (let index = start; index < end; index++) generator.makeTicket(index, sink);
      const chunk = { tickets: b.tickets.size, comments: b.comments.size, events: b.events.size, sms: b.sms.size };
      // Generate the next chunk while the database stores this one.
      await inFlight;
      const flushes = [
        b.tickets.flush(connection),
        b.comments.flush(connection),
        b.events.flush(connection),
        b.sms.flush(connection),
      ];
      inFlight = Promise.all(flushes).then(() => {
        counts.tickets = (counts.tickets ?? 0) + chunk.tickets;
        counts.ticket_comments = (counts.ticket_comments ?? 0) + chunk.comments;
        counts.ticket_events = (counts.ticket_events ?? 0) + chunk.events;
        counts.sms_logs = (counts.sms_logs ?? 0) + chunk.sms;
        const ticketRows =
          (counts.tickets ?? 0) + (counts.ticket_comments ?? 0) + (counts.ticket_events ?? 0) + (counts.sms_logs ?? 0);
        const done = counts.tickets ?? 0;
        estimatedTotal = fixedRows + customersDone + Math.round((ticketRows / done) * size.tickets);
        progress.update(
          fixedRows + customersDone + ticketRows,
          estimatedTotal,
          phaseWeight + (1 - phaseWeight) * (done / size.tickets) * 0.85,
          "tickets",
          done === size.tickets,
        );
      });
    }
    await inFlight;
    progress.finish();

    const indexStarted = performance.now();
    progress.note(`Building ${saved.indexes.length} indexes and checking ${saved.foreignKeys.length} foreign keys…`);
    await restoreIndexesAndForeignKeys(connection, saved, (label, seconds) => {
      if (seconds >= 1) progress.note(`  ${label}: ${formatDuration(seconds)}`);
    });
    indexSeconds = (performance.now() - indexStarted) / 1000;

    // New customers and tickets made in the app continue after the demo's numbers.
    await connection.query("select setval('customer_account_seq', $1::bigint, $2::boolean)", [
      Math.max(1, counts.customers ?? 0),
      (counts.customers ?? 0) > 0,
    ]);
    await connection.query("select setval('ticket_number_seq', $1::bigint, $2::boolean)", [
      Math.max(1, counts.tickets ?? 0),
      (counts.tickets ?? 0) > 0,
    ]);
    const marker = {
      generator: "npm run seed:demo",
      size: options.size,
      seed: options.seed ?? 20_240_601,
      generatedAt: new Date(now).toISOString(),
      counts,
    };
    await connection.query(
      `insert into settings (key, value, updated_at) values ($1, $2::jsonb, to_timestamp($3 / 1000.0))
       on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`,
      [DEMO_MARKER_KEY, JSON.stringify(marker), now],
    );
    await connection.query("commit");
  } catch (error) {
    await connection.query("rollback").catch(() => {});
    throw error;
  } finally {
    await connection.release();
  }

  // Fresh statistics, so the app's first queries get good plans, and a vacuum, so the visibility
  // map lets index-only scans (the dashboard's counts) skip the heap: bulk-loaded rows are not
  // all-visible until a vacuum, and autovacuum may take a long while to get to them.
  const analyzeStarted = performance.now();
  const analyze = await connect(handle);
  try {
    await analyze.query(`vacuum (analyze) users, ${DEMO_TABLES.join(", ")}`);
  } finally {
    await analyze.release();
  }
  progress.note(`Vacuumed and statistics updated in ${formatDuration((performance.now() - analyzeStarted) / 1000)}.`);

  return {
    size: options.size,
    counts,
    seconds: progress.elapsedSeconds,
    indexSeconds,
    technicianEmails: generator.staffEmails(),
    technicianPassword: DEMO_TECHNICIAN_PASSWORD,
  };
}
