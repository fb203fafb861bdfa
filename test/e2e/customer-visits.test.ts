import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import { VISIT_STATUS_LABELS } from "../../src/shared/labels.js";
import type { TicketDetail } from "../../src/shared/tickets.js";
import type { VisitDetail } from "../../src/shared/visits.js";
import { localParts, zonedInstant } from "../../src/shared/zoned-time.js";
import { DEMO, type Session, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician, type StaffAccount, signInAs } from "../support/factories/users.js";

/** The ISP's zone and the browser's: windows read without a zone name after them. */
const ZONE = "America/Denver";
const HOUR = 3_600_000;

function sidewaysScroll(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** "Tue, Mar 10, 10:00 AM – 12:00 PM", as the page writes a window (any space, narrow or not). */
function windowText(startsAt: number, endsAt: number): RegExp {
  const day = new Intl.DateTimeFormat("en-US", { weekday: "short", month: "short", day: "numeric", timeZone: ZONE });
  const clock = new Intl.DateTimeFormat("en-US", { hour: "numeric", minute: "2-digit", timeZone: ZONE });
  const text = `${day.format(startsAt)}, ${clock.format(startsAt)} – ${clock.format(endsAt)}`;
  const pattern = text
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replace(/[\s\u202f]+/g, "\\s")
    .replace(/–/, "\\s*–\\s*");
  return new RegExp(`^${pattern}$`);
}

describeBrowser("a customer's visits on the customer page in Chromium", () => {
  const h = useBrowserApp({ env: { TIME_ZONE: ZONE } });

  async function book(session: Session, ticket: TicketDetail, technician: StaffAccount, startsAt: number) {
    const response = await session.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "repair",
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 2 * HOUR).toISOString(),
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as VisitDetail;
  }

  /**
   * A customer with two tickets: one visited last week (the visit completed then, on the app's
   * clock moved back to that day and set back after), one with a visit booked three days ahead;
   * and another customer's visit, which must not show on theirs.
   */
  async function customerWithVisits() {
    const { app, clock } = h().testApp;
    const present = clock.now();
    const today = localParts(present.getTime(), ZONE).day;
    const suffix = Math.random().toString(36).slice(2, 8);
    const past = { startsAt: zonedInstant(today - 8, 10 * HOUR, ZONE) };
    const ahead = { startsAt: zonedInstant(today + 3, 14 * HOUR, ZONE) };
    // Last week, 8:00: the office books the morning's visit; at 11:00 the technician completes it.
    const lastWeek = async () => {
      clock.set(new Date(past.startsAt - 2 * HOUR));
      const admin = await signIn(app, DEMO.admin);
      const technician = await makeTechnician(admin, { name: `Pia Pastwork ${suffix}` });
      const customer = await makeCustomer(admin, { name: `Hana Visits ${suffix}`, street: "3 Elm Ct", city: "Lyons" });
      const ticket = await makeTicket(admin, {
        customerId: customer.id,
        category: "no_service",
        subject: "No link after the storm",
      });
      const visit = await book(admin, ticket, technician, past.startsAt);
      clock.set(new Date(past.startsAt + HOUR));
      const tech = await signInAs(app, technician);
      expect((await tech.post(`/api/visits/${visit.id}/arrived`, {})).statusCode).toBe(200);
      const done = await tech.post(`/api/visits/${visit.id}/complete`, {
        report: "Re-crimped the outdoor cable; link back at -61 dBm.",
        ticketStatus: "resolved",
      });
      expect(done.statusCode, done.body).toBe(200);
      return { customer, technician, ticket, visit: done.json() as VisitDetail };
    };
    const earlier = await lastWeek().finally(() => clock.set(present));
    expect(earlier.visit).toMatchObject({ status: "completed" });
    expect(Date.parse(earlier.visit.finishedAt ?? "")).toBe(past.startsAt + HOUR);

    // Now: a second ticket, its visit three days ahead with another technician.
    const admin = await signIn(app, DEMO.admin);
    const technician = await makeTechnician(admin, { name: `Fox Futurework ${suffix}` });
    const ticket = await makeTicket(admin, {
      customerId: earlier.customer.id,
      category: "equipment",
      subject: "Router reboots at night",
    });
    const visit = await book(admin, ticket, technician, ahead.startsAt);
    // Another customer's visit the same day, same technician, later: not theirs.
    const neighbour = await makeCustomer(admin, { name: `Ned Neighbour ${suffix}` });
    const elsewhere = await makeTicket(admin, { customerId: neighbour.id, subject: "Neighbour's dish" });
    await book(admin, elsewhere, technician, ahead.startsAt + 3 * HOUR);
    return {
      customerId: earlier.customer.id,
      customerName: earlier.customer.name,
      past: { ...earlier, window: windowText(past.startsAt, past.startsAt + 2 * HOUR) },
      ahead: { technician, ticket, visit, window: windowText(ahead.startsAt, ahead.startsAt + 2 * HOUR) },
      elsewhere,
    };
  }

  /** The items of the list under one of the region's headings ("Coming up", "Past"). */
  const listUnder = (region: Locator, heading: string) =>
    region.getByRole("heading", { name: heading, exact: true }).locator("xpath=..").getByRole("listitem");

  for (const viewport of [
    { width: 390, height: 844 },
    { width: 1280, height: 800 },
  ]) {
    it(`lists the visits coming up and the past ones, each with its window, technician and ticket, at ${viewport.width} px`, async () => {
      const { customerId, customerName, past, ahead, elsewhere } = await customerWithVisits();
      const page = await h().newPage({ viewport, timezoneId: ZONE });
      page.setDefaultTimeout(30_000);
      await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
      await page.goto(`/customers/${customerId}`);
      await page.getByRole("heading", { name: customerName, level: 1 }).waitFor();

      const visits = page.getByRole("region", { name: "Visits", exact: true });
      await visits.getByRole("heading", { name: "Visits", exact: true }).waitFor();
      const comingUp = listUnder(visits, "Coming up");
      const done = listUnder(visits, "Past");
      await comingUp.first().waitFor();
      await done.first().waitFor();
      // The lists in order: what is ahead first, then what is done.
      expect(await visits.getByRole("heading", { level: 4 }).allTextContents()).toEqual(["Coming up", "Past"]);
      const items = await visits.getByRole("listitem").allTextContents();
      expect(items).toHaveLength(2);
      expect(items[0]).toContain(ahead.ticket.number);
      expect(items[1]).toContain(past.ticket.number);

      // Coming up: the booked visit, first in its list, its window, its technician, a link to its ticket.
      expect(await comingUp.count()).toBe(1);
      const next = comingUp.first();
      await next.getByText(VISIT_STATUS_LABELS.scheduled, { exact: true }).waitFor();
      await next.getByText(ahead.window).waitFor();
      await next.getByText(ahead.technician.name, { exact: false }).waitFor();
      await next.getByText("Router reboots at night", { exact: false }).waitFor();
      const nextLink = next.getByRole("link", { name: ahead.ticket.number, exact: true });
      expect(await nextLink.getAttribute("href")).toBe(`/tickets/${ahead.ticket.id}`);

      // Past: last week's visit, completed, with its report.
      expect(await done.count()).toBe(1);
      const last = done.first();
      await last.getByText(VISIT_STATUS_LABELS.completed, { exact: true }).waitFor();
      await last.getByText(past.window).waitFor();
      await last.getByText(past.technician.name, { exact: false }).waitFor();
      await last.getByText("Re-crimped the outdoor cable; link back at -61 dBm.").waitFor();
      const lastLink = last.getByRole("link", { name: past.ticket.number, exact: true });
      expect(await lastLink.getAttribute("href")).toBe(`/tickets/${past.ticket.id}`);

      // The neighbour's visit, the same technician's the same day, is not on this customer's page.
      expect(await visits.getByRole("link", { name: elsewhere.number, exact: true }).count()).toBe(0);
      expect(await visits.getByText("Neighbour's dish").count()).toBe(0);
      expect(await sidewaysScroll(page), `the customer page scrolls sideways at ${viewport.width} px`).toBe(0);

      // The link opens the visit's ticket.
      await nextLink.click();
      await page.getByRole("heading", { name: "Router reboots at night" }).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/tickets/${ahead.ticket.id}`);
    }, 60_000);
  }
});
