import { describe, expect, it } from "vitest";
import { maintenanceJobs } from "../../src/server/maintenance.js";
import { DEMO, type Session, signIn, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeComment } from "../support/factories/comments.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician, signInAs } from "../support/factories/users.js";
import { notificationsAbout, setPreferences } from "./helpers.js";

const MINUTE = 60_000;

/**
 * The SLA job (docs/notifications.md): the assignee hears once when a first-response or
 * resolution target is less than 30 minutes away and once when it has passed, however often the
 * job runs and on however many instances at once. Around the clock (the default SLA policy), an
 * urgent ticket's first answer is due after 1 hour and its resolution after 4.
 */
describe.each(testDatabaseKinds())("SLA notifications (%s)", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock("2026-03-02T08:00:00Z") });

  /** The job as main.ts schedules it, on this app's database and clock. */
  async function runJob() {
    const job = maintenanceJobs({ database: t().database.handle, clock: t().clock, config: t().config }).find(
      (candidate) => candidate.name === "SLA notifications",
    );
    if (!job) throw new Error("no SLA notifications job");
    return job.run();
  }
  /** Twice at the same moment, as two instances would: each deadline is still told once. */
  const runTwiceAtOnce = () => Promise.all([runJob(), runJob()]);

  async function technicianWithSession(admin: Session) {
    const account = await makeTechnician(admin);
    return { account, session: await signInAs(t().app, account) };
  }

  it("tells the assignee once per ticket, target and kind: first response due soon, overdue, then resolution due soon, overdue", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const { account, session } = await technicianWithSession(admin);
    const start = t().clock.now().getTime();
    const ticket = await makeTicket(admin, { assigneeId: account.id, priority: "urgent", subject: "Core switch down" });
    const sla = () =>
      notificationsAbout(session, { ticketId: ticket.id }).then((all) => all.filter((n) => n.kind !== "assigned"));

    await runTwiceAtOnce();
    t().clock.set(new Date(start + 29 * MINUTE));
    await runTwiceAtOnce();
    expect(await sla()).toEqual([]);

    t().clock.set(new Date(start + 31 * MINUTE));
    await runTwiceAtOnce();
    await runJob();
    expect((await sla()).map((n) => [n.kind, n.title])).toEqual([
      ["sla_due_soon", `First response due in 29 min: ${ticket.number}`],
    ]);

    t().clock.set(new Date(start + 61 * MINUTE));
    await runTwiceAtOnce();
    await runJob();
    const overdue = await sla();
    expect(overdue.map((n) => n.kind)).toEqual(["sla_overdue", "sla_due_soon"]);
    expect(overdue[0]).toMatchObject({
      title: `First response overdue: ${ticket.number}`,
      body: "Core switch down",
      link: `/tickets/${ticket.id}`,
      actor: null,
    });

    // Answered late: the first-response target is done with; the resolution clock runs on.
    await makeComment(admin, ticket.id, { body: "We are on it.", visibility: "public" });
    t().clock.set(new Date(start + (4 * 60 - 20) * MINUTE));
    await runTwiceAtOnce();
    t().clock.set(new Date(start + (4 * 60 + 1) * MINUTE));
    await runTwiceAtOnce();
    await runJob();
    expect((await sla()).map((n) => n.title)).toEqual([
      `Resolution overdue: ${ticket.number}`,
      `Resolution due in 20 min: ${ticket.number}`,
      `First response overdue: ${ticket.number}`,
      `First response due in 29 min: ${ticket.number}`,
    ]);
    // A later run, hours on: nothing more about these deadlines.
    t().clock.set(new Date(start + 9 * 60 * MINUTE));
    await runJob();
    expect(await sla()).toHaveLength(4);
  });

  it("tells nobody about unassigned, resolved or paused tickets, nor those who turned the kind off, and a new assignee hears of an overdue ticket", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const { account: quiet, session: quietSession } = await technicianWithSession(admin);
    const { account: busy, session: busySession } = await technicianWithSession(admin);
    await setPreferences(quietSession, { sla_overdue: { inApp: false } });
    const start = t().clock.now().getTime();
    const mine = await makeTicket(admin, { assigneeId: quiet.id, priority: "urgent" });
    const resolved = await makeTicket(admin, { assigneeId: busy.id, priority: "urgent" });
    const waiting = await makeTicket(admin, { assigneeId: busy.id, priority: "urgent" });
    const nobodys = await makeTicket(admin, { priority: "urgent" });
    for (const [ticket, status] of [
      [resolved, "resolved"],
      [waiting, "waiting_on_customer"],
    ] as const) {
      const changed = await admin.patch(`/api/tickets/${ticket.id}`, { status, version: ticket.version });
      expect(changed.statusCode, changed.body).toBe(200);
    }

    t().clock.set(new Date(start + 5 * 60 * MINUTE));
    await runTwiceAtOnce();
    // The quiet one kept due-soon on, but both deadlines passed before the job looked: only overdue applies.
    expect(await notificationsAbout(quietSession, { ticketId: mine.id, kind: "sla_due_soon" })).toEqual([]);
    expect(await notificationsAbout(quietSession, { ticketId: mine.id, kind: "sla_overdue" })).toEqual([]);
    expect(await notificationsAbout(busySession, { ticketId: resolved.id, kind: "sla_overdue" })).toEqual([]);
    // Waiting on the customer: the resolution clock stands still, but the first answer (a status
    // change by staff is one) was given, so nothing is due.
    expect(await notificationsAbout(busySession, { ticketId: waiting.id, kind: "sla_overdue" })).toEqual([]);
    expect(await notificationsAbout(admin, { ticketId: nobodys.id })).toEqual([]);

    // Handed to someone who keeps it on: they hear of both overdue targets, once.
    const handed = await admin.patch(`/api/tickets/${mine.id}`, { assigneeId: busy.id, version: mine.version });
    expect(handed.statusCode, handed.body).toBe(200);
    await runTwiceAtOnce();
    await runJob();
    const told = await notificationsAbout(busySession, { ticketId: mine.id, kind: "sla_overdue" });
    expect(told.map((n) => n.title).sort()).toEqual([
      `First response overdue: ${mine.number}`,
      `Resolution overdue: ${mine.number}`,
    ]);
  });
});
