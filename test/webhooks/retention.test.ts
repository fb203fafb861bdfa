import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { HOUR } from "../../src/server/clock.js";
import { queryRows } from "../../src/server/db/client.js";
import { maintenanceJobs } from "../../src/server/maintenance.js";
import { DEMO, signIn, testConfig } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { deliveries, makeWebhook, useWebhookApp, waitForDeliveries } from "./webhook-test-app.js";

const DAY = 24 * HOUR;

describe.each(testDatabaseKinds())("webhook delivery log retention (%s)", (kind) => {
  const w = useWebhookApp(kind);

  /** The schedule's own job, run once as the schedule would. */
  const runRetentionJob = async () => {
    const { t } = w();
    const job = maintenanceJobs({ database: t.database.handle, clock: t.clock, config: t.config }).find(
      (candidate) => candidate.name === "old webhook deliveries",
    );
    if (!job) throw new Error("no webhook retention job in the maintenance schedule");
    return job.run();
  };
  const countRows = async (table: "webhook_attempts" | "webhook_events", endpointId: string) => {
    const { t } = w();
    const query =
      table === "webhook_attempts"
        ? sql`select count(*)::int as n from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.endpoint_id = ${endpointId}`
        : sql`select count(*)::int as n from webhook_events where body like ${`%"webhookId":"${endpointId}"%`}`;
    return (await queryRows<{ n: number }>(t.database.handle.db, query))[0]?.n;
  };

  it("deletes delivered and failed deliveries (with attempts and orphaned events) after WEBHOOK_LOG_RETENTION_DAYS, never a pending one", async () => {
    const { t, receiver, admin } = w();
    expect(t.config.WEBHOOK_LOG_RETENTION_DAYS).toBe(30);
    const webhook = await makeWebhook(w(), ["ticket.created"]);
    // A test event each: its body names the endpoint, so its rows can be counted.
    const test = () => admin.post(`/api/webhooks/${webhook.id}/test`);

    expect((await test()).statusCode).toBe(202);
    await waitForDeliveries(w(), webhook.id, 1, (d) => d.status === "delivered");
    // A failed one: the receiver answers 500, then an admin disables the endpoint (given up).
    receiver.reply({ kind: "status", status: 500 });
    expect((await test()).statusCode).toBe(202);
    await waitForDeliveries(w(), webhook.id, 2, (d) => d.status === "delivered" || d.attempts === 1);
    expect((await admin.patch(`/api/webhooks/${webhook.id}`, { enabled: false })).statusCode).toBe(200);
    expect((await admin.patch(`/api/webhooks/${webhook.id}`, { enabled: true })).statusCode).toBe(200);
    // A pending one, as old as the others: the dispatcher is stopped so it stays waiting for its retry.
    receiver.reply({ kind: "status", status: 500 });
    await makeTicket(admin);
    await waitForDeliveries(w(), webhook.id, 3, (d) => d.status !== "sending" && d.attempts === 1);
    await t.app.webhookDispatcher.stop();
    expect((await deliveries(w(), webhook.id)).map((d) => d.status).sort()).toEqual(["delivered", "failed", "pending"]);
    expect(await countRows("webhook_attempts", webhook.id)).toBe(3);
    expect(await countRows("webhook_events", webhook.id)).toBe(2);

    // Within the retention period nothing goes.
    t.clock.advance(29 * DAY);
    expect(await runRetentionJob()).toBeUndefined();
    const fresh = await signIn(t.app, DEMO.admin);
    w().admin = fresh;
    expect(await deliveries(w(), webhook.id)).toHaveLength(3);

    t.clock.advance(2 * DAY);
    expect(await runRetentionJob()).toBe("2 webhook deliveries and 2 events older than 30 days deleted");
    w().admin = await signIn(t.app, DEMO.admin);
    const left = await deliveries(w(), webhook.id);
    expect(left.map((d) => [d.status, d.eventType])).toEqual([["pending", "ticket.created"]]);
    expect(await countRows("webhook_attempts", webhook.id)).toBe(1);
    expect(await countRows("webhook_events", webhook.id)).toBe(0);
    // Nothing more to do on the next run.
    expect(await runRetentionJob()).toBeUndefined();
    await t.app.webhookDispatcher.start();
  });

  it("reads WEBHOOK_LOG_RETENTION_DAYS as whole days from 1 to 3650", () => {
    expect(testConfig({ WEBHOOK_LOG_RETENTION_DAYS: "7" }).WEBHOOK_LOG_RETENTION_DAYS).toBe(7);
    for (const bad of ["0", "1.5", "3651", "a month"]) {
      expect(() => testConfig({ WEBHOOK_LOG_RETENTION_DAYS: bad }), bad).toThrow(/WEBHOOK_LOG_RETENTION_DAYS/);
    }
  });
});
