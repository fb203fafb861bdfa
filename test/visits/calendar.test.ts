import type { LightMyRequestResponse } from "fastify";
import nodeIcal, { type VEvent } from "node-ical";
import { describe, expect, it } from "vitest";
import type { TicketDetail } from "../../src/shared/tickets.js";
import type { VisitDetail } from "../../src/shared/visits.js";
import { DEMO, problemOf, type Session, signIn, type TestApp, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician, signInAs } from "../support/factories/users.js";
import { makeToken, tokenClient } from "../support/tokens.js";

const PUBLIC_URL = "https://crm.example.net";
const FEED_URL = /^https:\/\/crm\.example\.net\/ical\/([A-Za-z0-9_-]{43})\.ics$/;

/** The feed as a calendar app fetches it: no cookie, no token header, just the address. */
const fetchFeed = (t: TestApp, url: string) => t.app.inject({ method: "GET", url: new URL(url).pathname });

function eventsOf(response: LightMyRequestResponse): Map<string, VEvent> {
  const parsed = nodeIcal.sync.parseICS(response.body);
  const events = new Map<string, VEvent>();
  for (const component of Object.values(parsed)) {
    if (component?.type === "VEVENT") events.set(component.uid, component);
  }
  return events;
}

async function schedule(admin: Session, body: Record<string, unknown>): Promise<VisitDetail> {
  const response = await admin.post("/api/visits", { kind: "repair", allowOverlap: true, ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function createFeed(session: Session): Promise<string> {
  const response = await session.post("/api/calendar-feed");
  expect(response.statusCode, response.body).toBe(201);
  const { url } = response.json() as { url: string };
  return url;
}

describe.each(testDatabaseKinds())("calendar feeds (%s)", (kind) => {
  const s = useTestApp(kind, { env: { TIME_ZONE: "America/Denver", PUBLIC_URL } });

  /** Monday 10:00 in Denver; a technician with a week of visits around it, and a colleague's. */
  async function fixture() {
    const t = s();
    t.clock.set("2026-05-04T16:00:00Z");
    const admin = await signIn(t.app, DEMO.admin);
    const technician = await makeTechnician(admin, { name: `Tomás Rivera ${Date.now()}` });
    const colleague = await makeTechnician(admin, { name: `Ada Okafor ${Date.now()}` });
    const customer = await makeCustomer(admin, {
      name: "Rosa Field",
      phone: "+17205550123",
      street: "12 Pine St",
      city: "Boulder",
      latitude: 40.015,
      longitude: -105.27,
    });
    const ticket: TicketDetail = await makeTicket(admin, { customerId: customer.id, subject: "Cannot connect" });
    const noCustomer: TicketDetail = await makeTicket(admin, { subject: "Cabinet door broken" });
    const mine = { ticketId: ticket.id, technicianId: technician.id };
    const visits = {
      upcoming: await schedule(admin, {
        ...mine,
        startsAt: "2026-05-05T15:00:00Z",
        endsAt: "2026-05-05T17:00:00Z",
        notes: "Gate code 4411; the dog is friendly",
      }),
      cancelled: await schedule(admin, { ...mine, startsAt: "2026-05-06T15:00:00Z", endsAt: "2026-05-06T16:00:00Z" }),
      lastWeek: await schedule(admin, {
        ticketId: noCustomer.id,
        technicianId: technician.id,
        kind: "maintenance",
        startsAt: "2026-04-28T15:00:00Z",
        endsAt: "2026-04-28T16:00:00Z",
      }),
      tooOld: await schedule(admin, { ...mine, startsAt: "2026-04-26T15:00:00Z", endsAt: "2026-04-26T16:00:00Z" }),
      tooFar: await schedule(admin, { ...mine, startsAt: "2026-07-04T15:00:00Z", endsAt: "2026-07-04T16:00:00Z" }),
      colleagues: await schedule(admin, {
        ticketId: ticket.id,
        technicianId: colleague.id,
        startsAt: "2026-05-05T18:00:00Z",
        endsAt: "2026-05-05T19:00:00Z",
      }),
    };
    const cancel = await admin.post(`/api/visits/${visits.cancelled.id}/cancel`, { reason: "Fixed remotely" });
    expect(cancel.statusCode, cancel.body).toBe(200);
    return {
      t,
      admin,
      technician,
      colleague,
      customer,
      ticket,
      noCustomer,
      visits,
      tech: await signInAs(t.app, technician),
    };
  }

  it("serves the technician's visits of the past week and the next 60 days as iCalendar, to anyone with the address", async () => {
    const { t, tech, ticket, noCustomer, visits, customer } = await fixture();
    expect((await tech.get("/api/calendar-feed")).json()).toEqual({ active: false, createdAt: null, lastUsedAt: null });
    const url = await createFeed(tech);
    expect(url).toMatch(FEED_URL);
    const status = await tech.get("/api/calendar-feed");
    expect(status.json()).toEqual({ active: true, createdAt: "2026-05-04T16:00:00.000Z", lastUsedAt: null });
    // The address is shown once: the status never holds it.
    expect(status.body).not.toContain(FEED_URL.exec(url)?.[1]);

    t.clock.set("2026-05-04T16:05:00Z");
    const response = await fetchFeed(t, url);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("private, max-age=300");
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    expect(response.headers["set-cookie"]).toBeUndefined();

    const events = eventsOf(response);
    expect([...events.keys()].sort()).toEqual([visits.upcoming.id, visits.cancelled.id, visits.lastWeek.id].sort());
    const upcoming = events.get(visits.upcoming.id) as VEvent;
    expect(upcoming.summary).toBe(`Repair: ${ticket.number} Cannot connect`);
    expect(new Date(upcoming.start).toISOString()).toBe("2026-05-05T15:00:00.000Z");
    expect(new Date(upcoming.end as Date).toISOString()).toBe("2026-05-05T17:00:00.000Z");
    expect(upcoming.location).toBe("12 Pine St, Boulder");
    expect(upcoming.geo).toEqual({ lat: 40.015, lon: -105.27 });
    expect(String(upcoming.description).split("\n")).toEqual([
      `Customer: Rosa Field (${customer.accountNumber})`,
      "Phone: +17205550123",
      `Ticket: ${PUBLIC_URL}/tickets/${ticket.id}`,
      "Notes: Gate code 4411; the dog is friendly",
    ]);
    expect(upcoming.url as unknown).toEqual({ params: { VALUE: "URI" }, val: `${PUBLIC_URL}/tickets/${ticket.id}` });
    expect(upcoming.status).toBe("CONFIRMED");
    expect(events.get(visits.cancelled.id)?.status).toBe("CANCELLED");
    const lastWeek = events.get(visits.lastWeek.id) as VEvent;
    expect(lastWeek.summary).toBe(`Maintenance: ${noCustomer.number} Cabinet door broken`);
    expect(lastWeek.location).toBeUndefined();
    expect(String(lastWeek.description).split("\n")).toEqual([
      "No customer on the ticket",
      `Ticket: ${PUBLIC_URL}/tickets/${noCustomer.id}`,
    ]);
    // The raw text: one VEVENT per visit, its UID the visit's id, GEO as latitude;longitude.
    expect(response.body.match(/^BEGIN:VEVENT\r$/gm)).toHaveLength(3);
    expect(response.body).toContain(`\r\nUID:${visits.upcoming.id}\r\n`);
    expect(response.body).toContain("\r\nGEO:40.015;-105.27\r\n");
    expect(response.body).toContain("\r\nDTSTART:20260505T150000Z\r\n");

    expect((await tech.get("/api/calendar-feed")).json()).toMatchObject({ lastUsedAt: "2026-05-04T16:05:00.000Z" });
    // HEAD, as some calendar apps check first.
    const head = await t.app.inject({ method: "HEAD", url: new URL(url).pathname });
    expect(head.statusCode).toBe(200);
  });

  it("regenerating replaces the address (the old one answers 404), turning it off ends it, and a deactivated owner's feed answers 404", async () => {
    const { t, tech, admin, technician } = await fixture();
    const first = await createFeed(tech);
    expect((await fetchFeed(t, first)).statusCode).toBe(200);
    const second = await createFeed(tech);
    expect(second).not.toBe(first);
    const old = await fetchFeed(t, first);
    expect(old.statusCode).toBe(404);
    expect(problemOf(old).code).toBe("calendar_feed.not_found");
    expect((await fetchFeed(t, second)).statusCode).toBe(200);

    const off = await tech.delete("/api/calendar-feed");
    expect(off.statusCode, off.body).toBe(204);
    expect((await fetchFeed(t, second)).statusCode).toBe(404);
    expect((await tech.get("/api/calendar-feed")).json()).toEqual({ active: false, createdAt: null, lastUsedAt: null });
    expect((await tech.delete("/api/calendar-feed")).statusCode).toBe(204);

    const third = await createFeed(tech);
    expect((await fetchFeed(t, third)).statusCode).toBe(200);
    const deactivated = await admin.patch(`/api/users/${technician.id}`, { active: false });
    expect(deactivated.statusCode, deactivated.body).toBe(200);
    expect((await fetchFeed(t, third)).statusCode).toBe(404);

    // Malformed or guessed addresses get the same 404.
    for (const path of ["/ical/x.ics", `/ical/${"A".repeat(43)}.ics`, `/ical/${"A".repeat(44)}.ics`]) {
      const response = await t.app.inject({ method: "GET", url: path });
      expect(response.statusCode, path).toBe(404);
      expect(problemOf(response).code).toBe("calendar_feed.not_found");
    }
  });

  it("a colleague's address shows only the colleague's visits, and the token opens nothing else", async () => {
    const { t, tech, colleague, visits } = await fixture();
    const mine = await createFeed(tech);
    const theirs = await createFeed(await signInAs(t.app, colleague));
    expect(theirs).not.toBe(mine);
    const events = eventsOf(await fetchFeed(t, theirs));
    expect([...events.keys()]).toEqual([visits.colleagues.id]);
    expect([...eventsOf(await fetchFeed(t, mine)).keys()]).not.toContain(visits.colleagues.id);

    const token = FEED_URL.exec(mine)?.[1] as string;
    for (const headers of [
      { authorization: `Bearer ${token}` },
      { authorization: `Bearer upl_${token}` },
      { cookie: `uplink_session=${token}` },
    ]) {
      const response = await t.app.inject({ method: "GET", url: "/api/visits/my-day", headers });
      expect(response.statusCode, JSON.stringify(headers)).toBe(401);
    }
    const withQuery = await t.app.inject({ method: "GET", url: `/api/calendar-feed?token=${token}` });
    expect(withQuery.statusCode).toBe(401);
  });

  it("is made and turned off in a browser session only, each staff member their own", async () => {
    const { admin, tech } = await fixture();
    const token = tokenClient(s().app, (await makeToken(admin, { scopes: ["read", "write"] })).token);
    for (const response of [
      await token.post("/api/calendar-feed"),
      await token.get("/api/calendar-feed"),
      await token.request({ method: "DELETE", url: "/api/calendar-feed" }),
    ]) {
      expect(response.statusCode).toBe(403);
      expect(problemOf(response).code).toBe("token.session_only");
    }
    // The admin's feed is the admin's: the technician's stays as it was.
    await createFeed(tech);
    await admin.delete("/api/calendar-feed");
    expect((await tech.get("/api/calendar-feed")).json()).toMatchObject({ active: true });
    expect((await tech.post("/api/calendar-feed", { userId: admin.user.id })).statusCode).toBe(201);
    expect((await admin.get("/api/calendar-feed")).json()).toMatchObject({ active: false });
  });
});

describe.each(testDatabaseKinds())("calendar feeds without PUBLIC_URL (%s)", (kind) => {
  const s = useTestApp(kind);

  it("builds the address from the origin the browser used, and leaves the ticket link out", async () => {
    const t = s();
    const admin = await signIn(t.app, DEMO.admin);
    const ticket = await makeTicket(admin, { subject: "Mast inspection" });
    const now = t.clock.now().getTime();
    const visit = await schedule(admin, {
      ticketId: ticket.id,
      technicianId: admin.user.id,
      startsAt: new Date(now + 86_400_000).toISOString(),
      endsAt: new Date(now + 90_000_000).toISOString(),
    });
    const response = await admin.request({
      method: "POST",
      url: "/api/calendar-feed",
      headers: { host: "crm.lan:5000" },
    });
    expect(response.statusCode, response.body).toBe(201);
    const { url } = response.json() as { url: string };
    expect(url).toMatch(/^http:\/\/crm\.lan:5000\/ical\/[A-Za-z0-9_-]{43}\.ics$/);
    const event = eventsOf(await fetchFeed(t, url)).get(visit.id);
    expect(String(event?.description).split("\n")).toEqual(["No customer on the ticket", `Ticket: ${ticket.number}`]);
    expect(event?.url).toBeUndefined();
  });
});
