import { sql } from "drizzle-orm";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { inTransaction, SYSTEM_ACTOR, serviceContext } from "../../src/server/context.js";
import { queryRows } from "../../src/server/db/client.js";
import { createTicket } from "../../src/server/tickets/tickets.service.js";
import { recordWebhookEvent } from "../../src/server/webhooks/webhooks.service.js";
import type { Webhook, WebhookDelivery } from "../../src/shared/webhooks.js";
import { DEMO, problemOf, signIn } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { eventually } from "../support/twilio-stand-in.js";
import {
  advanceAndWake,
  deliveries,
  makeWebhook,
  settled,
  useWebhookApp,
  waitForDeliveries,
} from "./webhook-test-app.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(testDatabaseKinds())("Outbound webhooks (%s)", (kind) => {
  const w = useWebhookApp(kind);

  it("creates an endpoint with a whsec_ secret shown once, and refuses bad URLs and non-admins", async () => {
    const { admin, t, receiver } = w();
    const response = await admin.post("/api/webhooks", {
      url: receiver.url(),
      events: ["ticket.created"],
      description: "Billing",
    });
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.secret.slice(6), "base64")).toHaveLength(32);
    expect(created).toMatchObject({
      url: receiver.url(),
      events: ["ticket.created"],
      description: "Billing",
      enabled: true,
    });

    const one = await admin.get(`/api/webhooks/${created.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).not.toHaveProperty("secret");
    expect(JSON.stringify((await admin.get("/api/webhooks")).json())).not.toContain(created.secret);

    for (const [url, words] of [
      ["ftp://example.com/hooks", "https:// or http://"],
      ["https://user:pass@example.com/hooks", "user name or password"],
      ["not a url", "not a valid address"],
    ]) {
      const bad = await admin.post("/api/webhooks", { url, events: ["ticket.created"] });
      expect(bad.statusCode, url).toBe(422);
      expect(JSON.stringify(problemOf(bad).errors)).toContain(words);
    }
    const unknownEvent = await admin.post("/api/webhooks", { url: receiver.url(), events: ["ticket.deleted"] });
    expect(unknownEvent.statusCode).toBe(422);

    const john = await signIn(t.app, DEMO.john);
    expect((await john.get("/api/webhooks")).statusCode).toBe(403);
    expect((await john.post("/api/webhooks", { url: receiver.url(), events: ["ticket.created"] })).statusCode).toBe(
      403,
    );
    expect((await admin.delete(`/api/webhooks/${created.id}`)).statusCode).toBe(204);
    expect((await admin.get(`/api/webhooks/${created.id}`)).statusCode).toBe(404);
  });

  it("delivers every subscribed event once, signed (verified with standardwebhooks), with the resource as data", async () => {
    const { admin, receiver, t } = w();
    const webhook = await makeWebhook(w(), [
      "customer.created",
      "customer.updated",
      "customer.archived",
      "customer.restored",
      "ticket.created",
      "ticket.updated",
      "ticket.assigned",
      "ticket.status_changed",
      "ticket.commented",
    ]);
    const customer = await makeCustomer(admin, { name: "Hook Customer" });
    const patched = await admin.patch(`/api/customers/${customer.id}`, {
      notes: "Ladder needed",
      version: customer.version,
    });
    expect(patched.statusCode).toBe(200);
    expect((await admin.delete(`/api/customers/${customer.id}`)).statusCode).toBe(200);
    expect((await admin.post(`/api/customers/${customer.id}/restore`)).statusCode).toBe(200);
    const other = await makeCustomer(admin);
    const john = await signIn(t.app, DEMO.john);
    const ticket = await makeTicket(admin, { customerId: other.id, subject: "No sync" });
    const updated = await admin.patch(`/api/tickets/${ticket.id}`, {
      version: ticket.version,
      status: "in_progress",
      assigneeId: john.user.id,
      subject: "No sync at all",
    });
    expect(updated.statusCode).toBe(200);
    expect(
      (await admin.post(`/api/tickets/${ticket.id}/comments`, { body: "On it", visibility: "internal" })).statusCode,
    ).toBe(201);

    const expected = [
      "customer.created",
      "customer.updated",
      "customer.archived",
      "customer.restored",
      "customer.created",
      "ticket.created",
      "ticket.updated",
      "ticket.status_changed",
      "ticket.assigned",
      "ticket.commented",
    ];
    await eventually(async () => receiver.delivered().length >= expected.length).catch(async (error) => {
      const states = (await deliveries(w(), webhook.id)).map(
        (d) => `${d.eventType} ${d.status} ${d.attempts} ${d.lastError}`,
      );
      throw new Error(`${error.message}: received ${receiver.received.map((r) => r.payload.type)}; log ${states}`);
    });
    await waitForDeliveries(w(), webhook.id, expected.length, (d) => d.status === "delivered");
    expect(receiver.rejected).toEqual([]);
    expect(receiver.received.map((r) => r.payload.type).sort()).toEqual([...expected].sort());
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(expected.length);

    const byType = (type: string) => receiver.received.filter((r) => r.payload.type === type).map((r) => r.payload);
    const [customerUpdate] = byType("customer.updated");
    expect(customerUpdate?.data).toMatchObject({
      id: customer.id,
      notes: "Ladder needed",
      changes: { notes: { to: "Ladder needed" } },
    });
    expect(byType("customer.archived")[0]?.data.archivedAt).toEqual(expect.any(String));
    const [ticketUpdate] = byType("ticket.updated");
    expect(ticketUpdate?.data).toMatchObject({
      id: ticket.id,
      status: "in_progress",
      subject: "No sync at all",
      changes: {
        status: { from: "open", to: "in_progress" },
        assigneeId: { from: null, to: john.user.id },
        subject: { from: "No sync", to: "No sync at all" },
      },
    });
    expect(byType("ticket.status_changed")[0]?.data.changes).toEqual({ status: { from: "open", to: "in_progress" } });
    expect(byType("ticket.commented")[0]?.data).toMatchObject({
      ticketId: ticket.id,
      body: "On it",
      visibility: "internal",
    });
    // Standard Webhooks: {type, timestamp, data}, and the headers' timestamp is seconds since the epoch.
    const first = receiver.received[0];
    expect(Object.keys(first?.payload ?? {})).toEqual(["type", "timestamp", "data"]);
    expect(first?.id).toMatch(/^msg_/);
    expect(Math.abs(Number(first?.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(first?.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

    // The delivery log: request and answer of each attempt.
    const [latest] = await deliveries(w(), webhook.id);
    expect(latest).toMatchObject({ status: "delivered", attempts: 1, lastResponseStatus: 204, nextAttemptAt: null });
    expect(latest?.attemptLog[0]).toMatchObject({ attempt: 1, responseStatus: 204, url: webhook.url, error: null });
    expect(latest?.attemptLog[0]?.requestHeaders["webhook-id"]).toBe(latest?.eventId);
    expect(JSON.parse(latest?.payload ?? "{}").type).toBe(latest?.eventType);
    await admin.delete(`/api/webhooks/${webhook.id}`);
  });

  it("sends nothing for a change that rolls back, nor to an endpoint not subscribed", async () => {
    const { admin, receiver, t } = w();
    const webhook = await makeWebhook(w(), ["ticket.created"]);
    const ctx = serviceContext(t.app.deps);
    await expect(
      inTransaction(ctx, async (tx) => {
        await createTicket(tx, SYSTEM_ACTOR, { subject: "Rolled back" });
        await recordWebhookEvent(tx, "ticket.created", { note: "also rolled back" });
        throw new Error("the caller fails after the change");
      }),
    ).rejects.toThrow("the caller fails");
    // A customer event: the endpoint does not subscribe to it.
    await makeCustomer(admin);
    // A committed ticket afterwards proves the dispatcher ran.
    const ticket = await makeTicket(admin, { subject: "Committed" });
    await waitForDeliveries(w(), webhook.id, 1, (d) => d.status === "delivered");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received.map((r) => r.payload.data.id)).toEqual([ticket.id]);
    const [events] = await queryRows<{ n: number }>(
      t.database.handle.db,
      sql`select count(*)::int as n from webhook_events where body like '%Rolled back%' or body like '%also rolled back%'`,
    );
    expect(events?.n).toBe(0);
    await admin.delete(`/api/webhooks/${webhook.id}`);
  });

  it("retries a 500, a timeout, a redirect and a 503 with growing delays, then delivers exactly once", async () => {
    const { admin, receiver, t } = w();
    const webhook = await makeWebhook(w(), ["ticket.created"]);
    receiver.reply(
      { kind: "status", status: 500, body: "x".repeat(5000) },
      { kind: "hang" },
      { kind: "redirect", location: "http://127.0.0.1:1/elsewhere" },
      { kind: "status", status: 503 },
    );
    const started = t.clock.now().getTime();
    await makeTicket(admin, { subject: "Flaky receiver" });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const [delivery] = await waitForDeliveries(w(), webhook.id, 1, (d) => d.attempts === attempt && settled(d));
      expect(delivery?.status).toBe("pending");
      delays.push(Date.parse(delivery?.nextAttemptAt ?? "") - t.clock.now().getTime());
      advanceAndWake(t, delays.at(-1) ?? 0);
    }
    const [done] = await waitForDeliveries(w(), webhook.id, 1, (d) => d.status === "delivered");
    // 30 s, 60 s, 120 s, 240 s (±20 % jitter).
    delays.forEach((delay, index) => {
      expect(delay).toBeGreaterThanOrEqual(30_000 * 2 ** index * 0.8);
      expect(delay).toBeLessThanOrEqual(30_000 * 2 ** index * 1.2);
    });
    expect(t.clock.now().getTime() - started).toBeLessThan(10 * 60_000);
    const log = done?.attemptLog ?? [];
    expect(log.map((a) => a.responseStatus)).toEqual([500, null, 302, 503, 204]);
    // At most the first 1 KB of an answer is kept.
    expect(log[0]?.responseBody).toHaveLength(1024);
    expect(log[1]?.error).toContain("no answer within 2 s");
    // One event: the same webhook-id every time, and one successful delivery.
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    expect(receiver.delivered()).toHaveLength(1);
    expect(receiver.received).toHaveLength(5);
    expect((await admin.get(`/api/webhooks/${webhook.id}`)).json().failingSince).toBeNull();
    await admin.delete(`/api/webhooks/${webhook.id}`);
  });

  it("keeps retrying for at least 24 hours, then gives up", async () => {
    const { admin, receiver, t } = w();
    const webhook = await makeWebhook(w(), ["ticket.created"]);
    receiver.reply(...Array.from({ length: 40 }, () => ({ kind: "status" as const, status: 500 })));
    const queuedAt = t.clock.now().getTime();
    await makeTicket(admin, { subject: "Never accepted" });
    let delivery: WebhookDelivery | undefined;
    for (let attempt = 1; attempt < 40; attempt++) {
      [delivery] = await waitForDeliveries(w(), webhook.id, 1, (d) => d.attempts === attempt && settled(d));
      if (delivery?.status !== "pending") break;
      t.clock.set(delivery.nextAttemptAt ?? "");
      advanceAndWake(t, 1);
    }
    expect(delivery?.status).toBe("failed");
    expect(delivery?.lastError).toMatch(/^Gave up after \d+ attempts over 24 h\. Last: The endpoint answered 500/);
    const lastAttempt = Date.parse(delivery?.lastAttemptAt ?? "");
    expect(lastAttempt - queuedAt).toBeGreaterThanOrEqual(DAY);
    expect(lastAttempt - queuedAt).toBeLessThan(DAY + 8 * HOUR);
    expect(delivery?.attempts).toBeGreaterThanOrEqual(12);
    expect(receiver.delivered()).toHaveLength(0);
    // Failing for a day is not yet three.
    expect(((await admin.get(`/api/webhooks/${webhook.id}`)).json() as Webhook).enabled).toBe(true);
    await admin.delete(`/api/webhooks/${webhook.id}`);
  });

  it("disables an endpoint that answers 410 Gone at once, and queues nothing more for it", async () => {
    const { admin, receiver } = w();
    const webhook = await makeWebhook(w(), ["ticket.created"]);
    receiver.reply({ kind: "status", status: 410 });
    await makeTicket(admin);
    const [gone] = await waitForDeliveries(w(), webhook.id, 1, (d) => d.status === "failed");
    expect(gone?.lastResponseStatus).toBe(410);
    const disabled = (await admin.get(`/api/webhooks/${webhook.id}`)).json() as Webhook;
    expect(disabled.enabled).toBe(false);
    expect(disabled.disabledReason).toContain("410 Gone");
    await makeTicket(admin);
    expect(await deliveries(w(), webhook.id)).toHaveLength(1);
    expect((await admin.post(`/api/webhooks/${webhook.id}/test`)).statusCode).toBe(409);

    // Enabled again by an admin: the reason is history, and events flow.
    const enabled = await admin.patch(`/api/webhooks/${webhook.id}`, { enabled: true });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    await makeTicket(admin);
    await waitForDeliveries(w(), webhook.id, 2, settled);
    expect(receiver.delivered()).toHaveLength(1);
    await admin.delete(`/api/webhooks/${webhook.id}`);
  });

  it("disables an endpoint whose every delivery failed for 3 days, saying why", async () => {
    const { admin, receiver, t } = w();
    const webhook = await makeWebhook(w(), ["ticket.created"]);
    receiver.reply(...Array.from({ length: 60 }, () => ({ kind: "status" as const, status: 502 })));
    const firstFailure = t.clock.now();
    await makeTicket(admin);
    await waitForDeliveries(w(), webhook.id, 1, settled);
    expect(((await admin.get(`/api/webhooks/${webhook.id}`)).json() as Webhook).failingSince).toBe(
      firstFailure.toISOString(),
    );
    t.clock.advance(3 * DAY + 60_000);
    const fresh = await signIn(t.app, DEMO.admin);
    w().admin = fresh;
    await makeTicket(fresh);
    const webhookNow = await eventually(async () => {
      const current = (await fresh.get(`/api/webhooks/${webhook.id}`)).json() as Webhook;
      return current.enabled ? undefined : current;
    });
    expect(webhookNow.disabledReason).toMatch(
      new RegExp(
        `every delivery since ${firstFailure.toISOString()} failed \\(3 days\\)\\. Last: The endpoint answered 502`,
      ),
    );
    // Whatever was still waiting is given up with the reason; nothing is sent to it any more.
    await eventually(async () => (await deliveries(w(), webhook.id)).every((d) => d.status === "failed"));
    await fresh.delete(`/api/webhooks/${webhook.id}`);
  });

  it("signs with both secrets for 24 hours after a rotation, each verifying; then with the new one only", async () => {
    const { admin, receiver, t } = w();
    const webhook = await makeWebhook(w(), ["ticket.created"]);
    const rotated = await admin.post(`/api/webhooks/${webhook.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const { secret: newSecret, previousSecretExpiresAt } = rotated.json();
    expect(newSecret).not.toBe(webhook.secret);
    expect(Date.parse(previousSecretExpiresAt) - t.clock.now().getTime()).toBe(DAY);
    receiver.secret = newSecret;
    await makeTicket(admin);
    await eventually(async () => receiver.delivered().length === 1);
    const [during] = receiver.received;
    expect(during?.signature.split(" ")).toHaveLength(2);
    const headers = (r: typeof during) => ({
      "webhook-id": r?.id ?? "",
      "webhook-timestamp": r?.timestamp ?? "",
      "webhook-signature": r?.signature ?? "",
    });
    // A receiver that still has the old secret and one that has the new one both accept it.
    expect(new StandardWebhook(webhook.secret).verify(during?.body ?? "", headers(during))).toMatchObject({
      type: "ticket.created",
    });
    expect(new StandardWebhook(newSecret).verify(during?.body ?? "", headers(during))).toMatchObject({
      type: "ticket.created",
    });

    t.clock.advance(DAY + 1000);
    const fresh = await signIn(t.app, DEMO.admin);
    await makeTicket(fresh);
    await eventually(async () => receiver.delivered().length === 2);
    const after = receiver.received[1];
    expect(after?.signature.split(" ")).toHaveLength(1);
    expect(() => new StandardWebhook(webhook.secret).verify(after?.body ?? "", headers(after))).toThrow();
    expect(new StandardWebhook(newSecret).verify(after?.body ?? "", headers(after))).toBeTruthy();
    await fresh.delete(`/api/webhooks/${webhook.id}`);
  });

  it("sends a test event and redelivers a delivery with the same webhook-id", async () => {
    const { admin, receiver } = w();
    const webhook = await makeWebhook(w(), ["sms.failed"]);
    const test = await admin.post(`/api/webhooks/${webhook.id}/test`);
    expect(test.statusCode).toBe(202);
    expect(test.json()).toMatchObject({ eventType: "webhook.test", status: "pending" });
    const [delivered] = await waitForDeliveries(w(), webhook.id, 1, (d) => d.status === "delivered");
    expect(receiver.received[0]?.payload).toMatchObject({ type: "webhook.test", data: { webhookId: webhook.id } });

    const again = await admin.post(`/api/webhooks/${webhook.id}/deliveries/${delivered?.id}/redeliver`);
    expect(again.statusCode).toBe(202);
    await waitForDeliveries(w(), webhook.id, 2, (d) => d.status === "delivered");
    expect(receiver.received.map((r) => r.id)).toEqual([delivered?.eventId, delivered?.eventId]);
    const unknown = await admin.post(
      `/api/webhooks/${webhook.id}/deliveries/00000000-0000-4000-8000-000000000000/redeliver`,
    );
    expect(unknown.statusCode).toBe(404);
    await admin.delete(`/api/webhooks/${webhook.id}`);
  });
});
