import { and, desc, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { auditLog, tickets } from "../../src/server/db/schema/index.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { eventsOf, HOUR } from "./helpers.js";

// Friday 6 March 2026. The US moves its clocks forward on Sunday 8 March.
const FRIDAY_9AM = "2026-03-06T09:00:00.000Z";
const DEFAULT_HOURS = { urgent: 4, high: 8, normal: 24, low: 72 };
const ALWAYS = { open: "00:00", close: "24:00" };
const OFFICE = { open: "09:00", close: "17:00" };
const DEFAULTS = {
  resolutionHours: DEFAULT_HOURS,
  firstResponseHours: { urgent: 1, high: 2, normal: 4, low: 8 },
  timeZone: null,
  week: [ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS],
  holidays: [],
};
const WEEKDAYS_9_TO_5 = [OFFICE, OFFICE, OFFICE, OFFICE, OFFICE, null, null];

describe.each(testDatabaseKinds())("SLA clock on %s", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock(FRIDAY_9AM), env: { DASHBOARD_CACHE_SECONDS: "0" } });
  let admin: Session;
  let john: Session;
  const db = () => t().database.handle.db;
  const get = async (id: string) => (await john.get(`/api/tickets/${id}`)).json();
  const patch = async (id: string, change: Record<string, unknown>) => {
    const current = await get(id);
    const response = await john.patch(`/api/tickets/${id}`, { ...change, version: current.version });
    expect(response.statusCode).toBe(200);
    return response.json();
  };
  const setPolicy = async (policy: Record<string, unknown>) => {
    const response = await admin.put("/api/tickets/sla-settings", { ...DEFAULTS, ...policy });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const overdueIds = async (query: string) => {
    const response = await john.get(`/api/tickets?limit=100&${query}`);
    expect(response.statusCode).toBe(200);
    return response.json().items.map((item: { id: string }) => item.id) as string[];
  };
  const dashboardOverdue = async () => (await john.get("/api/dashboard")).json().tickets.overdue as number;

  // Sessions expire when the clock jumps days ahead: sign in again after each move.
  const setClock = async (at: string) => {
    t().clock.set(at);
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
  };
  const advance = async (ms: number) => setClock(new Date(t().clock.now().getTime() + ms).toISOString());

  beforeEach(async () => {
    t().clock.set(FRIDAY_9AM);
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
    // The policy is shared by the whole database: every test starts from the defaults.
    await setPolicy({});
  });

  it("has a default policy of today's targets around the clock, with first-response targets", async () => {
    const response = await john.get("/api/tickets/sla-settings");
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ...DEFAULTS, defaultTimeZone: "UTC" });
    const ticket = await makeTicket(john, { priority: "high" });
    expect(ticket).toMatchObject({
      dueAt: "2026-03-06T17:00:00.000Z",
      firstResponseDueAt: "2026-03-06T11:00:00.000Z",
      slaPaused: false,
      slaRemainingSeconds: null,
      overdue: false,
      firstResponseOverdue: false,
    });
  });

  it("stops the clock while waiting on the customer: resuming shifts the due time by the wait", async () => {
    const ticket = await makeTicket(john, { priority: "normal" });
    expect(ticket.dueAt).toBe("2026-03-07T09:00:00.000Z");
    await advance(2 * HOUR);
    const waiting = await patch(ticket.id, { status: "waiting_on_customer" });
    expect(waiting).toMatchObject({ slaPaused: true, dueAt: null, slaRemainingSeconds: 22 * 3600, overdue: false });
    // Long past the old due time: still not overdue, the clock stands still.
    await advance(30 * HOUR);
    expect(await get(ticket.id)).toMatchObject({ slaPaused: true, overdue: false });
    const resumed = await patch(ticket.id, { status: "in_progress" });
    // 30 hours of waiting: due 30 hours later than first set.
    expect(resumed).toMatchObject({
      slaPaused: false,
      slaRemainingSeconds: null,
      dueAt: "2026-03-08T15:00:00.000Z",
      overdue: false,
    });

    // The timeline says so, with who and when.
    const events = (await eventsOf(db(), ticket.id)).filter((e) => e.kind.startsWith("sla_"));
    expect(events).toMatchObject([
      { kind: "sla_paused", actorId: john.user.id, createdAt: new Date("2026-03-06T11:00:00Z") },
      { kind: "sla_resumed", actorId: john.user.id, createdAt: new Date("2026-03-07T17:00:00Z") },
    ]);
    const timeline = (await john.get(`/api/tickets/${ticket.id}/timeline`)).json();
    const entries = (timeline.items ?? timeline) as { kind?: string; type?: string }[];
    const kinds = JSON.stringify(entries);
    expect(kinds).toContain("sla_paused");
    expect(kinds).toContain("sla_resumed");
  });

  it("stops the clock while resolved and restarts it with the time that was left on reopening", async () => {
    const ticket = await makeTicket(john, { priority: "urgent" });
    await advance(HOUR);
    expect(await patch(ticket.id, { status: "resolved" })).toMatchObject({
      slaPaused: true,
      slaRemainingSeconds: 3 * 3600,
    });
    await advance(48 * HOUR);
    // Resolved to closed: still stopped, nothing new on the timeline.
    await patch(ticket.id, { status: "closed" });
    const reopened = await patch(ticket.id, { status: "open" });
    expect(reopened).toMatchObject({ slaPaused: false, dueAt: "2026-03-08T13:00:00.000Z", overdue: false });
    const kinds = (await eventsOf(db(), ticket.id)).map((e) => e.kind).filter((k) => k.startsWith("sla_"));
    expect(kinds).toEqual(["sla_paused", "sla_resumed"]);
  });

  it("is never overdue while stopped: the ticket, the overdue filter and the dashboard agree", async () => {
    const ticket = await makeTicket(john, { priority: "high", subject: "sla-overdue-check" });
    await advance(9 * HOUR);
    expect((await get(ticket.id)).overdue).toBe(true);
    expect(await overdueIds("overdue=true")).toContain(ticket.id);
    expect(await overdueIds("overdue=false")).not.toContain(ticket.id);
    expect(await dashboardOverdue()).toBeGreaterThanOrEqual(1);
    const overdueNow = await dashboardOverdue();

    const waiting = await patch(ticket.id, { status: "waiting_on_customer" });
    expect(waiting).toMatchObject({ overdue: false, slaPaused: true, slaRemainingSeconds: -HOUR / 1000 });
    expect(await overdueIds("overdue=true")).not.toContain(ticket.id);
    expect(await overdueIds("overdue=false")).toContain(ticket.id);
    expect(await overdueIds("overdue=true&sort=due")).not.toContain(ticket.id);
    expect(await dashboardOverdue()).toBe(overdueNow - 1);

    // Back on the clock it is as late as it was when it stopped: an hour.
    const resumed = await patch(ticket.id, { status: "in_progress" });
    expect(resumed).toMatchObject({ overdue: true, dueAt: "2026-03-06T17:00:00.000Z" });
    expect(await overdueIds("overdue=true")).toContain(ticket.id);
    expect(await dashboardOverdue()).toBe(overdueNow);
  });

  it("re-targets on a priority change without counting time spent waiting", async () => {
    const ticket = await makeTicket(john, { priority: "normal" });
    await advance(2 * HOUR);
    await patch(ticket.id, { status: "waiting_on_customer" });
    await advance(10 * HOUR);
    // Stopped: the new 4-hour target less the 2 hours run leaves 2 hours, still stopped.
    expect(await patch(ticket.id, { priority: "urgent" })).toMatchObject({
      slaPaused: true,
      dueAt: null,
      slaRemainingSeconds: 2 * 3600,
    });
    await advance(HOUR);
    expect((await patch(ticket.id, { status: "open" })).dueAt).toBe("2026-03-07T00:00:00.000Z");
    // Running again: 1 more hour run (3 in all), then high (8 h) leaves 5 hours from now.
    await advance(HOUR);
    expect(await patch(ticket.id, { priority: "high" })).toMatchObject({
      dueAt: "2026-03-07T04:00:00.000Z",
      overdue: false,
    });
  });

  it("sets a first-response due time, late until staff answer, met once they do", async () => {
    const late = await makeTicket(john, { priority: "urgent" });
    const prompt = await makeTicket(john, { priority: "urgent" });
    expect(late).toMatchObject({ firstResponseDueAt: "2026-03-06T10:00:00.000Z", firstResponseOverdue: false });
    await advance(30 * 60_000);
    expect(await patch(prompt.id, { status: "in_progress" })).toMatchObject({
      firstResponseAt: "2026-03-06T09:30:00.000Z",
      firstResponseOverdue: false,
    });
    await advance(30 * 60_000);
    expect((await get(late.id)).firstResponseOverdue).toBe(true);
    expect((await get(prompt.id)).firstResponseOverdue).toBe(false);
    const answered = await patch(late.id, { status: "in_progress" });
    expect(answered).toMatchObject({ firstResponseAt: "2026-03-06T10:00:00.000Z", firstResponseOverdue: false });

    // The first-response target is editable like the resolution target.
    await setPolicy({ firstResponseHours: { urgent: 2, high: 3, normal: 6, low: 12 } });
    expect((await makeTicket(john, { priority: "high" })).firstResponseDueAt).toBe("2026-03-06T13:00:00.000Z");
  });

  it("counts business hours only: Friday afternoon to Monday", async () => {
    await setPolicy({ week: WEEKDAYS_9_TO_5 });
    await setClock("2026-03-06T16:00:00.000Z");
    // 8 hours: one on Friday, seven on Monday.
    const ticket = await makeTicket(john, { priority: "high" });
    expect(ticket).toMatchObject({ dueAt: "2026-03-09T16:00:00.000Z", firstResponseDueAt: "2026-03-09T10:00:00.000Z" });
    // Opened at closing time: the whole target falls on Monday.
    await setClock("2026-03-06T17:00:00.000Z");
    expect((await makeTicket(john, { priority: "high" })).dueAt).toBe("2026-03-09T17:00:00.000Z");
    // Waiting over the weekend costs nothing, waiting in office hours is given back in office hours.
    await setClock("2026-03-06T16:00:00.000Z");
    const waited = await makeTicket(john, { priority: "high" });
    await setClock("2026-03-06T16:30:00.000Z");
    expect((await patch(waited.id, { status: "waiting_on_customer" })).slaRemainingSeconds).toBe(7.5 * 3600);
    await setClock("2026-03-09T10:00:00.000Z");
    expect((await patch(waited.id, { status: "in_progress" })).dueAt).toBe("2026-03-10T09:30:00.000Z");
  });

  it("skips holidays", async () => {
    await setPolicy({ week: WEEKDAYS_9_TO_5, holidays: ["2026-03-09"] });
    await setClock("2026-03-06T16:00:00.000Z");
    expect((await makeTicket(john, { priority: "high" })).dueAt).toBe("2026-03-10T16:00:00.000Z");
  });

  it("reads opening hours in the ISP's time zone, across the change to summer time", async () => {
    await setPolicy({ week: WEEKDAYS_9_TO_5, timeZone: "America/Chicago" });
    // Friday 16:00 in Chicago (CST, UTC−6): one hour Friday, seven on Monday from 09:00 CDT (UTC−5).
    await setClock("2026-03-06T22:00:00.000Z");
    const ticket = await makeTicket(john, { priority: "high" });
    expect(ticket.dueAt).toBe("2026-03-09T21:00:00.000Z");
  });

  it("uses the TIME_ZONE setting when the policy names no zone", async () => {
    const view = (await john.get("/api/tickets/sla-settings")).json();
    expect(view.timeZone).toBeNull();
    expect(view.defaultTimeZone).toBe(t().config.TIME_ZONE);
  });

  it("lets only admins change the policy, validates it and audits it", async () => {
    const byTech = await john.put("/api/tickets/sla-settings", DEFAULTS);
    expect(byTech.statusCode).toBe(403);
    const invalid = await admin.put("/api/tickets/sla-settings", {
      ...DEFAULTS,
      firstResponseHours: { urgent: 0, high: 2, normal: 4, low: 8 },
      timeZone: "Mars/Olympus",
      week: [{ open: "17:00", close: "09:00" }, OFFICE, OFFICE, OFFICE, OFFICE, null, null],
      holidays: ["2026-02-30"],
    });
    expect(invalid.statusCode).toBe(422);
    const fields = problemOf(invalid).errors?.map((e) => e.field) ?? [];
    expect(fields).toEqual(
      expect.arrayContaining(["firstResponseHours.urgent", "timeZone", "week.0.close", "holidays.0"]),
    );
    // A month or day no calendar has: refused with the field named, never a 500 (found by the fuzz suite).
    const noSuchDate = await admin.put("/api/tickets/sla-settings", { ...DEFAULTS, holidays: ["2026-13-45"] });
    expect(noSuchDate.statusCode).toBe(422);
    expect(problemOf(noSuchDate).errors?.map((e) => e.field)).toEqual(["holidays.0"]);
    const closed = await admin.put("/api/tickets/sla-settings", { ...DEFAULTS, week: Array(7).fill(null) });
    expect(closed.statusCode).toBe(422);

    const saved = await setPolicy({ week: WEEKDAYS_9_TO_5, holidays: ["2026-12-25"], timeZone: "Europe/Berlin" });
    expect(saved).toMatchObject({ timeZone: "Europe/Berlin", holidays: ["2026-12-25"] });
    expect((await john.get("/api/tickets/sla-settings")).json()).toMatchObject({ week: WEEKDAYS_9_TO_5 });
    // The resolution targets are the same ones the older route edits.
    await setPolicy({ resolutionHours: { urgent: 2, high: 6, normal: 12, low: 48 } });
    expect((await john.get("/api/tickets/sla-hours")).json()).toEqual({ urgent: 2, high: 6, normal: 12, low: 48 });
    const [audit] = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "settings.sla"), eq(auditLog.actorId, admin.user.id)))
      .orderBy(desc(auditLog.id))
      .limit(1);
    expect(audit?.data).toMatchObject({ to: { resolutionHours: { urgent: 2 } } });

    // A save changes only the parts it sends; GET's answer may be sent back whole.
    expect((await admin.put("/api/tickets/sla-settings", { timeZone: "Europe/Berlin" })).statusCode).toBe(200);
    const partial = await admin.put("/api/tickets/sla-settings", { holidays: ["2026-01-01"] });
    expect(partial.json()).toMatchObject({
      holidays: ["2026-01-01"],
      timeZone: "Europe/Berlin",
      resolutionHours: { urgent: 2, high: 6, normal: 12, low: 48 },
      week: DEFAULTS.week,
    });
    const roundTrip = await admin.put("/api/tickets/sla-settings", partial.json());
    expect(roundTrip.statusCode).toBe(200);
    expect(roundTrip.json()).toEqual(partial.json());
  });

  it("keeps tickets from before the SLA pause running, and without a first-response target", async () => {
    const ticket = await makeTicket(john, { priority: "high" });
    // As a ticket saved before first-response targets and stopped clocks existed.
    await db()
      .update(tickets)
      .set({ status: "waiting_on_customer", firstResponseDueAt: null })
      .where(eq(tickets.id, ticket.id));
    await advance(9 * HOUR);
    expect(await get(ticket.id)).toMatchObject({
      slaPaused: false,
      overdue: true,
      firstResponseDueAt: null,
      firstResponseOverdue: false,
    });
    // Resolving it stops the clock from then on.
    expect(await patch(ticket.id, { status: "resolved" })).toMatchObject({ slaPaused: true, overdue: false });
  });
});
