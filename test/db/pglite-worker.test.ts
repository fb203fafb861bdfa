import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import {
  type DatabaseHandle,
  openPglite,
  QueryOutsideTransactionError,
  queryRows,
} from "../../src/server/db/client.js";
import { LOCK_FILE, openDatabase } from "../../src/server/db/open.js";
import { openPgliteWorker } from "../../src/server/db/pglite-worker.js";
import { servicePlans } from "../../src/server/db/schema/index.js";
import type { App } from "../../src/server/deps.js";
import type { LiveCustomerEvent } from "../../src/shared/live.js";
import { DEMO, problemOf, type Session, signIn, testConfig } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeServicePlan } from "../support/factories/service-plans.js";
import { makeTicket } from "../support/factories/tickets.js";
import { listening, openEventStream } from "../support/sse.js";

/**
 * The embedded database on its worker thread (PGLITE_WORKER, docs/architecture.md) under the real
 * app: the same answers as PGlite in the app's thread, its errors still PostgreSQL's, its
 * notifications delivered here, and a data directory that closes consistent.
 */
describe("PGlite on a worker thread", () => {
  let work: string;
  let dataDir: string;
  let handle: DatabaseHandle;
  let app: App;
  let baseUrl: string;
  let admin: Session;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "uplink-pglite-worker-"));
    dataDir = path.join(work, "data");
    // The migrated, seeded test template, unpacked into a data directory the thread owns.
    const template = new Blob([await readFile(inject("pgliteTemplatePath"))]);
    handle = await openPgliteWorker({ dataDir, loadDataDir: template });
    app = await buildApp({
      config: testConfig({ LOG_LEVEL: "error" }),
      database: handle,
      clock: new ManualClock(new Date()),
    });
    await app.ready();
    baseUrl = await listening(app);
    admin = await signIn(app, DEMO.admin);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await handle?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("runs on a worker thread and answers reads with PostgreSQL's types as the app expects them", async () => {
    expect(handle.description).toContain("on a worker thread");
    expect(handle.pglite).toBeUndefined();
    const customer = await makeCustomer(admin, { email: "worker-thread@example.com" });
    const read = await admin.get(`/api/customers/${customer.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: customer.id, name: customer.name, email: "worker-thread@example.com" });
    // Timestamps come back as Drizzle parses them (a Date from PostgreSQL's text), not as the thread's.
    expect(read.json().createdAt).toBe(customer.createdAt);
    const [row] = await handle.db.select().from(servicePlans).limit(1);
    const rows = await queryRows<{ at: string; n: number }>(handle.db, sql`select now() as at, 2::int as n`);
    expect(typeof rows[0]?.at).toBe("string");
    expect(rows[0]?.n).toBe(2);
    if (row) expect(row.createdAt).toBeInstanceOf(Date);
  });

  it("rolls a transaction back when its callback throws, and keeps the guard against the root database", async () => {
    const name = `Rolled back ${Date.now()}`;
    await expect(
      handle.db.transaction(async (tx) => {
        await tx.insert(servicePlans).values({ name, downloadMbps: 10, uploadMbps: 1, monthlyPrice: 1 });
        const inside = await tx.select().from(servicePlans).where(eq(servicePlans.name, name));
        expect(inside).toHaveLength(1);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    const list = await admin.get("/api/service-plans");
    expect(list.statusCode).toBe(200);
    expect(JSON.stringify(list.json())).not.toContain(name);

    await expect(
      handle.db.transaction(async () => {
        await handle.db.select().from(servicePlans).limit(1);
      }),
    ).rejects.toSatisfy((error: Error) => (error.cause ?? error) instanceof QueryOutsideTransactionError);
  });

  it("answers a unique violation with 409 (the PostgreSQL error keeps its code and constraint across the thread)", async () => {
    const plan = await makeServicePlan(admin);
    const again = await admin.post("/api/service-plans", {
      name: plan.name,
      downloadMbps: 50,
      uploadMbps: 5,
      monthlyPrice: 19.99,
    });
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).code).toBe("service_plan.name_taken");

    const error = await handle.db
      .insert(servicePlans)
      .values({ name: plan.name, downloadMbps: 1, uploadMbps: 1, monthlyPrice: 1 })
      .then(
        () => undefined,
        (caught: Error) => caught.cause as Record<string, unknown>,
      );
    expect(error).toMatchObject({ code: "23505", table: "service_plans", severity: "ERROR" });
    expect(error?.constraint).toEqual(expect.any(String));
    expect(error?.detail).toContain(plan.name.toLowerCase());
    // The failed transaction left the connection usable.
    expect((await admin.get(`/api/service-plans/${plan.id}`)).statusCode).toBe(200);
  });

  it("delivers NOTIFY from the thread's PostgreSQL to the live stream of this thread", async () => {
    const stream = await openEventStream(baseUrl, { cookie: admin.cookie });
    try {
      expect(stream.status).toBe(200);
      await stream.waitFor("ready");
      const customer = await makeCustomer(admin);
      const event = await stream.waitFor<LiveCustomerEvent>("customer", (e) => e.customerId === customer.id, 10_000);
      expect(event.actor?.id).toBe(admin.user.id);
    } finally {
      stream.close();
    }
  });

  it("answers 20 requests in parallel, reads and writes mixed, each with its own data", async () => {
    const customers = await Promise.all(Array.from({ length: 10 }, () => makeCustomer(admin)));
    const headers = { cookie: admin.cookie, "x-csrf-token": admin.csrfToken, "content-type": "application/json" };
    const reads = customers.map(async (customer) => {
      const response = await fetch(`${baseUrl}/api/customers/${customer.id}`, { headers });
      return { status: response.status, body: await response.json(), expected: customer.id };
    });
    const writes = customers.map(async (customer, index) => {
      const response = await fetch(`${baseUrl}/api/tickets`, {
        method: "POST",
        headers,
        body: JSON.stringify({ subject: `Parallel ${index}`, customerId: customer.id }),
      });
      return { status: response.status, body: await response.json(), expected: customer.id };
    });
    const answers = await Promise.all([...reads, ...writes]);
    for (const answer of answers.slice(0, 10)) {
      expect(answer.status).toBe(200);
      expect(answer.body.id).toBe(answer.expected);
    }
    for (const answer of answers.slice(10)) {
      expect(answer.status).toBe(201);
      expect(answer.body.customer?.id ?? answer.body.customerId).toBe(answer.expected);
    }
    const numbers = answers.slice(10).map((answer) => answer.body.number);
    expect(new Set(numbers).size).toBe(10);
  });

  it("dumps the database as SQL on the thread, the app writing as before afterwards", async () => {
    const dump = await handle.dumpSql?.(["--no-owner", "--no-privileges", "--schema-only"]);
    expect(dump).toContain("CREATE TABLE public.customers");
    // pg_dump's read-only transaction and session settings do not outlive the dump.
    const customer = await makeCustomer(admin);
    expect((await admin.get(`/api/customers/${customer.id}`)).statusCode).toBe(200);
  });

  it("closes with the data directory consistent: it reopens with the data, through openDatabase with the worker", async () => {
    const agent = await signIn(app, DEMO.john);
    const ticket = await makeTicket(agent, { subject: "Survives the close" });
    await app.close();
    await handle.close();
    await expect(handle.db.select().from(servicePlans).limit(1)).rejects.toThrow();

    const reopened = await openDatabase(testConfig({ DATA_DIR: dataDir }), { worker: true });
    try {
      expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(true);
      const rows = await queryRows<{ subject: string }>(
        reopened.db,
        sql`select subject from tickets where id = ${ticket.id}`,
      );
      expect(rows).toEqual([{ subject: "Survives the close" }]);
    } finally {
      await reopened.close();
    }
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    // And PGlite in this thread reads the same files.
    const inProcess = await openPglite({ dataDir });
    try {
      const rows = await queryRows<{ n: number }>(
        inProcess.db,
        sql`select count(*)::int as n from tickets where id = ${ticket.id}`,
      );
      expect(rows[0]?.n).toBe(1);
    } finally {
      await inProcess.close();
    }
  }, 120_000);
});
