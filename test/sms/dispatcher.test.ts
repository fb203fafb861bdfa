import { describe, expect, it } from "vitest";
import { smsLogs } from "../../src/server/db/schema/index.js";
import { problemOf } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { eventually, type ScriptedAnswer } from "../support/twilio-stand-in.js";
import { advanceAndWake, smsRow, smsRows, timelineEvents, useSmsApp, waitForStatus } from "./sms-test-app.js";

const HOUR = 3_600_000;

describe.each(testDatabaseKinds())("SMS dispatcher (%s)", (kind) => {
  const s = useSmsApp(kind);

  /**
   * A ticket for a new customer; returns the queued ticket_created row. Twilio gives `answers` to
   * the first requests for that customer's number (and only for it).
   */
  async function queuedSms(...answers: ScriptedAnswer[]) {
    const { admin, twilio } = s();
    const phone = uniquePhone();
    twilio.failNextTo(phone, ...answers);
    const customer = await makeCustomer(admin, { phone });
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const [row] = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_created" });
    if (!row) throw new Error("no SMS row");
    return { customer, ticket, row };
  }

  function waitForAttempt(id: string, attempts: number) {
    const { admin } = s();
    return eventually(async () => {
      const row = await smsRow(admin, id);
      return row.attempts === attempts && row.status !== "sending" ? row : undefined;
    });
  }

  it("retries 503, 503 and 429 (honouring Retry-After), then sends exactly one message", async () => {
    const { admin, twilio, t } = s();
    const { customer, row } = await queuedSms(
      { kind: "error", status: 503, message: "Service Unavailable" },
      { kind: "error", status: 503, message: "Service Unavailable" },
      { kind: "error", status: 429, code: 20429, message: "Too Many Requests", retryAfter: "7200" },
    );

    const first = await waitForAttempt(row.id, 1);
    expect(first.status).toBe("queued");
    expect(first.reason).toContain("Attempt 1 failed: Twilio answered 503");
    const firstDelay = Date.parse(first.nextAttemptAt as string) - t.clock.now().getTime();
    // 30 s ± 20 % jitter.
    expect(firstDelay).toBeGreaterThanOrEqual(24_000);
    expect(firstDelay).toBeLessThanOrEqual(36_000);

    advanceAndWake(t, HOUR);
    const second = await waitForAttempt(row.id, 2);
    const secondDelay = Date.parse(second.nextAttemptAt as string) - t.clock.now().getTime();
    // Doubled: 60 s ± 20 %.
    expect(secondDelay).toBeGreaterThanOrEqual(48_000);
    expect(secondDelay).toBeLessThanOrEqual(72_000);

    advanceAndWake(t, HOUR);
    const third = await waitForAttempt(row.id, 3);
    expect(third.errorCode).toBe("20429");
    // Retry-After (2 h) is longer than the backoff (2 min), so it wins.
    expect(Date.parse(third.nextAttemptAt as string) - t.clock.now().getTime()).toBe(2 * HOUR);
    advanceAndWake(t, HOUR);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await smsRow(admin, row.id)).attempts).toBe(3);

    advanceAndWake(t, HOUR + 1000);
    const sent = await waitForStatus(admin, row.id, "sent");
    expect(sent).toMatchObject({ attempts: 4, reason: null, errorCode: null });
    expect(twilio.requests.filter((r) => r.to === customer.phone).map((r) => r.status)).toEqual([503, 503, 429, 201]);
    expect(twilio.messagesTo(customer.phone as string)).toHaveLength(1);
  });

  it("retries a dropped connection", async () => {
    const { admin, twilio, t } = s();
    const { customer, row } = await queuedSms({ kind: "drop" });
    const first = await waitForAttempt(row.id, 1);
    expect(first.reason).toContain("Could not reach Twilio");
    advanceAndWake(t, HOUR);
    await waitForStatus(admin, row.id, "sent");
    expect(twilio.messagesTo(customer.phone as string)).toHaveLength(1);
  });

  it.each([
    ["21211", "The phone number is not a valid number"],
    ["21610", "The recipient has unsubscribed (replied STOP)"],
    ["21614", "The number is not a mobile number"],
    ["21408", "Sending to this country or region is not enabled in the Twilio account"],
  ])("fails at once on the permanent Twilio error %s, with the code and words", async (code, words) => {
    const { admin } = s();
    const { ticket, row } = await queuedSms({
      kind: "error",
      status: 400,
      code: Number(code),
      message: `Twilio says ${code}`,
    });
    const failed = await waitForStatus(admin, row.id, "failed");
    expect(failed).toMatchObject({ attempts: 1, errorCode: code, nextAttemptAt: null });
    expect(failed.reason).toBe(`${words}. Twilio answered 400 (error ${code}): Twilio says ${code}`);
    const events = await timelineEvents(admin, ticket.id);
    expect(events.find((e) => e.kind === "sms_failed")?.data).toMatchObject({ errorCode: code });
  });

  it("gives up after 8 attempts", async () => {
    const { admin, t } = s();
    const failures = Array.from({ length: 8 }, () => ({ kind: "error" as const, status: 500 }));
    const { row } = await queuedSms(...failures);
    for (let attempt = 1; attempt < 8; attempt++) {
      await waitForAttempt(row.id, attempt);
      advanceAndWake(t, HOUR);
    }
    const failed = await waitForStatus(admin, row.id, "failed");
    expect(failed.attempts).toBe(8);
    expect(failed.reason).toMatch(/^Gave up after 8 attempts\. Last: Twilio answered 500/);
  });

  it("takes over a row whose instance died mid-send once its lease runs out, and leaves a live lease alone", async () => {
    const { admin, twilio, t } = s();
    const now = t.clock.now();
    // Straight into the table on purpose: rows an instance claimed and then died with (one lease
    // run out, one still running) are a state the API cannot produce.
    const [expired, live] = await t.database.handle.db
      .insert(smsLogs)
      .values([
        {
          direction: "outbound",
          toNumber: "+12125550191",
          body: "sent by an instance that crashed",
          purpose: "manual",
          status: "sending",
          attempts: 1,
          nextAttemptAt: new Date(now.getTime() - 1000),
        },
        {
          direction: "outbound",
          toNumber: "+12125550192",
          body: "being sent by a live instance",
          purpose: "manual",
          status: "sending",
          attempts: 1,
          nextAttemptAt: new Date(now.getTime() + 60_000),
        },
      ])
      .returning();
    t.app.smsDispatcher?.wake();
    const taken = await waitForStatus(admin, expired?.id as string, "sent");
    expect(taken.attempts).toBe(2);
    expect(twilio.messagesTo("+12125550191")).toHaveLength(1);
    expect((await smsRow(admin, live?.id as string)).status).toBe("sending");
    expect(twilio.messagesTo("+12125550192")).toHaveLength(0);
  });

  it("gives a slot it reached late back (the process was held up) and sends the message in a new one, once", async () => {
    const { admin, twilio, t } = s();
    const now = t.clock.now();
    // A row this dispatcher claimed (`sending`, attempt 1) whose slot passed a second ago while
    // the process could not run: straight into the table, as the claim would have left it.
    const [claimed] = await t.database.handle.db
      .insert(smsLogs)
      .values({
        direction: "outbound",
        toNumber: "+12125550193",
        body: "an outage update, held up",
        purpose: "manual",
        status: "sending",
        attempts: 1,
        nextAttemptAt: new Date(now.getTime() + 60_000),
      })
      .returning();
    const dispatcher = t.app.smsDispatcher as unknown as { deliver(row: unknown): Promise<void> };
    await dispatcher.deliver({
      id: claimed?.id,
      to_number: "+12125550193",
      from_number: null,
      body: "an outage update, held up",
      attempts: 1,
      ticket_id: null,
      created_at: now,
      previous_status: "queued",
      delayMs: 0,
      dueAt: performance.now() - 1_000,
    });
    // Not sent in the missed slot: back in the queue as it was, due now.
    expect(twilio.messagesTo("+12125550193")).toHaveLength(0);
    const released = await smsRow(admin, claimed?.id as string);
    expect(released).toMatchObject({ status: "queued", attempts: 0 });
    t.app.smsDispatcher?.wake();
    const sent = await waitForStatus(admin, claimed?.id as string, "sent");
    expect(sent.attempts).toBe(1);
    expect(twilio.messagesTo("+12125550193")).toHaveLength(1);
  });

  it("sends a manual message to the ticket's customer, logged with purpose manual and the sender", async () => {
    const { admin, john, twilio } = s();
    const customer = await makeCustomer(admin, { name: "Li Wei" });
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const response = await john.post("/api/sms", {
      ticketId: ticket.id,
      body: "Hello {{customer.name}}, a technician visits {{ticket.number}} tomorrow.",
    });
    expect(response.statusCode).toBe(201);
    const row = response.json();
    // The dispatcher, woken on commit, may claim the row before the response re-reads it.
    expect(["queued", "sending", "sent"]).toContain(row.status);
    expect(row).toMatchObject({
      purpose: "manual",
      to: customer.phone,
      userId: john.user.id,
      ticketNumber: ticket.number,
      customerName: "Li Wei",
      body: `Hello Li Wei, a technician visits ${ticket.number} tomorrow.`,
    });
    await waitForStatus(admin, row.id, "sent");
    expect(twilio.messagesTo(customer.phone as string).map((m) => m.body)).toContain(row.body);
  });

  it("keeps placeholders named like Object.prototype members ({{constructor}}, {{toString}}) as typed", async () => {
    const { admin } = s();
    const customer = await makeCustomer(admin, { name: "Ada Proto" });
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const body = "Hi {{customer.name}}: {{constructor}} {{toString}} {{__proto__}} {{hasOwnProperty}}";
    const response = await admin.post("/api/sms", { ticketId: ticket.id, body });
    expect(response.statusCode).toBe(201);
    expect(response.json().body).toBe("Hi Ada Proto: {{constructor}} {{toString}} {{__proto__}} {{hasOwnProperty}}");
  });

  it("refuses an empty manual message and an unknown ticket, changing nothing", async () => {
    const { admin } = s();
    const ticket = await makeTicket(admin, {});
    const before = (await smsRows(admin, { ticketId: ticket.id })).length;
    const empty = await admin.post("/api/sms", { ticketId: ticket.id, body: "   " });
    expect(empty.statusCode).toBe(422);
    expect(problemOf(empty).errors).toEqual([{ field: "body", message: "Message: write something to send" }]);
    const unknown = await admin.post("/api/sms", { ticketId: crypto.randomUUID(), body: "Hi" });
    expect(unknown.statusCode).toBe(422);
    expect(problemOf(unknown).code).toBe("sms.ticket_not_found");
    expect(await smsRows(admin, { ticketId: ticket.id })).toHaveLength(before);
  });

  it("lets an admin (not a technician) queue a failed message again", async () => {
    const { admin, john, twilio } = s();
    const { customer, row } = await queuedSms({
      kind: "error",
      status: 400,
      code: 21614,
      message: "Not a mobile number",
    });
    await waitForStatus(admin, row.id, "failed");
    const denied = await john.post(`/api/sms/${row.id}/retry`);
    expect(denied.statusCode).toBe(403);
    const retried = await admin.post(`/api/sms/${row.id}/retry`);
    expect(retried.statusCode).toBe(200);
    // The dispatcher, woken on commit, may already have claimed it again.
    expect(["queued", "sending", "sent"]).toContain(retried.json().status);
    expect(retried.json()).toMatchObject({ errorCode: null });
    const sent = await waitForStatus(admin, row.id, "sent");
    expect(sent.attempts).toBe(1);
    expect(twilio.messagesTo(customer.phone as string)).toHaveLength(1);
    const again = await admin.post(`/api/sms/${row.id}/retry`);
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).detail).toBe("Only a failed outgoing message can be retried; this one is sent.");
  });
});
