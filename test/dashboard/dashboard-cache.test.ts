import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { tickets } from "../../src/server/db/schema/index.js";
import type { Dashboard } from "../../src/shared/dashboard.js";
import { DEMO, type Session, signIn, type TestApp, useTestApp, useTestAppPerTest } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";

const SECOND = 1000;

/** A change that writes no timeline event, so no cache can notice it: straight to the table on purpose. */
function makeOverdueBehindTheAppsBack(app: TestApp, ticketId: string) {
  return app.database.handle.db
    .update(tickets)
    .set({ dueAt: new Date("2000-01-01T00:00:00Z") })
    .where(eq(tickets.id, ticketId));
}

/**
 * The cache lives in the app, so each test gets an app of its own: what one test computed and
 * cached must not be what the next one reads.
 */
describe.each(testDatabaseKinds())("dashboard aggregates reused between requests on %s", (kind) => {
  const h = useTestAppPerTest(kind, () => ({ clock: new ManualClock(new Date("2026-05-04T15:00:00Z")) }));
  let admin: Session;
  let john: Session;
  const dashboard = async (session: Session) => {
    const response = await session.get("/api/dashboard?tz=UTC");
    expect(response.statusCode).toBe(200);
    return response.json() as Dashboard;
  };
  const makeOverdueUnnoticed = (ticketId: string) => makeOverdueBehindTheAppsBack(h(), ticketId);

  beforeEach(async () => {
    admin = await signIn(h().app, DEMO.admin);
    john = await signIn(h().app, DEMO.john);
  });

  it("serves the same aggregates while nothing changed, and fresh ones after any ticket change", async () => {
    await makeTicket(admin, { subject: "First" });
    const first = await dashboard(admin);
    expect(first.tickets.open).toBe(1);
    h().clock.advance(5 * SECOND);
    const again = await dashboard(john);
    expect(again.generatedAt).toBe(first.generatedAt);
    expect(again.tickets.open).toBe(1);

    // A new ticket writes a timeline event: the next request recomputes, whoever asks.
    await makeTicket(admin, { subject: "Second", assigneeId: john.user.id });
    const after = await dashboard(john);
    expect(after.tickets.open).toBe(2);
    expect(after.generatedAt).not.toBe(first.generatedAt);
    expect(after.recentActivity[0]?.ticket.subject).toBe("Second");
    // The viewer's own part is per request, never shared: john sees his ticket, the admin none.
    expect(after.mine.tickets.map((t) => t.subject)).toEqual(["Second"]);
    expect((await dashboard(admin)).mine.tickets).toEqual([]);
  });

  it("recomputes once the aggregates are older than DASHBOARD_CACHE_SECONDS, even with no change", async () => {
    const ticket = await makeTicket(admin, { subject: "Due later" });
    const base = await dashboard(admin);
    expect(base.tickets).toMatchObject({ open: 1, overdue: 0 });
    await makeOverdueUnnoticed(ticket.id);
    h().clock.advance(29 * SECOND);
    expect((await dashboard(admin)).tickets.overdue).toBe(0);
    h().clock.advance(2 * SECOND);
    const aged = await dashboard(admin);
    expect(aged.tickets).toMatchObject({ open: 1, overdue: 1 });
    expect(Date.parse(aged.generatedAt)).toBeGreaterThan(Date.parse(base.generatedAt));
  });

  it("answers concurrent requests from one computation", async () => {
    await makeTicket(admin, { subject: "Third" });
    const answers = await Promise.all(Array.from({ length: 8 }, () => dashboard(admin)));
    expect(new Set(answers.map((a) => a.generatedAt)).size).toBe(1);
    expect(answers.every((a) => a.tickets.open === 1)).toBe(true);
  });
});

describe.each(testDatabaseKinds())("dashboard with DASHBOARD_CACHE_SECONDS=0 on %s", (kind) => {
  const h = useTestApp(kind, { env: { DASHBOARD_CACHE_SECONDS: "0" } });

  it("computes every request afresh", async () => {
    const admin = await signIn(h().app, DEMO.admin);
    const ticket = await makeTicket(admin, { subject: "Only" });
    const first = (await admin.get("/api/dashboard")).json() as Dashboard;
    await makeOverdueBehindTheAppsBack(h(), ticket.id);
    const second = (await admin.get("/api/dashboard")).json() as Dashboard;
    expect(first.tickets.overdue).toBe(0);
    expect(second.tickets.overdue).toBe(1);
  });
});
