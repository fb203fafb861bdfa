import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { SYSTEM_ACTOR, serviceContext } from "../../src/server/context.js";
import { type DatabaseHandle, openPostgres, queryRows } from "../../src/server/db/client.js";
import type { App } from "../../src/server/deps.js";
import { recordWebhookEvents } from "../../src/server/webhooks/webhooks.service.js";
import { createTestApp, DEMO, signIn, type TestApp, testConfig } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { eventually } from "../support/twilio-stand-in.js";
import { WebhookReceiver } from "./receiver.js";
import { WEBHOOK_TEST_ENV } from "./webhook-test-app.js";

const EVENTS = 400;
/** The default 10 s timeout: a delivery that times out is retried, and this test counts each exactly once. */
const ENV = { ...WEBHOOK_TEST_ENV, WEBHOOK_TIMEOUT_SECONDS: "10" };

/** The embedded database serves one instance only (docs/operations.md): several instances means a server. */
const SERVER_KINDS = testDatabaseKinds().filter((kind) => kind === "postgres");

describe.skipIf(SERVER_KINDS.length > 0)("Two webhook dispatchers", () => {
  it.skip("need a PostgreSQL server (TEST_DATABASE_URL)", () => {});
});

/** Two app instances, each with its own dispatcher and connection pool (as two processes would), on one server database. */
describe.each(SERVER_KINDS)("Two webhook dispatchers on one database (%s)", (kind) => {
  let receiver: WebhookReceiver;
  let first: TestApp;
  let second: App;
  let secondHandle: DatabaseHandle | undefined;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    first = await createTestApp(kind, { env: ENV });
    if (!first.database.url) throw new Error("two instances need a server database");
    secondHandle = await openPostgres({ connectionString: first.database.url, poolSize: 5 });
    second = await buildApp({
      config: testConfig(ENV),
      database: secondHandle,
      clock: first.clock,
    });
    await second.ready();
  }, 180_000);

  afterAll(async () => {
    await second?.close();
    await secondHandle?.close();
    await first?.close();
    await receiver?.stop();
  });

  it(`delivers each of ${EVENTS} events exactly once`, async () => {
    const admin = await signIn(first.app, DEMO.admin);
    const created = await admin.post("/api/webhooks", { url: receiver.url(), events: ["customer.created"] });
    expect(created.statusCode).toBe(201);
    receiver.secret = created.json().secret;
    const started = performance.now();
    // One transaction and one NOTIFY for all of them, as a CSV import writes them: both instances wake at commit.
    await recordWebhookEvents(serviceContext(first.app.deps), "customer.created", async () =>
      Array.from({ length: EVENTS }, (_, i) => ({ id: `customer-${i}`, actor: SYSTEM_ACTOR.id })),
    );
    await eventually(
      async () => {
        const [pending] = await queryRows<{ count: number }>(
          first.database.handle.db,
          sql`select count(*)::int as count from webhook_deliveries where status <> 'delivered'`,
        );
        return pending?.count === 0;
      },
      80_000,
      100,
    );
    const seconds = (performance.now() - started) / 1000;
    expect(receiver.rejected).toEqual([]);
    expect(receiver.received).toHaveLength(EVENTS);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(EVENTS);
    expect(new Set(receiver.received.map((r) => r.payload.data.id)).size).toBe(EVENTS);
    const [stats] = await queryRows<{ attempts: number; rows: number }>(
      first.database.handle.db,
      sql`select sum(attempts)::int as attempts, (select count(*)::int from webhook_attempts) as rows from webhook_deliveries`,
    );
    expect(stats).toEqual({ attempts: EVENTS, rows: EVENTS });
    console.info(`[webhook throughput ${kind}] ${EVENTS} deliveries, 2 instances: ${(EVENTS / seconds).toFixed(0)}/s`);
  }, 120_000);
});
