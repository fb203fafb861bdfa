import { describe, expect, it } from "vitest";
import { DEFAULT_TEMPLATES } from "../../src/shared/sms.js";
import { countSegments } from "../../src/shared/sms-segments.js";
import { problemOf } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { smsRows, useSmsApp, waitForStatus } from "./sms-test-app.js";

describe("SMS segments", () => {
  it("counts GSM-7 in 160/153 septets (extension characters twice) and UCS-2 in 70/67", () => {
    expect(countSegments("a".repeat(160))).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(countSegments("a".repeat(161))).toMatchObject({ encoding: "GSM-7", segments: 2 });
    expect(countSegments("€".repeat(80))).toMatchObject({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(countSegments("a".repeat(306))).toMatchObject({ segments: 2 });
    expect(countSegments("a".repeat(307))).toMatchObject({ segments: 3 });
    expect(countSegments("ü".repeat(10))).toMatchObject({ encoding: "GSM-7" });
    expect(countSegments(`${"a".repeat(69)}😀`)).toMatchObject({ encoding: "UCS-2", units: 71, segments: 2 });
    expect(countSegments("ł".repeat(70))).toMatchObject({ encoding: "UCS-2", segments: 1 });
  });
});

describe.each(testDatabaseKinds())("SMS log and templates API (%s)", (kind) => {
  const s = useSmsApp(kind);

  it("filters the log by status, purpose, direction, customer, ticket, dates and text, and pages it", async () => {
    const { admin, t } = s();
    const customer = await makeCustomer(admin, { name: "Filter Person" });
    const noPhone = await makeCustomer(admin, { phone: null });
    const ticket = await makeTicket(admin, { customerId: customer.id, subject: "Fibre cut" });
    t.clock.advance(60_000);
    const skippedTicket = await makeTicket(admin, { customerId: noPhone.id });
    const [sentRow] = await smsRows(admin, { ticketId: ticket.id });
    await waitForStatus(admin, sentRow?.id as string, "sent");

    expect((await smsRows(admin, { customerId: customer.id })).map((r) => r.id)).toEqual([sentRow?.id]);
    expect((await smsRows(admin, { status: "skipped", ticketId: skippedTicket.id })).length).toBe(1);
    expect(await smsRows(admin, { status: "skipped", ticketId: ticket.id })).toHaveLength(0);
    expect((await smsRows(admin, { purpose: "ticket_created", q: "Filter Person" })).map((r) => r.id)).toEqual([
      sentRow?.id,
    ]);
    expect(await smsRows(admin, { direction: "inbound", customerId: customer.id })).toHaveLength(0);
    expect((await smsRows(admin, { q: ticket.number }))[0]?.ticketNumber).toBe(ticket.number);
    const created = sentRow?.createdAt as string;
    expect(await smsRows(admin, { customerId: customer.id, since: created })).toHaveLength(1);
    expect(await smsRows(admin, { customerId: customer.id, until: created })).toHaveLength(0);

    const page1 = (await admin.get("/api/sms?limit=1")).json();
    expect(page1.items).toHaveLength(1);
    const page2 = (await admin.get(`/api/sms?limit=1&cursor=${page1.nextCursor}`)).json();
    expect(page2.items[0].id).not.toBe(page1.items[0].id);
  });

  it("answers bad filters with 4xx problems a person can act on", async () => {
    const { john } = s();
    const badStatus = await john.get("/api/sms?status=lost");
    expect(badStatus.statusCode).toBe(422);
    expect(problemOf(badStatus).errors?.[0]?.field).toBe("status");
    const badDate = await john.get("/api/sms?since=yesterday");
    expect(badDate.statusCode).toBe(422);
    expect(problemOf(badDate).errors?.[0]?.message).toContain("must be a date and time");
    expect((await john.get("/api/sms?cursor=garbage")).statusCode).toBe(400);
    expect((await john.get("/api/sms/not-a-uuid")).statusCode).toBe(422);
    expect((await john.get(`/api/sms/${crypto.randomUUID()}`)).statusCode).toBe(404);
  });

  it("refuses dates PostgreSQL cannot hold (year 0 or 10000 in UTC), in filters and in forged cursors, with 4xx", async () => {
    const { john } = s();
    for (const date of ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59"]) {
      for (const filter of ["since", "until"]) {
        const response = await john.get(`/api/sms?${filter}=${encodeURIComponent(date)}`);
        expect(response.statusCode, `${filter}=${date}`).toBe(422);
        expect(problemOf(response).errors?.[0]?.message).toContain("between the years 1 and 9999");
      }
    }
    const forged = Buffer.from(JSON.stringify(["0000-01-01T00:00:00.000Z", crypto.randomUUID()])).toString("base64url");
    const response = await john.get(`/api/sms?cursor=${forged}`);
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).code).toBe("request.cursor_invalid");
  });

  it("lets admins edit and reset templates; technicians may read but not change them", async () => {
    const { admin, john } = s();
    const list = (await john.get("/api/sms/templates")).json().items;
    expect(list.map((t: { purpose: string }) => t.purpose)).toEqual([
      "ticket_created",
      "ticket_assigned",
      "ticket_status",
      "ticket_reply",
      "manual",
      "incident_started",
      "incident_update",
      "incident_resolved",
      "maintenance_notice",
      "technician_en_route",
      "visit_missed",
      "visit_reminder",
    ]);
    expect(list[0]).toMatchObject({ isDefault: true, body: DEFAULT_TEMPLATES.ticket_created });

    const denied = await john.put("/api/sms/templates/ticket_status", { body: "Nope" });
    expect(denied.statusCode).toBe(403);

    const unknown = await admin.put("/api/sms/templates/ticket_status", { body: "Hi {{customer.nmae}}" });
    expect(unknown.statusCode).toBe(422);
    expect(problemOf(unknown).errors).toEqual([
      {
        field: "body",
        message:
          "Template: unknown placeholder {{customer.nmae}}; use {{customer.name}}, {{customer.firstName}}, {{ticket.number}}, {{ticket.subject}}, {{ticket.status}}, {{technician.name}}, {{reply.body}}",
      },
    ]);
    expect((await admin.put("/api/sms/templates/inbound", { body: "x" })).statusCode).toBe(422);
    // An incident template fills the incident's placeholders, not a ticket's.
    const ticketPlaceholder = await admin.put("/api/sms/templates/incident_update", { body: "{{ticket.number}}" });
    expect(problemOf(ticketPlaceholder).errors?.[0]?.message).toContain("{{incident.publicMessage}}");

    try {
      const saved = await admin.put("/api/sms/templates/ticket_status", {
        body: "{{ticket.number}} is {{ticket.status}} now",
      });
      expect(saved.statusCode).toBe(200);
      expect(saved.json()).toMatchObject({ isDefault: false, body: "{{ticket.number}} is {{ticket.status}} now" });

      const customer = await makeCustomer(admin);
      const ticket = await makeTicket(admin, { customerId: customer.id });
      await admin.patch(`/api/tickets/${ticket.id}`, { status: "waiting_on_customer", version: ticket.version });
      const [row] = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_status" });
      expect(row?.body).toBe(`${ticket.number} is waiting on you now`);
    } finally {
      // Templates are shared by the whole database: put the default back even when a check failed.
      const reset = await admin.delete("/api/sms/templates/ticket_status");
      expect(reset.statusCode).toBe(200);
      expect(reset.json()).toMatchObject({ isDefault: true, body: DEFAULT_TEMPLATES.ticket_status });
    }
  });
});
