import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserAppWithTwilio } from "../support/browser.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeSite } from "../support/factories/sites.js";

describeBrowser("resolving an incident with a text to everyone affected, in Chromium", () => {
  const { h } = useBrowserAppWithTwilio();

  it("says the comment is public beforehand, and shows a refused message inside the dialog with nothing resolved", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const site = await makeSite(admin, { name: `Resolve Tower ${Date.now()}` });
    await makeCustomer(admin, { name: "Alma Affected", siteId: site.id, phone: uniquePhone(), status: "active" });
    const created = await admin.post("/api/incidents", {
      title: "Outage: Resolve Tower",
      kind: "outage",
      severity: "major",
      publicMessage: `A long story. ${"Crews are on site. ".repeat(90)}`.trim(),
      siteIds: [site.id],
    });
    expect(created.statusCode).toBe(201);
    const incidentId = created.json().id as string;
    // The resolved template made to carry the (1,700-character) public message: too long for one SMS.
    const template = await admin.put("/api/sms/templates/incident_resolved", { body: "{{incident.publicMessage}}" });
    expect(template.statusCode).toBe(200);
    try {
      const page = await h().newPage();
      page.setDefaultTimeout(20_000);
      await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
      await page.goto(`/incidents/${incidentId}`);
      await page.getByRole("button", { name: "Resolve", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Resolve Outage: Resolve Tower" });
      await dialog.getByText("shown on the status page").waitFor();
      await dialog.getByLabel("Comment").fill("Power is back.");
      await dialog.getByRole("checkbox", { name: /Text everyone affected/ }).check();
      await dialog.getByRole("button", { name: "Resolve incident" }).click();

      const alert = dialog.getByRole("alert").filter({ hasText: "Alma Affected's would be" });
      await alert.waitFor();
      expect(await alert.textContent()).toContain("Nothing was resolved");
      expect((await admin.get(`/api/incidents/${incidentId}`)).json().status).not.toBe("resolved");

      await dialog.getByRole("checkbox", { name: /Text everyone affected/ }).uncheck();
      await dialog.getByRole("button", { name: "Resolve incident" }).click();
      await dialog.waitFor({ state: "hidden" });
      expect((await admin.get(`/api/incidents/${incidentId}`)).json().status).toBe("resolved");
    } finally {
      await admin.delete("/api/sms/templates/incident_resolved");
    }
  }, 120_000);
});
