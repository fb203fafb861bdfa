import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR, serviceContext } from "../../src/server/context.js";
import { activateDueIncidents } from "../../src/server/incidents/incidents.service.js";
import type { IncidentCustomer, IncidentDetail, IncidentEvent } from "../../src/shared/incidents.js";
import { ZIncidentConflict } from "../../src/shared/incidents.js";
import type { Ticket, TicketDetail } from "../../src/shared/tickets.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeServicePlan } from "../support/factories/service-plans.js";
import { makeTicket } from "../support/factories/tickets.js";
import { WebhookReceiver } from "../webhooks/receiver.js";
import { WEBHOOK_TEST_ENV } from "../webhooks/webhook-test-app.js";
import { makeIncident, makeSiteWithCustomers, smsPurposesOfTicket, webhookEventsOf } from "./helpers.js";

const HOUR = 3_600_000;

describe.each(testDatabaseKinds())("incidents API on %s", (kind) => {
  const receiver = new WebhookReceiver();
  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
  });
  const t = useTestApp(kind, { env: WEBHOOK_TEST_ENV });
  let admin: Session;
  let agent: Session;
  let john: Session;
  let webhookMade = false;

  beforeEach(async () => {
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
    if (!webhookMade) {
      const events = ["incident.created", "incident.updated", "incident.resolved", "ticket.created"];
      const response = await admin.post("/api/webhooks", { url: receiver.url("/hooks/incidents"), events });
      expect(response.statusCode).toBe(201);
      const created = await admin.post("/api/users", {
        name: "Olga Office",
        email: `olga-${kind}@isp.com`,
        password: "office-pass-123",
        role: "agent",
      });
      expect(created.statusCode).toBe(201);
      webhookMade = true;
    }
    agent = await signIn(t().app, { email: `olga-${kind}@isp.com`, password: "office-pass-123" });
  });

  const db = () => t().database.handle.db;
  const detail = async (id: string) => (await admin.get(`/api/incidents/${id}`)).json() as IncidentDetail;
  const customersOf = async (id: string) => {
    const items: IncidentCustomer[] = [];
    let cursor: string | null = null;
    do {
      const response = await admin.get(`/api/incidents/${id}/customers?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.statusCode).toBe(200);
      const page = response.json() as { items: IncidentCustomer[]; nextCursor: string | null };
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };

  it("counts and lists the affected customers: current, active/suspended/pending install, at the sites, matching the filter", async () => {
    const fiber = await makeServicePlan(admin);
    const { site, customers } = await makeSiteWithCustomers(admin, [
      {
        name: "Ann Active",
        status: "active",
        servicePlanId: fiber.id,
        connectionType: "fiber",
        city: "Boulder",
        postalCode: "80301",
      },
      { name: "Sam Suspended", status: "suspended", connectionType: "fiber", city: "boulder ", postalCode: "80 302" },
      {
        name: "Pat Pending",
        status: "pending_install",
        connectionType: "fixed_wireless",
        city: "Longmont",
        postalCode: "80501",
      },
      { name: "Lee Lead", status: "lead", connectionType: "fiber", city: "Boulder" },
      { name: "Cal Cancelled", status: "cancelled", connectionType: "fiber", city: "Boulder" },
      { name: "Archie Archived", status: "active", connectionType: "fiber", city: "Boulder" },
    ]);
    const archived = customers[5];
    if (!archived) throw new Error("no archived customer");
    expect((await admin.delete(`/api/customers/${archived.id}`)).statusCode).toBe(200);
    // Elsewhere: another site's customer is not affected.
    await makeSiteWithCustomers(admin, [{ name: "Olive Other", status: "active" }]);

    const incident = await makeIncident(john, { siteIds: [site.id] });
    expect(incident.status).toBe("investigating");
    expect(incident.affectedCustomerCount).toBe(3);
    expect((await customersOf(incident.id)).map((c) => c.name)).toEqual(["Ann Active", "Pat Pending", "Sam Suspended"]);
    const ann = (await customersOf(incident.id))[0];
    expect(ann).toMatchObject({ planName: fiber.name, hasOpenTicket: false, siteId: site.id });
    expect(ann?.phone).toMatch(/^\+1/);

    const narrowed = async (change: Record<string, unknown>) => {
      const current = await detail(incident.id);
      const response = await admin.patch(`/api/incidents/${incident.id}`, { ...change, version: current.version });
      expect(response.statusCode, response.body).toBe(200);
      return (await customersOf(incident.id)).map((c) => c.name);
    };
    expect(await narrowed({ connectionTypes: ["fiber"] })).toEqual(["Ann Active", "Sam Suspended"]);
    // Cities compare without case or surrounding spaces, postal codes without spaces.
    expect(await narrowed({ connectionTypes: null, cities: ["BOULDER"] })).toEqual(["Ann Active", "Sam Suspended"]);
    expect(await narrowed({ cities: null, postalCodes: ["80302"] })).toEqual(["Sam Suspended"]);
    expect(await narrowed({ postalCodes: [], planIds: [fiber.id] })).toEqual(["Ann Active"]);
    expect((await detail(incident.id)).planIds).toEqual([fiber.id]);
    // An open ticket shows beside the customer.
    await makeTicket(admin, { customerId: ann?.id });
    expect((await customersOf(incident.id))[0]?.hasOpenTicket).toBe(true);
  });

  it("refuses bad input with 4xx problem+json: no sites, an unknown site or plan, an ETA before the start, a closed status", async () => {
    const { site } = await makeSiteWithCustomers(admin, []);
    const base = { title: "x", kind: "outage", severity: "minor" };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, siteIds: [] }, 422, "siteIds"],
      [{ ...base, siteIds: ["00000000-0000-4000-8000-000000000000"] }, 422, "siteIds"],
      [{ ...base, siteIds: [site.id], planIds: ["00000000-0000-4000-8000-000000000000"] }, 422, "planIds"],
      [
        { ...base, siteIds: [site.id], startsAt: "2026-01-02T10:00:00Z", expectedEndAt: "2026-01-02T09:00:00Z" },
        422,
        "expectedEndAt",
      ],
      [{ ...base, siteIds: [site.id], status: "resolved" }, 422, "status"],
      [{ ...base, siteIds: [site.id], kind: "meteor" }, 422, "kind"],
    ];
    for (const [body, status, field] of cases) {
      const response = await admin.post("/api/incidents", body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(problemOf(response).errors?.map((e) => e.field)).toContain(field);
    }
    expect((await admin.get("/api/incidents/00000000-0000-4000-8000-000000000000")).statusCode).toBe(404);
    expect((await admin.get("/api/incidents?state=sideways")).statusCode).toBe(422);
  });

  it("PATCH sends only the changed fields with a version; a stale version gets 409 with the current incident and who changed what", async () => {
    const { site } = await makeSiteWithCustomers(admin, [{ status: "active" }]);
    const incident = await makeIncident(agent, { siteIds: [site.id] });
    const first = await john.patch(`/api/incidents/${incident.id}`, {
      status: "identified",
      publicMessage: "A fibre cut on Elm St; repair crew on site.",
      version: incident.version,
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: "identified", version: incident.version + 1 });

    const stale = await agent.patch(`/api/incidents/${incident.id}`, {
      severity: "critical",
      version: incident.version,
    });
    expect(stale.statusCode).toBe(409);
    const conflict = ZIncidentConflict.parse(stale.json());
    expect(conflict.current.status).toBe("identified");
    expect(conflict.changes.map((c) => c.kind).sort()).toEqual(["public_update", "status_changed"]);
    expect(conflict.changes.map((c) => c.by?.id)).toEqual([john.user.id, john.user.id]);
    expect(conflict.detail).toContain("changed this incident");

    // Nothing changed: no new version, no timeline entry.
    const same = await agent.patch(`/api/incidents/${incident.id}`, {
      status: "identified",
      version: incident.version + 1,
    });
    expect(same.json().version).toBe(incident.version + 1);

    const timeline = (await admin.get(`/api/incidents/${incident.id}/timeline`)).json().items as IncidentEvent[];
    expect(timeline.map((e) => e.kind)).toEqual(["created", "status_changed", "public_update"]);
    expect(timeline[2]).toMatchObject({
      publicUpdate: "A fibre cut on Elm St; repair crew on site.",
      actor: { id: john.user.id },
    });
    expect(timeline[0]?.actor?.id).toBe(agent.user.id);
  });

  it("lists by state (active, scheduled, resolved), latest start first, a page at a time", async () => {
    const { site } = await makeSiteWithCustomers(admin, []);
    const now = t().clock.now().getTime();
    const scheduled = await makeIncident(admin, {
      siteIds: [site.id],
      kind: "maintenance",
      startsAt: new Date(now + 2 * HOUR).toISOString(),
      expectedEndAt: new Date(now + 4 * HOUR).toISOString(),
    });
    expect(scheduled.status).toBe("scheduled");
    const active = await makeIncident(admin, { siteIds: [site.id] });
    const ids = async (state: string) => {
      const items: string[] = [];
      let cursor: string | null = null;
      do {
        const response = await admin.get(`/api/incidents?state=${state}&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
        expect(response.statusCode).toBe(200);
        const page = response.json();
        items.push(...page.items.map((item: { id: string }) => item.id));
        cursor = page.nextCursor;
      } while (cursor);
      return items;
    };
    expect(await ids("scheduled")).toContain(scheduled.id);
    expect(await ids("active")).toContain(active.id);
    expect(await ids("active")).not.toContain(scheduled.id);
    const all = (await admin.get("/api/incidents?limit=200")).json().items as { id: string; sites: unknown[] }[];
    expect(all.findIndex((i) => i.id === scheduled.id)).toBeLessThan(all.findIndex((i) => i.id === active.id));
    expect(all[0]?.sites).toHaveLength(1);
  });

  it("activates a scheduled incident at its start (the maintenance job): maintenance becomes identified, with a timeline entry", async () => {
    const { site } = await makeSiteWithCustomers(admin, []);
    const now = t().clock.now().getTime();
    const scheduled = await makeIncident(admin, {
      siteIds: [site.id],
      kind: "maintenance",
      startsAt: new Date(now + HOUR).toISOString(),
    });
    const ctx = serviceContext(t().app.deps);
    await activateDueIncidents(ctx, SYSTEM_ACTOR);
    expect((await detail(scheduled.id)).status).toBe("scheduled");
    t().clock.advance(HOUR + 1000);
    expect(await activateDueIncidents(ctx, SYSTEM_ACTOR)).toBeGreaterThanOrEqual(1);
    const after = await detail(scheduled.id);
    expect(after).toMatchObject({ status: "identified", version: scheduled.version + 1 });
    const timeline = (await admin.get(`/api/incidents/${scheduled.id}/timeline`)).json().items as IncidentEvent[];
    expect(timeline.at(-1)).toMatchObject({ kind: "activated", actor: null });
  });

  it("links new tickets automatically only while active and only for affected customers, in the ticket's timeline", async () => {
    const { site, customers } = await makeSiteWithCustomers(admin, [{ status: "active" }, { status: "lead" }]);
    const [affected, lead] = customers;
    const { customers: others } = await makeSiteWithCustomers(admin, [{ status: "active" }]);
    const now = t().clock.now().getTime();
    const incident = await makeIncident(admin, { siteIds: [site.id], startsAt: new Date(now + HOUR).toISOString() });
    expect(incident.status).toBe("scheduled");

    // Scheduled: not yet.
    const before = await makeTicket(agent, { customerId: affected?.id, subject: "No internet" });
    expect(before.incidentId).toBeNull();

    const activate = await admin.patch(`/api/incidents/${incident.id}`, {
      status: "investigating",
      version: incident.version,
    });
    expect(activate.statusCode).toBe(200);
    const linked = await makeTicket(agent, { customerId: affected?.id, subject: "Still no internet" });
    expect(linked.incidentId).toBe(incident.id);
    const notAffected = await makeTicket(agent, { customerId: lead?.id });
    expect(notAffected.incidentId).toBeNull();
    const elsewhere = await makeTicket(agent, { customerId: others[0]?.id });
    expect(elsewhere.incidentId).toBeNull();
    const networkWide = await makeTicket(agent, {});
    expect(networkWide.incidentId).toBeNull();

    const timeline = (await admin.get(`/api/tickets/${linked.id}/timeline`)).json();
    const entry = JSON.stringify(timeline);
    expect(entry).toContain("incident_linked");
    expect((await admin.get(`/api/tickets?incidentId=${incident.id}`)).json().items.map((i: Ticket) => i.id)).toEqual([
      linked.id,
    ]);
    const incidentTimeline = (await admin.get(`/api/incidents/${incident.id}/timeline`)).json()
      .items as IncidentEvent[];
    expect(incidentTimeline.at(-1)).toMatchObject({
      kind: "ticket_linked",
      changes: { ticketId: linked.id, automatic: true },
    });
    expect((await detail(incident.id)).tickets).toEqual({ open: 1, total: 1 });
    // The ticket.created webhook carries the link.
    const created = await webhookEventsOf(db(), "ticket.created");
    expect(created.find((data) => data.id === linked.id)?.incidentId).toBe(incident.id);

    // Resolved: no longer.
    const current = await detail(incident.id);
    await admin.patch(`/api/incidents/${incident.id}`, { status: "resolved", version: current.version });
    const after = await makeTicket(agent, { customerId: affected?.id });
    expect(after.incidentId).toBeNull();
  });

  it("links and unlinks tickets by hand, network-wide ones too; unlinking a ticket not linked here is 404", async () => {
    const { site } = await makeSiteWithCustomers(admin, []);
    const incident = await makeIncident(john, { siteIds: [site.id] });
    const other = await makeIncident(john, { siteIds: [site.id], title: "Other" });
    const networkWide = await makeTicket(admin, { subject: "Outage: Boulder North Tower" });

    const linked = await john.post(`/api/incidents/${incident.id}/tickets`, { ticketId: networkWide.id });
    expect(linked.statusCode, linked.body).toBe(200);
    expect((linked.json() as Ticket).incidentId).toBe(incident.id);
    expect(((await admin.get(`/api/tickets/${networkWide.id}`)).json() as TicketDetail).incidentId).toBe(incident.id);
    // Linking again changes nothing; linking to another incident moves it.
    expect((await john.post(`/api/incidents/${incident.id}/tickets`, { ticketId: networkWide.id })).statusCode).toBe(
      200,
    );
    const moved = await john.post(`/api/incidents/${other.id}/tickets`, { ticketId: networkWide.id });
    expect(moved.json().incidentId).toBe(other.id);
    expect((await detail(incident.id)).tickets.total).toBe(0);
    const kinds = ((await admin.get(`/api/incidents/${incident.id}/timeline`)).json().items as IncidentEvent[]).map(
      (e) => e.kind,
    );
    expect(kinds).toEqual(["created", "ticket_linked", "ticket_unlinked"]);

    expect((await john.delete(`/api/incidents/${incident.id}/tickets/${networkWide.id}`)).statusCode).toBe(404);
    expect((await john.delete(`/api/incidents/${other.id}/tickets/${networkWide.id}`)).statusCode).toBe(204);
    expect(((await admin.get(`/api/tickets/${networkWide.id}`)).json() as TicketDetail).incidentId).toBeNull();
    const missing = await john.post(`/api/incidents/${incident.id}/tickets`, {
      ticketId: "00000000-0000-4000-8000-000000000000",
    });
    expect(missing.statusCode).toBe(404);
    expect((await john.post(`/api/incidents/${incident.id}/tickets`, { ticketId: "nope" })).statusCode).toBe(422);
  });

  it("resolves with its open tickets: one public comment each, no per-ticket status SMS, and the webhooks", async () => {
    const { site, customers } = await makeSiteWithCustomers(admin, [{ status: "active" }, { status: "active" }]);
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    const first = await makeTicket(agent, { customerId: customers[0]?.id });
    const second = await makeTicket(agent, { customerId: customers[1]?.id });
    const done = await makeTicket(agent, { customerId: customers[1]?.id });
    expect([first.incidentId, second.incidentId, done.incidentId]).toEqual([incident.id, incident.id, incident.id]);
    await admin.patch(`/api/tickets/${done.id}`, { status: "closed", version: done.version });
    // A control: an ordinary status change queues the per-ticket status SMS row.
    expect(await smsPurposesOfTicket(db(), done.id)).toContain("ticket_status");

    const response = await john.post(`/api/incidents/${incident.id}/resolve`, {
      comment: "Service is back: the fibre was spliced at 14:10.",
      resolveTickets: true,
    });
    expect(response.statusCode, response.body).toBe(200);
    const result = response.json() as { incident: IncidentDetail; resolvedTicketIds: string[] };
    expect(result.incident).toMatchObject({ status: "resolved", tickets: { open: 0, total: 3 } });
    expect(result.incident.resolvedAt).not.toBeNull();
    expect(result.resolvedTicketIds.sort()).toEqual([first.id, second.id].sort());
    for (const ticket of [first, second]) {
      const after = (await admin.get(`/api/tickets/${ticket.id}`)).json() as TicketDetail;
      expect(after.status).toBe("resolved");
      const comments = (await admin.get(`/api/tickets/${ticket.id}/comments`)).json().items;
      expect(comments).toMatchObject([
        { body: "Service is back: the fibre was spliced at 14:10.", visibility: "public" },
      ]);
      // Only the "ticket created" SMS: neither a status SMS nor a reply SMS.
      expect(await smsPurposesOfTicket(db(), ticket.id)).toEqual(["ticket_created"]);
    }
    // Resolving twice is a 409.
    expect((await john.post(`/api/incidents/${incident.id}/resolve`, { resolveTickets: true })).statusCode).toBe(409);

    const resolved = await webhookEventsOf(db(), "incident.resolved");
    expect(resolved.map((data) => data.id)).toContain(incident.id);
    const created = await webhookEventsOf(db(), "incident.created");
    expect(created.map((data) => data.id)).toContain(incident.id);
    const updated = (await webhookEventsOf(db(), "incident.updated")).filter((data) => data.id === incident.id);
    expect(updated.at(-1)?.changes).toMatchObject({ status: { from: "investigating", to: "resolved" } });
  });

  it("resolves without touching its tickets when resolveTickets is false", async () => {
    const { site, customers } = await makeSiteWithCustomers(admin, [{ status: "active" }]);
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    const ticket = await makeTicket(agent, { customerId: customers[0]?.id });
    const response = await agent.post(`/api/incidents/${incident.id}/resolve`, {});
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().resolvedTicketIds).toEqual([]);
    expect(((await admin.get(`/api/tickets/${ticket.id}`)).json() as TicketDetail).status).toBe("open");
    expect((await agent.post(`/api/incidents/${incident.id}/resolve`, { resolveTickets: "yes" })).statusCode).toBe(422);
  });

  it("moves a status only where it makes sense: scheduled needs a start ahead; a resolved incident reopens as an active one", async () => {
    const { site } = await makeSiteWithCustomers(admin, []);
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    const toScheduled = await admin.patch(`/api/incidents/${incident.id}`, {
      status: "scheduled",
      version: incident.version,
    });
    expect(toScheduled.statusCode).toBe(422);
    expect(problemOf(toScheduled).errors?.[0]?.field).toBe("status");
    expect((await admin.post(`/api/incidents/${incident.id}/resolve`, {})).statusCode).toBe(200);
    const resolved = (await admin.get(`/api/incidents/${incident.id}`)).json() as IncidentDetail;
    const startsLater = new Date(t().clock.now().getTime() + 24 * 3_600_000).toISOString();
    const back = await admin.patch(`/api/incidents/${incident.id}`, {
      status: "scheduled",
      startsAt: startsLater,
      version: resolved.version,
    });
    expect(back.statusCode).toBe(422);
    expect(problemOf(back).detail ?? "").toContain("reopens");
    const reopened = await admin.patch(`/api/incidents/${incident.id}`, {
      status: "investigating",
      version: resolved.version,
    });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.json()).toMatchObject({ status: "investigating", resolvedAt: null });
  });

  it("lets every staff role open and update incidents; signed-out requests get 401", async () => {
    const { site } = await makeSiteWithCustomers(admin, []);
    for (const session of [admin, agent, john]) {
      const incident = await makeIncident(session, { siteIds: [site.id] });
      const response = await session.patch(`/api/incidents/${incident.id}`, {
        severity: "minor",
        version: incident.version,
      });
      expect(response.statusCode).toBe(200);
    }
    expect((await t().app.inject({ method: "GET", url: "/api/incidents" })).statusCode).toBe(401);
  });

  it("counts affected customers live: a customer added to the site later counts at once", async () => {
    const { site } = await makeSiteWithCustomers(admin, []);
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    expect(incident.affectedCustomerCount).toBe(0);
    await makeCustomer(admin, { siteId: site.id, status: "active" });
    expect((await detail(incident.id)).affectedCustomerCount).toBe(1);
  });
});
