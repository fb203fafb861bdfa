import { beforeAll, describe, expect, it } from "vitest";
import type { OutageSuggestion, OutageSuggestionList } from "../../src/shared/incident-suggestions.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeSite } from "../support/factories/sites.js";
import { makeTicket } from "../support/factories/tickets.js";

const MINUTE = 60_000;

/**
 * Possible outages (issue 15 item 7): 3 no-service or intermittent tickets from one site's
 * customers within 15 minutes (the defaults), on a site no active incident covers.
 */
describe.each(testDatabaseKinds())("outage suggestions on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;
  let john: Session;

  beforeAll(async () => {
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
  });

  /** A site with `count` customers on it. */
  async function siteWith(count: number) {
    const site = await makeSite(admin);
    const customers = [];
    for (let i = 0; i < count; i += 1) customers.push(await makeCustomer(admin, { siteId: site.id, status: "active" }));
    return { site, customers };
  }

  /** One ticket per entry: [customer index, minutes after the previous ticket, category]. */
  async function callIn(customers: { id: string }[], calls: [number, number, string][]) {
    const ids: string[] = [];
    for (const [index, gap, category] of calls) {
      t().clock.advance(gap * MINUTE);
      const customer = customers[index];
      if (!customer) throw new Error(`no customer ${index}`);
      ids.push((await makeTicket(john, { customerId: customer.id, category })).id);
    }
    return ids;
  }

  async function suggestionFor(siteId: string, session: Session = admin): Promise<OutageSuggestion | undefined> {
    const response = await session.get("/api/incidents/suggestions");
    expect(response.statusCode).toBe(200);
    const list = response.json() as OutageSuggestionList;
    expect(list.thresholds).toEqual({ tickets: 3, minutes: 15 });
    return list.items.find((item) => item.siteId === siteId);
  }

  it("suggests nothing for two tickets", async () => {
    const { site, customers } = await siteWith(2);
    await callIn(customers, [
      [0, 1, "no_service"],
      [1, 2, "no_service"],
    ]);
    expect(await suggestionFor(site.id)).toBeUndefined();
  });

  it("suggests an outage for three tickets within 15 minutes, with the tickets to link", async () => {
    const { site, customers } = await siteWith(4);
    const started = t().clock.now().getTime();
    const ids = await callIn(customers, [
      [0, 1, "no_service"],
      [1, 5, "intermittent"],
      [2, 6, "no_service"],
    ]);
    const suggestion = await suggestionFor(site.id, john);
    expect(suggestion).toEqual({
      siteId: site.id,
      siteName: site.name,
      ticketCount: 3,
      firstAt: new Date(started + 1 * MINUTE).toISOString(),
      lastAt: new Date(started + 12 * MINUTE).toISOString(),
      ticketIds: ids,
    });
    // A fourth call joins the burst.
    const [fourth] = await callIn(customers, [[3, 1, "no_service"]]);
    expect((await suggestionFor(site.id))?.ticketIds).toEqual([...ids, fourth]);
  });

  it("suggests nothing for three tickets spread over 20 minutes", async () => {
    const { site, customers } = await siteWith(3);
    await callIn(customers, [
      [0, 1, "no_service"],
      [1, 10, "no_service"],
      [2, 10, "no_service"],
    ]);
    expect(await suggestionFor(site.id)).toBeUndefined();
  });

  it("suggests nothing for other categories, nor for three tickets of one caller", async () => {
    const { site, customers } = await siteWith(3);
    await callIn(customers, [
      [0, 1, "slow_speed"],
      [1, 1, "billing"],
      [2, 1, "no_service"],
    ]);
    expect(await suggestionFor(site.id)).toBeUndefined();
    const other = await siteWith(1);
    await callIn(other.customers, [
      [0, 1, "no_service"],
      [0, 1, "no_service"],
      [0, 1, "intermittent"],
    ]);
    expect(await suggestionFor(other.site.id)).toBeUndefined();
  });

  it("drops the suggestion once an active incident covers the site, and while one does", async () => {
    const { site, customers } = await siteWith(3);
    await callIn(customers, [
      [0, 1, "no_service"],
      [1, 1, "no_service"],
      [2, 1, "no_service"],
    ]);
    expect(await suggestionFor(site.id)).toBeDefined();
    const opened = await admin.post("/api/incidents", {
      title: "Outage",
      kind: "outage",
      severity: "major",
      siteIds: [site.id],
    });
    expect(opened.statusCode).toBe(201);
    expect(await suggestionFor(site.id)).toBeUndefined();
    // Resolved by people: the same tickets (still open, unlinked) make the suggestion again.
    const resolved = await admin.post(`/api/incidents/${opened.json().id}/resolve`, { resolveTickets: false });
    expect(resolved.statusCode).toBe(200);
    expect(await suggestionFor(site.id)).toBeDefined();
  });

  it("forgets a burst two hours on, and tickets linked to an incident are no signal", async () => {
    const { site, customers } = await siteWith(3);
    const ids = await callIn(customers, [
      [0, 1, "no_service"],
      [1, 1, "no_service"],
      [2, 1, "no_service"],
    ]);
    expect(await suggestionFor(site.id)).toBeDefined();
    const elsewhere = await makeSite(admin);
    const incident = await admin.post("/api/incidents", {
      title: "Elsewhere",
      kind: "outage",
      severity: "minor",
      siteIds: [elsewhere.id],
    });
    expect((await admin.post(`/api/incidents/${incident.json().id}/tickets`, { ticketId: ids[0] })).statusCode).toBe(
      200,
    );
    expect(await suggestionFor(site.id)).toBeUndefined();
    expect((await admin.delete(`/api/incidents/${incident.json().id}/tickets/${ids[0]}`)).statusCode).toBe(204);
    expect(await suggestionFor(site.id)).toBeDefined();
    t().clock.advance(121 * MINUTE);
    expect(await suggestionFor(site.id)).toBeUndefined();
  });

  it("needs a signed-in staff member", async () => {
    const response = await t().app.inject({ method: "GET", url: "/api/incidents/suggestions" });
    expect(response.statusCode).toBe(401);
    expect(problemOf(response).code).toBe("auth.required");
  });
});
