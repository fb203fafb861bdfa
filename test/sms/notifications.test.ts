import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/server/config.js";
import { DEMO, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician } from "../support/factories/users.js";
import { smsRows, timelineEvents, useSmsApp, waitForStatus } from "./sms-test-app.js";

describe("Twilio configuration", () => {
  it("refuses half a configuration, naming what is missing", () => {
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: "AC123", TWILIO_AUTH_TOKEN: "secret" })).toThrow(
      "TWILIO_PHONE_NUMBER is missing while TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN are set: set all three Twilio variables, or none",
    );
    expect(() => loadConfig({ TWILIO_PHONE_NUMBER: "+15005550006" })).toThrow(
      "TWILIO_ACCOUNT_SID is missing while TWILIO_PHONE_NUMBER is set",
    );
  });

  it("accepts all three or none", () => {
    expect(() => loadConfig({})).not.toThrow();
    expect(() =>
      loadConfig({ TWILIO_ACCOUNT_SID: "AC1", TWILIO_AUTH_TOKEN: "t", TWILIO_PHONE_NUMBER: "+15005550006" }),
    ).not.toThrow();
  });
});

describe.each(testDatabaseKinds())("SMS triggers (%s)", (kind) => {
  const s = useSmsApp(kind);

  it("ticket created → the customer gets the created template naming the ticket number, on the timeline too", async () => {
    const { admin, twilio } = s();
    const customer = await makeCustomer(admin, { name: "Ana Ruiz" });
    const ticket = await makeTicket(admin, { customerId: customer.id, subject: "No signal" });
    const [row] = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_created" });
    expect(row).toMatchObject({ direction: "outbound", to: customer.phone, customerId: customer.id });
    expect(row?.body).toContain(ticket.number);
    // Greeted by first name.
    expect(row?.body).toMatch(/^Hi Ana, /);
    const sent = await waitForStatus(admin, row?.id as string, "sent");
    expect(sent.providerSid).toMatch(/^SM/);
    expect(sent.attempts).toBe(1);
    const messages = twilio.messagesTo(customer.phone as string);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.body).toBe(row?.body);
    expect(messages[0]?.statusCallback).toBe("https://uplink.example.test/webhooks/twilio/status");
    // The timeline shows the message once, in the state its SMS log row has now.
    const entries = (await timelineEvents(admin, ticket.id)).filter((e) => e.kind.startsWith("sms_"));
    expect(entries.map((e) => e.kind)).toEqual(["sms_sent"]);
    expect(entries[0]?.data).toMatchObject({ smsId: row?.id, status: "sent", purpose: "ticket_created" });
  });

  it("ticket assigned and reassigned → each technician, at their profile phone", async () => {
    const { admin, twilio } = s();
    // Technicians of the test's own, with phones in their profiles (the demo accounts stay as they are).
    const john = await makeTechnician(admin, { phone: "+12125550181" });
    const jane = await makeTechnician(admin, { phone: "+12125550182" });
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id, assigneeId: john.id });
    const reassigned = await admin.patch(`/api/tickets/${ticket.id}`, { assigneeId: jane.id, version: ticket.version });
    expect(reassigned.statusCode).toBe(200);
    const rows = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_assigned" });
    // Same clock instant (the test clock stands still): compare without order.
    expect(rows.map((r) => [r.to, r.userId, r.status === "skipped"]).sort()).toEqual([
      ["+12125550181", john.id, false],
      ["+12125550182", jane.id, false],
    ]);
    expect(rows[0]?.body).toContain(ticket.number);
    for (const row of rows) await waitForStatus(admin, row.id, "sent");
    expect(twilio.messagesTo("+12125550181")).toHaveLength(1);
    expect(twilio.messagesTo("+12125550182")).toHaveLength(1);
  });

  it("status changed → the customer, with the new status in words", async () => {
    const { admin } = s();
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const changed = await admin.patch(`/api/tickets/${ticket.id}`, { status: "in_progress", version: ticket.version });
    expect(changed.statusCode).toBe(200);
    const [row] = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_status" });
    expect(row?.body).toContain("in progress");
    expect(row?.body).toContain(ticket.number);
    await waitForStatus(admin, row?.id as string, "sent");
  });

  it("skips, with the reason, a customer without a phone, an opted-out customer and a ticket without customer", async () => {
    const { admin, twilio } = s();
    const noPhone = await makeCustomer(admin, { phone: null });
    const optedOut = await makeCustomer(admin, { smsOptOut: true });
    const cases = [
      { ticket: await makeTicket(admin, { customerId: noPhone.id }), reason: "Customer has no phone number" },
      {
        ticket: await makeTicket(admin, { customerId: optedOut.id }),
        reason: "The customer opted out of SMS (replied STOP)",
      },
      { ticket: await makeTicket(admin, {}), reason: "The ticket has no customer" },
    ];
    for (const { ticket, reason } of cases) {
      const [row] = await smsRows(admin, { ticketId: ticket.id });
      expect(row).toMatchObject({ status: "skipped", reason, purpose: "ticket_created" });
      const events = await timelineEvents(admin, ticket.id);
      expect(events.find((e) => e.kind === "sms_skipped")?.data).toMatchObject({ reason });
    }
    expect(twilio.messagesTo(optedOut.phone as string)).toHaveLength(0);
  });

  it("skips a customer whose number is a landline", async () => {
    const { admin, twilio } = s();
    const landline = await makeCustomer(admin, { phone: "+44 20 7946 0018" });
    expect(landline.phone).toBe("+442079460018");
    const ticket = await makeTicket(admin, { customerId: landline.id });
    const [row] = await smsRows(admin, { ticketId: ticket.id });
    expect(row).toMatchObject({ status: "skipped", reason: "Customer phone +442079460018 is not a mobile number" });
    expect(twilio.messagesTo("+442079460018")).toHaveLength(0);
  });

  it("skips a technician without a phone in their profile", async () => {
    const { admin } = s();
    const jane = await makeTechnician(admin, { phone: null });
    const ticket = await makeTicket(admin, { assigneeId: jane.id });
    const [row] = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_assigned" });
    expect(row).toMatchObject({ status: "skipped", reason: "Technician has no phone number", userId: jane.id });
  });
});

describe.each(testDatabaseKinds())("SMS without Twilio (%s)", (kind) => {
  const t = useTestApp(kind);

  it("works as usual and logs every notification as skipped, saying in words that SMS is not set up", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const changed = await admin.patch(`/api/tickets/${ticket.id}`, { status: "resolved", version: ticket.version });
    expect(changed.statusCode).toBe(200);
    const rows = await smsRows(admin, { ticketId: ticket.id });
    expect(rows.map((r) => [r.purpose, r.status]).sort()).toEqual([
      ["ticket_created", "skipped"],
      ["ticket_status", "skipped"],
    ]);
    for (const row of rows) {
      // Office staff read this in the SMS log: words, no setting names (those are for admins).
      expect(row.reason).toBe("SMS sending is not set up");
      expect(row.to).toBe(customer.phone);
    }
    expect(t().app.smsDispatcher).toBeUndefined();
  });
});
