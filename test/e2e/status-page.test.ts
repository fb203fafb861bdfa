import type { Locator } from "playwright-core";
import { expect, it } from "vitest";
import { makeIncident, makeSiteWithCustomers } from "../incidents/helpers.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, useBrowserApp } from "../support/browser.js";
import { uniquePhone } from "../support/factories/customers.js";

/** "+12015550142" → "(201) 555-0142": how the staff side writes a number. */
const national = (e164: string) => `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;

/**
 * The page is flat (h2, then its incidents as articles), so an incident's section is the nearest
 * h2 before its article.
 */
async function sectionOf(article: Locator): Promise<string | null> {
  return article.locator("xpath=preceding-sibling::h2[1]").textContent();
}

describeBrowser("the public status page in Chromium", () => {
  const h = useBrowserApp();
  const api = () => signIn(h().testApp.app, DEMO.admin);

  it("shows a signed-out visitor the public words of an outage and a resolved one, and nothing staff-only, at 390 px", async () => {
    const admin = await api();
    const stamp = Date.now();
    const phone = uniquePhone();
    const area = `Northern suburbs ${stamp}`;
    const { site, customers } = await makeSiteWithCustomers(
      admin,
      [{ name: "Priya Private", phone, street: "17 Quiet Lane" }],
      { name: `Secret Ridge OLT ${stamp}`, publicName: area },
    );
    const [customer] = customers;
    if (!customer) throw new Error("the site's customer was not made");
    const staffTitle = `olt4 10.20.30.40 down at Secret Ridge ${stamp}`;
    const publicMessage = "Internet is down in the northern suburbs; a crew is on its way.";
    await makeIncident(admin, {
      title: staffTitle,
      kind: "outage",
      publicMessage,
      internalNotes: "Generator key is with Dave",
      siteIds: [site.id],
    });

    // Yesterday's trouble, resolved: it belongs in the history, not under the current issues.
    const pastArea = `Harbour district ${stamp}`;
    const past = await makeSiteWithCustomers(admin, [], { publicName: pastArea });
    const pastMessage = "Speeds were lower than usual while we replaced a switch.";
    const resolved = await makeIncident(admin, {
      title: `sw-harbour-2 flapping ${stamp}`,
      kind: "degraded",
      severity: "minor",
      publicMessage: pastMessage,
      siteIds: [past.site.id],
    });
    const resolving = await admin.post(`/api/incidents/${resolved.id}/resolve`, {});
    expect(resolving.statusCode, resolving.body).toBe(200);

    // A fresh context: no session cookie, as a customer on their phone would open it.
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    page.setDefaultTimeout(20_000);
    const response = await page.goto("/status");
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/status");
    await page.getByRole("heading", { level: 1, name: "Service status" }).waitFor();
    expect(await page.getByRole("heading", { level: 1 }).count()).toBe(1);

    // The active outage: headed by its kind and public area, with its public message.
    const current = page.getByRole("article").filter({
      has: page.getByRole("heading", { level: 3, name: `Outage: ${area}`, exact: true }),
    });
    await current.getByText(publicMessage).waitFor();
    await current.getByText(`Affected area: ${area}`).waitFor();
    await current.getByText("Investigating", { exact: true }).waitFor();
    expect(await sectionOf(current)).toBe("Current issues");
    await page.getByRole("heading", { level: 2, name: "Current issues" }).waitFor();

    // The resolved one, in the last 30 days.
    const history = page.getByRole("heading", { level: 2, name: "The last 30 days" });
    await history.waitFor();
    const earlier = page.getByRole("article").filter({
      has: page.getByRole("heading", { level: 3, name: `Degraded service: ${pastArea}`, exact: true }),
    });
    await earlier.getByText(pastMessage).waitFor();
    await earlier.getByText("Resolved", { exact: true }).waitFor();
    await earlier.getByText(/Resolved: /).waitFor();
    expect(await sectionOf(earlier)).toBe("The last 30 days");

    // Nothing only staff should read, not even in the markup: titles, notes, the site's own name,
    // the customer.
    const html = await page.content();
    for (const secret of [
      staffTitle,
      resolved.title,
      "Generator key",
      site.name,
      customer.name,
      customer.street ?? "17 Quiet Lane",
      phone,
      national(phone),
      phone.slice(2),
    ]) {
      expect(html, secret).not.toContain(secret);
    }
    expect(await page.getByText(staffTitle).count()).toBe(0);
    expect(await page.getByText(customer.name).count()).toBe(0);

    // A phone's width: no sideways scroll.
    const fits = await page.evaluate(
      () => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
    );
    expect(fits).toBe(true);
    await page.close();
  }, 90_000);
});
