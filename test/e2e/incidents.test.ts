import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeSite } from "../support/factories/sites.js";

const pad = (n: number) => String(n).padStart(2, "0");
/** A moment as a datetime-local field takes it (the browser runs in this process's time zone). */
const localInput = (at: Date) =>
  `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;

async function noHorizontalScroll(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

describeBrowser("incidents in Chromium", () => {
  // A tile server on a closed loopback port: no tile ever loads, and the markers must draw anyway.
  const h = useBrowserApp({ env: { MAP_TILE_URL: "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png" } });
  const api = () => signIn(h().testApp.app, DEMO.admin);
  const newPage = async (options?: { viewport: { width: number; height: number } }) => {
    const page = await h().newPage(options);
    page.setDefaultTimeout(20_000);
    return page;
  };

  it("opens an incident from a site, counts the affected, links a new ticket with a banner, and resolves it with its tickets", async () => {
    const admin = await api();
    const site = await makeSite(admin, { name: `Boulder North Tower ${Date.now()}` });
    const [affected] = [
      await makeCustomer(admin, { name: "Alma Affected", siteId: site.id }),
      await makeCustomer(admin, { name: "Bert Affected", siteId: site.id, status: "suspended" }),
      await makeCustomer(admin, { name: "Cleo Affected", siteId: site.id, status: "pending_install" }),
    ];
    // Not affected: service cancelled.
    await makeCustomer(admin, { name: "Dora Former", siteId: site.id, status: "cancelled" });
    const title = "Outage: Boulder North Tower";
    const message = "A power cut at the tower; crews are on site.";
    const eta = new Date(Date.now() + 3 * 3_600_000);
    eta.setSeconds(0, 0);

    const page = await newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);

    // From the sites page: the site's customer count, and "Open incident" with the site chosen.
    await page.goto("/settings/sites");
    const row = page.getByRole("row").filter({ hasText: site.name });
    await row.getByRole("cell", { name: "4", exact: true }).waitFor();
    await row.getByRole("link", { name: `Open incident at ${site.name}` }).click();
    await page.waitForURL(`**/incidents/new?siteId=${site.id}`);
    await page.getByRole("heading", { name: "New incident" }).waitFor();
    // The site comes chosen (a pill in the Sites field).
    await page.getByText(`${site.name} (4 customers)`).first().waitFor();

    // The shared schema speaks first: no title, no incident.
    await page.getByRole("button", { name: "Open incident" }).click();
    await page.getByText("Title is required").waitFor();

    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Expected end").fill(localInput(eta));
    await page.getByLabel("Public message").fill(message);
    await page.getByLabel("Internal notes").fill("Generator on its way from the depot");
    await page.getByRole("button", { name: "Open incident" }).click();

    await page.getByRole("heading", { name: title }).waitFor();
    const incidentPath = new URL(page.url()).pathname;
    expect(incidentPath).toMatch(/^\/incidents\/[0-9a-f-]{36}$/);
    const incidentId = incidentPath.split("/")[2];
    await page.getByLabel("Affected customers", { exact: true }).getByText("3", { exact: true }).waitFor();
    const customers = page.getByRole("table", { name: "Affected customers" });
    for (const name of ["Alma Affected", "Bert Affected", "Cleo Affected"]) {
      await customers.getByRole("link", { name }).waitFor();
    }
    expect(await customers.getByText("Dora Former").count()).toBe(0);
    await page.getByText("Admin opened the incident").waitFor();

    // The dashboard's card of active incidents, with the count.
    await page.goto("/");
    const card = page.getByRole("region", { name: "Active incidents" });
    await card.getByRole("link", { name: title }).waitFor();
    await card.getByText("3 customers affected").waitFor();

    // A ticket for an affected customer: the banner on the form, then the link on the ticket page.
    await page.goto(`/tickets/new?customerId=${affected.id}`);
    const banner = page.getByRole("status", { name: `Affected by ${title}` });
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`Affected by: ${title} — ${message}, expected back`);
    await page.getByLabel("Subject").fill("No internet since 9:00");
    await page.getByRole("button", { name: "Create ticket" }).click();
    await page.getByRole("heading", { name: "No internet since 9:00" }).waitFor();
    const ticketId = new URL(page.url()).pathname.split("/")[2];
    await page.getByRole("status", { name: `Affected by ${title}` }).waitFor();
    await page.getByLabel("Linked incident").getByRole("link", { name: title }).click();

    // Back on the incident: the ticket is linked and counted.
    await page.getByRole("heading", { name: title }).waitFor();
    const linked = page.getByRole("region", { name: /Linked tickets/ });
    await linked.getByRole("link", { name: /No internet since 9:00/ }).waitFor();
    await page.getByRole("heading", { name: "Linked tickets (1 open of 1)" }).waitFor();

    // Resolve with the linked tickets: the dialog says no per-ticket SMS goes out.
    await page.getByRole("button", { name: "Resolve", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: `Resolve ${title}` });
    await dialog.getByText("no second, per-ticket status SMS").waitFor();
    const resolveTickets = dialog.getByRole("checkbox", { name: "Resolve the linked tickets too (1 open)" });
    expect(await resolveTickets.isChecked()).toBe(true);
    await dialog.getByLabel("Comment").fill("Power is back; service restored.");
    await dialog.getByRole("button", { name: "Resolve incident" }).click();
    await page.getByText("Incident resolved; 1 linked ticket resolved").waitFor();
    await page.getByRole("heading", { name: "Linked tickets (0 open of 1)" }).waitFor();
    expect((await admin.get(`/api/tickets/${ticketId}`)).json().status).toBe("resolved");
    expect((await admin.get(`/api/incidents/${incidentId}`)).json().status).toBe("resolved");

    // The list's resolved tab has it; the active tab no longer does.
    await page.goto("/incidents?state=resolved");
    await page.getByRole("table", { name: "Resolved incidents" }).getByRole("link", { name: title }).waitFor();
    await page.close();
  }, 180_000);

  it("draws the affected sites and customers on a map without tiles, and says who is not on it", async () => {
    const admin = await api();
    const site = await makeSite(admin, { name: `Flagstaff Tower ${Date.now()}`, latitude: 40.0, longitude: -105.29 });
    const unlocated = await makeSite(admin, { name: `Gunbarrel Cabinet ${Date.now()}` });
    const open = await makeCustomer(admin, {
      name: "Hana Hilltop",
      siteId: site.id,
      latitude: 40.01,
      longitude: -105.28,
    });
    await makeCustomer(admin, { name: "Ivo Ridge", siteId: site.id, latitude: 40.02, longitude: -105.3 });
    await makeCustomer(admin, { name: "Jo Nowhere", siteId: unlocated.id });
    const created = await admin.post("/api/incidents", {
      title: "Outage: Flagstaff",
      kind: "outage",
      severity: "major",
      siteIds: [site.id, unlocated.id],
    });
    expect(created.statusCode, created.body).toBe(201);
    const incident = created.json();
    expect((await admin.post("/api/tickets", { customerId: open.id, subject: "Down" })).statusCode).toBe(201);

    const page = await newPage({ viewport: { width: 390, height: 844 } });
    const mapModules: string[] = [];
    page.on("request", (request) => {
      if (/leaflet|incident-map-view/i.test(request.url())) mapModules.push(request.url());
    });
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    // Leaflet is not part of the other pages.
    expect(mapModules).toEqual([]);
    await page.goto(`/incidents/${incident.id}`);
    const map = page.getByRole("region", { name: "Map of the affected sites and customers" });
    await map.waitFor();
    // Two customers and one site, drawn as vector circles; the site's name stays shown.
    await expect.poll(() => map.locator("path.leaflet-interactive").count(), { timeout: 20_000 }).toBe(3);
    await map.getByText(`${site.name}: 2 affected`).waitFor();
    expect(await map.locator("img.leaflet-tile-loaded").count()).toBe(0);
    const section = page.getByRole("region", { name: "Map", exact: true });
    await section.getByText("1 affected customer has no coordinates and is not on the map.").waitFor();
    await section.getByText(`Not on the map (no coordinates): ${unlocated.name}`).waitFor();
    expect(mapModules.length).toBeGreaterThan(0);
    expect(await noHorizontalScroll(page)).toBe(true);

    // A customer's marker leads to the customer.
    await map.locator("path.leaflet-interactive").first().waitFor();
    const markers = map.locator("path.leaflet-interactive");
    const fills = await markers.evaluateAll((paths) => paths.map((path) => path.getAttribute("fill")));
    const red = fills.indexOf("#c92a2a");
    expect(red).toBeGreaterThanOrEqual(0);
    await markers.nth(red).click({ force: true });
    await page.getByRole("heading", { name: "Hana Hilltop" }).waitFor();
    await page.close();
  }, 120_000);

  it("at 390 px the incident page fits the screen, and the ticket queue filters by incident", async () => {
    const admin = await api();
    const site = await makeSite(admin, { name: `South Ridge OLT Cabinet ${Date.now()}` });
    const customer = await makeCustomer(admin, {
      name: "Bartholomew Alexander Montgomery-Featherstonehaugh",
      street: "1247 Northwestern Boulevard, Apartment 1203B",
      siteId: site.id,
    });
    const created = await admin.post("/api/incidents", {
      title: "Degraded throughput on the South Ridge OLT after the firmware upgrade",
      kind: "degraded",
      severity: "critical",
      siteIds: [site.id],
      publicMessage: "Speeds may be lower than usual while we roll back the upgrade.",
    });
    expect(created.statusCode, created.body).toBe(201);
    const incident = created.json();
    const ticket = await admin.post("/api/tickets", { customerId: customer.id, subject: "Slow since this morning" });
    expect(ticket.statusCode, ticket.body).toBe(201);

    const page = await newPage({ viewport: { width: 390, height: 844 } });
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto(`/incidents/${incident.id}`);
    await page.getByRole("heading", { name: incident.title }).waitFor();
    await page.getByRole("table", { name: "Affected customers" }).getByRole("link", { name: customer.name }).waitFor();
    await page
      .getByRole("region", { name: /Linked tickets/ })
      .getByRole("link", { name: /Slow since this morning/ })
      .waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);

    // "Open linked tickets" leads to the queue filtered by the incident.
    await page.getByLabel("Open linked tickets").getByRole("link", { name: "1" }).click();
    await page.waitForURL(`**/tickets?incidentId=${incident.id}`);
    await page.getByText(`Incident: ${incident.title}`).waitFor();
    await page
      .getByRole("link", { name: /Slow since this morning/ })
      .first()
      .waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.close();
  }, 120_000);

  it("edits an incident sending only the changed fields; a colleague's change meanwhile asks theirs or mine where both changed", async () => {
    const admin = await api();
    const site = await makeSite(admin, { name: `East Hill POP ${Date.now()}` });
    const created = await admin.post("/api/incidents", {
      title: "Packet loss at East Hill",
      kind: "degraded",
      severity: "minor",
      siteIds: [site.id],
      publicMessage: "Some customers see slow pages.",
    });
    expect(created.statusCode, created.body).toBe(201);
    const incident = created.json();

    const page = await newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto(`/incidents/${incident.id}`);
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: `Edit ${incident.title}` });
    await dialog.getByLabel("Title").waitFor();

    // A colleague changes the title and the public message while the dialog is open.
    const theirs = await admin.patch(`/api/incidents/${incident.id}`, {
      title: "Packet loss at East Hill POP (fibre cut)",
      publicMessage: "A fibre was cut; a crew is splicing it.",
      version: incident.version,
    });
    expect(theirs.statusCode, theirs.body).toBe(200);

    // Mine: the title too (a collision) and the severity (only mine).
    await dialog.getByLabel("Title").fill("Packet loss at East Hill: backhaul");
    await dialog.getByRole("combobox", { name: "Severity", exact: true }).click();
    await page.getByRole("option", { name: "Major", exact: true }).click();
    await dialog.getByRole("button", { name: "Save" }).click();
    const conflict = dialog.getByRole("alert").filter({ hasText: "changed this while you were editing" });
    await conflict.waitFor();
    await conflict.getByText("You both changed Title").waitFor();
    await conflict.getByRole("radio", { name: "Use mine" }).check();
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Packet loss at East Hill: backhaul" }).waitFor();

    const saved = (await admin.get(`/api/incidents/${incident.id}`)).json();
    expect(saved).toMatchObject({
      title: "Packet loss at East Hill: backhaul",
      severity: "major",
      // Their change to a field I left alone is kept, not overwritten by my stale copy.
      publicMessage: "A fibre was cut; a crew is splicing it.",
      kind: "degraded",
    });
    await page.close();
  }, 120_000);
});
