import { Webhook as StandardWebhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WebhookWithSecret } from "../../src/shared/webhooks.js";
import { createTestApp, DEMO, type Session, signIn, type TestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { receiveSms, uniqueMessageSid } from "../support/factories/sms.js";
import { makeTicket } from "../support/factories/tickets.js";
import { eventually, STAND_IN_FROM, TwilioStandIn } from "../support/twilio-stand-in.js";
import { type ReceivedWebhook, WebhookReceiver } from "./receiver.js";
import { deliveries, WEBHOOK_TEST_ENV, type WebhookTestApp, waitForDeliveries } from "./webhook-test-app.js";

interface SmsWebhookApp extends WebhookTestApp {
  twilio: TwilioStandIn;
}

const headersOf = (r: ReceivedWebhook) => ({
  "webhook-id": r.id,
  "webhook-timestamp": r.timestamp,
  "webhook-signature": r.signature,
});

describe.each(testDatabaseKinds())("SMS webhook events (%s)", (kind) => {
  let current: SmsWebhookApp | undefined;
  beforeAll(async () => {
    const receiver = await new WebhookReceiver().start();
    const twilio = await new TwilioStandIn().start();
    const t: TestApp = await createTestApp(kind, { env: twilio.env(WEBHOOK_TEST_ENV) });
    current = { t, receiver, twilio, admin: await signIn(t.app, DEMO.admin) };
  }, 180_000);
  beforeEach(async () => {
    if (!current) return;
    current.receiver.reset();
    current.twilio.reset();
    current.admin = await signIn(current.t.app, DEMO.admin);
  });
  afterAll(async () => {
    await current?.t.close();
    await current?.receiver.stop();
    await current?.twilio.stop();
  });
  const w = (): SmsWebhookApp => {
    if (!current) throw new Error("the test app is not ready");
    return current;
  };

  /** An endpoint at the receiver subscribed to `event` only (the receiver is told its secret). */
  async function subscribe(admin: Session, event: "sms.received" | "sms.failed"): Promise<WebhookWithSecret> {
    const response = await admin.post("/api/webhooks", {
      url: w().receiver.url(`/hooks/${event}`),
      events: [event],
    });
    expect(response.statusCode).toBe(201);
    const webhook = response.json() as WebhookWithSecret;
    w().receiver.secret = webhook.secret;
    return webhook;
  }

  /** Waits for the one delivery, checks it is signed with the endpoint's secret, returns it. */
  async function theOneDelivery(webhook: WebhookWithSecret): Promise<ReceivedWebhook> {
    const { receiver } = w();
    await eventually(async () => receiver.delivered().length >= 1).catch(async (error) => {
      const log = (await deliveries(w(), webhook.id)).map((d) => `${d.eventType} ${d.status} ${d.lastError}`);
      throw new Error(`${error.message}: received ${receiver.received.map((r) => r.payload.type)}; log ${log}`);
    });
    await waitForDeliveries(w(), webhook.id, 1, (d) => d.status === "delivered");
    expect(receiver.rejected).toEqual([]);
    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    if (!delivery) throw new Error("no delivery");
    expect(new StandardWebhook(webhook.secret).verify(delivery.body, headersOf(delivery))).toMatchObject({
      type: delivery.payload.type,
    });
    expect(() =>
      new StandardWebhook(`whsec_${Buffer.alloc(32).toString("base64")}`).verify(delivery.body, headersOf(delivery)),
    ).toThrow();
    expect(delivery.id).toMatch(/^msg_/);
    expect(new Date(delivery.payload.timestamp).toString()).not.toBe("Invalid Date");
    return delivery;
  }

  it("delivers one signed sms.received for a signed inbound Twilio text, with the logged message as data", async () => {
    const { admin, t } = w();
    const webhook = await subscribe(admin, "sms.received");
    const phone = uniquePhone();
    const customer = await makeCustomer(admin, { phone });
    const messageSid = uniqueMessageSid();
    const answer = await receiveSms(t.app, { from: phone, body: "My router is blinking red", messageSid });
    expect(answer.statusCode).toBe(200);
    // Twilio retries a webhook it thinks was lost: the same MessageSid is not a second event.
    expect((await receiveSms(t.app, { from: phone, body: "My router is blinking red", messageSid })).statusCode).toBe(
      200,
    );

    const delivery = await theOneDelivery(webhook);
    expect(delivery.payload.type).toBe("sms.received");
    expect(delivery.payload.data).toMatchObject({
      id: expect.any(String),
      direction: "inbound",
      from: phone,
      to: STAND_IN_FROM,
      body: "My router is blinking red",
      purpose: "inbound",
      status: "received",
      providerSid: messageSid,
      customerId: customer.id,
    });
    const [logged] = (await admin.get(`/api/sms?direction=inbound&customerId=${customer.id}`)).json().items;
    expect(delivery.payload.data.id).toBe(logged.id);
    expect(delivery.payload.data.ticketId).toBe(logged.ticketId);
    await admin.delete(`/api/webhooks/${webhook.id}`);
  });

  it("delivers one signed sms.failed when Twilio refuses a text for good, with the failed message as data", async () => {
    const { admin, twilio } = w();
    const webhook = await subscribe(admin, "sms.failed");
    const phone = uniquePhone();
    twilio.failNextTo(phone, { kind: "error", status: 400, code: 21211, message: "Invalid 'To' Phone Number" });
    const customer = await makeCustomer(admin, { phone });
    const ticket = await makeTicket(admin, { customerId: customer.id });

    const delivery = await theOneDelivery(webhook);
    expect(delivery.payload.type).toBe("sms.failed");
    expect(delivery.payload.data).toMatchObject({
      id: expect.any(String),
      direction: "outbound",
      to: phone,
      purpose: "ticket_created",
      status: "failed",
      errorCode: "21211",
      attempts: 1,
      nextAttemptAt: null,
      ticketId: ticket.id,
      customerId: customer.id,
    });
    expect(delivery.payload.data.reason).toContain("error 21211");
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(0);
    await admin.delete(`/api/webhooks/${webhook.id}`);
  });
});
