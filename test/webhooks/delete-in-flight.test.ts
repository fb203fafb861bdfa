import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import type { App } from "../../src/server/deps.js";
import { DEMO, signIn, testConfig } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { eventually } from "../support/twilio-stand-in.js";
import { WebhookReceiver } from "./receiver.js";
import { WEBHOOK_TEST_ENV } from "./webhook-test-app.js";

/**
 * An admin deletes an endpoint while one of its deliveries is on the wire. The delivery went with
 * the endpoint (cascade), so when the answer (or the timeout) comes there is nothing to record:
 * the dispatcher must treat that as the quiet end it is, not log a foreign-key error, and go on
 * delivering to the other endpoints.
 */
describe.each(testDatabaseKinds())("deleting a webhook mid-delivery on %s", (kind) => {
  let app: App;
  let database: TestDatabase;
  let receiver: WebhookReceiver;
  const logged: { level: number; msg: string }[] = [];

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    database = await createTestDatabase(kind);
    const logger = pino(
      { level: "debug" },
      { write: (line: string) => logged.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    app = await buildApp(
      { config: testConfig(WEBHOOK_TEST_ENV), database: database.handle, clock: new ManualClock(new Date()) },
      { logger },
    );
    await app.ready();
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    await receiver?.stop();
  });

  const errorsLogged = () => logged.filter((entry) => entry.level >= 50).map((entry) => entry.msg);

  it.each([
    ["answers after a delay", { kind: "status", status: 204, delayMs: 700 } as const],
    ["never answers (the timeout)", { kind: "hang" } as const],
  ])("records nothing and logs no error when the receiver %s", async (_what, reply) => {
    const admin = await signIn(app, DEMO.admin);
    const created = await admin.post("/api/webhooks", { url: receiver.url("/slow"), events: ["ticket.created"] });
    expect(created.statusCode).toBe(201);
    const webhook = created.json();
    receiver.reset();
    receiver.secret = webhook.secret;
    receiver.reply(reply);
    logged.length = 0;

    await makeTicket(admin);
    await eventually(async () => (receiver.received.length === 1 ? true : undefined), 15_000);
    expect((await admin.delete(`/api/webhooks/${webhook.id}`)).statusCode).toBe(204);
    // The answer (or the 2 s timeout) arrives after the delete; then the dispatcher records.
    await eventually(
      async () =>
        logged.some((entry) => entry.msg === "Webhook endpoint deleted mid-delivery" || entry.level >= 50)
          ? true
          : undefined,
      15_000,
    );
    expect(errorsLogged()).toEqual([]);

    // The dispatcher goes on: another endpoint's delivery arrives and is recorded.
    const next = await admin.post("/api/webhooks", { url: receiver.url("/next"), events: ["ticket.created"] });
    receiver.reset();
    receiver.secret = next.json().secret;
    await makeTicket(admin);
    const [delivery] = await eventually(async () => {
      const items = (await admin.get(`/api/webhooks/${next.json().id}/deliveries`)).json().items;
      return items[0]?.status === "delivered" ? items : undefined;
    }, 15_000);
    expect(delivery.attemptLog).toHaveLength(1);
    expect(errorsLogged()).toEqual([]);
    await admin.delete(`/api/webhooks/${next.json().id}`);
  });
});
