import { expect, it } from "vitest";
import { HOUR } from "../../src/server/clock.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { ManualClock } from "../support/clock.js";
import { makeTicket } from "../support/factories/tickets.js";

describeBrowser("the SLA in Chromium", () => {
  const clock = new ManualClock("2026-03-06T09:00:00Z");
  const h = useBrowserApp({ clock });

  it("an admin sets business hours, a holiday and the zone; a waiting ticket shows its stopped clock", async () => {
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto("/settings/sla");
    const always = page.getByRole("switch", { name: "Around the clock (24×7)" });
    await always.waitFor();
    expect(await always.isChecked()).toBe(true);
    // Office hours: Monday to Friday 09:00–17:00 appear when 24×7 is turned off.
    await always.click({ force: true });
    await page.getByLabel("Monday opens").waitFor();
    expect(await page.getByLabel("Monday opens").inputValue()).toBe("09:00");
    expect(await page.getByRole("checkbox", { name: "Open on Saturday" }).isChecked()).toBe(false);
    // A wrong time is refused where it was typed, before anything is sent.
    await page.getByLabel("Friday closes").fill("25:00");
    await page.getByRole("button", { name: "Save SLA settings" }).click();
    await page.getByText("Closes: a time from 00:00 to 24:00, such as 09:00").waitFor();
    await page.getByLabel("Friday closes").fill("16:00");
    await page.getByLabel("Holiday date").fill("2026-12-25");
    await page.getByRole("button", { name: "Add holiday" }).click();
    await page.getByRole("button", { name: "Remove holiday 2026-12-25" }).waitFor();
    await page.getByPlaceholder(/^Server default/).fill("America/Chic");
    await page.getByRole("option", { name: "America/Chicago" }).click();
    await page.getByLabel("Urgent first response (hours)").fill("2");
    await page.getByRole("button", { name: "Save SLA settings" }).click();
    await page.getByText("SLA settings saved").waitFor();

    const { app } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    const saved = (await admin.get("/api/tickets/sla-settings")).json();
    expect(saved).toMatchObject({
      timeZone: "America/Chicago",
      holidays: ["2026-12-25"],
      firstResponseHours: { urgent: 2, high: 2, normal: 4, low: 8 },
      week: [
        { open: "09:00", close: "17:00" },
        { open: "09:00", close: "17:00" },
        { open: "09:00", close: "17:00" },
        { open: "09:00", close: "17:00" },
        { open: "09:00", close: "16:00" },
        null,
        null,
      ],
    });
    // Back to the defaults for the ticket below (around the clock).
    await admin.put("/api/tickets/sla-settings", { week: Array(7).fill({ open: "00:00", close: "24:00" }) });

    const ticket = await makeTicket(admin, { subject: "Waiting for the customer's photo", priority: "high" });
    clock.advance(2 * HOUR);
    const waiting = await admin.patch(`/api/tickets/${ticket.id}`, { status: "waiting_on_customer", version: 1 });
    expect(waiting.statusCode).toBe(200);
    await page.goto(`/tickets/${ticket.id}`);
    await page.getByText("SLA paused").first().waitFor();
    await page.getByText("SLA clock stopped, 6 h left").waitFor();
    await page.getByText(/SLA clock stopped \(Waiting on customer\): 6 h left/).waitFor();
  });
});
