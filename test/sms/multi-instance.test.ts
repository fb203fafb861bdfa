import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { type DatabaseHandle, openPostgres, queryRows } from "../../src/server/db/client.js";
import { smsLogs } from "../../src/server/db/schema/index.js";
import type { App } from "../../src/server/deps.js";
import { createTestApp, type TestApp, testConfig } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { eventually, TwilioStandIn } from "../support/twilio-stand-in.js";

const MESSAGES = 500;

/**
 * Two app instances, each with its own dispatcher, on one database. On the server each has its own
 * connection pool (as two processes would); on PGlite they share the one embedded database.
 */
describe.each(testDatabaseKinds())("Two dispatchers on one database (%s)", (kind) => {
  let twilio: TwilioStandIn;
  let first: TestApp;
  let second: App;
  let secondHandle: DatabaseHandle | undefined;

  beforeAll(async () => {
    twilio = await new TwilioStandIn().start();
    first = await createTestApp(kind, { env: twilio.env() });
    secondHandle = first.database.url
      ? await openPostgres({ connectionString: first.database.url, poolSize: 5 })
      : undefined;
    second = await buildApp({
      config: testConfig(twilio.env()),
      database: secondHandle ?? first.database.handle,
      clock: first.clock,
    });
    await second.ready();
  }, 180_000);

  afterAll(async () => {
    await second?.close();
    await secondHandle?.close();
    await first?.close();
    await twilio?.stop();
  });

  it(`sends each of ${MESSAGES} queued messages exactly once`, async () => {
    const now = first.clock.now();
    const rows = Array.from({ length: MESSAGES }, (_, i) => ({
      direction: "outbound" as const,
      toNumber: `+1212555${String(i).padStart(4, "0")}`,
      body: `Outage update ${i}`,
      purpose: "manual" as const,
      status: "queued" as const,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    }));
    const started = performance.now();
    // Straight into the outbox on purpose (500 tickets through the API would test the API, slowly).
    // One transaction and one NOTIFY, as a ticket change writes them: both instances wake at commit.
    await first.database.handle.db.transaction(async (tx) => {
      await tx.insert(smsLogs).values(rows);
      await tx.execute(sql`select pg_notify('sms_outbox', '')`);
    });
    await eventually(
      async () => {
        const [pending] = await queryRows<{ count: number }>(
          first.database.handle.db,
          sql`select count(*)::int as count from sms_logs where status <> 'sent'`,
        );
        return pending?.count === 0;
      },
      60_000,
      250,
    );
    const seconds = (performance.now() - started) / 1000;

    expect(twilio.messages).toHaveLength(MESSAGES);
    expect(new Set(twilio.messages.map((m) => m.to)).size).toBe(MESSAGES);
    const [stats] = await queryRows<{ attempts: number; sids: number }>(
      first.database.handle.db,
      sql`select sum(attempts)::int as attempts, count(distinct provider_sid)::int as sids from sms_logs`,
    );
    expect(stats).toEqual({ attempts: MESSAGES, sids: MESSAGES });
    console.info(
      `[sms throughput ${kind}] ${MESSAGES} messages, 2 instances: ${(MESSAGES / seconds).toFixed(0)} messages/s`,
    );
  }, 90_000);
});
