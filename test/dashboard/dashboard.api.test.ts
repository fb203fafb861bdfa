import { beforeAll, describe, expect, it } from "vitest";
import { HOUR, MINUTE } from "../../src/server/clock.js";
import type { Database } from "../../src/server/db/client.js";
import { ticketEvents, tickets } from "../../src/server/db/schema/index.js";
import type { Dashboard } from "../../src/shared/dashboard.js";
import type { TicketEventKind } from "../../src/shared/enums.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, makeTechnician } from "../support/factories/users.js";

/*
 * Every number here is worked out by hand from the fixtures below. "Now" is 10:00 UTC on
 * 2026-03-10, so the UTC window runs from 2026-02-09T00:00Z; in New York (EST until 8 March,
 * EDT after) it runs from 2026-02-09T05:00Z.
 */
const NOW = "2026-03-10T10:00:00.000Z";
const at = (iso: string) => new Date(iso);
const before = (ms: number) => new Date(Date.parse(NOW) - ms);
const after = (ms: number) => new Date(Date.parse(NOW) + ms);

type TicketRow = typeof tickets.$inferInsert;
type TicketKey = "T1" | "T2" | "T3" | "T4" | "T5" | "T6" | "T7" | "R1" | "R2" | "R3" | "R4" | "R5" | "R6";
type EventRow = typeof ticketEvents.$inferInsert;

interface Fixture {
  ids: { admin: string; john: string; jane: string; oldTech: string };
  customers: Record<"active1" | "active2" | "suspended" | "lead" | "cancelled" | "archived", string>;
  tickets: Record<TicketKey, string>;
  events: { id: number; ticketId: string; kind: TicketEventKind; createdAt: Date }[];
}

async function insertTicket(db: Database, row: Omit<TicketRow, "subject"> & { subject?: string }) {
  const [inserted] = await db
    .insert(tickets)
    .values({ subject: "Fixture ticket", updatedAt: row.createdAt, ...row })
    .returning({ id: tickets.id });
  if (!inserted) throw new Error("the fixture ticket was not inserted");
  return inserted.id;
}

async function buildFixture(db: Database, sessions: Record<"admin" | "john" | "jane", Session>): Promise<Fixture> {
  const ids = {
    admin: sessions.admin.user.id,
    john: sessions.john.user.id,
    jane: sessions.jane.user.id,
    oldTech: "",
  };
  const { admin } = sessions;
  // A deactivated technician who still has an open ticket: listed, because the work is real.
  const oldTech = await makeTechnician(admin, { name: "Old Tech", email: "old@isp.com" });
  expect((await admin.patch(`/api/users/${oldTech.id}`, { active: false })).statusCode).toBe(200);
  ids.oldTech = oldTech.id;
  // And an admin with no tickets: not listed.
  await makeStaff(admin, { name: "Quiet Admin", email: "quiet@isp.com", role: "admin" });

  const customer = async (name: string, status: "lead" | "active" | "suspended" | "cancelled", archived = false) => {
    const made = await makeCustomer(admin, { name, status });
    if (archived) expect((await admin.delete(`/api/customers/${made.id}`)).statusCode).toBe(200);
    return made.id;
  };
  const c = {
    active1: await customer("Alice Active", "active"),
    active2: await customer("Bob Active", "active"),
    suspended: await customer("Sam Suspended", "suspended"),
    lead: await customer("Lee Lead", "lead"),
    cancelled: await customer("Cal Cancelled", "cancelled"),
    archived: await customer("Archie Archived", "active", true),
  };

  // Tickets and their timeline go straight into the tables on purpose: each is placed at a
  // hand-picked time in the past (created, first response, resolved, events), which the API,
  // stamping everything "now", cannot do without replaying weeks of clock moves.
  const t = {} as Record<TicketKey, string>;
  // Open work.
  t.T1 = await insertTicket(db, {
    subject: "No service at Alice's",
    status: "open",
    priority: "urgent",
    assigneeId: ids.john,
    customerId: c.active1,
    dueAt: before(HOUR),
    createdAt: at("2026-03-10T00:00:00.000Z"),
  });
  t.T2 = await insertTicket(db, {
    subject: "Tower 4 link flapping",
    status: "in_progress",
    priority: "high",
    assigneeId: ids.john,
    dueAt: after(2 * HOUR),
    createdAt: at("2026-03-09T23:59:59.999Z"),
  });
  t.T3 = await insertTicket(db, {
    status: "waiting_on_customer",
    priority: "normal",
    assigneeId: ids.jane,
    customerId: c.active2,
    dueAt: before(MINUTE),
    createdAt: at("2026-02-20T12:00:00Z"),
  });
  t.T4 = await insertTicket(db, {
    status: "open",
    priority: "low",
    dueAt: null,
    createdAt: at("2026-02-08T12:00:00Z"),
  });
  t.T5 = await insertTicket(db, {
    status: "open",
    priority: "normal",
    customerId: c.suspended,
    dueAt: before(72 * HOUR),
    createdAt: at("2026-02-15T12:00:00Z"),
  });
  // Due in a minute: not yet overdue (overdue is "due at or before now", as in the queues).
  t.T6 = await insertTicket(db, {
    status: "in_progress",
    priority: "urgent",
    assigneeId: ids.admin,
    dueAt: after(MINUTE),
    createdAt: at("2026-03-01T12:00:00Z"),
  });
  t.T7 = await insertTicket(db, {
    status: "open",
    priority: "normal",
    assigneeId: ids.oldTech,
    dueAt: after(HOUR),
    createdAt: at("2026-01-10T12:00:00Z"),
  });
  // Resolved and closed work, with first responses: see the medians below.
  t.R1 = await insertTicket(db, {
    status: "resolved",
    assigneeId: ids.john,
    createdAt: at("2026-03-09T08:00:00Z"),
    firstResponseAt: at("2026-03-09T08:10:00Z"),
    resolvedAt: at("2026-03-09T09:00:00Z"),
  });
  t.R2 = await insertTicket(db, {
    status: "closed",
    assigneeId: ids.jane,
    createdAt: at("2026-03-05T12:00:00Z"),
    firstResponseAt: at("2026-03-05T12:30:00Z"),
    resolvedAt: at("2026-03-05T15:00:00Z"),
    closedAt: at("2026-03-06T09:00:00Z"),
  });
  t.R3 = await insertTicket(db, {
    status: "resolved",
    createdAt: at("2026-02-08T23:59:59Z"),
    firstResponseAt: at("2026-02-09T01:59:59Z"),
    resolvedAt: at("2026-02-09T09:59:59Z"),
  });
  // Closed without ever being resolved: counts as resolved when it was closed.
  t.R4 = await insertTicket(db, {
    status: "closed",
    createdAt: at("2026-02-09T00:00:00Z"),
    firstResponseAt: at("2026-02-09T02:00:00Z"),
    closedAt: at("2026-02-09T20:00:00Z"),
  });
  t.R5 = await insertTicket(db, {
    status: "closed",
    createdAt: at("2026-01-01T00:00:00Z"),
    firstResponseAt: at("2026-01-01T01:00:00Z"),
    resolvedAt: at("2026-01-02T00:00:00Z"),
    closedAt: at("2026-01-03T00:00:00Z"),
  });
  t.R6 = await insertTicket(db, {
    status: "resolved",
    customerId: c.active1,
    createdAt: at("2026-03-10T02:00:00Z"),
    firstResponseAt: at("2026-03-10T07:00:00Z"),
    resolvedAt: at("2026-03-10T09:00:00Z"),
  });

  // The timeline: a "created" event per ticket, then changes; two share a timestamp.
  const eventRows: EventRow[] = [];
  const ticketCreated: [TicketKey, string][] = [
    ["T1", "2026-03-10T00:00:00.000Z"],
    ["T2", "2026-03-09T23:59:59.999Z"],
    ["T3", "2026-02-20T12:00:00Z"],
    ["T4", "2026-02-08T12:00:00Z"],
    ["T5", "2026-02-15T12:00:00Z"],
    ["T6", "2026-03-01T12:00:00Z"],
    ["T7", "2026-01-10T12:00:00Z"],
    ["R1", "2026-03-09T08:00:00Z"],
    ["R2", "2026-03-05T12:00:00Z"],
    ["R3", "2026-02-08T23:59:59Z"],
    ["R4", "2026-02-09T00:00:00Z"],
    ["R5", "2026-01-01T00:00:00Z"],
    ["R6", "2026-03-10T02:00:00Z"],
  ];
  for (const [key, createdAt] of ticketCreated) {
    eventRows.push({
      ticketId: t[key],
      kind: "created",
      actorId: ids.admin,
      toValue: "open",
      createdAt: at(createdAt),
    });
  }
  for (const key of ["R1", "R2", "R3", "R4", "R5", "R6"] as const) {
    eventRows.push({ ticketId: t[key], kind: "commented", actorId: ids.john, createdAt: at("2026-02-01T00:00:00Z") });
  }
  eventRows.push(
    {
      ticketId: t.T1,
      kind: "assigned",
      actorId: ids.admin,
      fromValue: null,
      toValue: ids.john,
      createdAt: at("2026-03-10T00:05:00Z"),
    },
    {
      ticketId: t.T3,
      kind: "assigned",
      actorId: ids.admin,
      fromValue: ids.john,
      toValue: ids.jane,
      createdAt: at("2026-03-10T08:00:00Z"),
    },
    {
      ticketId: t.T1,
      kind: "priority_changed",
      actorId: ids.john,
      fromValue: "high",
      toValue: "urgent",
      createdAt: at("2026-03-10T08:00:00Z"),
    },
    {
      ticketId: t.R6,
      kind: "status_changed",
      actorId: ids.jane,
      fromValue: "in_progress",
      toValue: "resolved",
      createdAt: at("2026-03-10T09:00:00Z"),
    },
    // A customer's SMS reply on a network-wide ticket: no actor, no customer.
    { ticketId: t.T2, kind: "sms_received", actorId: null, createdAt: at("2026-03-10T09:30:00Z") },
  );
  const events = await db.insert(ticketEvents).values(eventRows).returning({
    id: ticketEvents.id,
    ticketId: ticketEvents.ticketId,
    kind: ticketEvents.kind,
    createdAt: ticketEvents.createdAt,
  });
  return { ids, customers: c, tickets: t, events: events.map((e) => ({ ...e, id: Number(e.id) })) };
}

const zeroDays = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const day = new Date(Date.parse(`${from}T00:00:00Z`) + i * 24 * HOUR).toISOString().slice(0, 10);
    return { date: day, created: 0, resolved: 0 };
  });

/** The expected per-day rows: 30 days from `from`, with the given non-zero days. */
function expectedDaily(from: string, nonZero: Record<string, { created?: number; resolved?: number }>) {
  return zeroDays(from, 30).map((day) => ({ ...day, ...nonZero[day.date] }));
}

describe.each(testDatabaseKinds())("GET /api/dashboard on %s", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock(NOW) });
  let admin: Session;
  let john: Session;
  let jane: Session;
  let fixture: Fixture;

  beforeAll(async () => {
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
    jane = await signIn(t().app, DEMO.jane);
    fixture = await buildFixture(t().database.handle.db, { admin, john, jane });
  });

  async function dashboardOf(session: Session, query = ""): Promise<Dashboard> {
    const response = await session.get(`/api/dashboard${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  it("counts open tickets by status and priority, and overdue ones (due before now)", async () => {
    const dashboard = await dashboardOf(admin);
    expect(dashboard.generatedAt).toBe(NOW);
    expect(dashboard.tickets.open).toBe(7);
    // T1 (an hour late), T3 (a minute late), T5 (three days late); T6 is due in a minute.
    expect(dashboard.tickets.overdue).toBe(3);
    expect(dashboard.tickets.byStatus).toEqual([
      { status: "open", count: 4 },
      { status: "in_progress", count: 2 },
      { status: "waiting_on_customer", count: 1 },
    ]);
    expect(dashboard.tickets.byPriority).toEqual([
      { priority: "low", open: 1, overdue: 0 },
      { priority: "normal", open: 3, overdue: 2 },
      { priority: "high", open: 1, overdue: 0 },
      { priority: "urgent", open: 2, overdue: 1 },
    ]);
  });

  it("lists open work per person: active technicians, anyone else holding open tickets, and the unassigned", async () => {
    const dashboard = await dashboardOf(admin);
    const { ids } = fixture;
    expect(dashboard.technicians).toEqual([
      { userId: ids.john, name: "John Tech", role: "technician", active: true, open: 2, overdue: 1 },
      { userId: ids.admin, name: "Admin", role: "admin", active: true, open: 1, overdue: 0 },
      { userId: ids.jane, name: "Jane Tech", role: "technician", active: true, open: 1, overdue: 1 },
      { userId: ids.oldTech, name: "Old Tech", role: "technician", active: false, open: 1, overdue: 0 },
    ]);
    expect(dashboard.unassigned).toEqual({ open: 2, overdue: 1 });
  });

  it("gives each person their own queue, soonest due first", async () => {
    const mine = (await dashboardOf(john)).mine;
    expect(mine.open).toBe(2);
    expect(mine.overdue).toBe(1);
    expect(mine.tickets.map((ticket) => [ticket.id, ticket.overdue, ticket.customer?.name ?? null])).toEqual([
      [fixture.tickets.T1, true, "Alice Active"],
      [fixture.tickets.T2, false, null],
    ]);
    expect(mine.tickets[0]).toMatchObject({
      subject: "No service at Alice's",
      status: "open",
      priority: "urgent",
      dueAt: before(HOUR).toISOString(),
      customer: { id: fixture.customers.active1, name: "Alice Active" },
    });
    expect(mine.tickets[1]?.number).toMatch(/^T-\d{6}$/);

    const janes = (await dashboardOf(jane)).mine;
    expect(janes).toMatchObject({ open: 1, overdue: 1 });
    expect(janes.tickets.map((ticket) => ticket.id)).toEqual([fixture.tickets.T3]);
    // Resolved tickets assigned to john (R1) never show in a queue.
    expect((await dashboardOf(admin)).mine).toMatchObject({ open: 1, overdue: 0 });
  });

  it("counts created and resolved tickets per UTC day over the last 30 days, zero days included", async () => {
    const dashboard = await dashboardOf(admin);
    expect(dashboard.timeZone).toBe("UTC");
    expect(dashboard.window).toEqual({ from: "2026-02-09T00:00:00.000Z", to: NOW });
    expect(dashboard.daily).toHaveLength(30);
    expect(dashboard.daily).toEqual(
      expectedDaily("2026-02-09", {
        // R4 at the first instant of the window; R3 a second before it is not counted as created,
        // but its resolution at 09:59:59 is. R4 closed without being resolved counts on its closing day.
        "2026-02-09": { created: 1, resolved: 2 },
        "2026-02-15": { created: 1 },
        "2026-02-20": { created: 1 },
        "2026-03-01": { created: 1 },
        "2026-03-05": { created: 1, resolved: 1 },
        // R1, and T2 at 23:59:59.999; T1 at midnight belongs to the next day.
        "2026-03-09": { created: 2, resolved: 1 },
        "2026-03-10": { created: 2, resolved: 1 },
      }),
    );
  });

  it("buckets days in the requested time zone, across a daylight-saving change", async () => {
    const dashboard = await dashboardOf(admin, "?tz=America/New_York");
    expect(dashboard.timeZone).toBe("America/New_York");
    // Local midnight on 9 February is 05:00 UTC (EST); on 10 March New York is on EDT.
    expect(dashboard.window.from).toBe("2026-02-09T05:00:00.000Z");
    expect(dashboard.daily).toHaveLength(30);
    expect(dashboard.daily).toEqual(
      expectedDaily("2026-02-09", {
        // R4 (00:00 UTC) is 19:00 on the 8th in New York: outside the window.
        "2026-02-09": { resolved: 2 },
        "2026-02-15": { created: 1 },
        "2026-02-20": { created: 1 },
        "2026-03-01": { created: 1 },
        "2026-03-05": { created: 1, resolved: 1 },
        // R1 04:00, T2 19:59, T1 20:00 and R6 22:00 local, all on the 9th.
        "2026-03-09": { created: 4, resolved: 1 },
        "2026-03-10": { resolved: 1 },
      }),
    );
    // The same window bounds the medians: R4 drops out of the first-response median.
    expect(dashboard.medians).toEqual({
      firstResponseSeconds: 30 * 60,
      firstResponseSample: 3,
      resolutionSeconds: 7 * 3600,
      resolutionSample: 5,
    });
  });

  it("takes medians of first response (tickets created in the window) and of resolution (tickets resolved in it)", async () => {
    const { medians } = await dashboardOf(admin);
    // First responses of R1 10 min, R2 30 min, R4 2 h, R6 5 h (R3 and R5 were created before the
    // window): an even count, so the mean of the middle two, 75 minutes.
    expect(medians.firstResponseSample).toBe(4);
    expect(medians.firstResponseSeconds).toBe(75 * 60);
    // Resolutions of R1 1 h, R2 3 h, R6 7 h, R3 10 h, R4 20 h (closed unresolved); R5 was resolved long ago.
    expect(medians.resolutionSample).toBe(5);
    expect(medians.resolutionSeconds).toBe(7 * 3600);
  });

  it("counts customers by status, archived ones left out", async () => {
    const { customers } = await dashboardOf(admin);
    expect(customers).toEqual({
      total: 5,
      byStatus: [
        { status: "lead", count: 1 },
        { status: "pending_install", count: 0 },
        { status: "active", count: 2 },
        { status: "suspended", count: 1 },
        { status: "cancelled", count: 1 },
      ],
    });
  });

  it("shows the 20 most recent timeline events, newest first, with actor, ticket and customer", async () => {
    const { recentActivity } = await dashboardOf(admin);
    const expected = [...fixture.events]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
      .slice(0, 20);
    expect(fixture.events.length).toBeGreaterThan(20);
    expect(recentActivity.map((event) => event.id)).toEqual(expected.map((event) => String(event.id)));

    const [newest, resolved, priority, assigned] = recentActivity;
    expect(newest).toMatchObject({ kind: "sms_received", at: "2026-03-10T09:30:00.000Z", actor: null, customer: null });
    expect(newest?.ticket).toMatchObject({ id: fixture.tickets.T2, subject: "Tower 4 link flapping" });
    expect(resolved).toMatchObject({
      kind: "status_changed",
      fromValue: "in_progress",
      toValue: "resolved",
      actor: { id: fixture.ids.jane, name: "Jane Tech" },
      ticket: { id: fixture.tickets.R6 },
      customer: { id: fixture.customers.active1, name: "Alice Active" },
    });
    // Two events at 08:00: the later-recorded one (higher id) first. Assignments name the people.
    expect(priority).toMatchObject({ kind: "priority_changed", fromValue: "high", toValue: "urgent" });
    expect(assigned).toMatchObject({ kind: "assigned", fromValue: "John Tech", toValue: "Jane Tech" });
    expect(recentActivity.find((event) => event.kind === "assigned" && event.fromValue === null)?.toValue).toBe(
      "John Tech",
    );
  });

  it("moves with the clock: a ticket becomes overdue and the window slides at midnight", async () => {
    const clock = t().clock;
    try {
      // A minute later T6 (due at 10:01 sharp) is due, so overdue too.
      clock.set(after(MINUTE));
      expect((await dashboardOf(admin)).tickets.overdue).toBe(4);
      // Just past midnight: 10 March becomes the second-to-last day and 9 February drops out.
      // Fourteen hours on, the earlier sessions have idled out: sign in again.
      clock.set("2026-03-11T00:00:00.001Z");
      const next = await dashboardOf(await signIn(t().app, DEMO.admin));
      expect(next.daily[0]).toEqual({ date: "2026-02-10", created: 0, resolved: 0 });
      expect(next.daily.at(-2)).toEqual({ date: "2026-03-10", created: 2, resolved: 1 });
      expect(next.daily.at(-1)).toEqual({ date: "2026-03-11", created: 0, resolved: 0 });
      // R4 and R3 (9 February) leave both medians: 10 min, 30 min, 5 h; and 1 h, 3 h, 7 h.
      expect(next.medians).toEqual({
        firstResponseSeconds: 30 * 60,
        firstResponseSample: 3,
        resolutionSeconds: 3 * 3600,
        resolutionSample: 3,
      });
    } finally {
      clock.set(NOW);
      admin = await signIn(t().app, DEMO.admin);
      john = await signIn(t().app, DEMO.john);
    }
  });

  it("answers a technician the same numbers", async () => {
    const forJohn = await dashboardOf(john);
    const forAdmin = await dashboardOf(admin);
    expect({ ...forJohn, mine: null }).toEqual({ ...forAdmin, mine: null });
  });

  it("refuses a signed-out request and an unknown time zone", async () => {
    const signedOut = await t().app.inject({ method: "GET", url: "/api/dashboard" });
    expect(signedOut.statusCode).toBe(401);
    expect(problemOf(signedOut).status).toBe(401);

    const badZone = await admin.get("/api/dashboard?tz=Mars%2FOlympus_Mons");
    expect(badZone.statusCode).toBe(422);
    expect(problemOf(badZone).errors).toEqual([
      { field: "tz", message: "tz must be an IANA time zone name such as Europe/Berlin or UTC" },
    ]);
    const injection = await admin.get(`/api/dashboard?tz=${encodeURIComponent("UTC'; drop table tickets; --")}`);
    expect(injection.statusCode).toBe(422);
    // Known to the browser's (and Node's) zone data, long gone from PostgreSQL's.
    const retired = await admin.get(`/api/dashboard?tz=${encodeURIComponent("US/Pacific-New")}`);
    expect(retired.statusCode).toBe(422);
    expect(problemOf(retired).errors).toEqual([
      { field: "tz", message: 'tz: the database does not know the time zone "US/Pacific-New"' },
    ]);
    const offset = await admin.get(`/api/dashboard?tz=${encodeURIComponent("+05:00")}`);
    expect(offset.statusCode).toBe(422);
    const unknownParameter = await admin.get("/api/dashboard?days=90");
    expect(unknownParameter.statusCode).toBe(422);
    expect((await dashboardOf(admin)).tickets.open).toBe(7);
  });
});

describe.each(testDatabaseKinds())("GET /api/dashboard on a fresh install (%s)", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock(NOW) });

  it("answers zeros, 30 empty days, no medians and no activity", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    const jane = await signIn(t().app, DEMO.jane);
    const response = await admin.get("/api/dashboard");
    expect(response.statusCode).toBe(200);
    const dashboard: Dashboard = response.json();
    expect(dashboard.tickets).toEqual({
      open: 0,
      overdue: 0,
      byStatus: [
        { status: "open", count: 0 },
        { status: "in_progress", count: 0 },
        { status: "waiting_on_customer", count: 0 },
      ],
      byPriority: ["low", "normal", "high", "urgent"].map((priority) => ({ priority, open: 0, overdue: 0 })),
    });
    expect(dashboard.mine).toEqual({ open: 0, overdue: 0, tickets: [] });
    // The active technicians are listed with nothing to do; admins are not.
    expect(dashboard.technicians).toEqual([
      { userId: jane.user.id, name: "Jane Tech", role: "technician", active: true, open: 0, overdue: 0 },
      { userId: john.user.id, name: "John Tech", role: "technician", active: true, open: 0, overdue: 0 },
    ]);
    expect(dashboard.unassigned).toEqual({ open: 0, overdue: 0 });
    expect(dashboard.daily).toEqual(zeroDays("2026-02-09", 30));
    expect(dashboard.medians).toEqual({
      firstResponseSeconds: null,
      firstResponseSample: 0,
      resolutionSeconds: null,
      resolutionSample: 0,
    });
    expect(dashboard.customers.total).toBe(0);
    expect(dashboard.customers.byStatus.every((row) => row.count === 0)).toBe(true);
    expect(dashboard.recentActivity).toEqual([]);
  });
});

describe.each(testDatabaseKinds())("GET /api/dashboard with tickets from the tickets API (%s)", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock(NOW) });

  it("reflects creation, assignment and resolution as the tickets API records them", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    const ticket = await makeTicket(admin, { subject: "Fibre cut on Main St", priority: "urgent" });
    let dashboard = await dashboardOf(admin);
    expect(dashboard.tickets).toMatchObject({ open: 1, overdue: 0 });
    expect(dashboard.unassigned).toEqual({ open: 1, overdue: 0 });
    expect(dashboard.daily.at(-1)).toEqual({ date: "2026-03-10", created: 1, resolved: 0 });

    t().clock.advance(30 * MINUTE);
    const assigned = await admin.patch(`/api/tickets/${ticket.id}`, {
      assigneeId: john.user.id,
      version: ticket.version,
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    dashboard = await dashboardOf(john);
    expect(dashboard.mine).toMatchObject({ open: 1, overdue: 0 });
    expect(dashboard.mine.tickets.map((row) => row.subject)).toEqual(["Fibre cut on Main St"]);
    const assignment = dashboard.recentActivity.find((event) => event.kind === "assigned");
    expect(assignment).toMatchObject({ toValue: "John Tech", actor: { name: "Admin" }, ticket: { id: ticket.id } });

    // Five hours after creation the 4-hour urgent target has passed.
    t().clock.advance(4 * HOUR + 30 * MINUTE);
    expect((await dashboardOf(admin)).tickets.overdue).toBe(1);

    const resolved = await john.patch(`/api/tickets/${ticket.id}`, {
      status: "resolved",
      version: assigned.json().version,
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    dashboard = await dashboardOf(admin);
    expect(dashboard.tickets).toMatchObject({ open: 0, overdue: 0 });
    expect(dashboard.daily.at(-1)).toEqual({ date: "2026-03-10", created: 1, resolved: 1 });
    expect(dashboard.medians).toMatchObject({ resolutionSeconds: 5 * 3600, resolutionSample: 1 });
    expect(dashboard.recentActivity.find((event) => event.kind === "status_changed")).toMatchObject({
      fromValue: "open",
      toValue: "resolved",
      actor: { name: "John Tech" },
    });
  });

  async function dashboardOf(session: Session): Promise<Dashboard> {
    const response = await session.get("/api/dashboard");
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }
});
