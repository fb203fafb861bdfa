import { afterAll, beforeAll, beforeEach } from "vitest";
import type { WebhookDelivery, WebhookEventType, WebhookWithSecret } from "../../src/shared/webhooks.js";
import { createTestApp, DEMO, type Session, signIn, type TestApp } from "../support/app.js";
import type { DatabaseKind } from "../support/databases.js";
import { eventually } from "../support/twilio-stand-in.js";
import { WebhookReceiver } from "./receiver.js";

export interface WebhookTestApp {
  t: TestApp;
  receiver: WebhookReceiver;
  admin: Session;
}

/** Loopback allowed (the receiver lives there) and a short timeout, so a hanging receiver costs 2 s (PGlite runs in this process and can hold the event loop for a while). */
export const WEBHOOK_TEST_ENV = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: "127.0.0.1", WEBHOOK_TIMEOUT_SECONDS: "2" };

/** An app whose webhooks may reach the loopback receiver, with an admin signed in afresh for every test. */
export function useWebhookApp(kind: DatabaseKind): () => WebhookTestApp {
  let current: WebhookTestApp | undefined;
  beforeAll(async () => {
    const receiver = await new WebhookReceiver().start();
    const t = await createTestApp(kind, { env: WEBHOOK_TEST_ENV });
    current = { t, receiver, admin: await signIn(t.app, DEMO.admin) };
  }, 120_000);
  // Tests move the clock by days (retries, the 3-day rule), which ends sessions: sign in afresh.
  beforeEach(async () => {
    if (!current) return;
    current.receiver.reset();
    current.admin = await signIn(current.t.app, DEMO.admin);
  });
  afterAll(async () => {
    await current?.t.close();
    await current?.receiver.stop();
  });
  return () => {
    if (!current) throw new Error("the webhook test app is not ready");
    return current;
  };
}

/** A new endpoint pointing at the receiver (which is told its secret). */
export async function makeWebhook(
  w: WebhookTestApp,
  events: WebhookEventType[],
  path = `/hooks/${Math.random().toString(36).slice(2)}`,
): Promise<WebhookWithSecret> {
  const response = await w.admin.post("/api/webhooks", { url: w.receiver.url(path), events });
  if (response.statusCode !== 201) throw new Error(`creating a webhook: ${response.statusCode} ${response.body}`);
  const webhook = response.json() as WebhookWithSecret;
  w.receiver.secret = webhook.secret;
  return webhook;
}

export async function deliveries(w: WebhookTestApp, webhookId: string): Promise<WebhookDelivery[]> {
  const response = await w.admin.get(`/api/webhooks/${webhookId}/deliveries?limit=200`);
  if (response.statusCode !== 200) throw new Error(`deliveries: ${response.statusCode} ${response.body}`);
  return response.json().items;
}

/** Waits until the endpoint's deliveries all satisfy `done` (the dispatcher runs in the background). */
export function waitForDeliveries(
  w: WebhookTestApp,
  webhookId: string,
  count: number,
  done: (delivery: WebhookDelivery) => boolean,
): Promise<WebhookDelivery[]> {
  return eventually(async () => {
    const items = await deliveries(w, webhookId);
    return items.length === count && items.every(done) ? items : undefined;
  }, 15_000);
}

/** Moves time (past a retry's due time) and lets the dispatcher look at once instead of at its poll. */
export function advanceAndWake(t: TestApp, ms: number): void {
  t.clock.advance(ms);
  t.app.webhookDispatcher.wake();
}

/** Settled: delivered or failed for good, or waiting for a retry (not in flight). */
export const settled = (delivery: WebhookDelivery) => delivery.status !== "sending" && delivery.attempts > 0;
