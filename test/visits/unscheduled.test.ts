import { beforeEach, describe, expect, it } from "vitest";
import type { UnscheduledTicket, UnscheduledTickets, VisitDetail } from "../../src/shared/visits.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, makeTechnician, signInAs } from "../support/factories/users.js";

const START = "2026-03-02T15:00:00.000Z";
const HOUR = 3_600_000;

describe.each(testDatabaseKinds())("the dispatch board's unscheduled tickets on %s", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock(START) });
  let admin: Session;

  beforeEach(async () => {
    t().clock.set(START);
    admin = await signIn(t().app, DEMO.admin);
  });

  const at = (hours: number) => new Date(t().clock.now().getTime() + hours * HOUR).toISOString();

  async function unscheduled(session: Session = admin, limit = 200): Promise<UnscheduledTickets> {
    const response = await session.get(`/api/visits/unscheduled?limit=${limit}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as UnscheduledTickets;
  }

  /** The listed entry of each ticket, or undefined where the ticket is not listed. */
  async function listed(ids: string[]): Promise<(UnscheduledTicket | undefined)[]> {
    const { items } = await unscheduled();
    return ids.map((id) => items.find((item) => item.id === id));
  }

  async function schedule(ticketId: string, technicianId: string, fromHours: number, toHours: number) {
    const response = await admin.post("/api/visits", {
      ticketId,
      technicianId,
      kind: "repair",
      startsAt: at(fromHours),
      endsAt: at(toHours),
      allowOverlap: true,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as VisitDetail;
  }

  it("lists open tickets of field categories and those a technician holds, with the kind their category suggests", async () => {
    const technician = await makeTechnician(admin);
    const agent = await makeStaff(admin, { role: "agent" });
    const customer = await makeCustomer(admin, { name: "Ada Lane", street: "4 Mill Rd", city: "Lyons" });
    const install = await makeTicket(admin, { category: "installation", customerId: customer.id });
    const relocation = await makeTicket(admin, { category: "relocation" });
    const down = await makeTicket(admin, { category: "no_service" });
    const slowWithTechnician = await makeTicket(admin, { category: "slow_speed", assigneeId: technician.id });
    const slowWithAgent = await makeTicket(admin, { category: "slow_speed", assigneeId: agent.id });
    const billing = await makeTicket(admin, { category: "billing" });
    const resolved = await makeTicket(admin, { category: "equipment", status: "resolved" });

    const [a, b, c, d, e, f, g] = await listed([
      install.id,
      relocation.id,
      down.id,
      slowWithTechnician.id,
      slowWithAgent.id,
      billing.id,
      resolved.id,
    ]);
    expect(a).toMatchObject({
      number: install.number,
      category: "installation",
      status: "open",
      reason: "field_category",
      suggestedKind: "install",
      customer: { id: customer.id, name: "Ada Lane", address: "4 Mill Rd, Lyons" },
      assignee: null,
    });
    expect(b).toMatchObject({ reason: "field_category", suggestedKind: "install", customer: null });
    expect(c).toMatchObject({ reason: "field_category", suggestedKind: "repair" });
    expect(d).toMatchObject({
      reason: "technician_assigned",
      suggestedKind: "repair",
      assignee: { id: technician.id, name: technician.name, role: "technician" },
    });
    expect(e).toBeUndefined();
    expect(f).toBeUndefined();
    expect(g).toBeUndefined();
  });

  it("leaves out a ticket with a visit ahead, and lists it again once that visit is cancelled, past, or found nobody in", async () => {
    const technician = await makeTechnician(admin);
    const cancelledLater = await makeTicket(admin, { category: "no_service" });
    const missedWindow = await makeTicket(admin, { category: "equipment" });
    const nobodyIn = await makeTicket(admin, { category: "other" });
    const cancelVisit = await schedule(cancelledLater.id, technician.id, 2, 4);
    await schedule(missedWindow.id, technician.id, 5, 6);
    const noAccessVisit = await schedule(nobodyIn.id, technician.id, 1, 2);
    expect(await listed([cancelledLater.id, missedWindow.id, nobodyIn.id])).toEqual([undefined, undefined, undefined]);

    const cancel = await admin.post(`/api/visits/${cancelVisit.id}/cancel`, { reason: "Customer away" });
    expect(cancel.statusCode, cancel.body).toBe(200);
    const tech = await signInAs(t().app, technician);
    const noAccess = await tech.post(`/api/visits/${noAccessVisit.id}/no-access`, { note: "Nobody home" });
    expect(noAccess.statusCode, noAccess.body).toBe(200);
    const [cancelled, stillAhead, rebook] = await listed([cancelledLater.id, missedWindow.id, nobodyIn.id]);
    expect(cancelled).toMatchObject({ reason: "field_category" });
    expect(stillAhead).toBeUndefined();
    // An "other" ticket is not field work by itself; the visit that found nobody in makes it one to rebook.
    expect(rebook).toMatchObject({ reason: "rebook", category: "other", suggestedKind: "repair" });

    // A window that ended while the visit was still only scheduled is no visit ahead: plan it again.
    t().clock.advance(7 * HOUR);
    const [, missed] = await listed([cancelledLater.id, missedWindow.id]);
    expect(missed).toMatchObject({ reason: "field_category" });
  });

  it("puts the most urgent first and counts them all beyond the limit", async () => {
    const normal = await makeTicket(admin, { category: "installation", priority: "normal" });
    const urgent = await makeTicket(admin, { category: "installation", priority: "urgent" });
    const high = await makeTicket(admin, { category: "installation", priority: "high" });
    const { items, total } = await unscheduled();
    const order = [urgent.id, high.id, normal.id].map((id) => items.findIndex((item) => item.id === id));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(total).toBe(items.length);
    expect(items.map((item) => item.priority)).toEqual(
      [...items.map((item) => item.priority)].sort(
        (x, y) => ["urgent", "high", "normal", "low"].indexOf(x) - ["urgent", "high", "normal", "low"].indexOf(y),
      ),
    );

    const first = await unscheduled(admin, 1);
    expect(first.items).toHaveLength(1);
    expect(first.total).toBe(total);
    expect(first.items[0]?.priority).toBe("urgent");
  });

  it("is the office's: an agent reads it, a technician is refused, and a bad limit is a 422", async () => {
    const agent = await signInAs(t().app, await makeStaff(admin, { role: "agent" }));
    await unscheduled(agent);
    const john = await signIn(t().app, DEMO.john);
    const refused = await john.get("/api/visits/unscheduled");
    expect(refused.statusCode).toBe(403);
    const tooMany = await admin.get("/api/visits/unscheduled?limit=500");
    expect(tooMany.statusCode).toBe(422);
    expect(problemOf(tooMany).errors?.[0]?.field).toBe("limit");
  });
});
