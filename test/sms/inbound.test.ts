import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog } from "../../src/server/db/schema/index.js";
import type { Customer } from "../../src/shared/customers.js";
import type { TicketDetail } from "../../src/shared/tickets.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { receiveSms } from "../support/factories/sms.js";
import { makeTicket } from "../support/factories/tickets.js";
import { smsRows, timelineEvents, useSmsApp } from "./sms-test-app.js";

const HOUR = 3_600_000;

/**
 * Texts from subscribers go through the same services as staff work: a ticket an SMS opens is
 * audited and gets its SLA like any other, a reply is a public comment, and STOP changes the
 * customer as an edit would (version, audit).
 */
describe.each(testDatabaseKinds())("inbound SMS through the owning services (%s)", (kind) => {
  const s = useSmsApp(kind);

  const auditRows = (action: string, entityId: string) =>
    s()
      .t.database.handle.db.select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), eq(auditLog.entityId, entityId)));

  async function customerNow(id: string): Promise<Customer> {
    const response = await s().admin.get(`/api/customers/${id}`);
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  /** The ticket the inbound text from `from` was filed under. */
  async function ticketOfText(query: Record<string, string>): Promise<TicketDetail> {
    const { admin } = s();
    const [logged] = await smsRows(admin, { direction: "inbound", ...query });
    expect(logged?.ticketId).toBeTruthy();
    const response = await admin.get(`/api/tickets/${logged?.ticketId}`);
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  it("audits a ticket an SMS opened as ticket.create with no actor, and gives it the SLA due time of any ticket", async () => {
    const { admin, t } = s();
    const sla = (await admin.get("/api/tickets/sla-hours")).json() as Record<string, number>;
    const customer = await makeCustomer(admin, { name: "Priya Natarajan" });
    const at = t.clock.now().toISOString();
    expect(
      (await receiveSms(t.app, { from: customer.phone as string, body: "Internet down since noon" })).statusCode,
    ).toBe(200);

    const ticket = await ticketOfText({ customerId: customer.id });
    expect(ticket).toMatchObject({
      customerId: customer.id,
      subject: "SMS from Priya Natarajan",
      priority: "normal",
      status: "open",
      createdAt: at,
      createdById: null,
    });
    expect(Date.parse(ticket.dueAt ?? "") - Date.parse(at)).toBe((sla.normal ?? Number.NaN) * HOUR);
    // The same due time a ticket staff open at that moment gets.
    const byStaff = await makeTicket(admin, { customerId: customer.id, priority: "normal" });
    expect(ticket.dueAt).toBe(byStaff.dueAt);

    const audit = await auditRows("ticket.create", ticket.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: null, entityType: "ticket", entityId: ticket.id });
  });

  it("audits a ticket opened by a text from an unknown number as well", async () => {
    const { t } = s();
    const stranger = "+16465550147";
    expect((await receiveSms(t.app, { from: stranger, body: "Is the outage fixed?" })).statusCode).toBe(200);
    const ticket = await ticketOfText({ q: stranger });
    expect(ticket).toMatchObject({ customerId: null, subject: `SMS from ${stranger}` });
    expect(await auditRows("ticket.create", ticket.id)).toMatchObject([{ actorId: null }]);
  });

  it("files a customer's reply as a public SMS comment on their open ticket, opening no new ticket", async () => {
    const { admin, t } = s();
    const customer = await makeCustomer(admin);
    const open = await makeTicket(admin, { customerId: customer.id, subject: "Slow evenings" });
    expect((await receiveSms(t.app, { from: customer.phone as string, body: "Still slow tonight" })).statusCode).toBe(
      200,
    );

    const comments = (await admin.get(`/api/tickets/${open.id}/comments`)).json().items;
    expect(comments).toEqual([
      expect.objectContaining({
        ticketId: open.id,
        body: "Still slow tonight",
        visibility: "public",
        source: "sms",
        authorId: null,
      }),
    ]);
    const [logged] = await smsRows(admin, { customerId: customer.id, direction: "inbound" });
    expect(logged).toMatchObject({ status: "received", ticketId: open.id, from: customer.phone });
    const theirTickets = (await admin.get(`/api/tickets?customerId=${customer.id}`)).json().items;
    expect(theirTickets.map((ticket: { id: string }) => ticket.id)).toEqual([open.id]);
    // A reply is not a staff response: the first-response clock keeps running.
    expect((await admin.get(`/api/tickets/${open.id}`)).json()).toMatchObject({
      firstResponseAt: null,
      status: "open",
    });
  });

  it("opts out on STOP as a customer change: smsOptOut set, version bumped, audited with no actor", async () => {
    const { admin, t } = s();
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const before = await customerNow(customer.id);
    expect(before.smsOptOut).toBe(false);

    expect((await receiveSms(t.app, { from: customer.phone as string, body: "STOP" })).statusCode).toBe(200);
    const after = await customerNow(customer.id);
    expect(after).toMatchObject({ smsOptOut: true, version: before.version + 1 });
    const audit = await auditRows("customer.sms_opted_out", customer.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: null, entityType: "customer" });
    expect((await timelineEvents(admin, ticket.id)).map((e) => e.kind)).toContain("customer_opted_out");
    // An edit made on the version read before the text is now stale, as after any other change.
    const stale = await admin.patch(`/api/customers/${customer.id}`, { version: before.version, notes: "called" });
    expect(stale.statusCode).toBe(409);
    // The keyword is not a comment, and opens no ticket.
    expect((await admin.get(`/api/tickets/${ticket.id}/comments`)).json().items).toEqual([]);
    expect((await admin.get(`/api/tickets?customerId=${customer.id}`)).json().items).toHaveLength(1);

    expect((await receiveSms(t.app, { from: customer.phone as string, body: "START" })).statusCode).toBe(200);
    expect(await customerNow(customer.id)).toMatchObject({ smsOptOut: false, version: before.version + 2 });
    expect(await auditRows("customer.sms_opted_in", customer.id)).toMatchObject([{ actorId: null }]);
  });
});
