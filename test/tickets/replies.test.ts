import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { smsLogs, ticketComments } from "../../src/server/db/schema/index.js";
import { DEFAULT_TEMPLATES, SMS_MAX_LENGTH } from "../../src/shared/sms.js";
import type { CreatedComment, TimelineEntry } from "../../src/shared/tickets.js";
import { advanceAndWake, smsRow, smsRows, useSmsApp, waitForStatus } from "../sms/sms-test-app.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { receiveSms } from "../support/factories/sms.js";
import { makeTicket } from "../support/factories/tickets.js";

async function reply(session: Session, ticketId: string, body: Record<string, unknown>) {
  return session.post(`/api/tickets/${ticketId}/comments`, body);
}

async function publicReply(session: Session, ticketId: string, text: string, extra: Record<string, unknown> = {}) {
  const response = await reply(session, ticketId, { body: text, visibility: "public", ...extra });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as CreatedComment;
}

async function timeline(session: Session, ticketId: string): Promise<TimelineEntry[]> {
  const response = await session.get(`/api/tickets/${ticketId}/timeline`);
  expect(response.statusCode).toBe(200);
  return response.json().items;
}

describe.each(testDatabaseKinds())("A public reply reaches the subscriber by SMS (%s)", (kind) => {
  const s = useSmsApp(kind);

  it("queues one SMS with the reply template, linked to the comment, sent exactly once; the timeline shows it beside the reply", async () => {
    const { admin, twilio, t } = s();
    const customer = await makeCustomer(admin, { name: "Ana  Maria Ruiz" });
    const ticket = await makeTicket(admin, { customerId: customer.id, subject: "No signal" });
    const text = "A technician will visit tomorrow between 9 and 11 am.";

    const comment = await publicReply(admin, ticket.id, text);
    expect(comment).toMatchObject({ body: text, visibility: "public" });
    expect(comment.sms).toMatchObject({ status: "queued", reason: null, to: customer.phone });

    const rows = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_reply" });
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row).toMatchObject({
      id: comment.sms?.id,
      commentId: comment.id,
      customerId: customer.id,
      to: customer.phone,
      // The default template, greeting by the first word of the name.
      body: `Hi Ana, about your ticket ${ticket.number}: ${text}`,
    });
    expect(DEFAULT_TEMPLATES.ticket_reply).toBe(
      "Hi {{customer.firstName}}, about your ticket {{ticket.number}}: {{reply.body}}",
    );
    // The link is the schema's foreign key to the comment.
    const [linked] = await t.database.handle.db
      .select({ commentId: smsLogs.commentId })
      .from(smsLogs)
      .where(eq(smsLogs.id, row?.id as string));
    expect(linked?.commentId).toBe(comment.id);

    const sent = await waitForStatus(admin, row?.id as string, "sent");
    expect(sent.attempts).toBe(1);
    // Exactly once: another pass of the dispatcher, well after any lease or retry, sends nothing more.
    advanceAndWake(t, 10 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const replies = twilio.messagesTo(customer.phone as string).filter((m) => m.body === row?.body);
    expect(replies).toHaveLength(1);
    expect((await smsRow(admin, row?.id as string)).attempts).toBe(1);

    // The timeline: the reply carries its SMS state; that SMS is not listed again as an event.
    const items = await timeline(admin, ticket.id);
    const entry = items.find((item) => item.type === "comment" && item.id === comment.id);
    expect(entry).toMatchObject({ type: "comment", sms: { id: row?.id, status: "sent", to: customer.phone } });
    const smsEvents = items.filter((item) => item.type === "event" && item.kind.startsWith("sms_"));
    expect(smsEvents.map((item) => (item.type === "event" ? item.data?.purpose : null))).toEqual(["ticket_created"]);
  });

  it("skips it, with the reason, for an opted-out customer, a customer without a phone and a landline; the timeline says why", async () => {
    const { admin, twilio } = s();
    const cases = [
      {
        customer: await makeCustomer(admin, { smsOptOut: true }),
        reason: "The customer opted out of SMS (replied STOP)",
      },
      { customer: await makeCustomer(admin, { phone: null }), reason: "Customer has no phone number" },
      {
        customer: await makeCustomer(admin, { phone: "+44 20 7946 0018" }),
        reason: "Customer phone +442079460018 is not a mobile number",
      },
    ];
    for (const { customer, reason } of cases) {
      const ticket = await makeTicket(admin, { customerId: customer.id });
      const comment = await publicReply(admin, ticket.id, "We found the fault.");
      expect(comment.sms).toMatchObject({ status: "skipped", reason });
      const rows = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_reply" });
      expect(rows).toMatchObject([{ status: "skipped", reason, commentId: comment.id }]);
      const entry = (await timeline(admin, ticket.id)).find((item) => item.id === comment.id);
      expect(entry).toMatchObject({ sms: { status: "skipped", reason } });
      if (customer.phone) expect(twilio.messagesTo(customer.phone)).toHaveLength(0);
    }
    const noCustomer = await makeTicket(admin, {});
    const comment = await publicReply(admin, noCustomer.id, "Noted.");
    expect(comment.sms).toMatchObject({ status: "skipped", reason: "The ticket has no customer" });
  });

  it("never texts an internal note: sendSms true on one is refused and nothing is written", async () => {
    const { admin, t } = s();
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });

    const note = await reply(admin, ticket.id, { body: "Customer sounded upset", visibility: "internal" });
    expect(note.statusCode).toBe(201);
    expect(note.json().sms).toBeNull();
    const defaultVisibility = await reply(admin, ticket.id, { body: "Internal by default" });
    expect(defaultVisibility.json()).toMatchObject({ visibility: "internal", sms: null });

    const refused = await reply(admin, ticket.id, { body: "Text this", visibility: "internal", sendSms: true });
    expect(refused.statusCode).toBe(422);
    expect(problemOf(refused)).toMatchObject({ code: "comment.sms_internal" });
    expect(problemOf(refused).errors).toEqual([{ field: "sendSms", message: expect.stringContaining("never texted") }]);
    const stored = await t.database.handle.db
      .select({ body: ticketComments.body })
      .from(ticketComments)
      .where(eq(ticketComments.ticketId, ticket.id));
    expect(stored.map((row) => row.body).sort()).toEqual(["Customer sounded upset", "Internal by default"]);

    // sendSms false on an internal note is simply what it always is.
    expect((await reply(admin, ticket.id, { body: "x", visibility: "internal", sendSms: false })).statusCode).toBe(201);
    expect(await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_reply" })).toEqual([]);
  });

  it("sends nothing for a public reply with sendSms false", async () => {
    const { admin } = s();
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const comment = await publicReply(admin, ticket.id, "Told them on the phone already", { sendSms: false });
    expect(comment.sms).toBeNull();
    expect(await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_reply" })).toEqual([]);
    const entry = (await timeline(admin, ticket.id)).find((item) => item.id === comment.id);
    expect(entry).toMatchObject({ type: "comment", sms: null });
    const bad = await reply(admin, ticket.id, { body: "x", visibility: "public", sendSms: "yes" });
    expect(bad.statusCode).toBe(422);
  });

  it("refuses a reply too long for an SMS, saving nothing, unless it is not texted", async () => {
    const { admin } = s();
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const long = "x".repeat(SMS_MAX_LENGTH);
    const refused = await reply(admin, ticket.id, { body: long, visibility: "public" });
    expect(refused.statusCode).toBe(422);
    expect(problemOf(refused).errors).toEqual([
      { field: "body", message: expect.stringContaining("too long for an SMS") },
    ]);
    expect((await admin.get(`/api/tickets/${ticket.id}/comments`)).json().items).toEqual([]);
    expect(await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_reply" })).toEqual([]);
    expect((await reply(admin, ticket.id, { body: long, visibility: "public", sendSms: false })).statusCode).toBe(201);
  });

  it("does not text the customer's own SMS back to them (it becomes a public comment without a reply SMS)", async () => {
    const { admin, t } = s();
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const inbound = await receiveSms(t.app, { from: customer.phone as string, body: "Still down here" });
    expect(inbound.statusCode).toBe(200);
    const items = await timeline(admin, ticket.id);
    const comment = items.find((item) => item.type === "comment" && item.comment.body === "Still down here");
    expect(comment).toMatchObject({ type: "comment", sms: null, comment: { source: "sms", visibility: "public" } });
    expect(await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_reply" })).toEqual([]);
  });

  it("uses the admin's reply template; {{customer.firstName}} is the first word of the name; the reply's text is required in it and only there", async () => {
    const { admin, john } = s();
    try {
      const missing = await admin.put("/api/sms/templates/ticket_reply", { body: "Hi {{customer.firstName}}" });
      expect(missing.statusCode).toBe(422);
      expect(problemOf(missing)).toMatchObject({ code: "sms.template_reply_placeholder" });
      const misplaced = await admin.put("/api/sms/templates/ticket_status", { body: "{{reply.body}}" });
      expect(misplaced.statusCode).toBe(422);
      expect(problemOf(misplaced).errors?.[0]?.message).toContain("only be used in the public reply template");

      const saved = await admin.put("/api/sms/templates/ticket_reply", {
        body: "{{customer.firstName}} ({{customer.name}}), {{ticket.number}}: {{reply.body}} -- {{technician.name}}",
      });
      expect(saved.statusCode).toBe(200);
      const customer = await makeCustomer(admin, { name: "  Dr. Maria Lopez " });
      const ticket = await makeTicket(admin, { customerId: customer.id, assigneeId: john.user.id });
      const comment = await publicReply(admin, ticket.id, "Fixed.");
      const row = await smsRow(admin, comment.sms?.id as string);
      expect(row.body).toBe(`Dr. (Dr. Maria Lopez), ${ticket.number}: Fixed. -- ${john.user.name}`);
    } finally {
      expect((await admin.delete("/api/sms/templates/ticket_reply")).statusCode).toBe(200);
    }
  });

  it("tells the web whether SMS is configured, and whether a ticket's customer can be texted, in words", async () => {
    const { admin, john } = s();
    const status = await john.get("/api/sms/status");
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual({ configured: true, reason: null, adminHint: null, recipient: null });

    const optedOut = await makeCustomer(admin, { smsOptOut: true });
    const blocked = await makeTicket(admin, { customerId: optedOut.id });
    expect((await john.get(`/api/sms/status?ticketId=${blocked.id}`)).json().recipient).toEqual({
      canSend: false,
      reason: "The customer opted out of SMS (replied STOP)",
      to: optedOut.phone,
    });
    const fine = await makeCustomer(admin);
    const open = await makeTicket(admin, { customerId: fine.id });
    expect((await john.get(`/api/sms/status?ticketId=${open.id}`)).json().recipient).toEqual({
      canSend: true,
      reason: null,
      to: fine.phone,
    });
    expect((await john.get("/api/sms/status?ticketId=7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17")).statusCode).toBe(404);
    expect((await john.get("/api/sms/status?ticketId=nope")).statusCode).toBe(422);
  });
});

describe.each(testDatabaseKinds())("Replies and SMS status without Twilio (%s)", (kind) => {
  const t = useTestApp(kind);

  it("says SMS is not set up, in words; only admins get the settings to set; a reply's SMS is skipped with that reason", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    const forStaff = (await john.get("/api/sms/status")).json();
    expect(forStaff).toEqual({
      configured: false,
      reason: "SMS sending is not set up",
      adminHint: null,
      recipient: null,
    });
    expect(JSON.stringify(forStaff)).not.toMatch(/TWILIO|_/);
    const forAdmin = (await admin.get("/api/sms/status")).json();
    expect(forAdmin.adminHint).toContain("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER");

    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    expect((await john.get(`/api/sms/status?ticketId=${ticket.id}`)).json().recipient).toEqual({
      canSend: false,
      reason: "SMS sending is not set up",
      to: customer.phone,
    });
    const comment = await publicReply(john, ticket.id, "On our way");
    expect(comment.sms).toMatchObject({ status: "skipped", reason: "SMS sending is not set up" });
  });
});
