import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician } from "../support/factories/users.js";

describeBrowser("today's visits on the dashboard in Chromium", () => {
  const h = useBrowserApp();

  it("counts today's visits by state on the dashboard, at 390 px", async () => {
    // 10:00 on the app's clock (TIME_ZONE is UTC here): both visits fall on its today.
    h().testApp.clock.set("2030-06-12T10:00:00Z");
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const technician = await makeTechnician(admin);
    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id });
    const now = Date.parse("2030-06-12T10:00:00Z");
    const visit = async (offsetHours: number) => {
      const response = await admin.post("/api/visits", {
        ticketId: ticket.id,
        technicianId: technician.id,
        kind: "repair",
        startsAt: new Date(now + offsetHours * 3_600_000).toISOString(),
        endsAt: new Date(now + (offsetHours + 0.5) * 3_600_000).toISOString(),
        allowOverlap: true,
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json() as { id: string };
    };
    const first = await visit(0.5);
    await visit(1.5);
    expect((await admin.post(`/api/visits/${first.id}/en-route`, { etaMinutes: 15 })).statusCode).toBe(200);
    const summary = (await admin.get("/api/visits/today")).json();
    expect(summary).toMatchObject({ date: "2030-06-12", total: 2, byStatus: { scheduled: 1, en_route: 1 } });

    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    page.setDefaultTimeout(30_000);
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto("/");
    const card = page.getByRole("region", { name: /Today's visits/ });
    await card.waitFor();
    await card.getByText(`Today's visits (${summary.total})`).waitFor();
    await card.getByText("On the way", { exact: false }).first().waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    ).toBe(true);
    await page.close();
  }, 120_000);
});
