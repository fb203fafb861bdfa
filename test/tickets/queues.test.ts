import { sql } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TicketListItem } from "../../src/shared/tickets.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { HOUR } from "./helpers.js";

const START = "2026-04-06T08:00:00.000Z";
/** When the tests look at the queues: q-b (urgent, due 12:00) is overdue, q-d (high, due 19:00) not. */
const NOW = "2026-04-06T15:00:00.000Z";

/**
 * One fixed set of tickets, made at distinct times by a moving clock, that every filter and sort
 * below is checked against. Subjects are tagged so tests read only this file's rows.
 */
describe.each(testDatabaseKinds())("ticket queues on %s", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock(START) });
  let john: Session;
  let jane: Session;
  let customerId: string;
  const made: Record<string, string> = {};

  async function list(query: string, session: Session = john): Promise<TicketListItem[]> {
    const items: TicketListItem[] = [];
    let cursor: string | null = null;
    do {
      const response = await session.get(`/api/tickets?${query}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      items.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    return items;
  }
  const subjects = (items: TicketListItem[]) => items.map((item) => item.subject);

  beforeAll(async () => {
    john = await signIn(t().app, DEMO.john);
    jane = await signIn(t().app, DEMO.jane);
    customerId = (await makeCustomer(await signIn(t().app, DEMO.admin))).id;
    const specs: [string, Record<string, unknown>][] = [
      ["q-a router lights", { priority: "low", category: "equipment", assigneeId: john.user.id }],
      ["q-b outage street", { priority: "urgent", category: "no_service", customerId }],
      ["q-c slow evenings", { priority: "normal", category: "slow_speed", assigneeId: jane.user.id }],
      ["q-d billing question", { priority: "high", category: "billing", assigneeId: john.user.id, customerId }],
      ["q-e move house", { priority: "normal", category: "relocation" }],
    ];
    for (const [subject, body] of specs) {
      const ticket = await makeTicket(john, { subject, ...body });
      made[subject.slice(0, 3)] = ticket.id;
      t().clock.advance(HOUR);
    }
    // q-c gets resolved, q-e touched last (updated order differs from created order).
    await jane.patch(`/api/tickets/${made["q-c"]}`, { status: "resolved", version: 1 });
    t().clock.advance(HOUR);
    await john.patch(`/api/tickets/${made["q-a"]}`, { status: "in_progress", version: 1 });
  });

  // Every test starts at 15:00 (a test may move the clock), with sessions that have not idled out.
  beforeEach(async () => {
    t().clock.set(NOW);
    john = await signIn(t().app, DEMO.john);
    jane = await signIn(t().app, DEMO.jane);
  });

  it("sorts by created, updated, due and priority in both directions, across pages", async () => {
    expect(subjects(await list("q=q-&sort=created"))).toEqual([
      "q-a router lights",
      "q-b outage street",
      "q-c slow evenings",
      "q-d billing question",
      "q-e move house",
    ]);
    expect(subjects(await list("q=q-&sort=-created"))).toEqual([
      "q-e move house",
      "q-d billing question",
      "q-c slow evenings",
      "q-b outage street",
      "q-a router lights",
    ]);
    // Default sort is newest first.
    expect(subjects(await list("q=q-"))).toEqual(subjects(await list("q=q-&sort=-created")));
    expect(subjects(await list("q=q-&sort=-updated")).slice(0, 2)).toEqual(["q-a router lights", "q-c slow evenings"]);
    expect(subjects(await list("q=q-&sort=updated")).slice(0, 3)).toEqual([
      "q-b outage street",
      "q-d billing question",
      "q-e move house",
    ]);
    // Due: b 12:00, d 19:00, e 12:00 next day (normal from 12:00), a low in 3 days; c is resolved:
    // its SLA clock is stopped, so it has no due time and sorts after every dated ticket.
    expect(subjects(await list("q=q-&sort=due"))).toEqual([
      "q-b outage street",
      "q-d billing question",
      "q-e move house",
      "q-a router lights",
      "q-c slow evenings",
    ]);
    expect(subjects(await list("q=q-&sort=-due"))).toEqual([
      "q-c slow evenings",
      "q-a router lights",
      "q-e move house",
      "q-d billing question",
      "q-b outage street",
    ]);
    // Priority: urgent first; equal priority by newest.
    expect(subjects(await list("q=q-&sort=-priority"))).toEqual([
      "q-b outage street",
      "q-d billing question",
      "q-e move house",
      "q-c slow evenings",
      "q-a router lights",
    ]);
    expect(subjects(await list("q=q-&sort=priority"))).toEqual([
      "q-a router lights",
      "q-c slow evenings",
      "q-e move house",
      "q-d billing question",
      "q-b outage street",
    ]);
  });

  it("filters by status, priority and category (one or several values)", async () => {
    expect(subjects(await list("q=q-&status=resolved"))).toEqual(["q-c slow evenings"]);
    expect(subjects(await list("q=q-&status=open,in_progress&sort=created"))).toEqual([
      "q-a router lights",
      "q-b outage street",
      "q-d billing question",
      "q-e move house",
    ]);
    expect(subjects(await list("q=q-&status=in_progress&status=resolved&sort=created"))).toEqual([
      "q-a router lights",
      "q-c slow evenings",
    ]);
    expect(subjects(await list("q=q-&priority=urgent,high&sort=created"))).toEqual([
      "q-b outage street",
      "q-d billing question",
    ]);
    expect(subjects(await list("q=q-&category=billing"))).toEqual(["q-d billing question"]);
  });

  it("filters by assignee id, me and none, and by customer", async () => {
    expect(subjects(await list("q=q-&assigneeId=me&sort=created", john))).toEqual([
      "q-a router lights",
      "q-d billing question",
    ]);
    expect(subjects(await list("q=q-&assigneeId=me", jane))).toEqual(["q-c slow evenings"]);
    expect(subjects(await list(`q=q-&assigneeId=${jane.user.id}`))).toEqual(["q-c slow evenings"]);
    expect(subjects(await list("q=q-&assigneeId=none&sort=created"))).toEqual(["q-b outage street", "q-e move house"]);
    expect(subjects(await list(`customerId=${customerId}&sort=created`))).toEqual([
      "q-b outage street",
      "q-d billing question",
    ]);
  });

  it("filters to overdue tickets and marks them", async () => {
    const overdue = await list("q=q-&overdue=true");
    expect(subjects(overdue)).toEqual(["q-b outage street"]);
    expect(overdue[0]?.overdue).toBe(true);
    const notOverdue = await list("q=q-&overdue=false");
    expect(notOverdue).toHaveLength(4);
    expect(notOverdue.every((item) => !item.overdue)).toBe(true);
    // Time moves on: at 19:00 the high-priority ticket joins; the resolved one never does.
    t().clock.set("2026-04-06T19:00:00.000Z");
    john = await signIn(t().app, DEMO.john);
    expect(subjects(await list("q=q-&overdue=true&sort=due"))).toEqual(["q-b outage street", "q-d billing question"]);
  });

  it("searches by subject text and by ticket number", async () => {
    expect(subjects(await list("q=OUTAGE"))).toEqual(["q-b outage street"]);
    const target = (await john.get(`/api/tickets/${made["q-d"]}`)).json();
    expect(subjects(await list(`q=${target.number}`))).toEqual(["q-d billing question"]);
    expect(subjects(await list(`q=${Number(target.number.slice(2))}`))).toContain("q-d billing question");
    // LIKE wildcards match themselves.
    expect(await list("q=q-%25x")).toEqual([]);
  });

  it("embeds customer and assignee summaries and counts the first page", async () => {
    const response = await john.get("/api/tickets?q=q-&limit=2&sort=created");
    const body = response.json();
    expect(body.count).toBe(5);
    expect(body.countCapped).toBe(false);
    expect(body.items[0].assignee).toMatchObject({ id: john.user.id, name: expect.any(String) });
    expect(body.items[1].customer).toMatchObject({ id: customerId, name: expect.any(String) });
    const next = (await john.get(`/api/tickets?q=q-&limit=2&sort=created&cursor=${body.nextCursor}`)).json();
    expect(next.count).toBeNull();
  });

  it("says 1,000+ instead of counting past the cap", async () => {
    // Raw SQL on purpose: the count cap, not ticket creation, is under test, and 1,005 tickets
    // through the API would cost the suite tens of seconds. Subjects without "q-" stay out of the other tests.
    await t().database.handle.db.execute(
      sql`insert into tickets (subject, due_at, created_at, updated_at)
          select 'bulkcount ' || g, now() + interval '1 day', now(), now() from generate_series(1, 1005) g`,
    );
    const body = (await john.get("/api/tickets?q=bulkcount&limit=10")).json();
    expect(body.items).toHaveLength(10);
    expect(body.count).toBe(1000);
    expect(body.countCapped).toBe(true);
  });

  it("rejects bad filters, sorts and cursors with 4xx problems", async () => {
    for (const query of [
      "status=pending",
      "priority=asap",
      "category=x",
      "assigneeId=someone",
      "customerId=nope",
      "overdue=yes",
      "sort=name",
      "limit=0",
      "limit=201",
    ]) {
      const response = await john.get(`/api/tickets?${query}`);
      expect(response.statusCode, query).toBe(422);
      expect(problemOf(response).errors?.length, query).toBeGreaterThan(0);
    }
    const cursor = await john.get("/api/tickets?cursor=garbage");
    expect(problemOf(cursor)).toMatchObject({ status: 400, code: "request.cursor_invalid" });
    // A cursor from another sort has the wrong shape.
    const byPriority = (await john.get("/api/tickets?q=q-&sort=priority&limit=1")).json();
    const mixed = await john.get(`/api/tickets?sort=created&cursor=${byPriority.nextCursor}`);
    expect(mixed.statusCode).toBe(400);
  });
});
