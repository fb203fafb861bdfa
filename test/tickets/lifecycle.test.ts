import { eq, sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { ticketEvents, users } from "../../src/server/db/schema/index.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician } from "../support/factories/users.js";
import { eventsOf, HOUR, makeCustomerWithPlan, smsPurposesOf, ticketRow } from "./helpers.js";

const START = "2026-03-02T09:00:00.000Z";

describe.each(testDatabaseKinds())("ticket lifecycle on %s", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock(START) });
  let admin: Session;
  let john: Session;
  const db = () => t().database.handle.db;

  beforeEach(async () => {
    t().clock.set(START);
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
  });

  it("creates a ticket with a T-number, the SLA due time, a created event and the created SMS", async () => {
    const customer = await makeCustomerWithPlan(admin);
    const response = await john.post("/api/tickets", {
      customerId: customer.id,
      subject: "  No internet since the storm ",
      description: "Red LOS light on the ONT",
      category: "no_service",
      priority: "urgent",
    });
    expect(response.statusCode).toBe(201);
    const ticket = response.json();
    expect(ticket.number).toMatch(/^T-\d{6}$/);
    expect(ticket).toMatchObject({
      customerId: customer.id,
      subject: "No internet since the storm",
      category: "no_service",
      priority: "urgent",
      status: "open",
      assigneeId: null,
      createdById: john.user.id,
      createdAt: START,
      dueAt: "2026-03-02T13:00:00.000Z",
      overdue: false,
      firstResponseAt: null,
      resolvedAt: null,
      closedAt: null,
      version: 1,
    });
    expect(ticket.customer).toMatchObject({
      id: customer.id,
      name: customer.name,
      accountNumber: customer.accountNumber,
      phone: customer.phone,
      ipAddress: customer.ipAddress,
      address: "12 Main St, 62701 Springfield, IL",
    });
    expect(ticket.customer.planName).toMatch(/^Plan /);
    const events = await eventsOf(db(), ticket.id);
    expect(events.filter((e) => e.kind === "created")).toMatchObject([
      { actorId: john.user.id, toValue: "open", createdAt: new Date(START) },
    ]);
    expect(await smsPurposesOf(db(), ticket.id)).toEqual(["ticket_created"]);

    const second = await makeTicket(john);
    expect(Number(second.number.slice(2))).toBe(Number(ticket.number.slice(2)) + 1);
  });

  it("sets the due time from each priority's default SLA hours", async () => {
    const expected = { urgent: 4, high: 8, normal: 24, low: 72 } as const;
    for (const [priority, hours] of Object.entries(expected)) {
      const ticket = await makeTicket(john, { priority });
      expect(new Date(ticket.dueAt ?? "").getTime() - new Date(START).getTime()).toBe(hours * HOUR);
    }
    const unspecified = await makeTicket(john);
    expect(unspecified.priority).toBe("normal");
    expect(unspecified.dueAt).toBe("2026-03-03T09:00:00.000Z");
  });

  it("turns overdue when the due time passes, not while waiting on the customer, resolved or closed", async () => {
    const ticket = await makeTicket(john, { priority: "high" });
    t().clock.advance(8 * HOUR - 1000);
    expect((await john.get(`/api/tickets/${ticket.id}`)).json().overdue).toBe(false);
    t().clock.advance(1000);
    expect((await john.get(`/api/tickets/${ticket.id}`)).json().overdue).toBe(true);
    // Waiting on the customer stops the SLA clock: never overdue meanwhile (see test/tickets/sla.test.ts).
    const waiting = await john.patch(`/api/tickets/${ticket.id}`, { status: "waiting_on_customer", version: 1 });
    expect(waiting.json()).toMatchObject({ overdue: false, slaPaused: true });
    const resolved = await john.patch(`/api/tickets/${ticket.id}`, { status: "resolved", version: 2 });
    expect(resolved.json().overdue).toBe(false);
    const reopened = await john.patch(`/api/tickets/${ticket.id}`, { status: "open", version: 3 });
    expect(reopened.json().overdue).toBe(true);
    const closed = await john.patch(`/api/tickets/${ticket.id}`, { status: "closed", version: 4 });
    expect(closed.json().overdue).toBe(false);
  });

  it("recomputes the due time from the creation time when the priority changes", async () => {
    const ticket = await makeTicket(john, { priority: "low" });
    expect(ticket.dueAt).toBe("2026-03-05T09:00:00.000Z");
    t().clock.advance(5 * HOUR);
    const escalated = await john.patch(`/api/tickets/${ticket.id}`, { priority: "urgent", version: 1 });
    expect(escalated.statusCode).toBe(200);
    // Reported at 09:00 with a 4-hour target: due 13:00, already past at 14:00.
    expect(escalated.json()).toMatchObject({ priority: "urgent", dueAt: "2026-03-02T13:00:00.000Z", overdue: true });
    const events = await eventsOf(db(), ticket.id);
    expect(events.filter((e) => e.kind === "priority_changed")).toMatchObject([
      { fromValue: "low", toValue: "urgent", actorId: john.user.id, createdAt: new Date("2026-03-02T14:00:00Z") },
    ]);
    // Changing something else keeps the due time.
    const renamed = await john.patch(`/api/tickets/${ticket.id}`, { subject: "Renamed", version: 2 });
    expect(renamed.json().dueAt).toBe("2026-03-02T13:00:00.000Z");
  });

  it("keeps resolved, closed and first-response times right through every transition and reopening", async () => {
    const ticket = await makeTicket(john);
    const at = (hours: number) => new Date(new Date(START).getTime() + hours * HOUR).toISOString();
    const steps: [string, number, Record<string, string | null>][] = [
      ["in_progress", 1, { firstResponseAt: at(1), resolvedAt: null, closedAt: null }],
      ["waiting_on_customer", 2, { firstResponseAt: at(1), resolvedAt: null, closedAt: null }],
      ["resolved", 3, { firstResponseAt: at(1), resolvedAt: at(3), closedAt: null }],
      ["closed", 4, { firstResponseAt: at(1), resolvedAt: at(3), closedAt: at(4) }],
      ["open", 5, { firstResponseAt: at(1), resolvedAt: null, closedAt: null }],
      ["closed", 6, { firstResponseAt: at(1), resolvedAt: at(6), closedAt: at(6) }],
      ["resolved", 7, { firstResponseAt: at(1), resolvedAt: at(6), closedAt: null }],
      ["in_progress", 8, { firstResponseAt: at(1), resolvedAt: null, closedAt: null }],
      ["resolved", 9, { firstResponseAt: at(1), resolvedAt: at(9), closedAt: null }],
      ["waiting_on_customer", 10, { firstResponseAt: at(1), resolvedAt: null, closedAt: null }],
      ["open", 11, { firstResponseAt: at(1), resolvedAt: null, closedAt: null }],
    ];
    let version = 1;
    let from = "open";
    for (const [status, hour, expected] of steps) {
      t().clock.set(at(hour));
      john = await signIn(t().app, DEMO.john);
      const response = await john.patch(`/api/tickets/${ticket.id}`, { status, version });
      expect(response.statusCode, `${from} → ${status}`).toBe(200);
      expect(response.json(), `${from} → ${status}`).toMatchObject({ status, ...expected, version: version + 1 });
      version += 1;
      from = status;
    }
    const statusEvents = (await eventsOf(db(), ticket.id)).filter((e) => e.kind === "status_changed");
    expect(statusEvents.map((e) => `${e.fromValue}>${e.toValue}`)).toEqual([
      "open>in_progress",
      "in_progress>waiting_on_customer",
      "waiting_on_customer>resolved",
      "resolved>closed",
      "closed>open",
      "open>closed",
      "closed>resolved",
      "resolved>in_progress",
      "in_progress>resolved",
      "resolved>waiting_on_customer",
      "waiting_on_customer>open",
    ]);
    expect(statusEvents.every((e) => e.actorId === john.user.id)).toBe(true);
    expect((await smsPurposesOf(db(), ticket.id)).filter((p) => p === "ticket_status")).toHaveLength(11);
  });

  it("sets first response on the first public staff comment, not on internal notes or assignment", async () => {
    const ticket = await makeTicket(john);
    t().clock.advance(HOUR);
    await john.patch(`/api/tickets/${ticket.id}`, { assigneeId: john.user.id, version: 1 });
    await john.post(`/api/tickets/${ticket.id}/comments`, { body: "Checked the OLT", visibility: "internal" });
    expect((await john.get(`/api/tickets/${ticket.id}`)).json().firstResponseAt).toBeNull();
    t().clock.advance(HOUR);
    await john.post(`/api/tickets/${ticket.id}/comments`, { body: "We are on it", visibility: "public" });
    t().clock.advance(HOUR);
    await john.post(`/api/tickets/${ticket.id}/comments`, { body: "Still on it", visibility: "public" });
    await john.patch(`/api/tickets/${ticket.id}`, { status: "in_progress", version: 2 });
    const current = (await john.get(`/api/tickets/${ticket.id}`)).json();
    expect(current.firstResponseAt).toBe("2026-03-02T11:00:00.000Z");
  });

  it("does nothing (same version, no event) when a PATCH changes nothing", async () => {
    const ticket = await makeTicket(john, { priority: "high" });
    const response = await john.patch(`/api/tickets/${ticket.id}`, {
      priority: "high",
      subject: ticket.subject,
      version: 1,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().version).toBe(1);
    expect((await eventsOf(db(), ticket.id)).map((e) => e.kind)).not.toContain("priority_changed");
  });

  it("records subject, category, description and customer edits as one updated event", async () => {
    const customer = await makeCustomerWithPlan(admin);
    const ticket = await makeTicket(john);
    const response = await john.patch(`/api/tickets/${ticket.id}`, {
      subject: "Slow after 6pm",
      category: "slow_speed",
      description: "Speed test 3 Mbit/s",
      customerId: customer.id,
      version: 1,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      subject: "Slow after 6pm",
      category: "slow_speed",
      description: "Speed test 3 Mbit/s",
      customerId: customer.id,
      customer: { name: customer.name },
      version: 2,
    });
    const updated = (await eventsOf(db(), ticket.id)).filter((e) => e.kind === "updated");
    expect(updated).toHaveLength(1);
    expect(updated[0]?.data).toMatchObject({
      fields: ["customerId", "subject", "category", "description"],
      changes: {
        subject: { from: ticket.subject, to: "Slow after 6pm" },
        category: { from: "other", to: "slow_speed" },
      },
    });
  });

  it("assigns to active staff with an event and the assigned SMS, and refuses inactive or unknown staff", async () => {
    const tech = await makeTechnician(admin);
    const ticket = await makeTicket(john);
    const assigned = await john.patch(`/api/tickets/${ticket.id}`, { assigneeId: tech.id, version: 1 });
    expect(assigned.statusCode).toBe(200);
    expect(assigned.json()).toMatchObject({ assigneeId: tech.id, assignee: { id: tech.id, name: tech.name } });
    const reassigned = await john.patch(`/api/tickets/${ticket.id}`, { assigneeId: john.user.id, version: 2 });
    expect(reassigned.statusCode).toBe(200);
    const unassigned = await john.patch(`/api/tickets/${ticket.id}`, { assigneeId: null, version: 3 });
    expect(unassigned.json()).toMatchObject({ assigneeId: null, assignee: null });
    const assignments = (await eventsOf(db(), ticket.id)).filter((e) => e.kind === "assigned");
    expect(assignments.map((e) => [e.fromValue, e.toValue])).toEqual([
      [null, tech.id],
      [tech.id, john.user.id],
      [john.user.id, null],
    ]);
    // An SMS per assignment to someone; none for unassigning.
    expect((await smsPurposesOf(db(), ticket.id)).filter((p) => p === "ticket_assigned")).toHaveLength(2);

    expect((await admin.patch(`/api/users/${tech.id}`, { active: false })).statusCode).toBe(200);
    const refused = await john.patch(`/api/tickets/${ticket.id}`, { assigneeId: tech.id, version: 4 });
    expect(refused.statusCode).toBe(422);
    expect(problemOf(refused)).toMatchObject({ code: "ticket.assignee_inactive", errors: [{ field: "assigneeId" }] });
    expect(problemOf(refused).detail).toContain("deactivated");
    const refusedOnCreate = await john.post("/api/tickets", { subject: "x", assigneeId: tech.id });
    expect(refusedOnCreate.statusCode).toBe(422);
    const unknown = await john.patch(`/api/tickets/${ticket.id}`, {
      assigneeId: "00000000-0000-4000-8000-000000000000",
      version: 4,
    });
    expect(problemOf(unknown)).toMatchObject({ status: 422, code: "ticket.assignee_unknown" });
    expect((await ticketRow(db(), ticket.id)).version).toBe(4);
  });

  it("creates with an assignee: created and assigned events, created and assigned SMS", async () => {
    const jane = await signIn(t().app, DEMO.jane);
    const ticket = await makeTicket(john, { assigneeId: jane.user.id });
    const kinds = (await eventsOf(db(), ticket.id)).map((e) => e.kind).filter((k) => !k.startsWith("sms_"));
    expect(kinds).toEqual(["created", "assigned"]);
    expect(await smsPurposesOf(db(), ticket.id)).toEqual(["ticket_assigned", "ticket_created"]);
  });

  it("answers 409 with the current ticket and who changed what on a stale version; nothing changes", async () => {
    const jane = await signIn(t().app, DEMO.jane);
    const ticket = await makeTicket(john);
    t().clock.advance(60_000);
    expect((await jane.patch(`/api/tickets/${ticket.id}`, { status: "in_progress", version: 1 })).statusCode).toBe(200);
    const stale = await john.patch(`/api/tickets/${ticket.id}`, { priority: "urgent", version: 1 });
    expect(stale.statusCode).toBe(409);
    const problem = problemOf(stale);
    expect(problem.code).toBe("ticket.version_conflict");
    expect(problem.detail).toContain("Jane");
    expect(problem.current).toMatchObject({ id: ticket.id, status: "in_progress", priority: "normal", version: 2 });
    expect(problem.changes).toEqual([
      {
        kind: "status_changed",
        fields: ["status"],
        from: "open",
        to: "in_progress",
        by: { id: jane.user.id, name: expect.any(String) },
        at: "2026-03-02T09:01:00.000Z",
      },
    ]);
    const row = await ticketRow(db(), ticket.id);
    expect(row).toMatchObject({ priority: "normal", version: 2 });
    expect((await eventsOf(db(), ticket.id)).filter((e) => e.kind === "priority_changed")).toHaveLength(0);
    // Reapplying on the current version works.
    const again = await john.patch(`/api/tickets/${ticket.id}`, { priority: "urgent", version: 2 });
    expect(again.json()).toMatchObject({ priority: "urgent", status: "in_progress", version: 3 });
  });

  it("answers a version past PostgreSQL's integer range with 422, not 500", async () => {
    const ticket = await makeTicket(john);
    const response = await john.patch(`/api/tickets/${ticket.id}`, { priority: "urgent", version: 2_147_483_648 });
    expect(response.statusCode).toBe(422);
    expect(problemOf(response).errors?.[0]?.field).toBe("version");
    expect(await ticketRow(db(), ticket.id)).toMatchObject({ priority: "normal", version: 1 });
  });

  it("writes a change and its events atomically: a failure part-way leaves neither", async () => {
    // A bulk edit changes the first ticket (by id order) before it reaches the second, whose new
    // assignee turns out to be deactivated: the whole transaction must roll back.
    const tech = await makeTechnician(admin);
    const a = await makeTicket(john, { assigneeId: tech.id });
    const b = await makeTicket(john);
    const [first, second] = [a, b].sort((x, y) => (x.id < y.id ? -1 : 1));
    if (!first || !second) throw new Error("unreachable");
    // The first ticket in lock order must already be assigned to tech (no check), the second not.
    if (first.id !== a.id) {
      expect((await john.patch(`/api/tickets/${a.id}`, { assigneeId: null, version: 1 })).statusCode).toBe(200);
      expect((await john.patch(`/api/tickets/${b.id}`, { assigneeId: tech.id, version: 1 })).statusCode).toBe(200);
    }
    // Straight to the table on purpose: the API now hands a leaver's open tickets to someone when
    // deactivating them, so a deactivated account still holding a ticket exists only in data from
    // before that rule, which is the state this test needs.
    await db().update(users).set({ active: false }).where(eq(users.id, tech.id));
    const before = await Promise.all([ticketRow(db(), first.id), ticketRow(db(), second.id)]);
    const eventsBefore = await db().select().from(ticketEvents).where(eq(ticketEvents.ticketId, first.id));
    const response = await john.post("/api/tickets/bulk", {
      ids: [first.id, second.id],
      assigneeId: tech.id,
      status: "in_progress",
    });
    expect(response.statusCode).toBe(422);
    const after = await Promise.all([ticketRow(db(), first.id), ticketRow(db(), second.id)]);
    expect(after).toEqual(before);
    expect(after[0]?.status).toBe("open");
    const eventsAfter = await db().select().from(ticketEvents).where(eq(ticketEvents.ticketId, first.id));
    expect(eventsAfter).toHaveLength(eventsBefore.length);
  });

  it("validates input with messages a person can act on", async () => {
    const missing = await john.post("/api/tickets", { description: "no subject" });
    expect(missing.statusCode).toBe(422);
    expect(problemOf(missing).errors).toContainEqual({ field: "subject", message: "Subject is required" });
    const badPriority = await john.post("/api/tickets", { subject: "x", priority: "asap" });
    expect(problemOf(badPriority).errors?.[0]?.field).toBe("priority");
    const unknownCustomer = await john.post("/api/tickets", {
      subject: "x",
      customerId: "00000000-0000-4000-8000-000000000000",
    });
    expect(problemOf(unknownCustomer)).toMatchObject({ status: 422, code: "ticket.customer_unknown" });
    const archived = await makeCustomer(admin);
    expect((await admin.delete(`/api/customers/${archived.id}`)).statusCode).toBe(200);
    const onArchived = await john.post("/api/tickets", { subject: "x", customerId: archived.id });
    expect(problemOf(onArchived)).toMatchObject({ status: 422, code: "ticket.customer_archived" });
    const ticket = await makeTicket(john);
    const noVersion = await john.patch(`/api/tickets/${ticket.id}`, { status: "closed" });
    expect(problemOf(noVersion).errors?.[0]?.field).toBe("version");
    const extra = await john.patch(`/api/tickets/${ticket.id}`, { number: "T-999999", version: 1 });
    expect(extra.statusCode).toBe(422);
    const notFound = await john.get("/api/tickets/00000000-0000-4000-8000-000000000000");
    expect(problemOf(notFound)).toMatchObject({ status: 404, code: "ticket.not_found" });
    const badId = await john.get("/api/tickets/not-a-uuid");
    expect(badId.statusCode).toBeGreaterThanOrEqual(400);
    expect(badId.statusCode).toBeLessThan(500);
    expect((await ticketRow(db(), ticket.id)).version).toBe(1);
  });

  it("requires a signed-in user and the CSRF token", async () => {
    const anonymous = await t().app.inject({ method: "GET", url: "/api/tickets" });
    expect(anonymous.statusCode).toBe(401);
    const noCsrf = await t().app.inject({
      method: "POST",
      url: "/api/tickets",
      headers: { cookie: john.cookie },
      payload: { subject: "x" },
    });
    expect(noCsrf.statusCode).toBe(403);
  });
});

describe.each(testDatabaseKinds())("ticket numbers on %s", (kind) => {
  const t = useTestApp(kind);

  it("pads to six digits and grows past T-999999 without colliding", async () => {
    const john = await signIn(t().app, DEMO.john);
    await t().database.handle.db.execute(sql`select setval('ticket_number_seq', 999999, false)`);
    const numbers = [(await makeTicket(john)).number, (await makeTicket(john)).number];
    expect(numbers).toEqual(["T-999999", "T-1000000"]);
    await t().database.handle.db.execute(sql`select setval('ticket_number_seq', 100000, false)`);
    expect((await makeTicket(john)).number).toBe("T-100000");
  });
});
