import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/server/config.js";
import { type IncidentMap, MAP_CUSTOMER_LIMIT } from "../../src/shared/incidents.js";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeIncident, makeSiteWithCustomers } from "./helpers.js";

const imgSrcOf = (csp: string | undefined) =>
  (csp ?? "")
    .split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith("img-src"));

describe.each(testDatabaseKinds())("an incident's map on %s", (kind) => {
  const t = useTestApp(kind, { env: { MAP_TILE_URL: "https://{s}.tiles.example.net/{z}/{x}/{y}.png" } });

  it("places the sites with their affected counts and the affected customers that have coordinates", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const { site: tower, customers } = await makeSiteWithCustomers(
      admin,
      [
        { name: "Ann Located", status: "active", latitude: 40.05, longitude: -105.27 },
        { name: "Bo Located", status: "suspended", latitude: 40.06, longitude: -105.28 },
        { name: "Cy Unlocated", status: "pending_install" },
        // Not affected: a former customer, with coordinates all the same.
        { name: "Di Former", status: "cancelled", latitude: 40.07, longitude: -105.29 },
      ],
      { latitude: 40.055, longitude: -105.275 },
    );
    const { site: cabinet } = await makeSiteWithCustomers(admin, [
      { name: "Ed Cabinet", status: "active", latitude: 40.1, longitude: -105.1 },
    ]);
    const ticket = await makeTicket(admin, { customerId: customers[1]?.id ?? "", subject: "No internet" });
    expect(ticket.customerId).toBe(customers[1]?.id);
    const incident = await makeIncident(admin, { siteIds: [tower.id, cabinet.id] });

    const response = await admin.get(`/api/incidents/${incident.id}/map`);
    expect(response.statusCode, response.body).toBe(200);
    const map = response.json() as IncidentMap;
    expect(map.tiles).toEqual({
      urlTemplate: "https://{s}.tiles.example.net/{z}/{x}/{y}.png",
      attribution: "© OpenStreetMap contributors",
    });
    expect(map.sites).toHaveLength(2);
    expect(map.sites.find((site) => site.id === tower.id)).toEqual({
      id: tower.id,
      name: tower.name,
      latitude: 40.055,
      longitude: -105.275,
      affectedCustomers: 3,
    });
    expect(map.sites.find((site) => site.id === cabinet.id)).toMatchObject({
      latitude: null,
      longitude: null,
      affectedCustomers: 1,
    });
    const byName = Object.fromEntries(map.customers.map((customer) => [customer.name, customer]));
    expect(Object.keys(byName).sort()).toEqual(["Ann Located", "Bo Located", "Ed Cabinet"]);
    expect(byName["Ann Located"]).toMatchObject({ latitude: 40.05, longitude: -105.27, hasOpenTicket: false });
    expect(byName["Bo Located"]).toMatchObject({ hasOpenTicket: true });
    expect(map).toMatchObject({ customersWithLocation: 3, customersWithoutLocation: 1 });
  });

  it(`draws a sample of ${MAP_CUSTOMER_LIMIT.toLocaleString("en-US")} when more affected customers have coordinates, and says how many there are`, async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const { site } = await makeSiteWithCustomers(admin, []);
    const extra = MAP_CUSTOMER_LIMIT + 25;
    await t().database.handle.db.execute(
      sql`insert into customers (name, status, site_id, latitude, longitude)
          select 'Map sample ' || g, 'active', ${site.id}::uuid, 40 + g * 0.00001, -105 - g * 0.00001
            from generate_series(1, ${extra}) g`,
    );
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    const map = (await admin.get(`/api/incidents/${incident.id}/map`)).json() as IncidentMap;
    expect(map.customers).toHaveLength(MAP_CUSTOMER_LIMIT);
    expect(new Set(map.customers.map((customer) => customer.id)).size).toBe(MAP_CUSTOMER_LIMIT);
    expect(map.customersWithLocation).toBe(extra);
    expect(map.sites[0]?.affectedCustomers).toBe(extra);
  });

  it("answers 404 for an unknown incident and 422 for an id that is none; technicians may look", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const missing = await admin.get("/api/incidents/00000000-0000-4000-8000-000000000000/map");
    expect(missing.statusCode).toBe(404);
    expect(problemOf(missing).code).toBe("incident.not_found");
    const bad = await admin.get("/api/incidents/not-an-id/map");
    expect(bad.statusCode).toBe(422);
    const { site } = await makeSiteWithCustomers(admin, [{ name: "Fay Field", status: "active" }]);
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    const technician = await signIn(t().app, DEMO.john);
    expect((await technician.get(`/api/incidents/${incident.id}/map`)).statusCode).toBe(200);
  });

  it("lets the browser fetch the configured tile server's images and nothing else", async () => {
    const page = await t().app.inject({ method: "GET", url: "/incidents" });
    expect(imgSrcOf(page.headers["content-security-policy"] as string)).toBe(
      "img-src 'self' data: blob: https://*.tiles.example.net",
    );
  });
});

describe.each(testDatabaseKinds())("an incident's map without a tile server (MAP_TILE_URL=none) on %s", (kind) => {
  const t = useTestApp(kind, { env: { MAP_TILE_URL: "none" } });

  it("sends no tile template and adds no image source", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const { site } = await makeSiteWithCustomers(admin, [{ name: "Gus Blank", status: "active" }]);
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    const map = (await admin.get(`/api/incidents/${incident.id}/map`)).json() as IncidentMap;
    expect(map.tiles).toBeNull();
    const page = await t().app.inject({ method: "GET", url: "/incidents" });
    expect(imgSrcOf(page.headers["content-security-policy"] as string)).toBe("img-src 'self' data: blob:");
  });
});

describe("MAP_TILE_URL", () => {
  it("defaults to OpenStreetMap's tiles", () => {
    expect(loadConfig({}).MAP_TILE_URL).toBe("https://tile.openstreetmap.org/{z}/{x}/{y}.png");
  });

  it.each([
    "javascript:alert(1)//{z}/{x}/{y}",
    "https://tiles.example.net/{z}/{x}.png",
    "tiles.example.net/{z}/{x}/{y}.png",
    "https://tiles.{s}.example.net/{z}/{x}/{y}.png",
    "https://tiles.example.net;script-src:*/{z}/{x}/{y}",
  ])("refuses %s with a message that says what it takes", (value) => {
    expect(() => loadConfig({ MAP_TILE_URL: value })).toThrow(ConfigError);
    expect(() => loadConfig({ MAP_TILE_URL: value })).toThrow(/MAP_TILE_URL.*\{z\}, \{x\} and \{y\}/);
  });
});
