import { beforeEach, describe, expect, it } from "vitest";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeComment } from "../support/factories/comments.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician } from "../support/factories/users.js";
import { eventsOf, HOUR, smsPurposesOf, ticketRow } from "./helpers.js";

const START = "2026-05-04T10:00:00.000Z";

describe.each(testDatabaseKinds())("bulk actions, comments, timeline and SLA settings on %s", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock(START) });
  let admin: Session;
  let john: Session;
  const db = () => t().database.handle.db;

  beforeEach(async () => {
    t().clock.set(START);
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
  });

  it("bulk-assigns, changes status and priority, recording each change per ticket with its SMS", async () => {
    const tickets = [await makeTicket(john), await makeTicket(john, { priority: "low" }), await makeTicket(john)];
    const ids = tickets.map((ticket) => ticket.id);
    t().clock.advance(HOUR);
    const response = await john.post("/api/tickets/bulk", {
      ids,
      assigneeId: john.user.id,
      status: "in_progress",
      priority: "high",
    });
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json().items;
    expect(items.map((item: { id: string }) => item.id)).toEqual(ids);
    for (const item of items) {
      expect(item).toMatchObject({
        assigneeId: john.user.id,
        status: "in_progress",
        priority: "high",
        version: 2,
        firstResponseAt: "2026-05-04T11:00:00.000Z",
        dueAt: "2026-05-04T18:00:00.000Z",
      });
    }
    for (const id of ids) {
      const kinds = (await eventsOf(db(), id)).map((e) => e.kind).filter((k) => !k.startsWith("sms_"));
      expect(kinds.sort()).toEqual(["assigned", "created", "priority_changed", "status_changed"]);
      expect(await smsPurposesOf(db(), id)).toEqual(["ticket_assigned", "ticket_created", "ticket_status"]);
    }
    // A ticket already in the target state gets no event for it.
    const again = await john.post("/api/tickets/bulk", { ids: [ids[0]], status: "in_progress" });
    expect(again.json().items[0].version).toBe(2);
    const closed = await john.post("/api/tickets/bulk", { ids, status: "closed" });
    expect(
      closed.json().items.every((item: { closedAt: string }) => item.closedAt === "2026-05-04T11:00:00.000Z"),
    ).toBe(true);
  });

  it("changes nothing when one selected ticket does not exist or the assignee is inactive", async () => {
    const ticket = await makeTicket(john);
    const missing = await john.post("/api/tickets/bulk", {
      ids: [ticket.id, "00000000-0000-4000-8000-000000000000"],
      status: "resolved",
    });
    expect(problemOf(missing)).toMatchObject({ status: 404, code: "ticket.not_found" });
    expect((await ticketRow(db(), ticket.id)).status).toBe("open");
    const tech = await makeTechnician(admin);
    await admin.patch(`/api/users/${tech.id}`, { active: false });
    const inactive = await john.post("/api/tickets/bulk", {
      ids: [ticket.id],
      assigneeId: tech.id,
      status: "resolved",
    });
    expect(problemOf(inactive)).toMatchObject({ status: 422, code: "ticket.assignee_inactive" });
    expect(await ticketRow(db(), ticket.id)).toMatchObject({ status: "open", assigneeId: null, version: 1 });
    const nothing = await john.post("/api/tickets/bulk", { ids: [ticket.id] });
    expect(nothing.statusCode).toBe(422);
    const empty = await john.post("/api/tickets/bulk", { ids: [], status: "open" });
    expect(problemOf(empty).errors?.[0]?.field).toBe("ids");
  });

  it("adds internal and public comments and lists them oldest first with a cursor", async () => {
    const ticket = await makeTicket(john);
    const internal = await john.post(`/api/tickets/${ticket.id}/comments`, { body: "Check the splitter" });
    expect(internal.statusCode).toBe(201);
    expect(internal.json()).toMatchObject({
      ticketId: ticket.id,
      authorId: john.user.id,
      body: "Check the splitter",
      visibility: "internal",
      source: "web",
      createdAt: START,
    });
    t().clock.advance(60_000);
    const publicComment = await admin.post(`/api/tickets/${ticket.id}/comments`, {
      body: "<b>Technician</b> on the way",
      visibility: "public",
    });
    expect(publicComment.json()).toMatchObject({ visibility: "public", body: "<b>Technician</b> on the way" });
    const page = (await john.get(`/api/tickets/${ticket.id}/comments?limit=1`)).json();
    expect(page.items.map((c: { body: string }) => c.body)).toEqual(["Check the splitter"]);
    const rest = (await john.get(`/api/tickets/${ticket.id}/comments?limit=1&cursor=${page.nextCursor}`)).json();
    expect(rest.items.map((c: { body: string }) => c.body)).toEqual(["<b>Technician</b> on the way"]);
    expect(rest.nextCursor).toBeNull();
    const commented = (await eventsOf(db(), ticket.id)).filter((e) => e.kind === "commented");
    expect(commented.map((e) => [e.actorId, e.toValue])).toEqual([
      [john.user.id, "internal"],
      [admin.user.id, "public"],
    ]);
    // Comments do not bump the version: nobody's pending edit becomes stale because of a note.
    expect((await ticketRow(db(), ticket.id)).version).toBe(1);

    const blank = await john.post(`/api/tickets/${ticket.id}/comments`, { body: "   " });
    expect(problemOf(blank).errors).toContainEqual({ field: "body", message: "Comment is required" });
    const badVisibility = await john.post(`/api/tickets/${ticket.id}/comments`, { body: "x", visibility: "secret" });
    expect(badVisibility.statusCode).toBe(422);
    const unknown = await john.post("/api/tickets/00000000-0000-4000-8000-000000000000/comments", { body: "x" });
    expect(problemOf(unknown).status).toBe(404);
  });

  it("merges comments and events into one timeline, newest last, with names", async () => {
    const jane = await signIn(t().app, DEMO.jane);
    const ticket = await makeTicket(john);
    await makeComment(john, ticket.id, { body: "first note" });
    await john.patch(`/api/tickets/${ticket.id}`, { assigneeId: jane.user.id, version: 1 });
    t().clock.advance(HOUR);
    await jane.patch(`/api/tickets/${ticket.id}`, { status: "in_progress", priority: "urgent", version: 2 });
    await makeComment(jane, ticket.id, { body: "on site", visibility: "public" });
    const response = await john.get(`/api/tickets/${ticket.id}/timeline`);
    expect(response.statusCode).toBe(200);
    const entries = response
      .json()
      .items.filter((e: { kind?: string }) => !e.kind?.startsWith("sms_"))
      .map(
        (e: { type: string; kind?: string; comment?: { body: string }; toLabel?: string; actor: { name: string } }) =>
          e.type === "comment"
            ? `comment:${e.comment?.body}:${e.actor.name}`
            : `${e.kind}:${e.toLabel ?? ""}:${e.actor.name}`,
      );
    expect(entries).toEqual([
      "created:open:John Tech",
      "comment:first note:John Tech",
      "assigned:Jane Tech:John Tech",
      "status_changed:in_progress:Jane Tech",
      "priority_changed:urgent:Jane Tech",
      "comment:on site:Jane Tech",
    ]);
    const times = response.json().items.map((e: { createdAt: string }) => e.createdAt);
    expect([...times].sort()).toEqual(times);
    expect((await john.get("/api/tickets/00000000-0000-4000-8000-000000000000/timeline")).statusCode).toBe(404);
  });

  it("lets admins change the SLA hours, used for new tickets and priority changes", async () => {
    expect((await john.get("/api/tickets/sla-hours")).json()).toEqual({ urgent: 4, high: 8, normal: 24, low: 72 });
    const byTech = await john.put("/api/tickets/sla-hours", { urgent: 1, high: 2, normal: 3, low: 4 });
    expect(byTech.statusCode).toBe(403);
    const invalid = await admin.put("/api/tickets/sla-hours", { urgent: 0, high: 2.5, normal: 3 });
    expect(invalid.statusCode).toBe(422);
    const fields = problemOf(invalid).errors?.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["urgent", "high", "low"]));
    const existing = await makeTicket(john, { priority: "low" });
    try {
      const saved = await admin.put("/api/tickets/sla-hours", { urgent: 2, high: 6, normal: 12, low: 48 });
      expect(saved.statusCode).toBe(200);
      expect((await john.get("/api/tickets/sla-hours")).json()).toEqual({ urgent: 2, high: 6, normal: 12, low: 48 });
      const fresh = await makeTicket(john, { priority: "urgent" });
      expect(fresh.dueAt).toBe("2026-05-04T12:00:00.000Z");
      // Existing tickets keep their due time until their priority changes.
      expect((await john.get(`/api/tickets/${existing.id}`)).json().dueAt).toBe("2026-05-07T10:00:00.000Z");
      const changed = await john.patch(`/api/tickets/${existing.id}`, { priority: "normal", version: 1 });
      expect(changed.json().dueAt).toBe("2026-05-04T22:00:00.000Z");
    } finally {
      // The SLA hours are shared by the whole database: the other tests expect the defaults.
      await admin.put("/api/tickets/sla-hours", { urgent: 4, high: 8, normal: 24, low: 72 });
    }
  });
});
