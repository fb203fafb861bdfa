import { describe, expect, it } from "vitest";
import { UNKNOWN_ID } from "../http/routes.js";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeSite } from "../support/factories/sites.js";

describe.each(testDatabaseKinds())(
  "the incidents affecting a customer (GET /api/customers/:id/incidents) on %s",
  (kind) => {
    const t = useTestApp(kind);

    it("lists the active incidents covering the customer, latest start first, and none that is over, scheduled or filtered away", async () => {
      const admin = await signIn(t().app, DEMO.admin);
      const site = await makeSite(admin);
      const other = await makeSite(admin);
      const caller = await makeCustomer(admin, { siteId: site.id, city: "Boulder" });
      const open = async (body: Record<string, unknown>) => {
        const response = await admin.post("/api/incidents", { kind: "outage", severity: "major", ...body });
        expect(response.statusCode, response.body).toBe(201);
        return response.json();
      };
      const now = t().clock.now().getTime();
      const eta = new Date(now + 3 * 3_600_000).toISOString();
      const first = await open({
        title: "Tower down",
        siteIds: [site.id],
        publicMessage: "A power cut at the tower",
        expectedEndAt: eta,
      });
      t().clock.advance(60_000);
      const second = await open({ title: "Backhaul degraded", kind: "degraded", siteIds: [site.id, other.id] });
      await open({ title: "Elsewhere", siteIds: [other.id] });
      await open({ title: "Other city", siteIds: [site.id], cities: ["Denver"] });
      await open({
        title: "Planned work",
        kind: "maintenance",
        siteIds: [site.id],
        startsAt: new Date(now + 86_400_000).toISOString(),
      });
      const closed = await open({ title: "Fixed already", siteIds: [site.id] });
      expect((await admin.post(`/api/incidents/${closed.id}/resolve`, {})).statusCode).toBe(200);

      const jane = await signIn(t().app, DEMO.jane);
      const response = await jane.get(`/api/customers/${caller.id}/incidents`);
      expect(response.statusCode).toBe(200);
      expect(response.json().items).toEqual([
        expect.objectContaining({ id: second.id, title: "Backhaul degraded", kind: "degraded", expectedEndAt: null }),
        {
          id: first.id,
          title: "Tower down",
          kind: "outage",
          severity: "major",
          status: "investigating",
          publicMessage: "A power cut at the tower",
          startsAt: first.startsAt,
          expectedEndAt: eta,
        },
      ]);
    });

    it("gives none for a customer without a site or no longer affected (cancelled service)", async () => {
      const admin = await signIn(t().app, DEMO.admin);
      const site = await makeSite(admin);
      const nowhere = await makeCustomer(admin);
      const gone = await makeCustomer(admin, { siteId: site.id, status: "cancelled" });
      expect(
        (await admin.post("/api/incidents", { title: "Down", kind: "outage", severity: "minor", siteIds: [site.id] }))
          .statusCode,
      ).toBe(201);
      expect((await admin.get(`/api/customers/${nowhere.id}/incidents`)).json()).toEqual({ items: [] });
      expect((await admin.get(`/api/customers/${gone.id}/incidents`)).json()).toEqual({ items: [] });
    });

    it("answers 404 for an unknown customer, 422 for a malformed id and 401 without a session", async () => {
      const admin = await signIn(t().app, DEMO.admin);
      const unknown = await admin.get(`/api/customers/${UNKNOWN_ID}/incidents`);
      expect(unknown.statusCode).toBe(404);
      expect(problemOf(unknown).code).toBe("customer.not_found");
      expect((await admin.get("/api/customers/not-an-id/incidents")).statusCode).toBe(422);
      const anonymous = await t().app.inject({ method: "GET", url: `/api/customers/${UNKNOWN_ID}/incidents` });
      expect(anonymous.statusCode).toBe(401);
    });
  },
);
