import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MyDay, VisitDetail } from "../../src/shared/visits.js";
import { webhookEventsOf } from "../incidents/helpers.js";
import { smsRows, useSmsApp } from "../sms/sms-test-app.js";
import { DEMO, problemOf, type Session, signIn } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician, signInAs } from "../support/factories/users.js";
import { eventually } from "../support/twilio-stand-in.js";
import { WebhookReceiver } from "../webhooks/receiver.js";
import { WEBHOOK_TEST_ENV } from "../webhooks/webhook-test-app.js";

const HOUR = 3_600_000;

describe.each(testDatabaseKinds())("visits API (%s)", (kind) => {
  const receiver = new WebhookReceiver();
  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
  });
  // The ISP is in Denver: "today" and the SMS's times are Mountain Time.
  const s = useSmsApp(kind, { TIME_ZONE: "America/Denver", ...WEBHOOK_TEST_ENV });

  /** A customer with a phone and a ticket, and a technician of their own (no other test books them). */
  async function fixture(admin: Session, customerFields: Record<string, unknown> = {}) {
    const phone = uniquePhone();
    const customer = await makeCustomer(admin, {
      name: "Rosa Field",
      phone,
      street: "12 Pine St",
      city: "Boulder",
      cpeModel: "Ubiquiti LiteBeam 5AC",
      cpeSerial: "LB-OLD-001",
      macAddress: `02:00:00:${[1, 2, 3]
        .map(() =>
          Math.floor(Math.random() * 256)
            .toString(16)
            .padStart(2, "0"),
        )
        .join(":")}`,
      ...customerFields,
    });
    const ticket = await makeTicket(admin, { customerId: customer.id, subject: "No signal since the storm" });
    const technician = await makeTechnician(admin, { name: `Tomás Rivera ${Date.now()}` });
    return { customer, ticket, technician, phone };
  }

  const at = (base: Date, hours: number) => new Date(base.getTime() + hours * HOUR).toISOString();

  async function schedule(admin: Session, body: Record<string, unknown>) {
    const response = await admin.post("/api/visits", body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as VisitDetail;
  }

  it("walks a visit through on the way, arrived and done: the SMS with the ETA, each step on the ticket's timeline, the equipment swap on the customer", async () => {
    const { admin, twilio, t } = s();
    const hook = await admin.post("/api/webhooks", {
      url: receiver.url("/hooks/visits"),
      events: ["visit.scheduled", "visit.updated", "visit.completed"],
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const { customer, ticket, technician, phone } = await fixture(admin);
    const now = t.clock.now();
    const visit = await schedule(admin, {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "repair",
      startsAt: at(now, 1),
      endsAt: at(now, 3),
      notes: "Gate code 4411",
    });
    expect(visit).toMatchObject({
      status: "scheduled",
      kind: "repair",
      notes: "Gate code 4411",
      technician: { id: technician.id },
      ticket: { id: ticket.id, number: ticket.number },
      customer: { id: customer.id, name: "Rosa Field", cpeSerial: "LB-OLD-001" },
    });
    expect(visit.customer?.address).toBe("12 Pine St, Boulder");

    const tech = await signInAs(t.app, technician);
    const onTheWay = await tech.post(`/api/visits/${visit.id}/en-route`, { etaMinutes: 30 });
    expect(onTheWay.statusCode, onTheWay.body).toBe(200);
    expect(onTheWay.json()).toMatchObject({ status: "en_route" });
    expect(Date.parse(onTheWay.json().etaAt) - now.getTime()).toBe(30 * 60_000);
    const message = await eventually(async () => twilio.messagesTo(phone).find((m) => m.body.includes("on the way")));
    expect(message.body).toBe(
      "Hi Rosa, Tomás from your internet provider is on the way and should arrive in about 30 minutes.",
    );

    const arrived = await tech.post(`/api/visits/${visit.id}/arrived`, {
      position: { latitude: 40.015, longitude: -105.27, accuracy: 12 },
    });
    expect(arrived.statusCode, arrived.body).toBe(200);
    expect(arrived.json()).toMatchObject({
      status: "on_site",
      arrivedPosition: { latitude: 40.015, longitude: -105.27, accuracy: 12 },
    });

    const done = await tech.post(`/api/visits/${visit.id}/complete`, {
      report: "Replaced the water-damaged radio and re-aimed it; 180 Mbit/s down.",
      equipment: { cpeModel: "Ubiquiti LiteBeam 5AC Gen2", cpeSerial: "LB-NEW-777", macAddress: "02:aa:bb:cc:dd:01" },
      ticketStatus: "resolved",
    });
    expect(done.statusCode, done.body).toBe(200);
    const completed = done.json() as VisitDetail;
    expect(completed).toMatchObject({
      status: "completed",
      report: "Replaced the water-damaged radio and re-aimed it; 180 Mbit/s down.",
      equipment: {
        before: { cpeModel: "Ubiquiti LiteBeam 5AC", cpeSerial: "LB-OLD-001" },
        after: { cpeModel: "Ubiquiti LiteBeam 5AC Gen2", cpeSerial: "LB-NEW-777", macAddress: "02:aa:bb:cc:dd:01" },
      },
      ticket: { status: "resolved" },
      customer: { cpeSerial: "LB-NEW-777", macAddress: "02:aa:bb:cc:dd:01" },
    });
    expect(completed.finishedAt).not.toBeNull();

    // The customer's connection details changed, audited with the before and after.
    const after = (await admin.get(`/api/customers/${customer.id}`)).json();
    expect(after).toMatchObject({ cpeModel: "Ubiquiti LiteBeam 5AC Gen2", cpeSerial: "LB-NEW-777" });

    const timeline = (await admin.get(`/api/tickets/${ticket.id}/timeline`)).json().items as {
      type: string;
      kind?: string;
    }[];
    const kinds = timeline.filter((entry) => entry.type === "event").map((entry) => entry.kind);
    for (const kind of ["visit_scheduled", "visit_en_route", "visit_arrived", "visit_completed", "status_changed"]) {
      expect(kinds).toContain(kind);
    }

    // Final: no step moves it again.
    const again = await tech.post(`/api/visits/${visit.id}/arrived`, {});
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).code).toBe("visit.status_invalid");

    const db = t.database.handle.db;
    expect((await webhookEventsOf(db, "visit.scheduled")).some((data) => data.id === visit.id)).toBe(true);
    expect((await webhookEventsOf(db, "visit.completed")).some((data) => data.id === visit.id)).toBe(true);
    const updates = (await webhookEventsOf(db, "visit.updated")).filter((data) => data.id === visit.id);
    expect(updates.map((data) => (data.changes as { status: { to: string } }).status.to)).toEqual([
      "en_route",
      "on_site",
      "completed",
    ]);
  });

  it("refuses a double booking with 409 and the overlapping visits, unless the dispatcher confirms it", async () => {
    const { admin, t } = s();
    const { ticket, technician } = await fixture(admin);
    const now = t.clock.now();
    const first = await schedule(admin, {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "install",
      startsAt: at(now, 24),
      endsAt: at(now, 27),
    });
    const clash = await admin.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "survey",
      startsAt: at(now, 26),
      endsAt: at(now, 28),
    });
    expect(clash.statusCode).toBe(409);
    expect(problemOf(clash)).toMatchObject({ code: "visit.double_booked" });
    expect(clash.json().overlaps.map((o: { id: string }) => o.id)).toEqual([first.id]);

    // Back to back is no overlap.
    await schedule(admin, {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "survey",
      startsAt: at(now, 27),
      endsAt: at(now, 28),
    });
    // Confirmed by the dispatcher.
    await schedule(admin, {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "survey",
      startsAt: at(now, 26),
      endsAt: at(now, 28),
      allowOverlap: true,
    });
    // A cancelled visit frees its window.
    expect((await admin.post(`/api/visits/${first.id}/cancel`, { reason: "Customer away" })).statusCode).toBe(200);
    const other = await fixture(admin);
    await schedule(admin, {
      ticketId: other.ticket.id,
      technicianId: technician.id,
      kind: "repair",
      startsAt: at(now, 24),
      endsAt: at(now, 25),
    });

    // Moving into a booked window is refused the same way; the version must be current.
    const listed = (
      await admin.get(`/api/visits?technicianId=${technician.id}&from=${at(now, 20)}&to=${at(now, 30)}`)
    ).json().items as VisitDetail[];
    const movable = listed.find((visit) => visit.startsAt === at(now, 24) && visit.status === "scheduled");
    expect(movable).toBeDefined();
    const stale = await admin.patch(`/api/visits/${movable?.id}`, {
      startsAt: at(now, 30),
      endsAt: at(now, 31),
      version: 0,
    });
    expect(stale.statusCode).toBe(409);
    expect(problemOf(stale).code).toBe("visit.version_conflict");
    const into = await admin.patch(`/api/visits/${movable?.id}`, {
      startsAt: at(now, 26.5),
      endsAt: at(now, 27.5),
      version: movable?.version,
    });
    expect(into.statusCode).toBe(409);
    expect(problemOf(into).code).toBe("visit.double_booked");
  });

  it("couldn't get in: the visit_missed SMS asks the customer to reply; an opted-out customer gets none", async () => {
    const { admin, twilio, t } = s();
    const { ticket, technician, phone } = await fixture(admin);
    const visit = await schedule(admin, {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "repair",
      startsAt: at(t.clock.now(), -1),
      endsAt: at(t.clock.now(), 1),
    });
    const missed = await admin.post(`/api/visits/${visit.id}/no-access`, { note: "Nobody home, dog in the yard" });
    expect(missed.statusCode, missed.body).toBe(200);
    expect(missed.json()).toMatchObject({ status: "no_access", report: "Nobody home, dog in the yard" });
    const sms = await eventually(async () => twilio.messagesTo(phone).find((m) => m.body.includes("could not get in")));
    expect(sms.body).toContain(`ticket ${ticket.number}`);
    expect(sms.body).toContain("Reply to this message to book a new visit");

    const quiet = await fixture(admin, { smsOptOut: true });
    const quietVisit = await schedule(admin, {
      ticketId: quiet.ticket.id,
      technicianId: quiet.technician.id,
      kind: "repair",
      startsAt: at(t.clock.now(), -1),
      endsAt: at(t.clock.now(), 1),
    });
    expect((await admin.post(`/api/visits/${quietVisit.id}/no-access`, {})).statusCode).toBe(200);
    const rows = await smsRows(admin, { ticketId: quiet.ticket.id, purpose: "visit_missed" });
    expect(rows.map((row) => row.status)).toEqual(["skipped"]);
    expect(twilio.messagesTo(quiet.phone)).toHaveLength(0);
  });

  it("keeps the equipment swap and the visit in one transaction: a MAC another customer has changes neither", async () => {
    const { admin, t } = s();
    const { customer, ticket, technician } = await fixture(admin);
    const holder = await makeCustomer(admin, { macAddress: "02:fe:ed:00:00:01" });
    expect(holder.macAddress).toBe("02:fe:ed:00:00:01");
    const visit = await schedule(admin, {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "repair",
      startsAt: at(t.clock.now(), -1),
      endsAt: at(t.clock.now(), 1),
    });
    const refused = await admin.post(`/api/visits/${visit.id}/complete`, {
      report: "Swapped the router",
      equipment: { cpeSerial: "NEW-SERIAL", macAddress: "02:fe:ed:00:00:01" },
    });
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    expect(refused.statusCode).toBeLessThan(500);
    expect((await admin.get(`/api/visits/${visit.id}`)).json().status).toBe("scheduled");
    expect((await admin.get(`/api/customers/${customer.id}`)).json().cpeSerial).toBe("LB-OLD-001");
  });

  it("lets a technician plan and step only their own visits (403 otherwise)", async () => {
    const { admin, t } = s();
    const { ticket, technician } = await fixture(admin);
    const colleague = await makeTechnician(admin);
    const tech = await signInAs(t.app, technician);
    const now = t.clock.now();
    const forOther = await tech.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: colleague.id,
      kind: "repair",
      startsAt: at(now, 5),
      endsAt: at(now, 6),
    });
    expect(forOther.statusCode).toBe(403);
    const own = await tech.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "repair",
      startsAt: at(now, 5),
      endsAt: at(now, 6),
    });
    expect(own.statusCode, own.body).toBe(201);
    const theirs = await schedule(admin, {
      ticketId: ticket.id,
      technicianId: colleague.id,
      kind: "repair",
      startsAt: at(now, 5),
      endsAt: at(now, 6),
    });
    const stepping = await tech.post(`/api/visits/${theirs.id}/en-route`, { etaMinutes: 15 });
    expect(stepping.statusCode).toBe(403);
    expect((await admin.get(`/api/visits/${theirs.id}`)).json().status).toBe("scheduled");
  });

  it("refuses bad input with 4xx and changes nothing", async () => {
    const { admin, t } = s();
    const { ticket, technician } = await fixture(admin);
    const now = t.clock.now();
    const backwards = await admin.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "repair",
      startsAt: at(now, 3),
      endsAt: at(now, 2),
    });
    expect(backwards.statusCode).toBe(422);
    expect(problemOf(backwards).errors?.[0]?.field).toBe("endsAt");
    const unknownKind = await admin.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "party",
      startsAt: at(now, 2),
      endsAt: at(now, 3),
    });
    expect(unknownKind.statusCode).toBe(422);
    const noTicket = await admin.post("/api/visits", {
      ticketId: "00000000-0000-4000-8000-000000000000",
      technicianId: technician.id,
      kind: "repair",
      startsAt: at(now, 2),
      endsAt: at(now, 3),
    });
    expect(noTicket.statusCode).toBe(422);
    expect(problemOf(noTicket).code).toBe("visit.ticket_unknown");
    expect((await admin.get("/api/visits")).statusCode).toBe(400);
    // changeRequested=false bounds nothing; anything but true/false is refused with its name.
    expect((await admin.get("/api/visits?changeRequested=false")).statusCode).toBe(400);
    const notBoolean = await admin.get("/api/visits?changeRequested=yes");
    expect(notBoolean.statusCode).toBe(422);
    expect(notBoolean.body).toContain("changeRequested must be true or false");
    const tooLong = await admin.get(`/api/visits?from=${at(now, 0)}&to=${at(now, 24 * 70)}`);
    expect(tooLong.statusCode).toBe(422);
    const eta = await admin.post("/api/visits/00000000-0000-4000-8000-000000000000/en-route", { etaMinutes: 0 });
    expect(eta.statusCode).toBe(422);
    expect((await admin.get(`/api/visits?ticketId=${ticket.id}`)).json().items).toEqual([]);
  });

  it("gives a technician their day in the ISP's time zone: today's visits in order, tomorrow's, and open tickets with no visit", async () => {
    const { admin, t } = s();
    const { ticket, technician } = await fixture(admin);
    const open = await makeTicket(admin, { subject: "Check the neighbour's dish", assigneeId: technician.id });
    // 2027-03-10 08:00 in Denver (MST, UTC-7) is 15:00 UTC.
    t.clock.set("2027-03-10T15:00:00Z");
    const tech = await signInAs(t.app, technician);
    const office = await signIn(t.app, DEMO.admin);
    await schedule(office, {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "repair",
      startsAt: "2027-03-10T20:00:00Z",
      endsAt: "2027-03-10T22:00:00Z",
    });
    await schedule(office, {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "survey",
      startsAt: "2027-03-10T16:00:00Z",
      endsAt: "2027-03-10T17:00:00Z",
    });
    // 23:30 in Denver is still today there, though tomorrow in UTC.
    await schedule(office, {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "maintenance",
      startsAt: "2027-03-11T06:30:00Z",
      endsAt: "2027-03-11T06:59:00Z",
    });
    await schedule(office, {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "install",
      startsAt: "2027-03-11T15:00:00Z",
      endsAt: "2027-03-11T18:00:00Z",
    });
    const summary = (await office.get("/api/visits/today")).json();
    expect(summary).toMatchObject({ date: "2027-03-10", timeZone: "America/Denver", changeRequested: 0 });
    expect(summary.byStatus.scheduled).toBeGreaterThanOrEqual(3);
    expect(summary.total).toBe(Object.values(summary.byStatus as Record<string, number>).reduce((a, b) => a + b, 0));
    const day = (await tech.get("/api/visits/my-day")).json() as MyDay;
    expect(day).toMatchObject({ date: "2027-03-10", timeZone: "America/Denver" });
    expect(day.today.map((visit) => visit.kind)).toEqual(["survey", "repair", "maintenance"]);
    expect(day.tomorrow.map((visit) => visit.kind)).toEqual(["install"]);
    expect(day.unscheduled.map((item) => item.id)).toContain(open.id);
    expect(day.unscheduled.map((item) => item.id)).not.toContain(ticket.id);
  });
});
