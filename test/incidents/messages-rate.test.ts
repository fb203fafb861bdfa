import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { type DatabaseHandle, openPostgres } from "../../src/server/db/client.js";
import type { App } from "../../src/server/deps.js";
import { createTestApp, DEMO, type Session, signIn, type TestApp, testConfig } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { uniquePhone } from "../support/factories/customers.js";
import { eventually, TwilioStandIn } from "../support/twilio-stand-in.js";
import { makeIncident, makeSiteWithCustomers } from "./helpers.js";

const RATE = 4;
const MESSAGES = 5;

/**
 * SMS_RATE_PER_SECOND holds for all instances together: two app instances, each with its own
 * dispatcher (and, on the server, its own pool), send an incident's messages no faster than the
 * rate, so N messages take at least (N - 1) / rate seconds from the send to the last arrival.
 */
describe.each(testDatabaseKinds())("The SMS send rate across two instances (%s)", (kind) => {
  const env = { SMS_RATE_PER_SECOND: String(RATE) };
  let twilio: TwilioStandIn;
  let first: TestApp;
  let second: App;
  let secondHandle: DatabaseHandle | undefined;
  let admin: Session;

  beforeAll(async () => {
    twilio = await new TwilioStandIn().start();
    first = await createTestApp(kind, { env: twilio.env(env) });
    secondHandle = first.database.url
      ? await openPostgres({ connectionString: first.database.url, poolSize: 5 })
      : undefined;
    second = await buildApp({
      config: testConfig(twilio.env(env)),
      database: secondHandle ?? first.database.handle,
      clock: first.clock,
    });
    await second.ready();
    admin = await signIn(first.app, DEMO.admin);
  }, 180_000);

  afterAll(async () => {
    await second?.close();
    await secondHandle?.close();
    await first?.close();
    await twilio?.stop();
  });

  it(`sends ${MESSAGES} messages at ${RATE} a second, each once`, async () => {
    const phones = Array.from({ length: MESSAGES }, () => uniquePhone());
    const { site } = await makeSiteWithCustomers(
      admin,
      phones.map((phone, i) => ({ status: "active", name: `Rate ${i}`, phone })),
    );
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    twilio.reset();
    const started = Date.now();
    const sent = await admin.post(`/api/incidents/${incident.id}/messages`, { template: "incident_started" });
    expect(sent.statusCode).toBe(201);
    await eventually(async () => twilio.messages.length >= MESSAGES, 20_000);
    const last = Math.max(...twilio.messages.map((message) => message.at));
    expect(last - started).toBeGreaterThanOrEqual(((MESSAGES - 1) / RATE) * 1000);
    for (const phone of phones) expect(twilio.messagesTo(phone)).toHaveLength(1);
    // Consecutive arrivals are spread out, not bunched at the end: the slots are 1/RATE apart in the
    // database's clock, and each arrival may lag its slot by a process's scheduling and a request's
    // trip (seen up to ~110 ms on a busy CI machine), so allow one slot of jitter.
    const times = twilio.messages.map((message) => message.at).sort((a, b) => a - b);
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(((MESSAGES - 2) / RATE) * 1000);
  }, 60_000);
});
