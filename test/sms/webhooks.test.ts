import { and, eq } from "drizzle-orm";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";
import { describe, expect, it } from "vitest";
import { auditLog } from "../../src/server/db/schema/index.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { receiveSms, uniqueMessageSid } from "../support/factories/sms.js";
import { makeTicket } from "../support/factories/tickets.js";
import { STAND_IN_AUTH_TOKEN, STAND_IN_PUBLIC_URL, signedWebhook } from "../support/twilio-stand-in.js";
import { smsRow, smsRows, timelineEvents, useSmsApp, waitForStatus } from "./sms-test-app.js";

const STATUS = "/webhooks/twilio/status";
const INBOUND = "/webhooks/twilio/inbound";
const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

describe.each(testDatabaseKinds())("Twilio webhooks (%s)", (kind) => {
  const s = useSmsApp(kind);

  async function sentSms() {
    const { admin } = s();
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const [row] = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_created" });
    const sent = await waitForStatus(admin, row?.id as string, "sent");
    return { customer, ticket, sent };
  }

  const inbound = (params: { From: string; Body: string }) =>
    receiveSms(s().t.app, { from: params.From, body: params.Body });

  it("applies a signed delivery receipt, answers empty TwiML, and ignores a late 'sent' after 'delivered'", async () => {
    const { admin, t } = s();
    const { ticket, sent } = await sentSms();
    const delivered = await t.app.inject(
      signedWebhook(STATUS, { MessageSid: sent.providerSid as string, MessageStatus: "delivered" }),
    );
    expect(delivered.statusCode).toBe(200);
    expect(delivered.headers["content-type"]).toContain("text/xml");
    expect(delivered.body).toBe(TWIML);
    expect((await smsRow(admin, sent.id)).status).toBe("delivered");

    const late = await t.app.inject(
      signedWebhook(STATUS, { MessageSid: sent.providerSid as string, MessageStatus: "sent" }),
    );
    expect(late.statusCode).toBe(200);
    expect((await smsRow(admin, sent.id)).status).toBe("delivered");
    const kinds = (await timelineEvents(admin, ticket.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === "sms_delivered")).toHaveLength(1);
  });

  it("records an undelivered receipt with its error code in words, once", async () => {
    const { admin, t } = s();
    const { ticket, sent } = await sentSms();
    const receipt = signedWebhook(STATUS, {
      MessageSid: sent.providerSid as string,
      MessageStatus: "undelivered",
      ErrorCode: "30006",
    });
    expect((await t.app.inject(receipt)).statusCode).toBe(200);
    expect((await t.app.inject(receipt)).statusCode).toBe(200);
    const row = await smsRow(admin, sent.id);
    expect(row).toMatchObject({
      status: "undelivered",
      errorCode: "30006",
      reason: "The number is a landline or the carrier cannot take SMS (error 30006)",
    });
    const kinds = (await timelineEvents(admin, ticket.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === "sms_failed")).toHaveLength(1);
  });

  it("refuses unsigned, wrongly signed and tampered callbacks with 403, changing nothing", async () => {
    const { admin, t } = s();
    const { sent } = await sentSms();
    const params = { MessageSid: sent.providerSid as string, MessageStatus: "delivered" };
    const unsigned = await t.app.inject(signedWebhook(STATUS, params, { signature: null }));
    const wrongKey = await t.app.inject(signedWebhook(STATUS, params, { authToken: "not-the-auth-token" }));
    const wrongUrl = await t.app.inject(signedWebhook(STATUS, params, { publicUrl: "https://evil.example" }));
    const tampered = signedWebhook(STATUS, params);
    tampered.payload = new URLSearchParams({ ...params, MessageStatus: "failed" }).toString();
    const forged = await t.app.inject(tampered);
    for (const response of [unsigned, wrongKey, wrongUrl, forged]) {
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe("twilio.signature_invalid");
    }
    expect((await smsRow(admin, sent.id)).status).toBe("sent");

    const forgedInbound = await t.app.inject(
      signedWebhook(INBOUND, { MessageSid: uniqueMessageSid(), From: "+12125550100", Body: "hi" }, { authToken: "x" }),
    );
    expect(forgedInbound.statusCode).toBe(403);
    expect(await smsRows(admin, { direction: "inbound", q: "+12125550100" })).toHaveLength(0);
  });

  it("ignores receipt statuses and error codes named like Object.prototype members, without a 500", async () => {
    const { admin, t } = s();
    const { sent } = await sentSms();
    for (const status of ["hasOwnProperty", "constructor", "toString", "__proto__"]) {
      const response = await t.app.inject(
        signedWebhook(STATUS, { MessageSid: sent.providerSid as string, MessageStatus: status }),
      );
      expect(response.statusCode, status).toBe(200);
    }
    expect((await smsRow(admin, sent.id)).status).toBe("sent");
    const receipt = signedWebhook(STATUS, {
      MessageSid: sent.providerSid as string,
      MessageStatus: "undelivered",
      ErrorCode: "constructor",
    });
    expect((await t.app.inject(receipt)).statusCode).toBe(200);
    expect(await smsRow(admin, sent.id)).toMatchObject({
      status: "undelivered",
      reason: "Twilio reported the message as not delivered (error constructor)",
    });
  });

  it("takes only form bodies: a signed JSON body gets 415, even one the signature check cannot read as text", async () => {
    const { admin, t } = s();
    const { sent } = await sentSms();
    const params = { MessageSid: sent.providerSid as string, MessageStatus: "delivered" };
    const url = `${STAND_IN_PUBLIC_URL}${STATUS}`;
    for (const [payload, signature] of [
      [params, getExpectedTwilioSignature(STAND_IN_AUTH_TOKEN, url, params)],
      // A member whose toString is not a function: turning it into text (to check the signature) throws.
      [{ ...params, MessageStatus: { toString: "delivered" } }, "any-signature"],
    ] as const) {
      const response = await t.app.inject({
        method: "POST",
        url: STATUS,
        headers: { "content-type": "application/json", "x-twilio-signature": signature },
        payload: JSON.stringify(payload),
      });
      expect(response.statusCode).toBe(415);
      expect(response.headers["content-type"]).toContain("application/problem+json");
    }
    expect((await smsRow(admin, sent.id)).status).toBe("sent");
  });

  it("turns a customer's reply into a public SMS comment on their most recently updated open ticket", async () => {
    const { admin } = s();
    const customer = await makeCustomer(admin);
    const older = await makeTicket(admin, { customerId: customer.id, subject: "Older" });
    const newer = await makeTicket(admin, { customerId: customer.id, subject: "Newer" });
    await admin.patch(`/api/tickets/${newer.id}`, { status: "resolved", version: newer.version });
    const response = await inbound({ From: customer.phone as string, Body: "Still no internet here" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(TWIML);
    const comments = (await admin.get(`/api/tickets/${older.id}/comments`)).json().items;
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({
      body: "Still no internet here",
      visibility: "public",
      source: "sms",
      authorId: null,
    });
    const [logged] = await smsRows(admin, { customerId: customer.id, direction: "inbound" });
    expect(logged).toMatchObject({ status: "received", purpose: "inbound", ticketId: older.id, from: customer.phone });
    expect((await timelineEvents(admin, older.id)).map((e) => e.kind)).toContain("sms_received");
  });

  it("opens a ticket for a customer without an open one, and one without customer for an unknown sender", async () => {
    const { admin } = s();
    const customer = await makeCustomer(admin, { name: "Omar Haddad" });
    await inbound({ From: customer.phone as string, Body: "My router is blinking red" });
    const [logged] = await smsRows(admin, { customerId: customer.id, direction: "inbound" });
    const ticket = (await admin.get(`/api/tickets/${logged?.ticketId}`)).json();
    expect(ticket).toMatchObject({ customerId: customer.id, subject: "SMS from Omar Haddad", status: "open" });
    const comments = (await admin.get(`/api/tickets/${ticket.id}/comments`)).json().items;
    expect(comments.map((c: { body: string }) => c.body)).toEqual(["My router is blinking red"]);
    // The new ticket notifies its customer like any other.
    const [created] = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_created" });
    expect(created?.to).toBe(customer.phone);

    await inbound({ From: "+14155550123", Body: "Who is this?" });
    const [stranger] = await smsRows(admin, { direction: "inbound", q: "+14155550123" });
    expect(stranger?.customerId).toBeNull();
    const strangerTicket = (await admin.get(`/api/tickets/${stranger?.ticketId}`)).json();
    expect(strangerTicket).toMatchObject({ customerId: null, subject: "SMS from +14155550123" });
  });

  it("has the effect of a webhook delivered twice (same MessageSid) once", async () => {
    const { admin, t } = s();
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const sms = { from: customer.phone as string, body: "Thanks!", messageSid: uniqueMessageSid() };
    const first = await receiveSms(t.app, sms);
    const second = await receiveSms(t.app, sms);
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(second.body).toBe(TWIML);
    expect((await admin.get(`/api/tickets/${ticket.id}/comments`)).json().items).toHaveLength(1);
    expect(await smsRows(admin, { customerId: customer.id, direction: "inbound" })).toHaveLength(1);
  });

  it("STOP opts the customer out (timeline and audit log): a later status change sends nothing; START opts back in", async () => {
    const { admin, t, twilio } = s();
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const [created] = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_created" });
    await waitForStatus(admin, created?.id as string, "sent");

    expect((await inbound({ From: customer.phone as string, Body: " stop " })).statusCode).toBe(200);
    expect((await admin.get(`/api/customers/${customer.id}`)).json().smsOptOut).toBe(true);
    expect((await timelineEvents(admin, ticket.id)).map((e) => e.kind)).toContain("customer_opted_out");
    const audit = await t.database.handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, customer.id), eq(auditLog.action, "customer.sms_opted_out")));
    expect(audit).toHaveLength(1);
    expect((await admin.get(`/api/tickets/${ticket.id}/comments`)).json().items).toHaveLength(0);

    const current = (await admin.get(`/api/tickets/${ticket.id}`)).json();
    await admin.patch(`/api/tickets/${ticket.id}`, { status: "in_progress", version: current.version });
    const [statusSms] = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_status" });
    expect(statusSms).toMatchObject({ status: "skipped", reason: "The customer opted out of SMS (replied STOP)" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(twilio.messagesTo(customer.phone as string)).toHaveLength(1);

    await inbound({ From: customer.phone as string, Body: "START" });
    expect((await admin.get(`/api/customers/${customer.id}`)).json().smsOptOut).toBe(false);
    expect((await timelineEvents(admin, ticket.id)).map((e) => e.kind)).toContain("customer_opted_in");
  });

  it.each(["STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"])("treats %s as an opt-out", async (word) => {
    const { admin } = s();
    const customer = await makeCustomer(admin);
    await inbound({ From: customer.phone as string, Body: word.toLowerCase() });
    expect((await admin.get(`/api/customers/${customer.id}`)).json().smsOptOut).toBe(true);
    await inbound({ From: customer.phone as string, Body: "unstop" });
    expect((await admin.get(`/api/customers/${customer.id}`)).json().smsOptOut).toBe(false);
  });
});

describe.each(testDatabaseKinds())("Twilio webhooks without PUBLIC_URL (%s)", (kind) => {
  const s = useSmsApp(kind, { PUBLIC_URL: "" });

  it("refuses every webhook: signatures cannot be checked", async () => {
    const response = await s().t.app.inject(signedWebhook(STATUS, { MessageSid: "SM1", MessageStatus: "delivered" }));
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe("twilio.webhook_not_configured");
  });
});
