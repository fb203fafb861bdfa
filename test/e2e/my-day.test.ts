import type { Page, Route } from "playwright-core";
import { expect, it } from "vitest";
import type { TimelineEntry } from "../../src/shared/tickets.js";
import type { VisitDetail } from "../../src/shared/visits.js";
import { phoneJpegWithGps } from "../attachments/files.js";
import { DEMO, type Session, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeServicePlan } from "../support/factories/service-plans.js";
import { makeSite } from "../support/factories/sites.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician, type StaffAccount, signInAs } from "../support/factories/users.js";

const PHONE = { width: 390, height: 844 };
const HOUR = 3_600_000;
const KEPT = "Saved on this phone — will send when you're back online";

function sidewaysScroll(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Polls until `check` holds (the app retries in the background; the test waits for its outcome). */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describeBrowser("My day on a technician's phone in Chromium", () => {
  const h = useBrowserApp();

  /**
   * The office's side, through the API: a customer with a connection on record, a ticket assigned
   * to a technician of the test's own, and a visit for them today (the app's clock is the test's).
   */
  async function officeBooksAVisit(customerName: string, connection: { ipAddress: string; macAddress: string }) {
    const { app, clock } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    const suffix = Math.random().toString(36).slice(2, 8);
    const technician = await makeTechnician(admin, { name: `Tomás Rivera ${suffix}` });
    const plan = await makeServicePlan(admin, { name: `Fibre 300 ${suffix}` });
    const site = await makeSite(admin, { name: `North Ridge tower ${suffix}` });
    const customer = await makeCustomer(admin, {
      name: customerName,
      phone: uniquePhone(),
      street: "12 Pine St",
      city: "Boulder",
      latitude: 40.02,
      longitude: -105.26,
      servicePlanId: plan.id,
      siteId: site.id,
      ...connection,
      cpeModel: "LiteBeam 5AC",
      cpeSerial: "LB-OLD-001",
      vlanId: 120,
    });
    const ticket = await makeTicket(admin, {
      customerId: customer.id,
      subject: "No signal since the storm",
      assigneeId: technician.id,
    });
    const now = clock.now();
    const created = await admin.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "repair",
      startsAt: now.toISOString(),
      endsAt: new Date(now.getTime() + 2 * HOUR).toISOString(),
      notes: "Gate code 4521",
    });
    expect(created.statusCode, created.body).toBe(201);
    return { admin, technician, customer, ticket, plan, site, visit: created.json() as VisitDetail };
  }

  const visitOf = async (session: Session, id: string) =>
    (await session.get(`/api/visits/${id}`)).json() as VisitDetail;
  const timelineOf = async (session: Session, ticketId: string) =>
    ((await session.get(`/api/tickets/${ticketId}/timeline`)).json() as { items: TimelineEntry[] }).items;
  const completions = (items: TimelineEntry[]) =>
    items.filter((entry) => entry.type === "event" && entry.kind === "visit_completed");

  async function openMyDay(technician: StaffAccount) {
    const page = await h().newPage({ viewport: PHONE });
    page.setDefaultTimeout(30_000);
    await signInThroughUi(page, technician.email, technician.password);
    // On a phone the menu is behind the burger; for a technician My day comes first.
    await page.getByRole("button", { name: "Toggle navigation" }).click();
    const nav = page.getByRole("navigation", { name: "Main navigation" });
    expect(await nav.getByRole("link").first().textContent()).toBe("My day");
    await nav.getByRole("link", { name: "My day" }).click();
    await page.getByRole("heading", { name: "My day", level: 1 }).waitFor();
    return page;
  }

  it("takes a visit from On my way to Done with a photo and an equipment swap, seen on the ticket and the customer page", async () => {
    const { admin, technician, customer, ticket, plan, site, visit } = await officeBooksAVisit("Rosa Field", {
      ipAddress: "100.64.12.7",
      macAddress: "02:1A:2B:3C:4D:5E",
    });
    const page = await openMyDay(technician);
    // The phone shares where it is once the technician allows it.
    await page.context().grantPermissions(["geolocation"]);
    await page.context().setGeolocation({ latitude: 40.0151, longitude: -105.2611, accuracy: 12 });

    const card = page.getByRole("article", { name: /Rosa Field/ });
    await card.waitFor();
    // Everything for the doorstep: the way there, the numbers, the ticket, the connection.
    expect(await card.getByRole("link", { name: "Maps app: directions to Rosa Field" }).getAttribute("href")).toBe(
      "geo:40.02,-105.26?q=40.02,-105.26",
    );
    expect(
      await card.getByRole("link", { name: "OpenStreetMap: directions to Rosa Field" }).getAttribute("href"),
    ).toContain("openstreetmap.org/directions?route=%3B40.02%2C-105.26");
    expect(await card.getByRole("link", { name: "Google Maps: directions to Rosa Field" }).getAttribute("href")).toBe(
      "https://www.google.com/maps/dir/?api=1&destination=40.02%2C-105.26",
    );
    expect(await card.getByRole("link", { name: /^Call Rosa Field/ }).getAttribute("href")).toBe(
      `tel:${customer.phone}`,
    );
    expect(await card.getByRole("link", { name: ticket.number }).getAttribute("href")).toBe(`/tickets/${ticket.id}`);
    for (const text of [
      "12 Pine St, Boulder",
      "No signal since the storm",
      "Repair",
      plan.name,
      site.name,
      "100.64.12.7",
      "02:1a:2b:3c:4d:5e",
      "LiteBeam 5AC",
      "LB-OLD-001",
      "120",
      "Gate code 4521",
    ]) {
      await card.getByText(text, { exact: false }).first().waitFor();
    }
    expect(await sidewaysScroll(page), "My day scrolls sideways at 390 px").toBe(0);

    await page.getByRole("checkbox", { name: "Share my position at check-in" }).check();

    // On my way: the ETA in one tap; the customer is told by SMS.
    await card.getByRole("button", { name: "On my way" }).click();
    const eta = page.getByRole("dialog", { name: "On my way: how long until you arrive?" });
    await eta.getByText("gets an SMS saying you are on the way").waitFor();
    await eta.getByRole("button", { name: "30 min" }).click();
    await eta.waitFor({ state: "detached" });
    await card.getByText("On the way", { exact: true }).waitFor();
    const enRoute = await visitOf(admin, visit.id);
    expect(enRoute.status).toBe("en_route");
    expect(new Date(enRoute.etaAt ?? 0).getTime() - new Date(enRoute.enRouteAt ?? 0).getTime()).toBe(30 * 60_000);

    // Arrived: checked in, with the phone's position.
    await card.getByRole("button", { name: "Arrived" }).click();
    await card.getByText("On site", { exact: true }).waitFor();
    const onSite = await visitOf(admin, visit.id);
    expect(onSite.status).toBe("on_site");
    expect(onSite.arrivedPosition).toMatchObject({ latitude: 40.0151, longitude: -105.2611 });

    // Done: the report, the new dish's serial (the rest prefilled and left alone), the ticket resolved.
    await card.getByRole("button", { name: "Done" }).click();
    const done = page.getByRole("dialog", { name: "Done: Rosa Field" });
    await done
      .getByRole("textbox", { name: "Report" })
      .fill("Replaced the water-damaged dish and re-aimed it: -58 dBm.");
    const serial = done.getByRole("textbox", { name: "CPE serial" });
    expect(await serial.inputValue()).toBe("LB-OLD-001");
    expect(await done.getByRole("textbox", { name: "CPE model" }).inputValue()).toBe("LiteBeam 5AC");
    await serial.fill("LB-NEW-002");
    await done.getByText("Was: LB-OLD-001").waitFor();
    // A photo from the back camera, added to the ticket at once and naming the visit.
    const camera = done.getByLabel("Add photos");
    expect(await camera.getAttribute("accept")).toBe("image/*");
    expect(await camera.getAttribute("capture")).toBe("environment");
    await camera.setInputFiles({ name: "IMG_0042.jpg", mimeType: "image/jpeg", buffer: await phoneJpegWithGps() });
    await done.getByText("Added to the ticket: IMG_0042.jpg").waitFor();
    await done.getByRole("combobox", { name: "Ticket status" }).click();
    await page.getByRole("option", { name: "Resolved" }).click();
    expect(await sidewaysScroll(page), "the Done dialog scrolls sideways at 390 px").toBe(0);
    await done.getByRole("button", { name: "Complete visit" }).click();
    await done.waitFor({ state: "detached" });
    await card.getByText("Completed", { exact: true }).waitFor();
    // Confirmed by the server: nothing is left on the phone.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.includes("visit-report")))).toEqual(
      [],
    );

    // The ticket: the visit completed, the report and the swap on its timeline, the status resolved.
    await card.getByRole("link", { name: ticket.number }).click();
    await page.getByRole("heading", { name: "No signal since the storm" }).waitFor();
    const visits = page.getByRole("region", { name: "Visits" });
    await visits.getByText("Completed", { exact: true }).waitFor();
    await visits.getByText(technician.name, { exact: false }).waitFor();
    const timeline = page.getByLabel("Timeline", { exact: true });
    await timeline.getByText(`${technician.name} completed the visit`).waitFor();
    await timeline.getByText("Replaced the water-damaged dish and re-aimed it: -58 dBm.").waitFor();
    await timeline.getByText("LB-OLD-001 → LB-NEW-002").waitFor();
    await timeline.getByText(`${technician.name} is on the way (ETA 30 min)`).waitFor();
    await timeline.getByText(`${technician.name} arrived (position shared)`).waitFor();
    await timeline.getByText(/scheduled a repair visit with Tomás Rivera/).waitFor();
    expect(await page.getByRole("combobox", { name: "Status", exact: true }).inputValue()).toBe("Resolved");
    await page
      .getByRole("list", { name: "Photos and files of this ticket" })
      .getByRole("button", { name: "View IMG_0042.jpg" })
      .waitFor();
    const photos = (await admin.get(`/api/tickets/${ticket.id}/attachments`)).json().items as { visitId: string }[];
    expect(photos.map((photo) => photo.visitId)).toEqual([visit.id]);
    expect(await sidewaysScroll(page), "the ticket page scrolls sideways at 390 px").toBe(0);

    // The customer: the new serial on record, the visit among the past ones.
    await page.goto(`/customers/${customer.id}`);
    await page.getByRole("heading", { name: "Rosa Field", level: 1 }).waitFor();
    const connection = page.getByRole("region", { name: "Service and connection" });
    await connection.getByText("LB-NEW-002").waitFor();
    const customerVisits = page.getByRole("region", { name: "Visits" });
    await customerVisits.getByText("Completed", { exact: true }).waitFor();
    await customerVisits.getByText("Replaced the water-damaged dish and re-aimed it: -58 dBm.").waitFor();
    expect(await sidewaysScroll(page), "the customer page scrolls sideways at 390 px").toBe(0);
    expect(completions(await timelineOf(admin, ticket.id))).toHaveLength(1);
  }, 180_000);

  it("keeps a report whose answer was lost on the phone, through a reload, and records it once when retried", async () => {
    const { admin, technician, ticket, visit } = await officeBooksAVisit("Ines Flaky", {
      ipAddress: "100.64.12.8",
      macAddress: "02:1A:2B:3C:4D:5F",
    });
    const tech = await signInAs(h().testApp.app, technician);
    expect((await tech.post(`/api/visits/${visit.id}/arrived`, {})).statusCode).toBe(200);
    const page = await openMyDay(technician);

    // The first completion reaches the server, which records it, but its answer never comes back;
    // after that the phone is offline until the test says otherwise.
    let offline = true;
    const keys: string[] = [];
    const replayed: string[] = [];
    await page.route("**/api/visits/*/complete", async (route: Route) => {
      keys.push(route.request().headers()["idempotency-key"] ?? "");
      if (keys.length === 1) {
        await route.fetch();
        await route.abort("internetdisconnected");
      } else if (offline) {
        await route.abort("internetdisconnected");
      } else {
        const response = await route.fetch();
        replayed.push(response.headers()["idempotent-replayed"] ?? "no");
        await route.fulfill({ response });
      }
    });

    const card = page.getByRole("article", { name: /Ines Flaky/ });
    await card.getByRole("button", { name: "Done" }).click();
    const done = page.getByRole("dialog", { name: "Done: Ines Flaky" });
    await done.getByRole("textbox", { name: "Report" }).fill("Swapped the PoE injector; link stable.");
    await done.getByRole("textbox", { name: "CPE serial" }).fill("LB-NEW-777");
    await done.getByRole("button", { name: "Complete visit" }).click();
    // The app retries by itself a few times, then says where the report is.
    await done.getByText(KEPT).waitFor();
    expect(await done.getByRole("textbox", { name: "Report" }).inputValue()).toBe(
      "Swapped the PoE injector; link stable.",
    );
    const stored = await page.evaluate(
      (key) => JSON.parse(localStorage.getItem(key) ?? "null"),
      `uplink.visit-report.${visit.id}`,
    );
    expect(stored.report).toBe("Swapped the PoE injector; link stable.");
    expect(stored.pending.key).toBe(keys[0]);
    expect(stored.pending.body).toMatchObject({
      report: "Swapped the PoE injector; link stable.",
      equipment: { cpeSerial: "LB-NEW-777" },
    });
    // The server had it all along.
    expect((await visitOf(admin, visit.id)).status).toBe("completed");
    await done.getByRole("button", { name: "Close", exact: true }).click();
    await card.getByRole("alert", { name: KEPT }).waitFor();

    // A reload (the browser closed, the phone restarted): the report is still on the phone.
    await page.reload();
    const kept = card.getByRole("alert", { name: KEPT });
    await kept.getByText(KEPT).waitFor();
    const retry = kept.getByRole("button", { name: "Retry" });
    // The page tried again on opening, still offline: wait until that try has given up.
    await eventually(
      async () => (await retry.getAttribute("data-loading")) === null && (await retry.isEnabled()),
      "the retry on opening to give up",
    );

    offline = false;
    await retry.click();
    await kept.waitFor({ state: "detached" });
    await card.getByText("Completed", { exact: true }).waitFor();
    expect(await page.evaluate((key) => localStorage.getItem(key), `uplink.visit-report.${visit.id}`)).toBeNull();

    // Every try carried the one key; the last was answered from the first; one completion recorded.
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect(new Set(keys).size).toBe(1);
    expect(replayed).toEqual(["true"]);
    const timeline = await timelineOf(admin, ticket.id);
    expect(completions(timeline)).toHaveLength(1);
    await page.goto(`/tickets/${ticket.id}`);
    await page.getByLabel("Timeline", { exact: true }).getByText("LB-OLD-001 → LB-NEW-777").waitFor();
    expect(await page.getByText(`${technician.name} completed the visit`).count()).toBe(1);
  }, 180_000);
  it("schedules from the ticket page: a double booking shows the overlap and books only when confirmed; move and cancel", async () => {
    const { admin, technician, ticket } = await officeBooksAVisit("Olga Office", {
      ipAddress: "100.64.12.9",
      macAddress: "02:1A:2B:3C:4D:60",
    });
    const page = await h().newPage({ viewport: PHONE });
    page.setDefaultTimeout(30_000);
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    // The day after tomorrow in the browser's time zone, as the form's date and time fields read it.
    const day = await page.evaluate(() => {
      const now = new Date();
      const at = (hour: number) => new Date(now.getFullYear(), now.getMonth(), now.getDate() + 2, hour).toISOString();
      const pad = (n: number) => String(n).padStart(2, "0");
      const date = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 2);
      return {
        date: `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`,
        ten: at(10),
        noon: at(12),
      };
    });
    // The technician is already out from 10 to 12 that day, on another ticket.
    const other = await makeTicket(admin, { subject: "Dish realignment" });
    const busy = await admin.post("/api/visits", {
      ticketId: other.id,
      technicianId: technician.id,
      kind: "maintenance",
      startsAt: day.ten,
      endsAt: day.noon,
    });
    expect(busy.statusCode, busy.body).toBe(201);

    await page.goto(`/tickets/${ticket.id}`);
    const visits = page.getByRole("region", { name: "Visits" });
    await visits.getByRole("button", { name: "Schedule visit" }).click();
    const form = page.getByRole("dialog", { name: `Schedule a visit: ${ticket.number}` });
    // The ticket's assignee is proposed.
    expect(await form.getByRole("combobox", { name: "Technician" }).inputValue()).toBe(technician.name);
    await form.getByLabel("Date").fill(day.date);
    await form.getByLabel("From").fill("11:00");
    await form.getByLabel("Until").fill("13:00");
    await form.getByRole("textbox", { name: "Notes" }).fill("Bring a 5 m ladder");
    await form.getByRole("button", { name: "Schedule", exact: true }).click();
    const overlap = form.getByRole("alert", { name: "The technician is already booked then" });
    await overlap.getByText("Maintenance").waitFor();
    await overlap.getByRole("link", { name: "(its ticket)" }).waitFor();
    expect(await sidewaysScroll(page), "the schedule dialog scrolls sideways at 390 px").toBe(0);
    // Nothing booked until the office confirms.
    expect(
      ((await admin.get(`/api/visits?ticketId=${ticket.id}`)).json() as { items: VisitDetail[] }).items,
    ).toHaveLength(1);
    await overlap.getByRole("button", { name: "Book anyway" }).click();
    await form.waitFor({ state: "detached" });
    const booked = () => admin.get(`/api/visits?ticketId=${ticket.id}`).then((r) => r.json().items as VisitDetail[]);
    await eventually(async () => (await booked()).length === 2, "the second visit");
    const added = (await booked()).find((visit) => visit.notes === "Bring a 5 m ladder");
    expect(added?.technician.id).toBe(technician.id);
    expect(new Date(added?.startsAt ?? 0).getTime() - new Date(day.ten).getTime()).toBe(HOUR);

    // Moved to the afternoon, clear of the other visit: no question asked.
    const row = visits.getByRole("listitem").filter({ hasText: "Bring a 5 m ladder" });
    await row.getByRole("button", { name: "Move" }).click();
    const move = page.getByRole("dialog", { name: `Move the visit: ${ticket.number}` });
    expect(await move.getByLabel("From").inputValue()).toBe("11:00");
    await move.getByLabel("From").fill("14:00");
    await move.getByLabel("Until").fill("15:30");
    await move.getByRole("button", { name: "Move visit" }).click();
    await move.waitFor({ state: "detached" });
    await page
      .getByLabel("Timeline", { exact: true })
      .getByText(/moved the visit to/)
      .waitFor();

    // Cancelled after confirmation.
    await row.getByRole("button", { name: "Cancel visit" }).click();
    await page
      .getByRole("dialog", { name: "Cancel this visit?" })
      .getByRole("button", { name: "Cancel visit" })
      .click();
    await row.getByText("Cancelled", { exact: true }).waitFor();
    await page.getByLabel("Timeline", { exact: true }).getByText("cancelled the visit").waitFor();
    const cancelled = (await booked()).find((visit) => visit.id === added?.id);
    expect(cancelled?.status).toBe("cancelled");
    expect(new Date(cancelled?.endsAt ?? 0).getTime() - new Date(day.ten).getTime()).toBe(5.5 * HOUR);
  }, 180_000);
});
