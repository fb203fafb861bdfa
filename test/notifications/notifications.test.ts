import { describe, expect, it } from "vitest";
import type { NotificationPreferences } from "../../src/shared/notifications.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeComment } from "../support/factories/comments.js";
import { makeSite } from "../support/factories/sites.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, makeTechnician, signInAs } from "../support/factories/users.js";
import { bell, notificationsAbout, setPreferences } from "./helpers.js";

const HOUR = 3_600_000;

/**
 * The bell through the HTTP API (docs/notifications.md): each kind reaches exactly the right
 * people once, never the person who caused it; preferences keep rows from being written; reading
 * and marking are one's own. Every test makes its own staff, so no test sees another's rows.
 */
describe.each(testDatabaseKinds())("notifications (%s)", (kind) => {
  const t = useTestApp(kind);

  /** A fresh technician of the test's own (or other staff, by `overrides`), signed in. */
  async function member(admin: Session, overrides: Record<string, unknown> = {}) {
    const account = await makeTechnician(admin, overrides);
    return { account, session: await signInAs(t().app, account) };
  }
  const signInAdmin = () => signIn(t().app, DEMO.admin);

  it("assigned: the assignee once when a ticket is created for them and once when it is reassigned; not who assigned it to themselves", async () => {
    const admin = await signInAdmin();
    const { account: ana, session: anaSession } = await member(admin);
    const { account: ben, session: benSession } = await member(admin);
    const ticket = await makeTicket(admin, { assigneeId: ana.id, subject: "Dish misaligned" });
    const [first] = await notificationsAbout(anaSession, { ticketId: ticket.id });
    expect(first).toMatchObject({
      kind: "assigned",
      title: `${admin.user.name} assigned ${ticket.number} to you`,
      body: "Dish misaligned",
      link: `/tickets/${ticket.id}`,
      actor: { id: admin.user.id, name: admin.user.name },
      readAt: null,
    });

    const moved = await admin.patch(`/api/tickets/${ticket.id}`, { assigneeId: ben.id, version: ticket.version });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(await notificationsAbout(benSession, { ticketId: ticket.id })).toHaveLength(1);
    expect(await notificationsAbout(anaSession, { ticketId: ticket.id })).toHaveLength(1);

    // Ana takes it back herself: nobody is told (she did it), Ben is not told it left him.
    const taken = await anaSession.patch(`/api/tickets/${ticket.id}`, {
      assigneeId: ana.id,
      version: moved.json().version,
    });
    expect(taken.statusCode, taken.body).toBe(200);
    expect(await notificationsAbout(anaSession, { ticketId: ticket.id })).toHaveLength(1);
    expect(await notificationsAbout(benSession, { ticketId: ticket.id })).toHaveLength(1);
    expect(await notificationsAbout(admin, { ticketId: ticket.id })).toHaveLength(0);
  });

  it("mentioned: exactly the colleagues named in an internal note (@Full Name or @handle, any case), not the author nor anyone else", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const stamp = Date.now();
    const carla = await makeTechnician(admin, { name: `Carla Mendes ${stamp}` });
    const dev = await makeStaff(admin, { role: "agent", email: `dev.ops${stamp}@isp.test`, name: `Devon ${stamp}` });
    const eli = await makeTechnician(admin, { name: `Eli Stone ${stamp}` });
    const author = await makeStaff(admin, { role: "agent", name: `Fran Author ${stamp}` });
    const carlaSession = await signInAs(t().app, carla);
    const devSession = await signInAs(t().app, dev);
    const eliSession = await signInAs(t().app, eli);
    const authorSession = await signInAs(t().app, author);
    const ticket = await makeTicket(admin, { subject: "Tower 4 flapping" });

    await makeComment(authorSession, ticket.id, {
      body: `@carla mendes ${stamp}, can you look? Also @DEV.OPS${stamp}. (Note to self: @Fran Author ${stamp}) mail eli${stamp}@isp.test`,
      visibility: "internal",
    });
    const [toCarla] = await notificationsAbout(carlaSession, { ticketId: ticket.id });
    expect(toCarla).toMatchObject({
      kind: "mentioned",
      title: `Fran Author ${stamp} mentioned you on ${ticket.number}`,
      link: `/tickets/${ticket.id}`,
      actor: { id: author.id },
    });
    expect(toCarla?.body).toContain("can you look?");
    expect(await notificationsAbout(carlaSession, { ticketId: ticket.id })).toHaveLength(1);
    expect(await notificationsAbout(devSession, { ticketId: ticket.id })).toHaveLength(1);
    expect(await notificationsAbout(eliSession, { ticketId: ticket.id })).toHaveLength(0);
    expect(await notificationsAbout(authorSession, { ticketId: ticket.id })).toHaveLength(0);
    expect(await notificationsAbout(admin, { ticketId: ticket.id })).toHaveLength(0);

    // A public reply is the customer's to read: an @ there tells nobody.
    await makeComment(authorSession, ticket.id, { body: `@Eli Stone ${stamp} is on the way`, visibility: "public" });
    expect(await notificationsAbout(eliSession, { ticketId: ticket.id })).toHaveLength(0);
    // Named twice in one note: told once. A deactivated colleague: not at all.
    await makeComment(authorSession, ticket.id, {
      body: `@Eli Stone ${stamp} and again @eli stone ${stamp}! Also @carla mendes ${stamp}`,
    });
    expect(await notificationsAbout(eliSession, { ticketId: ticket.id })).toHaveLength(1);
    expect(await notificationsAbout(carlaSession, { ticketId: ticket.id })).toHaveLength(2);
    expect((await admin.patch(`/api/users/${carla.id}`, { active: false })).statusCode).toBe(200);
    await makeComment(authorSession, ticket.id, { body: `@Carla Mendes ${stamp} are you there?` });
    expect((await admin.patch(`/api/users/${carla.id}`, { active: true })).statusCode).toBe(200);
    expect(await notificationsAbout(await signInAs(t().app, carla), { ticketId: ticket.id })).toHaveLength(2);
  });

  it("lists the staff a note can mention: active, by name or handle", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const stamp = Date.now();
    const gina = await makeTechnician(admin, { name: `Gina Quill ${stamp}`, email: `gq${stamp}@isp.test` });
    const gone = await makeTechnician(admin, { name: `Gina Gone ${stamp}` });
    await admin.patch(`/api/users/${gone.id}`, { active: false });
    const byName = await (await signIn(t().app, DEMO.john)).get(`/api/users/mentionable?q=${stamp}`);
    expect(byName.statusCode, byName.body).toBe(200);
    expect(byName.json().items).toEqual([{ id: gina.id, name: gina.name, handle: `gq${stamp}` }]);
    const byHandle = await admin.get(`/api/users/mentionable?q=@GQ${stamp}`);
    expect(byHandle.json().items.map((item: { id: string }) => item.id)).toEqual([gina.id]);
    expect((await admin.get("/api/users/mentionable?limit=0")).statusCode).toBe(422);
  });

  it("incident_opened: every active colleague who keeps it on, not the one who opened it", async () => {
    const admin = await signInAdmin();
    const { session: halSession } = await member(admin);
    const { session: ivySession } = await member(admin);
    await setPreferences(ivySession, { incident_opened: { inApp: false } });
    const site = await makeSite(admin);
    const response = await admin.post("/api/incidents", {
      title: "Fibre cut on Main St",
      kind: "outage",
      severity: "major",
      siteIds: [site.id],
    });
    expect(response.statusCode, response.body).toBe(201);
    const incident = response.json();
    const told = await notificationsAbout(halSession, { incidentId: incident.id });
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      kind: "incident_opened",
      title: "Incident opened: Fibre cut on Main St",
      body: "Outage, major",
      link: `/incidents/${incident.id}`,
    });
    expect(await notificationsAbout(ivySession, { incidentId: incident.id })).toHaveLength(0);
    expect(await notificationsAbout(admin, { incidentId: incident.id })).toHaveLength(0);
  });

  it("visit_moved: the technician when their visit moves; both the old and the new one when it changes hands; not who moved it", async () => {
    const admin = await signInAdmin();
    const { account: jo, session: joSession } = await member(admin);
    const { account: kim, session: kimSession } = await member(admin);
    const ticket = await makeTicket(admin, { subject: "Install ONT" });
    const start = new Date(t().clock.now().getTime() + 48 * HOUR);
    const created = await admin.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: jo.id,
      kind: "install",
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 2 * HOUR).toISOString(),
    });
    expect(created.statusCode, created.body).toBe(201);
    const visit = created.json();
    // Booking a visit is not moving one.
    expect(await notificationsAbout(joSession, { visitId: visit.id })).toHaveLength(0);

    const later = await admin.patch(`/api/visits/${visit.id}`, {
      startsAt: new Date(start.getTime() + HOUR).toISOString(),
      endsAt: new Date(start.getTime() + 3 * HOUR).toISOString(),
      version: visit.version,
    });
    expect(later.statusCode, later.body).toBe(200);
    const [moved] = await notificationsAbout(joSession, { visitId: visit.id });
    expect(moved).toMatchObject({
      kind: "visit_moved",
      title: `Your visit on ${ticket.number} moved`,
      link: `/tickets/${ticket.id}`,
      ticketId: ticket.id,
    });
    expect(moved?.body).toMatch(/^Install visit, now on .+ between .+ and .+$/);

    const handed = await admin.patch(`/api/visits/${visit.id}`, {
      technicianId: kim.id,
      version: later.json().version,
    });
    expect(handed.statusCode, handed.body).toBe(200);
    const toJo = await notificationsAbout(joSession, { visitId: visit.id });
    expect(toJo).toHaveLength(2);
    expect(toJo[0]?.title).toBe(`Your visit on ${ticket.number} went to ${kim.name}`);
    const toKim = await notificationsAbout(kimSession, { visitId: visit.id });
    expect(toKim.map((item) => item.title)).toEqual([`A visit on ${ticket.number} is now yours`]);

    // Kim moves her own visit: nobody is told.
    const own = await kimSession.patch(`/api/visits/${visit.id}`, {
      startsAt: new Date(start.getTime() + 4 * HOUR).toISOString(),
      endsAt: new Date(start.getTime() + 5 * HOUR).toISOString(),
      version: handed.json().version,
    });
    expect(own.statusCode, own.body).toBe(200);
    expect(await notificationsAbout(kimSession, { visitId: visit.id })).toHaveLength(1);
    expect(await notificationsAbout(joSession, { visitId: visit.id })).toHaveLength(2);
    expect(await notificationsAbout(admin, { visitId: visit.id })).toHaveLength(0);
  });

  it("preferences: defaults, a switch changed alone, in-app off writes nothing, SMS only for technicians", async () => {
    const admin = await signInAdmin();
    const { account: lou, session: louSession } = await member(admin);
    const defaults = (await louSession.get("/api/notifications/preferences")).json() as NotificationPreferences;
    expect(defaults).toEqual({
      kinds: {
        assigned: { inApp: true, browser: true, sms: true, smsUrgentOnly: false },
        sms_reply: { inApp: true, browser: true },
        sla_due_soon: { inApp: true, browser: false },
        sla_overdue: { inApp: true, browser: false },
        mentioned: { inApp: true, browser: true, sms: false },
        incident_opened: { inApp: true, browser: false },
        visit_moved: { inApp: true, browser: false },
        webhook_disabled: { inApp: true, browser: false },
      },
      smsOffered: true,
    });
    const changed = await setPreferences(louSession, { assigned: { inApp: false } });
    expect(changed.kinds.assigned).toEqual({ inApp: false, browser: true, sms: true, smsUrgentOnly: false });
    const again = await setPreferences(louSession, { assigned: { browser: false }, mentioned: { sms: true } });
    expect(again.kinds.assigned).toEqual({ inApp: false, browser: false, sms: true, smsUrgentOnly: false });
    expect(again.kinds.mentioned).toEqual({ inApp: true, browser: true, sms: true });

    const ticket = await makeTicket(admin, { assigneeId: lou.id });
    expect(await notificationsAbout(louSession, { ticketId: ticket.id })).toHaveLength(0);

    // Office staff are offered no SMS: asking for it is refused, and says so.
    const agent = await signInAs(t().app, await makeStaff(admin, { role: "agent" }));
    expect((await agent.get("/api/notifications/preferences")).json().smsOffered).toBe(false);
    const refused = await agent.put("/api/notifications/preferences", { kinds: { mentioned: { sms: true } } });
    expect(refused.statusCode).toBe(422);
    expect(problemOf(refused).code).toBe("notification.sms_not_offered");
    for (const body of [
      { kinds: { incident_opened: { sms: true } } },
      { kinds: { nonsense: { inApp: true } } },
      { kinds: { assigned: { inApp: "yes" } } },
      {},
    ]) {
      const response = await agent.put("/api/notifications/preferences", body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
    }
  });

  it("reads: newest first with an unread count, pages by cursor, the unread only, one read, all read", async () => {
    const admin = await signInAdmin();
    const { account: max, session } = await member(admin);
    const tickets = [];
    for (let i = 0; i < 5; i++) {
      t().clock.advance(1000);
      tickets.push(await makeTicket(admin, { assigneeId: max.id, subject: `Job ${i}` }));
    }
    const first = await bell(session, { limit: "2" });
    expect(first.unreadCount).toBe(5);
    expect(first.items.map((item) => item.body)).toEqual(["Job 4", "Job 3"]);
    const second = await bell(session, { limit: "2", cursor: first.nextCursor as string });
    const third = await bell(session, { limit: "2", cursor: second.nextCursor as string });
    expect([...second.items, ...third.items].map((item) => item.body)).toEqual(["Job 2", "Job 1", "Job 0"]);
    expect(third.nextCursor).toBeNull();

    const read = await session.post(`/api/notifications/${first.items[0]?.id}/read`);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ id: first.items[0]?.id, readAt: t().clock.now().toISOString() });
    // Again: still read, since the first time.
    t().clock.advance(5000);
    const readAgain = await session.post(`/api/notifications/${first.items[0]?.id}/read`);
    expect(readAgain.json().readAt).toBe(read.json().readAt);
    const unread = await bell(session, { unread: "true" });
    expect(unread.unreadCount).toBe(4);
    expect(unread.items.map((item) => item.body)).toEqual(["Job 3", "Job 2", "Job 1", "Job 0"]);

    const all = await session.post("/api/notifications/read-all");
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json()).toEqual({ marked: 4, unreadCount: 0 });
    expect((await bell(session, { unread: "true" })).items).toEqual([]);
    expect((await bell(session)).items.every((item) => item.readAt !== null)).toBe(true);
    expect((await session.post("/api/notifications/read-all")).json()).toEqual({ marked: 0, unreadCount: 0 });
    expect((await session.get("/api/notifications?cursor=nope")).statusCode).toBe(400);
    expect((await session.get("/api/notifications?unread=maybe")).statusCode).toBe(422);
  });

  it("keeps each person's bell their own: another's notification cannot be read or marked (404), read-all touches only yours", async () => {
    const admin = await signInAdmin();
    const { account: ned, session: nedSession } = await member(admin);
    const { session: oraSession } = await member(admin);
    const ticket = await makeTicket(admin, { assigneeId: ned.id });
    const [mine] = await notificationsAbout(nedSession, { ticketId: ticket.id });
    expect(mine).toBeDefined();
    expect((await bell(oraSession)).items.some((item) => item.id === mine?.id)).toBe(false);
    const stolen = await oraSession.post(`/api/notifications/${mine?.id}/read`);
    expect(stolen.statusCode).toBe(404);
    expect(problemOf(stolen).code).toBe("notification.not_found");
    expect((await admin.post(`/api/notifications/${mine?.id}/read`)).statusCode).toBe(404);
    expect((await oraSession.post("/api/notifications/read-all")).statusCode).toBe(200);
    const [still] = await notificationsAbout(nedSession, { ticketId: ticket.id });
    expect(still?.readAt).toBeNull();
    expect((await nedSession.post("/api/notifications/999999999/read")).statusCode).toBe(404);
    expect((await nedSession.post("/api/notifications/abc/read")).statusCode).toBe(422);
  });
});
