import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { DemoGenerator } from "../../scripts/seed-demo/generate.js";
import { PhoneBook } from "../../scripts/seed-demo/phones.js";
import { DEMO_MARKER_KEY, DemoDataRefusedError, type SeedReport, seedDemo } from "../../scripts/seed-demo/seed.js";
import { DEMO_SIZES } from "../../scripts/seed-demo/sizes.js";
import { queryRows } from "../../src/server/db/client.js";
import { normalizePhone } from "../../src/shared/phone.js";
import { DEMO, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

const XS = DEMO_SIZES.XS;
const SLA = { urgent: 4, high: 8, normal: 24, low: 72 };

function runCli(args: string[], env: Record<string, string>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(DATABASE_URL|PG[A-Z]+|DATA_DIR|TWILIO_.*)$/.test(key)),
  );
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    // What `npm run seed:demo` runs.
    execFile(
      process.execPath,
      ["--max-semi-space-size=64", "--import", "tsx", "scripts/seed-demo.ts", ...args],
      { env: { ...base, ...env }, timeout: 240_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
      },
    );
  });
}

describe("the demo generator's history", () => {
  // Size S in memory: enough tickets for the mixes to show, no database needed.
  const tickets: unknown[][] = [];
  const comments: unknown[][] = [];
  const events: unknown[][] = [];
  const now = Date.UTC(2026, 0, 15, 12);
  beforeAll(() => {
    const generator = new DemoGenerator({
      size: DEMO_SIZES.S,
      seed: 7,
      now,
      country: "US",
      smsFrom: "+13035550100",
      slaHours: SLA,
      phones: new PhoneBook("US", 2_000),
    });
    generator.makePlans();
    generator.makeSites();
    generator.makeStaff([]);
    generator.makeCustomers(() => {});
    const sink = {
      ticket: (row: unknown[]) => tickets.push(row),
      comment: (row: unknown[]) => comments.push(row),
      event: (row: unknown[]) => events.push(row),
      sms: () => {},
    };
    for (let i = 0; i < DEMO_SIZES.S.tickets; i++) generator.makeTicket(i, sink);
  });

  it("spreads tickets over five years, more in recent years", () => {
    const year = 365 * 86_400_000;
    const created = tickets.map((row) => row[14] as number);
    expect(Math.min(...created)).toBeGreaterThanOrEqual(now - 5 * year);
    expect(Math.max(...created)).toBeLessThanOrEqual(now);
    const firstYear = created.filter((t) => t < now - 4 * year).length;
    const lastYear = created.filter((t) => t >= now - year).length;
    expect(lastYear).toBeGreaterThan(firstYear * 2);
  });

  it("closes old tickets and leaves recent ones open, with every priority and some unassigned", () => {
    const month = 30 * 86_400_000;
    const old = tickets.filter((row) => (row[14] as number) < now - month);
    const oldDone = old.filter((row) => row[7] === "resolved" || row[7] === "closed").length;
    expect(oldDone / old.length).toBeGreaterThan(0.99);
    const recent = tickets.filter((row) => (row[14] as number) >= now - 2 * 86_400_000);
    const recentOpen = recent.filter((row) =>
      ["open", "in_progress", "waiting_on_customer"].includes(row[7] as string),
    );
    expect(recentOpen.length).toBeGreaterThan(0);
    expect(new Set(tickets.map((row) => row[7]))).toEqual(
      new Set(["open", "in_progress", "waiting_on_customer", "resolved", "closed"]),
    );
    expect(new Set(tickets.map((row) => row[6]))).toEqual(new Set(["low", "normal", "high", "urgent"]));
    expect(tickets.some((row) => row[8] === null)).toBe(true);
    expect(tickets.filter((row) => row[8] !== null).length / tickets.length).toBeGreaterThan(0.8);
  });

  it("writes about 6.5 comments and events per ticket (13 million at size L)", () => {
    const perTicket = (comments.length + events.length) / tickets.length;
    expect(perTicket).toBeGreaterThan(5.5);
    expect(perTicket).toBeLessThan(7.5);
  });
});

describe.each(testDatabaseKinds())("npm run seed:demo on %s", (kind) => {
  describe("a database the generator filled", () => {
    const t = useTestApp(kind);
    let report: SeedReport;
    const one = async <T>(query: ReturnType<typeof sql>) => (await queryRows<T>(t().database.handle.db, query))[0] as T;
    const count = async (query: ReturnType<typeof sql>) => (await one<{ n: number }>(query)).n;

    beforeAll(async () => {
      report = await seedDemo(t().database.handle, { size: "XS", country: "US", quiet: true, now: t().clock.now() });
    }, 180_000);

    it("fills every table with the expected number of rows", async () => {
      const counts = await one<Record<string, number>>(sql`
        select (select count(*)::int from customers) as customers,
               (select count(*)::int from tickets) as tickets,
               (select count(*)::int from ticket_comments) as ticket_comments,
               (select count(*)::int from ticket_events) as ticket_events,
               (select count(*)::int from sms_logs) as sms_logs,
               (select count(*)::int from network_sites) as network_sites,
               (select count(*)::int from service_plans) as service_plans,
               (select count(*)::int from users) as users`);
      expect(counts.customers).toBe(XS.customers);
      expect(counts.tickets).toBe(XS.tickets);
      // The three seeded accounts plus the generated technicians.
      expect(counts.users).toBe(3 + XS.technicians);
      for (const table of ["customers", "tickets", "ticket_comments", "ticket_events", "sms_logs", "network_sites"]) {
        expect(counts[table], table).toBe(report.counts[table]);
      }
      expect(counts.ticket_events).toBeGreaterThan(XS.tickets * 3);
      expect(counts.ticket_comments).toBeGreaterThan(XS.tickets / 2);
      expect(counts.sms_logs).toBeGreaterThan(0);
      const marker = await one<{ value: { size: string } }>(
        sql`select value from settings where key = ${DEMO_MARKER_KEY}`,
      );
      expect(marker.value.size).toBe("XS");
    });

    it("keeps every ticket's status, timestamps, due time and version consistent", async () => {
      const now = t().clock.now().toISOString();
      expect(
        await count(sql`select count(*)::int as n from tickets where
          (status in ('resolved', 'closed')) <> (resolved_at is not null)
          or (status = 'closed') <> (closed_at is not null)
          or (status <> 'open' and first_response_at is null)
          or first_response_at < created_at or resolved_at < created_at or closed_at < resolved_at
          or updated_at < created_at or updated_at > ${now}::timestamptz or created_at > ${now}::timestamptz
          or due_at <> created_at + make_interval(hours => case priority when 'urgent' then 4 when 'high' then 8
                                                          when 'normal' then 24 else 72 end)`),
      ).toBe(0);
      // The version is the one the last versioned event recorded.
      expect(
        await count(sql`select count(*)::int as n from tickets t where t.version <>
          (select max((e.data->>'version')::int) from ticket_events e where e.ticket_id = t.id and e.data ? 'version')`),
      ).toBe(0);
    });

    it("gives every ticket the events of its history: created, assigned, status changes in a chain", async () => {
      const now = t().clock.now().toISOString();
      expect(
        await count(sql`select count(*)::int as n from tickets t where
          (select count(*) from ticket_events e where e.ticket_id = t.id and e.kind = 'created' and e.created_at = t.created_at) <> 1`),
      ).toBe(0);
      expect(
        await count(sql`select count(*)::int as n from tickets t where t.status::text <> coalesce(
          (select e.to_value from ticket_events e where e.ticket_id = t.id and e.kind = 'status_changed'
            order by e.created_at desc, e.id desc limit 1), 'open')`),
      ).toBe(0);
      expect(
        await count(sql`select count(*)::int as n from tickets t where t.assignee_id::text is distinct from
          (select e.to_value from ticket_events e where e.ticket_id = t.id and e.kind = 'assigned'
            order by e.created_at desc, e.id desc limit 1)`),
      ).toBe(0);
      expect(
        await count(sql`select count(*)::int as n from (
          select from_value, lag(to_value, 1, 'open') over (partition by ticket_id order by created_at, id) as previous
            from ticket_events where kind = 'status_changed') chain where from_value <> previous`),
      ).toBe(0);
      expect(
        await count(sql`select count(*)::int as n from ticket_comments c where c.author_id is not null and not exists
          (select 1 from ticket_events e where e.kind = 'commented' and e.data->>'commentId' = c.id::text)`),
      ).toBe(0);
      expect(
        await count(sql`select count(*)::int as n from ticket_events e join tickets t on t.id = e.ticket_id
          where e.created_at < t.created_at or e.created_at > ${now}::timestamptz`),
      ).toBe(0);
      // SMS comments came from the customer: no staff author, public, with the inbound message logged.
      expect(
        await count(sql`select count(*)::int as n from ticket_comments c where c.source = 'sms'
          and (c.author_id is not null or c.visibility <> 'public' or not exists
            (select 1 from sms_logs s where s.ticket_id = c.ticket_id and s.direction = 'inbound' and s.body = c.body))`),
      ).toBe(0);
    });

    it("numbers tickets and customers in time order and moves the sequences past the data", async () => {
      expect(
        await count(sql`select count(*)::int as n from (
          select created_at, lag(created_at) over (order by substring(number from 3)::int) as previous from tickets) x
          where created_at < previous`),
      ).toBe(0);
      expect(
        await count(sql`select count(*)::int as n from (
          select created_at, lag(created_at) over (order by account_number) as previous from customers) x
          where created_at < previous`),
      ).toBe(0);
      const sequences = await one<{ tickets: number; customers: number }>(sql`
        select (select last_value::int from ticket_number_seq) as tickets,
               (select last_value::int from customer_account_seq) as customers`);
      expect(sequences).toEqual({ tickets: XS.tickets, customers: XS.customers });
    });

    it("gives customers valid E.164 phones and distinct IP and MAC addresses", async () => {
      const phones = await queryRows<{ phone: string }>(
        t().database.handle.db,
        sql`select phone from customers where phone is not null
            union all select alt_phone from customers where alt_phone is not null
            union all select phone from users where phone is not null`,
      );
      expect(phones.length).toBeGreaterThan(XS.customers * 0.9);
      for (const { phone } of phones) expect(normalizePhone(phone, "US"), phone).toEqual({ ok: true, e164: phone });
      const distinct = await one<Record<string, number>>(sql`
        select count(ip_address)::int as ips, count(distinct ip_address)::int as distinct_ips,
               count(mac_address)::int as macs, count(distinct mac_address)::int as distinct_macs,
               count(distinct phone)::int as distinct_phones, count(phone)::int as phones
          from customers`);
      expect(distinct.ips).toBeGreaterThan(XS.customers / 2);
      expect(distinct.distinct_ips).toBe(distinct.ips);
      expect(distinct.distinct_macs).toBe(distinct.macs);
      expect(distinct.distinct_phones).toBe(distinct.phones);
      const sites = await queryRows<{ kind: string }>(
        t().database.handle.db,
        sql`select distinct kind::text as kind from network_sites where latitude is not null and longitude is not null`,
      );
      expect(sites.map((s) => s.kind)).toEqual(expect.arrayContaining(["tower", "pop", "olt", "cabinet"]));
    });

    it("leaves the app's APIs working on the seeded data", async () => {
      const admin = await signIn(t().app, DEMO.admin);
      const staff = await admin.get("/api/users?limit=200");
      expect(staff.statusCode).toBe(200);
      const emails = staff.json().items.map((u: { email: string }) => u.email);
      expect(emails).toEqual(expect.arrayContaining(report.technicianEmails));

      // The one argon2id hash every generated technician shares signs them in.
      const technician = await signIn(t().app, {
        email: report.technicianEmails[0] as string,
        password: report.technicianPassword,
      });
      expect(technician.user.role).toBe("technician");

      const john = await signIn(t().app, DEMO.john);
      const queue = await john.get("/api/tickets?limit=20");
      expect(queue.statusCode).toBe(200);
      expect(queue.json().items).toHaveLength(20);
      const mine = await john.get("/api/tickets?assigneeId=me&limit=5");
      expect(mine.statusCode).toBe(200);
      expect(mine.json().items.length).toBeGreaterThan(0);

      const [busiest] = await queryRows<{ id: string }>(
        t().database.handle.db,
        sql`select ticket_id as id from ticket_events group by ticket_id order by count(*) desc limit 1`,
      );
      const detail = await john.get(`/api/tickets/${busiest?.id}`);
      expect(detail.statusCode).toBe(200);
      const timeline = await john.get(`/api/tickets/${busiest?.id}/timeline`);
      expect(timeline.statusCode).toBe(200);

      const customers = await john.get("/api/customers?limit=10");
      expect(customers.statusCode).toBe(200);
      expect(customers.json().items).toHaveLength(10);
      expect((await john.get("/api/dashboard")).statusCode).toBe(200);
      expect((await john.get("/api/sms?limit=10")).statusCode).toBe(200);
    });

    it("replaces its own data on a second run instead of adding to it", async () => {
      const again = await seedDemo(t().database.handle, {
        size: "XS",
        country: "US",
        quiet: true,
        now: t().clock.now(),
      });
      expect(again.counts.tickets).toBe(XS.tickets);
      const totals = await one<{ tickets: number; users: number }>(sql`
        select (select count(*)::int from tickets) as tickets, (select count(*)::int from users) as users`);
      expect(totals).toEqual({ tickets: XS.tickets, users: 3 + XS.technicians });
    }, 180_000);
  });

  describe("a database holding someone's real customers", () => {
    const t = useTestApp(kind);

    it("refuses to seed, changes nothing, and seeds only with --force", async () => {
      const admin = await signIn(t().app, DEMO.admin);
      const created = await admin.post("/api/customers", { name: "Real Customer", phone: "+13035550199" });
      expect(created.statusCode).toBe(201);

      const refused = seedDemo(t().database.handle, { size: "XS", country: "US", quiet: true });
      await expect(refused).rejects.toBeInstanceOf(DemoDataRefusedError);
      await expect(refused).rejects.toThrow(/1 customer and 0 tickets that the demo generator did not create/);
      const after = await admin.get(`/api/customers/${created.json().id}`);
      expect(after.statusCode).toBe(200);
      expect((await admin.get("/api/users?limit=200")).json().items).toHaveLength(3);

      if (t().database.url) {
        // The command line says the same and exits with status 2.
        const cli = await runCli(["--size", "XS"], { DATABASE_URL: t().database.url as string });
        expect(cli.code).toBe(2);
        expect(cli.stderr).toContain("Refused: This database holds 1 customer and 0 tickets");
        expect(cli.stderr).toContain("--force");
      }

      const forced = await seedDemo(t().database.handle, { size: "XS", country: "US", quiet: true, force: true });
      expect(forced.counts.customers).toBe(XS.customers);
      expect((await admin.get(`/api/customers/${created.json().id}`)).statusCode).toBe(404);
    }, 240_000);
  });
});

describe("the seed:demo command line", () => {
  it("rejects an unknown size with the usage", async () => {
    const cli = await runCli(["--size", "XXL"], { DATA_DIR: "/nonexistent" });
    expect(cli.code).toBe(64);
    expect(cli.stderr).toContain('--size must be S, M or L (got "XXL")');
  });

  it("fills an embedded database in DATA_DIR, migrating it first, and prints the counts", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "uplink-seed-demo-"));
    try {
      const cli = await runCli(["--size", "XS"], { DATA_DIR: dir, SEED_DEMO_USERS: "false" });
      expect(cli.stderr).toContain("embedded PostgreSQL (PGlite)");
      expect(cli.code).toBe(0);
      expect(cli.stdout).toMatch(/tickets\s+500/);
      expect(cli.stdout).toContain('password "tech123"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
