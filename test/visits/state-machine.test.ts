import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import type { AuditList } from "../../src/shared/audit.js";
import type { VisitStatus } from "../../src/shared/enums.js";
import type { VisitDetail } from "../../src/shared/visits.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician, type StaffAccount, signInAs } from "../support/factories/users.js";

const START = "2026-03-02T15:00:00.000Z";
const HOUR = 3_600_000;

/** The steps of docs/field-work.md ("The steps"), each a POST on the visit, and the state it leads to. */
const STEPS = {
  enRoute: { path: "en-route", body: { etaMinutes: 30 }, to: "en_route" },
  arrived: { path: "arrived", body: {}, to: "on_site" },
  complete: { path: "complete", body: { report: "Re-aimed the radio; 150 Mbit/s down." }, to: "completed" },
  noAccess: { path: "no-access", body: { note: "Nobody home" }, to: "no_access" },
  cancel: { path: "cancel", body: { reason: "Customer away" }, to: "cancelled" },
} as const;
type StepName = keyof typeof STEPS;
const STEP_NAMES = Object.keys(STEPS) as StepName[];

/**
 * The model the API is checked against, written from the docs' table of steps, not from the code:
 * the states each step is allowed from; `move` is PATCH with a new window (scheduled visits only).
 */
const ALLOWED_FROM: Record<StepName | "move", readonly VisitStatus[]> = {
  enRoute: ["scheduled", "en_route"],
  arrived: ["scheduled", "en_route"],
  complete: ["scheduled", "en_route", "on_site"],
  noAccess: ["scheduled", "en_route", "on_site"],
  cancel: ["scheduled", "en_route", "on_site"],
  move: ["scheduled"],
};

const randomMac = () =>
  `02:${Array.from({ length: 5 }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, "0"),
  ).join(":")}`;

describe.each(testDatabaseKinds())("a visit's state machine on %s", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock(START) });
  let admin: Session;

  beforeEach(async () => {
    t().clock.set(START);
    admin = await signIn(t().app, DEMO.admin);
  });

  const at = (hours: number) => new Date(t().clock.now().getTime() + hours * HOUR).toISOString();

  /** A customer with equipment, a ticket of theirs, and a technician no other test books, signed in. */
  async function fixture(customerFields: Record<string, unknown> = {}) {
    const customer = await makeCustomer(admin, {
      cpeModel: "Ubiquiti LiteBeam 5AC",
      cpeSerial: `LB-OLD-${Math.floor(Math.random() * 1e6)}`,
      macAddress: randomMac(),
      ...customerFields,
    });
    const ticket = await makeTicket(admin, { customerId: customer.id, subject: "No signal since the storm" });
    const technician = await makeTechnician(admin);
    const tech = await signInAs(t().app, technician);
    return { customer, ticket, technician, tech };
  }

  async function schedule(
    ticketId: string,
    technician: StaffAccount,
    fromHours: number,
    toHours: number,
    extra: Record<string, unknown> = {},
  ) {
    const response = await admin.post("/api/visits", {
      ticketId,
      technicianId: technician.id,
      kind: "repair",
      startsAt: at(fromHours),
      endsAt: at(toHours),
      ...extra,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as VisitDetail;
  }

  async function visitOf(id: string): Promise<VisitDetail> {
    const response = await admin.get(`/api/visits/${id}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as VisitDetail;
  }

  const step = (session: Session, id: string, name: StepName) =>
    session.post(`/api/visits/${id}/${STEPS[name].path}`, STEPS[name].body);

  async function stepOk(session: Session, id: string, name: StepName): Promise<VisitDetail> {
    const response = await step(session, id, name);
    expect(response.statusCode, `${name}: ${response.body}`).toBe(200);
    return response.json() as VisitDetail;
  }

  /** PATCH moving the window one hour later, with the version given. */
  function move(id: string, visit: Pick<VisitDetail, "startsAt" | "endsAt">, version: number) {
    return admin.patch(`/api/visits/${id}`, {
      startsAt: new Date(Date.parse(visit.startsAt) + HOUR).toISOString(),
      endsAt: new Date(Date.parse(visit.endsAt) + HOUR).toISOString(),
      version,
    });
  }

  async function timelineEventCount(ticketId: string): Promise<number> {
    const response = await admin.get(`/api/tickets/${ticketId}/timeline`);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json().items as { type: string }[]).filter((item) => item.type === "event").length;
  }

  it("walks scheduled → en route → on site → completed, one version further at each step", async () => {
    const { ticket, technician, tech } = await fixture();
    const visit = await schedule(ticket.id, technician, 1, 3);
    expect(visit).toMatchObject({ status: "scheduled", enRouteAt: null, arrivedAt: null, finishedAt: null });

    const onTheWay = await stepOk(tech, visit.id, "enRoute");
    expect(onTheWay).toMatchObject({ status: "en_route", version: visit.version + 1, enRouteAt: START });
    expect(onTheWay.etaAt).toBe(at(0.5));

    const arrived = await stepOk(tech, visit.id, "arrived");
    expect(arrived).toMatchObject({ status: "on_site", version: visit.version + 2, arrivedAt: START });

    const done = await stepOk(tech, visit.id, "complete");
    expect(done).toMatchObject({
      status: "completed",
      version: visit.version + 3,
      report: STEPS.complete.body.report,
      finishedAt: START,
      // No equipment given: none recorded.
      equipment: null,
    });
    expect(await visitOf(visit.id)).toEqual(done);
  });

  it("sends a new ETA while on the way: still en route, the new ETA, one version further", async () => {
    const { ticket, technician, tech } = await fixture();
    const visit = await schedule(ticket.id, technician, 1, 3);
    const first = await stepOk(tech, visit.id, "enRoute");
    t().clock.advance(10 * 60_000);
    const again = await tech.post(`/api/visits/${visit.id}/en-route`, { etaMinutes: 45 });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ status: "en_route", version: first.version + 1, etaAt: at(0.75) });
  });

  it("arrives straight from scheduled, as the docs' table allows (no 'on my way' first)", async () => {
    const { ticket, technician, tech } = await fixture();
    const visit = await schedule(ticket.id, technician, 1, 3);
    const arrived = await stepOk(tech, visit.id, "arrived");
    expect(arrived).toMatchObject({ status: "on_site", version: visit.version + 1, enRouteAt: null, etaAt: null });
    expect(arrived.arrivedAt).toBe(START);
    expect(await stepOk(tech, visit.id, "complete")).toMatchObject({ status: "completed", enRouteAt: null });
  });

  it("completes a visit that never arrived: completed, with the check-in simply missing", async () => {
    const { ticket, technician, tech } = await fixture();
    const fromScheduled = await schedule(ticket.id, technician, 1, 3);
    const done = await stepOk(tech, fromScheduled.id, "complete");
    expect(done).toMatchObject({
      status: "completed",
      version: fromScheduled.version + 1,
      enRouteAt: null,
      arrivedAt: null,
      arrivedPosition: null,
      finishedAt: START,
    });

    const fromEnRoute = await schedule(ticket.id, technician, 4, 6);
    await stepOk(tech, fromEnRoute.id, "enRoute");
    expect(await stepOk(tech, fromEnRoute.id, "complete")).toMatchObject({
      status: "completed",
      version: fromEnRoute.version + 2,
      arrivedAt: null,
    });
  });

  it("refuses arriving twice (and setting off again once there) with 409 visit.status_invalid; nothing changes", async () => {
    const { ticket, technician, tech } = await fixture();
    const visit = await schedule(ticket.id, technician, 1, 3);
    await stepOk(tech, visit.id, "enRoute");
    const arrived = await stepOk(tech, visit.id, "arrived");
    const events = await timelineEventCount(ticket.id);
    t().clock.advance(5 * 60_000);

    for (const name of ["arrived", "enRoute"] as const) {
      const again = await step(tech, visit.id, name);
      expect(again.statusCode, again.body).toBe(409);
      expect(problemOf(again)).toMatchObject({ status: 409, code: "visit.status_invalid" });
      expect(problemOf(again).detail).toMatch(/on site/);
      // The office is refused the same way: it is the state, not the role.
      expect((await step(admin, visit.id, name)).statusCode).toBe(409);
    }
    const now = await visitOf(visit.id);
    expect(now).toEqual(arrived);
    expect(now).toMatchObject({ status: "on_site", version: arrived.version, arrivedAt: START });
    expect(await timelineEventCount(ticket.id)).toBe(events);
  });

  it.each([
    ["completed", ["enRoute", "arrived", "complete"]],
    ["no_access", ["enRoute", "noAccess"]],
    ["cancelled", ["cancel"]],
  ] as const)(
    "a %s visit is final: every step and every move answers 409 and leaves it as it was",
    async (final, path) => {
      const { ticket, technician, tech } = await fixture();
      const visit = await schedule(ticket.id, technician, 1, 3);
      for (const name of path) await stepOk(tech, visit.id, name);
      const before = await visitOf(visit.id);
      expect(before.status).toBe(final);
      expect(before.version).toBe(visit.version + path.length);
      const events = await timelineEventCount(ticket.id);
      t().clock.advance(5 * 60_000);

      for (const name of STEP_NAMES) {
        for (const session of [tech, admin]) {
          const refused = await step(session, visit.id, name);
          expect(refused.statusCode, `${name} on ${final}: ${refused.body}`).toBe(409);
          expect(String(refused.headers["content-type"])).toMatch(/^application\/problem\+json/);
          expect(problemOf(refused)).toMatchObject({ status: 409, code: "visit.status_invalid" });
          expect(problemOf(refused).detail).toMatch(/already/);
          expect(await visitOf(visit.id)).toEqual(before);
        }
      }

      const moved = await move(visit.id, before, before.version);
      expect(moved.statusCode, moved.body).toBe(409);
      expect(problemOf(moved)).toMatchObject({ status: 409, code: "visit.not_movable" });
      const reassigned = await admin.patch(`/api/visits/${visit.id}`, {
        notes: "Bring a ladder",
        version: before.version,
      });
      expect(reassigned.statusCode, reassigned.body).toBe(409);
      expect(problemOf(reassigned).code).toBe("visit.not_movable");

      const after = await visitOf(visit.id);
      expect(after).toEqual(before);
      expect(after).toMatchObject({ status: final, version: before.version });
      // Nothing refused reached the ticket's timeline either.
      expect(await timelineEventCount(ticket.id)).toBe(events);
    },
  );

  it("answers every step and a move from each live state as the model says (the whole table, once each)", async () => {
    const { ticket, technician, tech } = await fixture();
    const reach = { scheduled: [], en_route: ["enRoute"], on_site: ["enRoute", "arrived"] } as const;
    let slot = 0;
    for (const [from, path] of Object.entries(reach) as [VisitStatus, readonly StepName[]][]) {
      for (const name of [...STEP_NAMES, "move"] as const) {
        slot += 1;
        const visit = await schedule(ticket.id, technician, 24 * slot, 24 * slot + 2);
        for (const earlier of path) await stepOk(tech, visit.id, earlier);
        const before = await visitOf(visit.id);
        expect(before.status).toBe(from);
        const response =
          name === "move" ? await move(visit.id, before, before.version) : await step(tech, visit.id, name);
        const now = await visitOf(visit.id);
        if (ALLOWED_FROM[name].includes(from)) {
          expect(response.statusCode, `${name} from ${from}: ${response.body}`).toBe(200);
          expect(now).toMatchObject({
            status: name === "move" ? from : STEPS[name].to,
            version: before.version + 1,
          });
        } else {
          expect(response.statusCode, `${name} from ${from}: ${response.body}`).toBe(409);
          expect(problemOf(response).code).toBe(name === "move" ? "visit.not_movable" : "visit.status_invalid");
          expect(now).toEqual(before);
        }
      }
    }
  });

  it("follows the model of allowed moves for any sequence of steps: status as the model says, a refusal changes nothing", async () => {
    const { ticket, technician, tech } = await fixture();
    let slot = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<StepName | "move">(...STEP_NAMES, "move"), { minLength: 1, maxLength: 7 }),
        async (sequence) => {
          // Each run its own visit, on a day of its own (a moved window never meets another run's).
          slot += 1;
          const visit = await schedule(ticket.id, technician, 24 * slot, 24 * slot + 2);
          let status: VisitStatus = "scheduled";
          let version = visit.version;
          let window = { startsAt: visit.startsAt, endsAt: visit.endsAt };
          for (const name of sequence) {
            const allowed = ALLOWED_FROM[name].includes(status);
            const response = name === "move" ? await move(visit.id, window, version) : await step(tech, visit.id, name);
            if (allowed) {
              expect(response.statusCode, `${name} from ${status}: ${response.body}`).toBe(200);
              if (name !== "move") status = STEPS[name].to;
              version += 1;
            } else {
              expect(response.statusCode, `${name} from ${status}: ${response.body}`).toBe(409);
              expect(problemOf(response).code).toBe(name === "move" ? "visit.not_movable" : "visit.status_invalid");
            }
            const now = await visitOf(visit.id);
            expect({ status: now.status, version: now.version }).toEqual({ status, version });
            if (allowed) expect(response.json()).toEqual(now);
            window = { startsAt: now.startsAt, endsAt: now.endsAt };
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it("the equipment swap: the customer's connection changes, audited with before, after and the technician; the timeline shows it", async () => {
    const oldMac = randomMac();
    const newMac = randomMac();
    const { customer, ticket, technician, tech } = await fixture({
      cpeModel: "Ubiquiti LiteBeam 5AC",
      cpeSerial: "LB-OLD-001",
      macAddress: oldMac,
    });
    const visit = await schedule(ticket.id, technician, 1, 3);
    const arrived = await stepOk(tech, visit.id, "arrived");
    const report = "Replaced the water-damaged radio.";
    const done = await tech.post(`/api/visits/${visit.id}/complete`, {
      report,
      equipment: { cpeModel: "Ubiquiti LiteBeam 5AC Gen2", cpeSerial: "LB-NEW-777", macAddress: newMac },
    });
    expect(done.statusCode, done.body).toBe(200);
    const before = { cpeModel: "Ubiquiti LiteBeam 5AC", cpeSerial: "LB-OLD-001", macAddress: oldMac };
    const after = { cpeModel: "Ubiquiti LiteBeam 5AC Gen2", cpeSerial: "LB-NEW-777", macAddress: newMac };
    expect(done.json()).toMatchObject({ status: "completed", equipment: { before, after }, customer: after });

    // The customer's connection details, one version further.
    const customerNow = await admin.get(`/api/customers/${customer.id}`);
    expect(customerNow.statusCode, customerNow.body).toBe(200);
    expect(customerNow.json()).toMatchObject({ ...after, version: customer.version + 1 });

    // The audit log names the changed fields, before and after, and the technician who did it.
    const audit = await admin.get(`/api/audit?entityType=customer&entityId=${customer.id}&action=customer.update`);
    expect(audit.statusCode, audit.body).toBe(200);
    const entries = (audit.json() as AuditList).items;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: "customer.update",
      entityType: "customer",
      entityId: customer.id,
      via: "session",
      actor: { id: technician.id, name: technician.name, email: technician.email },
      at: START,
    });
    expect(entries[0]?.data).toEqual({
      changes: {
        cpeModel: { from: before.cpeModel, to: after.cpeModel },
        cpeSerial: { from: before.cpeSerial, to: after.cpeSerial },
        macAddress: { from: oldMac, to: newMac },
      },
    });
    // The visit's own audit row, by the same technician, with the swap.
    const visitAudit = await admin.get(`/api/audit?entityType=visit&entityId=${visit.id}&action=visit.completed`);
    expect(visitAudit.statusCode, visitAudit.body).toBe(200);
    const visitEntries = (visitAudit.json() as AuditList).items;
    expect(visitEntries).toHaveLength(1);
    expect(visitEntries[0]).toMatchObject({
      actor: { id: technician.id },
      data: { from: "on_site", report, equipment: { before, after } },
    });

    // The ticket's timeline: visit_completed with the report and the equipment before and after.
    const timeline = await admin.get(`/api/tickets/${ticket.id}/timeline`);
    expect(timeline.statusCode, timeline.body).toBe(200);
    const completed = (timeline.json().items as { type: string; kind?: string }[]).filter(
      (item) => item.type === "event" && item.kind === "visit_completed",
    );
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      actor: { id: technician.id, name: technician.name },
      fromValue: "on_site",
      toValue: "completed",
      data: { visitId: visit.id, report, equipment: { before, after }, ticketStatus: null },
    });
    expect((await visitOf(visit.id)).version).toBe(arrived.version + 1);
  });

  it("an equipment swap of the serial alone changes and audits the serial alone", async () => {
    const { customer, ticket, technician, tech } = await fixture({ cpeModel: "Mikrotik SXT", cpeSerial: "SXT-1" });
    const visit = await schedule(ticket.id, technician, 1, 3);
    const done = await tech.post(`/api/visits/${visit.id}/complete`, {
      report: "Swapped the radio for the same model.",
      equipment: { cpeSerial: "SXT-2" },
    });
    expect(done.statusCode, done.body).toBe(200);
    const mac = customer.macAddress;
    expect(done.json().equipment).toEqual({
      before: { cpeModel: "Mikrotik SXT", cpeSerial: "SXT-1", macAddress: mac },
      after: { cpeModel: "Mikrotik SXT", cpeSerial: "SXT-2", macAddress: mac },
    });
    const audit = await admin.get(`/api/audit?entityType=customer&entityId=${customer.id}&action=customer.update`);
    expect(audit.statusCode, audit.body).toBe(200);
    const entries = (audit.json() as AuditList).items;
    expect(entries).toHaveLength(1);
    expect(entries[0]?.actor?.id).toBe(technician.id);
    expect(entries[0]?.data).toEqual({ changes: { cpeSerial: { from: "SXT-1", to: "SXT-2" } } });
  });

  it("refuses a MAC that is no MAC with 422 on the field, and records nothing", async () => {
    const { customer, ticket, technician, tech } = await fixture();
    const visit = await schedule(ticket.id, technician, 1, 3);
    for (const macAddress of ["nonsense", `${customer.macAddress} zz`, "02:aa:bb:cc:dd"]) {
      const refused = await tech.post(`/api/visits/${visit.id}/complete`, {
        report: "Swapped the radio.",
        equipment: { macAddress },
      });
      expect(refused.statusCode, refused.body).toBe(422);
      expect(refused.headers["content-type"]).toContain("application/problem+json");
      expect(refused.body).toContain("MAC address must be 12 hex digits");
    }
    expect(await visitOf(visit.id)).toMatchObject({ status: "scheduled", version: visit.version });
    const now = (await admin.get(`/api/customers/${customer.id}`)).json() as { version: number; macAddress: string };
    expect(now).toMatchObject({ version: customer.version, macAddress: customer.macAddress });
  });

  it("equipment reported as it already was (the MAC in another spelling) changes nothing on the customer", async () => {
    const { customer, ticket, technician, tech } = await fixture({ cpeModel: "Mikrotik SXT", cpeSerial: "SXT-9" });
    const mac = customer.macAddress ?? "";
    const visit = await schedule(ticket.id, technician, 1, 3);
    const done = await tech.post(`/api/visits/${visit.id}/complete`, {
      report: "Checked the radio: same unit, re-seated the cable.",
      equipment: { cpeModel: "Mikrotik SXT", cpeSerial: "SXT-9", macAddress: mac.toUpperCase().replaceAll(":", "-") },
    });
    expect(done.statusCode, done.body).toBe(200);
    const same = { cpeModel: "Mikrotik SXT", cpeSerial: "SXT-9", macAddress: mac };
    expect(done.json().equipment).toEqual({ before: same, after: same });
    const now = (await admin.get(`/api/customers/${customer.id}`)).json() as { version: number };
    expect(now.version).toBe(customer.version);
    const audit = await admin.get(`/api/audit?entityType=customer&entityId=${customer.id}&action=customer.update`);
    expect(audit.statusCode, audit.body).toBe(200);
    expect((audit.json() as AuditList).items).toEqual([]);
  });

  it("lists a customer's visits past and future, across their tickets, by start, and nobody else's", async () => {
    const { customer, ticket, technician } = await fixture();
    const second = await makeTicket(admin, { customerId: customer.id, subject: "Move the dish to the barn" });
    const other = await fixture();
    // Booked out of order, past and future, on both tickets.
    const nextWeek = await schedule(second.id, technician, 7 * 24, 7 * 24 + 2, { kind: "install" });
    const lastWeek = await schedule(ticket.id, technician, -7 * 24, -7 * 24 + 2);
    const tomorrow = await schedule(ticket.id, technician, 24, 26);
    const yesterday = await schedule(second.id, technician, -24, -22, { kind: "survey" });
    // Another customer's visit between them is not theirs.
    const notTheirs = await schedule(other.ticket.id, other.technician, 1, 3);
    // Past visits stay listed whatever became of them.
    await stepOk(admin, lastWeek.id, "complete");
    await stepOk(admin, yesterday.id, "noAccess");

    const response = await admin.get(`/api/visits?customerId=${customer.id}`);
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json().items as VisitDetail[];
    expect(items.map((item) => item.id)).toEqual([lastWeek.id, yesterday.id, tomorrow.id, nextWeek.id]);
    expect(items.map((item) => item.status)).toEqual(["completed", "no_access", "scheduled", "scheduled"]);
    expect(items.map((item) => item.ticketId)).toEqual([ticket.id, second.id, ticket.id, second.id]);
    expect(items.every((item) => item.customer?.id === customer.id)).toBe(true);

    const theirs = await admin.get(`/api/visits?customerId=${other.customer.id}`);
    expect(theirs.statusCode, theirs.body).toBe(200);
    expect((theirs.json().items as VisitDetail[]).map((item) => item.id)).toEqual([notTheirs.id]);
  });
});
