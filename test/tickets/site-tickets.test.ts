import { describe, expect, it } from "vitest";
import { UNKNOWN_ID } from "../http/routes.js";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeSite } from "../support/factories/sites.js";
import { makeTicket } from "../support/factories/tickets.js";

describe.each(testDatabaseKinds())(
  "open tickets at a customer's site (GET /api/customers/:id/site-tickets) on %s",
  (kind) => {
    const t = useTestApp(kind);

    it("counts other customers' open tickets at the site and lists the newest, leaving out the caller's own and closed ones", async () => {
      const admin = await signIn(t().app, DEMO.admin);
      const site = await makeSite(admin, { name: `Northside tower ${Date.now()}` });
      const elsewhere = await makeSite(admin);
      const caller = await makeCustomer(admin, { siteId: site.id });
      const [ada, bob] = [
        await makeCustomer(admin, { siteId: site.id }),
        await makeCustomer(admin, { siteId: site.id }),
      ];
      const away = await makeCustomer(admin, { siteId: elsewhere.id });
      await makeTicket(admin, { customerId: caller.id, subject: "Caller's own" });
      await makeTicket(admin, { customerId: away.id, subject: "Other site" });
      await makeTicket(admin, { customerId: ada.id, subject: "Closed long ago", status: "closed" });
      // A minute apart, so "newest" is an order the test can state.
      for (let i = 0; i < 7; i += 1) {
        t().clock.advance(60_000);
        await makeTicket(admin, { customerId: i % 2 ? ada.id : bob.id, subject: `Down ${i}` });
      }
      t().clock.advance(60_000);
      await makeTicket(admin, {
        customerId: bob.id,
        subject: "Waiting",
        status: "waiting_on_customer",
      });

      const john = await signIn(t().app, DEMO.john);
      const response = await john.get(`/api/customers/${caller.id}/site-tickets`);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.site).toEqual({ id: site.id, name: site.name });
      expect(body.count).toBe(8);
      expect(body.customerCount).toBe(2);
      expect(body.items.map((item: { subject: string }) => item.subject)).toEqual([
        "Waiting",
        "Down 6",
        "Down 5",
        "Down 4",
        "Down 3",
      ]);
      expect(body.items[0].customer).toEqual({ id: bob.id, name: bob.name, accountNumber: bob.accountNumber });

      // Seen from a neighbour, the caller's ticket counts and the neighbour's own do not.
      const fromAda = (await admin.get(`/api/customers/${ada.id}/site-tickets`)).json();
      expect(fromAda.count).toBe(1 + 5); // the caller's one and bob's five open ones
      expect(fromAda.customerCount).toBe(2);
    });

    it("answers no site for a customer without one, 404 for an unknown customer and 422 for a bad id", async () => {
      const admin = await signIn(t().app, DEMO.admin);
      const loner = await makeCustomer(admin);
      expect((await admin.get(`/api/customers/${loner.id}/site-tickets`)).json()).toEqual({
        site: null,
        count: 0,
        customerCount: 0,
        items: [],
      });
      const unknown = await admin.get(`/api/customers/${UNKNOWN_ID}/site-tickets`);
      expect(unknown.statusCode).toBe(404);
      expect(problemOf(unknown).code).toBe("customer.not_found");
      expect((await admin.get("/api/customers/not-an-id/site-tickets")).statusCode).toBe(422);
      const anonymous = await t().app.inject({ method: "GET", url: `/api/customers/${loner.id}/site-tickets` });
      expect(anonymous.statusCode).toBe(401);
    });
  },
);
