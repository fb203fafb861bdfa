import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import type { VisitDetail } from "../../src/shared/visits.js";
import { isoDate, localParts, weekdayOf, zonedInstant } from "../../src/shared/zoned-time.js";
import { DEMO, type Session, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician } from "../support/factories/users.js";
import { eventually } from "../support/twilio-stand-in.js";

const HOUR = 3_600_000;
const pad = (value: number) => String(value).padStart(2, "0");
/** The next weekday in the machine's time zone (the browser's too): the board's date, all visits ahead. */
const tomorrow = (() => {
  const now = new Date();
  let next = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  while (next.getDay() === 0 || next.getDay() === 6)
    next = new Date(next.getFullYear(), next.getMonth(), next.getDate() + 1);
  return next;
})();
const day = `${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}`;
const atHour = (hour: number) =>
  new Date(tomorrow.getFullYear(), tomorrow.getMonth(), tomorrow.getDate(), hour).getTime();

/** A person's drag: press, move in steps (FullCalendar starts a drag after a few pixels), release. */
async function drag(page: Page, from: Locator, to: { x: number; y: number }) {
  const box = await from.boundingBox();
  if (!box) throw new Error("nothing to drag");
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 10, box.y + 20, { steps: 5 });
  await page.mouse.move(to.x, to.y, { steps: 20 });
  await page.mouse.up();
}

/** A point in the first quarter of a lane's half-hour row (so it snaps to the full hour). */
async function slot(lane: Locator, time: string) {
  const row = lane.locator(`td.fc-timegrid-slot-lane[data-time="${time}"]`);
  await row.scrollIntoViewIfNeeded();
  const box = await row.boundingBox();
  if (!box) throw new Error(`no ${time} row`);
  return { x: box.x + box.width / 2, y: box.y + box.height * 0.25 };
}

async function visitsOf(admin: Session, ticketId: string): Promise<VisitDetail[]> {
  const response = await admin.get(`/api/visits?ticketId=${ticketId}`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { items: VisitDetail[] }).items;
}

describeBrowser("the dispatch board in Chromium", () => {
  const h = useBrowserApp();

  it("books a ticket by dragging it onto a technician's lane, reassigns it by dragging it to another's, and asks before a double booking", async () => {
    const { app } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    const ada = await makeTechnician(admin, { name: "Ada Fieldwork" });
    const bo = await makeTechnician(admin, { name: "Bo Fieldwork" });
    const customer = await makeCustomer(admin, { name: "Mira Okafor", street: "4 Mill Rd", city: "Lyons" });
    const install = await makeTicket(admin, {
      customerId: customer.id,
      category: "installation",
      subject: "New line at Mill Rd",
      priority: "high",
    });
    const repair = await makeTicket(admin, { category: "no_service", subject: "Dish knocked over" });

    const page = await h().newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(20_000);
    // FullCalendar adds its stylesheet at run time: the CSP (style-src 'self' 'unsafe-inline', scripts
    // from 'self' only) must refuse nothing it does.
    const refused: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.getByRole("link", { name: "Schedule" }).click();
    await page.getByRole("heading", { name: "Schedule", exact: true }).waitFor();
    await page.goto(`/schedule?date=${day}`);
    const adaLane = page.getByRole("region", { name: "Ada Fieldwork" });
    const boLane = page.getByRole("region", { name: "Bo Fieldwork" });
    await adaLane.getByText("0 h of 8 h").waitFor();
    const panel = page.getByRole("complementary", { name: "Tickets to schedule" });
    const waiting = (number: string) => panel.getByRole("listitem").filter({ hasText: number });
    await waiting(install.number).waitFor();

    // 1. The installation ticket onto Ada's lane at 10:00: a 2-hour install visit for Ada.
    await drag(page, waiting(install.number), await slot(adaLane, "10:00:00"));
    await page.getByText(`Booked: ${install.number} with Ada Fieldwork`).waitFor();
    const [booked] = await eventually(async () => {
      const visits = await visitsOf(admin, install.id);
      return visits.length > 0 ? visits : undefined;
    });
    expect(booked).toMatchObject({ technician: { id: ada.id }, kind: "install", status: "scheduled" });
    expect(Math.abs(Date.parse(booked?.startsAt ?? "") - atHour(10))).toBeLessThanOrEqual(HOUR / 2);
    expect(Date.parse(booked?.endsAt ?? "") - Date.parse(booked?.startsAt ?? "")).toBe(2 * HOUR);
    await adaLane.getByText("2 h of 8 h").waitFor();
    await adaLane.locator(".fc-event").filter({ hasText: install.number }).waitFor();
    // Booked, it no longer waits in the side panel.
    await waiting(install.number).waitFor({ state: "detached" });

    // 2. The visit dragged onto Bo's lane: reassigned to Bo, still 2 hours.
    const event = adaLane.locator(".fc-event").filter({ hasText: install.number });
    await drag(page, event, await slot(boLane, "13:00:00"));
    await page.getByText(`Reassigned to Bo Fieldwork: ${install.number}`).waitFor();
    const [moved] = await visitsOf(admin, install.id);

    expect(moved).toMatchObject({ id: booked?.id, technician: { id: bo.id }, status: "scheduled" });
    expect(Date.parse(moved?.endsAt ?? "") - Date.parse(moved?.startsAt ?? "")).toBe(2 * HOUR);
    expect(Date.parse(moved?.startsAt ?? "")).toBeGreaterThan(atHour(11));
    await boLane.locator(".fc-event").filter({ hasText: install.number }).waitFor();
    await adaLane.getByText("0 h of 8 h").waitFor();
    expect(await adaLane.locator(".fc-event").count()).toBe(0);
    expect(await boLane.locator(".fc-event").count()).toBe(1);

    // 3. The repair dropped onto Bo's lane over that visit: the board asks first.
    const overlapAt = new Date(moved?.startsAt ?? "");
    const overlapRow = `${pad(overlapAt.getHours())}:${overlapAt.getMinutes() < 30 ? "00" : "30"}:00`;
    await drag(page, waiting(repair.number), await slot(boLane, overlapRow));
    const dialog = page.getByRole("dialog", { name: "Double booking" });
    await dialog.getByText("Bo Fieldwork already has a visit in this window").waitFor();
    await dialog
      .getByRole("list", { name: "Overlapping visits" })
      .getByText(install.number, { exact: false })
      .waitFor();
    // Put back: nothing booked, the ticket still waits.
    await dialog.getByRole("button", { name: "Put it back" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await visitsOf(admin, repair.id)).toEqual([]);
    await waiting(repair.number).waitFor();

    // Again, and Book anyway: the overlap is booked on the dispatcher's word.
    await drag(page, waiting(repair.number), await slot(boLane, overlapRow));
    await dialog.getByRole("button", { name: "Book anyway" }).click();
    await page.getByText(`Booked: ${repair.number} with Bo Fieldwork`).waitFor();
    const [overlapping] = await visitsOf(admin, repair.id);
    expect(overlapping).toMatchObject({ technician: { id: bo.id }, kind: "repair" });
    expect(Date.parse(overlapping?.startsAt ?? "")).toBeLessThan(Date.parse(moved?.endsAt ?? ""));
    expect(Date.parse(overlapping?.endsAt ?? "")).toBeGreaterThan(Date.parse(moved?.startsAt ?? ""));
    // The confirmation shows as the write answers; the lane redraws after the board's refetch.
    await boLane.locator(".fc-event").filter({ hasText: repair.number }).waitFor();
    expect(await boLane.locator(".fc-event").count()).toBe(2);
    expect(refused).toEqual([]);
  }, 180_000);

  it("schedules from the keyboard with the Schedule visit form, and moves a visit from its dialog", async () => {
    const { app } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    const cy = await makeTechnician(admin, { name: "Cy Keyboard" });
    const ticket = await makeTicket(admin, { category: "equipment", subject: "Router swap", assigneeId: cy.id });

    const page = await h().newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(20_000);
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto(`/schedule?date=${day}`);
    const panel = page.getByRole("complementary", { name: "Tickets to schedule" });
    await panel.getByRole("button", { name: `Schedule ${ticket.number}` }).click();
    const form = page.getByRole("dialog", { name: "Schedule visit" });
    // The ticket's technician and the kind its category suggests are filled in.
    await form.getByLabel("From").waitFor();
    expect(await form.getByRole("combobox", { name: "Technician" }).inputValue()).toBe("Cy Keyboard");
    expect(await form.getByRole("combobox", { name: "Kind" }).inputValue()).toBe("Repair");
    await form.getByLabel("From").fill("14:00");
    await form.getByLabel("Until").fill("15:30");
    await form.getByRole("button", { name: "Schedule", exact: true }).click();
    await form.waitFor({ state: "detached" });
    const [visit] = await eventually(async () => {
      const visits = await visitsOf(admin, ticket.id);
      return visits.length > 0 ? visits : undefined;
    });
    expect(visit).toMatchObject({ technician: { id: cy.id }, kind: "repair" });
    expect(Date.parse(visit?.startsAt ?? "")).toBe(atHour(14));
    expect(Date.parse(visit?.endsAt ?? "")).toBe(atHour(15) + HOUR / 2);

    // The visit on the board opens with Enter, and its dialog moves it.
    const lane = page.getByRole("region", { name: "Cy Keyboard" });
    await lane.getByText("1.5 h of 8 h").waitFor();
    await lane.locator(".fc-event").filter({ hasText: ticket.number }).press("Enter");
    const dialog = page.getByRole("dialog", { name: `Visit ${ticket.number}` });
    await dialog.getByLabel("From").fill("08:00");
    await dialog.getByLabel("Until").fill("09:00");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText(`Moved: ${ticket.number}`).waitFor();
    const [moved] = await visitsOf(admin, ticket.id);
    expect(Date.parse(moved?.startsAt ?? "")).toBe(atHour(8));
    expect(moved?.version).toBe((visit?.version ?? 0) + 1);
    await lane.getByText("1 h of 8 h").waitFor();

    // The week view: one technician's week, chosen in the Technician list, with their hours of 40.
    await page.getByText("Week", { exact: true }).click();
    await page.getByRole("combobox", { name: "Technician" }).click();
    await page.getByRole("option", { name: /^Cy Keyboard/ }).click();
    const week = page.getByRole("region", { name: "Cy Keyboard's week" });
    await week.getByText("1 h of 40 h").waitFor();
    await week.locator(".fc-event").filter({ hasText: ticket.number }).waitFor();
    expect(new URL(page.url()).searchParams.get("view")).toBe("week");
  }, 120_000);
});

/**
 * The ISP is in Denver, the dispatcher's browser in Tokyo (16 hours ahead, so another date for most
 * of the day): the board, its form and the ticket page read and write the ISP's times.
 */
const ISP_ZONE = "America/Denver";
const ispDay = (() => {
  let next = localParts(Date.now(), ISP_ZONE).day + 1;
  while (weekdayOf(next) === 0 || weekdayOf(next) === 6) next += 1;
  return next;
})();
const ispHour = (hour: number, minute = 0) => zonedInstant(ispDay, (hour * 60 + minute) * 60_000, ISP_ZONE);

describeBrowser("the dispatch board in the ISP's time zone, from a browser in another", () => {
  const h = useBrowserApp({ env: { TIME_ZONE: ISP_ZONE } });

  it("shows, books and schedules visits at the ISP's hours, and the ticket page says them so", async () => {
    const { app } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    const dee = await makeTechnician(admin, { name: "Dee Denver" });
    const booked = await makeTicket(admin, { category: "installation", subject: "Install at the ranch" });
    const dropped = await makeTicket(admin, { category: "no_service", subject: "Dish down in the wind" });
    const typed = await makeTicket(admin, { category: "equipment", subject: "Swap the router", assigneeId: dee.id });
    const created = await admin.post("/api/visits", {
      ticketId: booked.id,
      technicianId: dee.id,
      kind: "install",
      startsAt: new Date(ispHour(10)).toISOString(),
      endsAt: new Date(ispHour(12)).toISOString(),
    });
    expect(created.statusCode, created.body).toBe(201);

    const page = await h().newPage({ viewport: { width: 1600, height: 1000 }, timezoneId: "Asia/Tokyo" });
    page.setDefaultTimeout(20_000);
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto(`/schedule?date=${isoDate(ispDay)}`);
    await page.getByText(`Times in ${ISP_ZONE}`).waitFor();
    const lane = page.getByRole("region", { name: "Dee Denver" });
    // The 10:00–12:00 visit is on this day (in Tokyo it is the next one), in the 10:00 row.
    await lane.getByText("2 h of 8 h").waitFor();
    const block = lane.locator(".fc-event").filter({ hasText: booked.number });
    await block.waitFor();
    const row = lane.locator('td.fc-timegrid-slot-lane[data-time="10:00:00"]');
    await row.scrollIntoViewIfNeeded();
    const [blockBox, rowBox] = [await block.boundingBox(), await row.boundingBox()];
    expect(Math.abs((blockBox?.y ?? 0) - (rowBox?.y ?? 1_000))).toBeLessThanOrEqual(3);

    // A ticket dropped at 14:00 is booked at 14:00 in Denver.
    const panel = page.getByRole("complementary", { name: "Tickets to schedule" });
    await drag(page, panel.getByRole("listitem").filter({ hasText: dropped.number }), await slot(lane, "14:00:00"));
    await page.getByText(`Booked: ${dropped.number} with Dee Denver`).waitFor();
    const [drop] = await eventually(async () => {
      const visits = await visitsOf(admin, dropped.id);
      return visits.length > 0 ? visits : undefined;
    });
    expect(Math.abs(Date.parse(drop?.startsAt ?? "") - ispHour(14))).toBeLessThanOrEqual(HOUR / 2);

    // The form's 08:00 is Denver's, and it says so.
    await panel.getByRole("button", { name: `Schedule ${typed.number}` }).click();
    const form = page.getByRole("dialog", { name: "Schedule visit" });
    await form.getByText(`Times are the ISP's (${ISP_ZONE}`).waitFor();
    expect(await form.getByLabel("Date").inputValue()).toBe(isoDate(ispDay));
    await form.getByLabel("From").fill("08:00");
    await form.getByLabel("Until").fill("09:30");
    await form.getByRole("button", { name: "Schedule", exact: true }).click();
    await form.waitFor({ state: "detached" });
    const [typedVisit] = await eventually(async () => {
      const visits = await visitsOf(admin, typed.id);
      return visits.length > 0 ? visits : undefined;
    });
    expect(Date.parse(typedVisit?.startsAt ?? "")).toBe(ispHour(8));
    expect(Date.parse(typedVisit?.endsAt ?? "")).toBe(ispHour(9, 30));

    // The ticket page lists it at Denver's hours, named as Denver's.
    await page.goto(`/tickets/${typed.id}`);
    const visits = page.getByRole("region", { name: "Visits" });
    await visits
      .getByText(/8:00\sAM – 9:30\sAM M[SD]T/)
      .first()
      .waitFor();
  }, 180_000);
});
