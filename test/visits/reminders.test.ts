import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, loadConfig } from "../../src/server/config.js";
import { maintenanceJobs } from "../../src/server/maintenance.js";
import type { Customer } from "../../src/shared/customers.js";
import type { VisitDetail } from "../../src/shared/visits.js";
import { webhookEventsOf } from "../incidents/helpers.js";
import { smsRows, timelineEvents, useSmsApp } from "../sms/sms-test-app.js";
import { DEMO, type Session, signIn, type TestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { receiveSms } from "../support/factories/sms.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician } from "../support/factories/users.js";
import { eventually } from "../support/twilio-stand-in.js";
import { WebhookReceiver } from "../webhooks/receiver.js";
import { WEBHOOK_TEST_ENV } from "../webhooks/webhook-test-app.js";

/** Intl writes a narrow no-break space before AM/PM: compare with plain spaces. */
const plain = (text: string) => text.replace(/\s/g, " ");

describe("VISIT_REMINDER_HOUR", () => {
  it("defaults to 18 and takes a whole hour from 0 to 23", () => {
    expect(loadConfig({}).VISIT_REMINDER_HOUR).toBe(18);
    expect(loadConfig({ VISIT_REMINDER_HOUR: "0" }).VISIT_REMINDER_HOUR).toBe(0);
    expect(loadConfig({ VISIT_REMINDER_HOUR: "" }).VISIT_REMINDER_HOUR).toBe(18);
    for (const [value, message] of [
      ["24", "VISIT_REMINDER_HOUR must be an hour from 0 to 23"],
      ["-1", "VISIT_REMINDER_HOUR must be an hour from 0 to 23"],
      ["18.5", "VISIT_REMINDER_HOUR must be a whole hour from 0 to 23"],
      ["evening", "VISIT_REMINDER_HOUR must be an hour from 0 to 23"],
    ] as const) {
      expect(() => loadConfig({ VISIT_REMINDER_HOUR: value })).toThrow(`Invalid configuration: ${message}`);
    }
  });
});

describe.each(testDatabaseKinds())("visit reminders and the customer's answer (%s)", (kind) => {
  const receiver = new WebhookReceiver();
  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
  });
  // The ISP is in Denver: the evening before is 18:00 Mountain Time.
  const s = useSmsApp(kind, { TIME_ZONE: "America/Denver", ...WEBHOOK_TEST_ENV });

  /** The reminder job as main.ts schedules it, with this app's config (or a variation of it). */
  async function runReminders(t: TestApp, overrides: Partial<Config> = {}) {
    const job = maintenanceJobs({
      database: t.database.handle,
      clock: t.clock,
      config: { ...t.config, ...overrides },
    }).find((candidate) => candidate.name === "visit reminders");
    if (!job) throw new Error("no visit reminders job");
    return job.run();
  }

  /** Moves the clock, and signs in again (a jump of days ends idle sessions). */
  async function setClock(at: string): Promise<Session> {
    const { t } = s();
    t.clock.set(at);
    return signIn(t.app, DEMO.admin);
  }

  /** A customer with a ticket and a visit (its own technician, so no booking clashes). */
  async function visitFor(
    admin: Session,
    window: { startsAt: string; endsAt: string },
    customerFields: Record<string, unknown> = {},
  ) {
    const phone = uniquePhone();
    const customer = await makeCustomer(admin, { name: "Rosa Field", phone, ...customerFields });
    const ticket = await makeTicket(admin, { customerId: customer.id, subject: "No signal since the storm" });
    const technician = await makeTechnician(admin, { name: `Tomás Rivera ${Date.now()}` });
    const response = await admin.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "repair",
      ...window,
    });
    expect(response.statusCode, response.body).toBe(201);
    return { customer, ticket, phone, visit: response.json() as VisitDetail };
  }

  async function visitNow(admin: Session, id: string): Promise<VisitDetail> {
    const response = await admin.get(`/api/visits/${id}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  const reminders = (admin: Session, ticketId: string) => smsRows(admin, { ticketId, purpose: "visit_reminder" });

  it("reminds the evening before at 18:00 in the ISP's time zone, not before, and not a visit two days out", async () => {
    const { t, twilio } = s();
    // Tuesday noon in Denver (MST, UTC−7).
    let admin = await setClock("2026-02-10T19:00:00Z");
    const tomorrow = await visitFor(admin, { startsAt: "2026-02-11T16:00:00Z", endsAt: "2026-02-11T19:00:00Z" });
    const later = await visitFor(admin, { startsAt: "2026-02-12T16:00:00Z", endsAt: "2026-02-12T18:00:00Z" });

    await runReminders(t);
    // 17:59 in Denver, already Wednesday in UTC: still not the evening before in Denver.
    admin = await setClock("2026-02-11T00:59:00Z");
    await runReminders(t);
    expect(await reminders(admin, tomorrow.ticket.id)).toEqual([]);
    expect((await visitNow(admin, tomorrow.visit.id)).reminderSentAt).toBeNull();

    admin = await setClock("2026-02-11T01:00:00Z");
    await runReminders(t);
    const [sms] = await reminders(admin, tomorrow.ticket.id);
    expect(sms).toBeDefined();
    expect(plain(sms?.body ?? "")).toBe(
      `Hi Rosa, a technician visits you tomorrow, Wed, Feb 11 between 9:00 AM and 12:00 PM (ticket ${tomorrow.ticket.number}). Reply 1 to confirm, 2 to change.`,
    );
    expect(sms?.customerId).toBe(tomorrow.customer.id);
    expect((await visitNow(admin, tomorrow.visit.id)).reminderSentAt).toBe("2026-02-11T01:00:00.000Z");
    const arrived = await eventually(async () =>
      twilio.messagesTo(tomorrow.phone).find((message) => message.body.includes("visits you")),
    );
    expect(plain(arrived.body)).toContain("tomorrow, Wed, Feb 11 between 9:00 AM and 12:00 PM");
    // Thursday's visit waits for Wednesday evening.
    expect(await reminders(admin, later.ticket.id)).toEqual([]);
    admin = await setClock("2026-02-12T01:00:00Z");
    await runReminders(t);
    expect(await reminders(admin, later.ticket.id)).toHaveLength(1);
  });

  it("puts the evening before in the configured time zone: 18:00 UTC is 11:00 in Denver", async () => {
    const { t } = s();
    // Friday 18:30 UTC, 11:30 in Denver; the visit is Saturday 09:00–11:00 in Denver (16:00–18:00 UTC).
    let admin = await setClock("2026-02-20T18:30:00Z");
    const saturday = await visitFor(admin, { startsAt: "2026-02-21T16:00:00Z", endsAt: "2026-02-21T18:00:00Z" });
    await runReminders(t);
    expect(await reminders(admin, saturday.ticket.id)).toEqual([]);
    // The same moment for an ISP in UTC is past its evening-before hour.
    await runReminders(t, { TIME_ZONE: "UTC" });
    const [sms] = await reminders(admin, saturday.ticket.id);
    expect(plain(sms?.body ?? "")).toContain("tomorrow, Sat, Feb 21 between 4:00 PM and 6:00 PM");
    // And it went out once: Denver's evening finds it reminded.
    admin = await setClock("2026-02-21T01:00:00Z");
    await runReminders(t);
    expect(await reminders(admin, saturday.ticket.id)).toHaveLength(1);
  });

  it("holds a reminder whose hour falls in quiet hours until they end, and sends none for a visit that has started by then", async () => {
    const { t } = s();
    let admin = await setClock("2026-03-03T19:00:00Z");
    const quiet = await admin.put("/api/sms/quiet-hours", { start: "21:00", end: "08:00" });
    expect(quiet.statusCode, quiet.body).toBe(200);
    try {
      // Reminders at 22:00, inside quiet hours (21:00–08:00); the visit is Wednesday 10:00–12:00 in Denver.
      const held = await visitFor(admin, { startsAt: "2026-03-04T17:00:00Z", endsAt: "2026-03-04T19:00:00Z" });
      for (const at of ["2026-03-04T05:30:00Z", "2026-03-04T14:59:00Z"]) {
        admin = await setClock(at);
        expect(await runReminders(t, { VISIT_REMINDER_HOUR: 22 })).toBeUndefined();
        expect(await reminders(admin, held.ticket.id)).toEqual([]);
      }
      // 08:00 in Denver: quiet hours are over, and the text says "today".
      admin = await setClock("2026-03-04T15:00:00Z");
      await runReminders(t, { VISIT_REMINDER_HOUR: 22 });
      const [sms] = await reminders(admin, held.ticket.id);
      expect(plain(sms?.body ?? "")).toContain("visits you today between 10:00 AM and 12:00 PM");
      expect(sms?.status).not.toBe("skipped");

      // Booked at 21:30 Thursday (quiet) for Friday: 07:00 has started by 08:00, 09:00 has not.
      admin = await setClock("2026-03-06T04:30:00Z");
      const early = await visitFor(admin, { startsAt: "2026-03-06T14:00:00Z", endsAt: "2026-03-06T16:00:00Z" });
      const morning = await visitFor(admin, { startsAt: "2026-03-06T16:00:00Z", endsAt: "2026-03-06T18:00:00Z" });
      await runReminders(t);
      expect(await reminders(admin, morning.ticket.id)).toEqual([]);
      admin = await setClock("2026-03-06T15:00:00Z");
      await runReminders(t);
      expect(await reminders(admin, morning.ticket.id)).toHaveLength(1);
      expect(await reminders(admin, early.ticket.id)).toEqual([]);
      expect((await visitNow(admin, early.visit.id)).reminderSentAt).toBeNull();
    } finally {
      const off = await (await signIn(t.app, DEMO.admin)).put("/api/sms/quiet-hours", { start: null, end: null });
      expect(off.statusCode, off.body).toBe(200);
    }
  });

  it("reminds each visit once across two instances and reruns (daylight saving time included); a reminder that cannot go out is logged as skipped and counts", async () => {
    const { t, twilio } = s();
    // Tuesday after the change to MDT (UTC−6): 17:59 in Denver is 23:59 UTC.
    let admin = await setClock("2026-03-10T20:00:00Z");
    const window = { startsAt: "2026-03-11T15:00:00Z", endsAt: "2026-03-11T17:00:00Z" };
    const reachable = await visitFor(admin, window);
    const optedOut = await visitFor(admin, window, { smsOptOut: true });
    const noPhone = await visitFor(admin, window, { phone: null });
    admin = await setClock("2026-03-10T23:59:00Z");
    await runReminders(t);
    expect(await reminders(admin, reachable.ticket.id)).toEqual([]);

    admin = await setClock("2026-03-11T00:00:00Z");
    // Two instances at once, then again after a restart.
    await Promise.all([runReminders(t), runReminders(t)]);
    await runReminders(t);
    const sent = await reminders(admin, reachable.ticket.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.status).not.toBe("skipped");
    const [optedOutRow, ...moreOptedOut] = await reminders(admin, optedOut.ticket.id);
    expect(moreOptedOut).toEqual([]);
    expect(optedOutRow).toMatchObject({ status: "skipped", reason: "The customer opted out of SMS (replied STOP)" });
    const [noPhoneRow, ...moreNoPhone] = await reminders(admin, noPhone.ticket.id);
    expect(moreNoPhone).toEqual([]);
    expect(noPhoneRow).toMatchObject({ status: "skipped", reason: "Customer has no phone number" });
    for (const fixture of [reachable, optedOut, noPhone]) {
      expect((await visitNow(admin, fixture.visit.id)).reminderSentAt).toBe("2026-03-11T00:00:00.000Z");
    }
    const remindersTo = (phone: string) =>
      twilio.messagesTo(phone).filter((message) => message.body.includes("visits you"));
    await eventually(async () => remindersTo(reachable.phone)[0]);
    expect(remindersTo(reachable.phone)).toHaveLength(1);
    expect(twilio.messagesTo(optedOut.phone)).toEqual([]);

    // A moved visit needs a new reminder: it gets one the evening before its new day.
    const current = await visitNow(admin, reachable.visit.id);
    const moved = await admin.patch(`/api/visits/${reachable.visit.id}`, {
      startsAt: "2026-03-13T15:00:00Z",
      endsAt: "2026-03-13T17:00:00Z",
      version: current.version,
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().reminderSentAt).toBeNull();
    admin = await setClock("2026-03-13T00:00:00Z");
    await runReminders(t);
    const again = await reminders(admin, reachable.ticket.id);
    expect(again).toHaveLength(2);
    expect(plain(again.map((row) => row.body).join(" | "))).toContain("tomorrow, Fri, Mar 13");
  });

  describe("answers to the reminder", () => {
    // Subscribed here, where the clock moves by hours only: days of undelivered events disable an endpoint.
    beforeAll(async () => {
      const admin = await signIn(s().t.app, DEMO.admin);
      const hook = await admin.post("/api/webhooks", {
        url: receiver.url("/hooks/reminders"),
        events: ["visit.updated"],
      });
      expect(hook.statusCode, hook.body).toBe(201);
    });

    /** A visit tomorrow (Wednesday 09:00 in Denver) whose reminder went out at 18:00 on Tuesday. */
    async function remindedVisit(customerFields: Record<string, unknown> = {}) {
      const { t } = s();
      const admin = await setClock("2026-04-14T23:00:00Z");
      const fixture = await visitFor(
        admin,
        { startsAt: "2026-04-15T15:00:00Z", endsAt: "2026-04-15T17:00:00Z" },
        customerFields,
      );
      const reminderAt = "2026-04-15T00:00:00Z";
      t.clock.set(reminderAt);
      await runReminders(t);
      expect((await visitNow(admin, fixture.visit.id)).reminderSentAt).toBe(new Date(reminderAt).toISOString());
      // The customer answers at 19:30.
      t.clock.set("2026-04-15T01:30:00Z");
      return { ...fixture, admin };
    }

    async function text(from: string, body: string) {
      const response = await receiveSms(s().t.app, { from, body });
      expect(response.statusCode, response.body).toBe(200);
    }

    async function comments(admin: Session, ticketId: string) {
      const items = (await admin.get(`/api/tickets/${ticketId}/timeline`)).json().items as {
        type: string;
        comment?: { body: string; visibility: string };
      }[];
      return items.flatMap((item) => (item.type === "comment" && item.comment ? [item.comment.body] : []));
    }

    const visitKinds = async (admin: Session, ticketId: string) =>
      (await timelineEvents(admin, ticketId)).filter((event) => event.kind.startsWith("visit_")).map((e) => e.kind);

    it("1 confirms the visit: the timeline, the visit.updated webhook, and the text is a comment as ever; a second 1 changes nothing", async () => {
      const { admin, phone, ticket, visit } = await remindedVisit();
      await text(phone, " 1 ");
      const confirmed = await visitNow(admin, visit.id);
      expect(confirmed.confirmedAt).toBe("2026-04-15T01:30:00.000Z");
      expect(confirmed.changeRequestedAt).toBeNull();
      expect(confirmed.version).toBe(visit.version + 1);
      expect(await comments(admin, ticket.id)).toContain(" 1 ");
      const events = await timelineEvents(admin, ticket.id);
      const event = events.find((e) => e.kind === "visit_confirmed");
      expect(event?.data).toMatchObject({ visitId: visit.id, keyword: "1", startsAt: visit.startsAt });
      const hooks = (await webhookEventsOf(s().t.database.handle.db, "visit.updated")).filter(
        (data) => data.id === visit.id,
      );
      expect(hooks).toHaveLength(1);
      expect(hooks[0]).toMatchObject({
        confirmedAt: "2026-04-15T01:30:00.000Z",
        changes: { confirmedAt: { from: null, to: "2026-04-15T01:30:00.000Z" } },
      });

      await text(phone, "1");
      expect(await visitKinds(admin, ticket.id)).toEqual(["visit_scheduled", "visit_confirmed"]);
      expect((await visitNow(admin, visit.id)).version).toBe(visit.version + 1);
    });

    it("YES confirms too (it is also START, recorded as an opt-in as before)", async () => {
      const { admin, phone, ticket, visit, customer } = await remindedVisit();
      await text(phone, "yes");
      expect((await visitNow(admin, visit.id)).confirmedAt).toBe("2026-04-15T01:30:00.000Z");
      const kinds = (await timelineEvents(admin, ticket.id)).map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(["customer_opted_in", "visit_confirmed"]));
      expect(((await admin.get(`/api/customers/${customer.id}`)).json() as Customer).smsOptOut).toBe(false);
    });

    it("2 and CHANGE flag the visit for the dispatcher; the latest answer wins", async () => {
      const first = await remindedVisit();
      await text(first.phone, "2");
      const flagged = await visitNow(first.admin, first.visit.id);
      expect(flagged.changeRequestedAt).toBe("2026-04-15T01:30:00.000Z");
      expect(flagged.confirmedAt).toBeNull();
      expect(await comments(first.admin, first.ticket.id)).toContain("2");
      const event = (await timelineEvents(first.admin, first.ticket.id)).find(
        (e) => e.kind === "visit_change_requested",
      );
      expect(event?.data).toMatchObject({ visitId: first.visit.id, keyword: "2" });
      // The board lists it flagged.
      const board = await first.admin.get(
        `/api/visits?from=${encodeURIComponent("2026-04-15T06:00:00Z")}&to=${encodeURIComponent("2026-04-16T06:00:00Z")}`,
      );
      expect(board.statusCode, board.body).toBe(200);
      const listed = (board.json().items as VisitDetail[]).find((item) => item.id === first.visit.id);
      expect(listed?.changeRequestedAt).toBe("2026-04-15T01:30:00.000Z");
      // And in the list of every visit waiting on the dispatcher, whatever day the board shows.
      const waitingIds = async () => {
        const waiting = await first.admin.get("/api/visits?changeRequested=true");
        expect(waiting.statusCode, waiting.body).toBe(200);
        return (waiting.json().items as VisitDetail[]).map((item) => item.id);
      };
      expect(await waitingIds()).toContain(first.visit.id);
      // Never mind: 1 confirms and lifts the flag.
      s().t.clock.set("2026-04-15T02:00:00Z");
      await text(first.phone, "1");
      const settled = await visitNow(first.admin, first.visit.id);
      expect(settled).toMatchObject({ confirmedAt: "2026-04-15T02:00:00.000Z", changeRequestedAt: null });
      expect(await waitingIds()).not.toContain(first.visit.id);
      const hooks = (await webhookEventsOf(s().t.database.handle.db, "visit.updated")).filter(
        (data) => data.id === first.visit.id,
      );
      expect(hooks.map((data) => data.changes)).toEqual([
        {
          confirmedAt: { from: null, to: null },
          changeRequestedAt: { from: null, to: "2026-04-15T01:30:00.000Z" },
        },
        {
          confirmedAt: { from: null, to: "2026-04-15T02:00:00.000Z" },
          changeRequestedAt: { from: "2026-04-15T01:30:00.000Z", to: null },
        },
      ]);

      const second = await remindedVisit();
      await text(second.phone, "Change!");
      expect((await visitNow(second.admin, second.visit.id)).changeRequestedAt).toBe("2026-04-15T01:30:00.000Z");
      expect(await visitKinds(second.admin, second.ticket.id)).toEqual(["visit_scheduled", "visit_change_requested"]);
    });

    it("STOP still wins: the customer is opted out and the visit is neither confirmed nor flagged", async () => {
      const { admin, phone, ticket, visit, customer } = await remindedVisit();
      await text(phone, "STOP");
      expect(((await admin.get(`/api/customers/${customer.id}`)).json() as Customer).smsOptOut).toBe(true);
      const after = await visitNow(admin, visit.id);
      expect(after).toMatchObject({ confirmedAt: null, changeRequestedAt: null, version: visit.version });
      expect((await timelineEvents(admin, ticket.id)).map((e) => e.kind)).toContain("customer_opted_out");
      expect(await visitKinds(admin, ticket.id)).toEqual(["visit_scheduled"]);
    });

    it("without a reminded visit ahead, 1, YES, 2 and CHANGE are filed as usual and nothing else happens", async () => {
      const { t } = s();
      let admin = await setClock("2026-04-14T23:00:00Z");
      // A visit on Thursday: its reminder goes out on Wednesday evening, not yet.
      const notYet = await visitFor(admin, { startsAt: "2026-04-16T15:00:00Z", endsAt: "2026-04-16T17:00:00Z" });
      // A customer with an open ticket and no visit at all.
      const plainCustomer = await makeCustomer(admin);
      const plainTicket = await makeTicket(admin, { customerId: plainCustomer.id, subject: "Slow evenings" });
      t.clock.set("2026-04-15T00:00:00Z");
      await runReminders(t);
      admin = await signIn(t.app, DEMO.admin);
      expect((await visitNow(admin, notYet.visit.id)).reminderSentAt).toBeNull();

      await text(notYet.phone, "1");
      await text(notYet.phone, "CHANGE");
      await text(plainCustomer.phone as string, "2");
      await text(plainCustomer.phone as string, "YES");
      expect(await visitNow(admin, notYet.visit.id)).toMatchObject({
        confirmedAt: null,
        changeRequestedAt: null,
        version: notYet.visit.version,
      });
      expect(await visitKinds(admin, notYet.ticket.id)).toEqual(["visit_scheduled"]);
      expect(await comments(admin, notYet.ticket.id)).toEqual(expect.arrayContaining(["1", "CHANGE"]));
      expect(await comments(admin, plainTicket.id)).toEqual(["2"]);
      expect((await timelineEvents(admin, plainTicket.id)).map((e) => e.kind)).toContain("customer_opted_in");

      // Once the visit has started, an answer is too late to record.
      const started = await remindedVisit();
      t.clock.set("2026-04-15T15:30:00Z");
      await text(started.phone, "2");
      expect((await visitNow(await signIn(t.app, DEMO.admin), started.visit.id)).changeRequestedAt).toBeNull();
    });
  });
});
