import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { DEMO, type Session, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeServicePlan } from "../support/factories/service-plans.js";
import { makeSite } from "../support/factories/sites.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, type StaffAccount, signInAs } from "../support/factories/users.js";

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const SIZES = [
  { name: "390", viewport: PHONE },
  { name: "1440", viewport: DESKTOP },
] as const;

/** Set LAYOUT_SCREENSHOTS=<dir> to keep a full-page PNG of every page checked, to judge by eye. */
const screenshotDir = process.env.LAYOUT_SCREENSHOTS;

interface ClippedText {
  selector: string;
  text: string;
  /** What is cut: "1200 > 300 px wide", "3 lines clamped", "placeholder 240 > 200 px". */
  how: string;
}

/**
 * Every visible element whose text is cut off: it clips its overflow (hidden, clip, or an
 * ellipsis) and its content is wider than its box, or a line clamp hides lines; also text fields
 * whose value or placeholder is wider than the field, and chart labels running past their SVG's
 * edge. Visually hidden helpers (1 px boxes) are not text anyone reads.
 */
function findClippedText(page: Page): Promise<ClippedText[]> {
  return page.evaluate(() => {
    const describe = (element: Element): string => {
      const parts: string[] = [];
      for (let node: Element | null = element; node && node !== document.body && parts.length < 4; ) {
        let part = node.tagName.toLowerCase();
        const className = [...node.classList].find((name) => !name.startsWith("m_")) ?? node.classList[0];
        if (node.id) part += `#${node.id}`;
        else if (className) part += `.${className}`;
        const label = node.getAttribute("aria-label");
        if (label) part += `[aria-label="${label}"]`;
        parts.unshift(part);
        node = node.parentElement;
      }
      return parts.join(" > ");
    };
    const clipped: ClippedText[] = [];
    const measure = document.createElement("canvas").getContext("2d");
    for (const element of document.body.querySelectorAll<HTMLElement>("*")) {
      if (!element.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      if (element.clientWidth <= 1 || element.clientHeight <= 1) continue;
      const style = getComputedStyle(element);
      const isTextField =
        element instanceof HTMLInputElement && ["text", "search", "email", "tel", "url", ""].includes(element.type);
      const selector = describe(element);
      const widthCut = element.scrollWidth > element.clientWidth + 1;
      const wide = `${element.scrollWidth} > ${element.clientWidth} px wide`;
      if (isTextField) {
        if (element.value && widthCut) clipped.push({ selector, text: element.value, how: wide });
        if (!element.value && element.placeholder && measure) {
          measure.font = style.font;
          const needed = Math.ceil(measure.measureText(element.placeholder).width);
          const room =
            element.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
          if (needed > room + 1) {
            clipped.push({
              selector,
              text: element.placeholder,
              how: `placeholder ${needed} > ${Math.floor(room)} px`,
            });
          }
        }
        continue;
      }
      // biome-ignore lint/performance/useDomNodeTextContent: the text as shown; textContent has hidden text too
      const text = (element.innerText ?? "").trim();
      if (!text) continue;
      const clipsX = ["hidden", "clip"].includes(style.overflowX) || style.textOverflow === "ellipsis";
      if (clipsX && widthCut) clipped.push({ selector, text: text.slice(0, 80), how: wide });
      if (style.webkitLineClamp !== "none" && element.scrollHeight > element.clientHeight + 1) {
        clipped.push({ selector, text: text.slice(0, 80), how: `clamped to ${style.webkitLineClamp} lines` });
      }
    }
    // Chart labels are SVG text: cut where they run past the edge of their drawing.
    for (const label of document.body.querySelectorAll<SVGTextElement>("svg text")) {
      const svg = label.closest("svg");
      const text = (label.textContent ?? "").trim();
      if (!svg || !text) continue;
      const box = label.getBoundingClientRect();
      const frame = svg.getBoundingClientRect();
      if (box.width > 0 && (box.left < frame.left - 1 || box.right > frame.right + 1)) {
        clipped.push({ selector: describe(label), text, how: "runs past its chart's edge" });
      }
    }
    return clipped;
  });
}

function horizontalOverflow(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Waits until the page has settled: no loaders, fonts and lazy styles in. */
async function settle(page: Page) {
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => document.querySelectorAll('[aria-label^="Loading"]').length === 0);
  await page.evaluate(() => document.fonts.ready);
  // Transitions (collapses, segmented control indicator) finish.
  await page.waitForTimeout(300);
}

/** Asserts no clipped text and no sideways scroll; lists the offenders by selector and text. */
async function expectLaidOut(page: Page, label: string) {
  await settle(page);
  if (screenshotDir) {
    mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: `${screenshotDir}/${label.replaceAll(/[^a-z0-9-]+/gi, "_")}.png`, fullPage: true });
  }
  const clipped = await findClippedText(page);
  const report = clipped.map((c) => `  ${c.selector}: "${c.text}" (${c.how})`).join("\n");
  expect(clipped, `${label}: clipped text\n${report}`).toEqual([]);
  expect(await horizontalOverflow(page), `${label}: the page scrolls sideways`).toBe(0);
}

/** Whether an element lies wholly inside the first screen (the page scrolled to its top). */
async function inFirstScreen(page: Page, locator: ReturnType<Page["locator"]>) {
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = await locator.boundingBox();
  const viewport = page.viewportSize();
  if (!box || !viewport) return false;
  return box.y >= 0 && box.y + box.height <= viewport.height && box.x >= 0 && box.x + box.width <= viewport.width;
}

describeBrowser("layout at 390 and 1440 px in Chromium", () => {
  const h = useBrowserApp();
  const SUBJECT = "Intermittent packet loss on the evening peak since Monday 18:00"; // 60+ characters
  const CUSTOMER = "Bartholomew Alexander Montgomery-Featherstonehaugh";
  const TOKEN_NAME = "Splynx billing synchronisation (nightly invoices)";
  const WEBHOOK_DESCRIPTION = "Provisioning: suspends the CPE of archived customers";
  let admin: StaffAccount;
  let agent: StaffAccount;
  let technician: StaffAccount;
  let customerId = "";
  let ticketId = "";
  let incidentId = "";
  const INCIDENT = "Outage: North Ridge Water Tower Relay Site 14 without mains power";

  beforeAll(async () => {
    const demo = await signIn(h().testApp.app, DEMO.admin);
    admin = await makeStaff(demo, { role: "admin", name: "Bartholomew Featherstone" });
    agent = await makeStaff(demo, { role: "agent", name: "Konstantina Papadopoulou" });
    technician = await makeStaff(demo, { role: "technician", name: "Maximilian Oberhauser-Lindqvist" });
    const session: Session = await signInAs(h().testApp.app, admin);
    const plan = await makeServicePlan(session, { name: "Fibre Home Unlimited 1000/500 with static IPv4" });
    const site = await makeSite(session, { name: "North Ridge Water Tower Relay Site 14" });
    const customer = await makeCustomer(session, {
      name: CUSTOMER,
      email: "bartholomew.montgomery-featherstonehaugh@longdomainexample.co.uk",
      street: "1247 Northwestern Boulevard, Apartment 1203B",
      city: "Rancho Santa Margarita",
      servicePlanId: plan.id,
      siteId: site.id,
      ipAddress: "2001:db8:85a3:1234:5678:8a2e:370:7334",
      macAddress: "AA:BB:CC:DD:EE:FF",
      cpeModel: "Ubiquiti UISP Wave Long-Range 60 GHz",
      cpeSerial: "SN-UBNT-2026-0004471182-XR",
      status: "pending_install",
    });
    customerId = customer.id;
    const ticket = await makeTicket(session, {
      customerId,
      subject: SUBJECT,
      description: "Speed tests fall from 900 Mbit/s to under 20 Mbit/s between 18:00 and 23:00 every evening.",
      category: "slow_speed",
      priority: "normal",
      status: "waiting_on_customer",
      assigneeId: technician.id,
    });
    ticketId = ticket.id;
    // A visit today for the admin the pages are seen as: My day shows it, long names and all.
    const now = h().testApp.clock.now();
    const visit = await session.post("/api/visits", {
      ticketId,
      technicianId: admin.id,
      kind: "install",
      startsAt: now.toISOString(),
      endsAt: new Date(now.getTime() + 3 * 3_600_000).toISOString(),
      notes: "Ring the bell of the side entrance; the dog is friendly but loud.",
    });
    if (visit.statusCode !== 201) throw new Error(`visit: ${visit.statusCode} ${visit.body}`);
    // A few more rows, in every status the queue and the tables show.
    await makeTicket(session, { customerId, subject: `${SUBJECT} (second site)`, status: "in_progress" });
    await makeTicket(session, { customerId, subject: "Router reboots nightly", priority: "urgent" });
    // The integrations settings, with long names: a token that expires and has been used, a webhook.
    const token = await session.post("/api/tokens", {
      name: TOKEN_NAME,
      scopes: ["read", "write", "admin"],
      expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(),
    });
    if (token.statusCode !== 201) throw new Error(`token: ${token.statusCode} ${token.body}`);
    await h().testApp.app.inject({
      method: "GET",
      url: "/api/tickets?limit=1",
      headers: { authorization: `Bearer ${token.json().token}` },
    });
    const webhook = await session.post("/api/webhooks", {
      url: "https://provisioning.longdomainexample.co.uk/integrations/uplink/webhooks/customer-events",
      description: WEBHOOK_DESCRIPTION,
      events: ["customer.archived", "customer.restored", "ticket.created", "ticket.status_changed"],
    });
    if (webhook.statusCode !== 201) throw new Error(`webhook: ${webhook.statusCode} ${webhook.body}`);
    // An incident on the customer's site, with a long title and message: the incident pages and the banners.
    const incident = await session.post("/api/incidents", {
      title: INCIDENT,
      kind: "outage",
      severity: "critical",
      siteIds: [site.id],
      publicMessage: "Power to the relay site failed at 06:40; the utility's crew expects to restore it by noon.",
      expectedEndAt: new Date(Date.now() + 4 * 3_600_000).toISOString(),
    });
    if (incident.statusCode !== 201) throw new Error(`incident: ${incident.statusCode} ${incident.body}`);
    incidentId = incident.json().id;
  }, 90_000);

  /** The main pages: a heading to wait for, and text that shows once the data is in. */
  const pages = () => [
    { name: "dashboard", path: "/", heading: "Dashboard", text: "Router reboots nightly" },
    { name: "ticket queue", path: "/tickets?view=all", heading: "Tickets", text: SUBJECT },
    { name: "ticket page", path: `/tickets/${ticketId}`, heading: SUBJECT, text: "opened the ticket" },
    { name: "new ticket", path: "/tickets/new", heading: "New ticket", text: "Subject" },
    { name: "customers list", path: "/customers", heading: "Customers", text: CUSTOMER },
    { name: "customer page", path: `/customers/${customerId}`, heading: CUSTOMER, text: SUBJECT },
    { name: "SMS log", path: "/sms", heading: "SMS log", text: CUSTOMER },
    { name: "settings", path: "/settings", heading: "Settings", text: "Staff" },
    { name: "API tokens", path: "/settings/api-tokens", heading: "Settings", text: TOKEN_NAME },
    { name: "webhooks", path: "/settings/webhooks", heading: "Settings", text: WEBHOOK_DESCRIPTION },
    { name: "incidents", path: "/incidents", heading: "Incidents", text: INCIDENT },
    { name: "incident page", path: `/incidents/${incidentId}`, heading: INCIDENT, text: CUSTOMER },
    { name: "new incident", path: "/incidents/new", heading: "New incident", text: "Public message" },
    { name: "my day", path: "/my-day", heading: "My day", text: CUSTOMER },
  ];

  for (const size of SIZES) {
    it(`no clipped text and no sideways scroll on the main pages at ${size.name} px`, async () => {
      const page = await h().newPage({ viewport: size.viewport });
      page.setDefaultTimeout(20_000);
      await signInThroughUi(page, admin.email, admin.password);
      for (const target of pages()) {
        await page.goto(target.path);
        await page.getByRole("heading", { name: target.heading }).first().waitFor();
        await page.getByText(target.text).first().waitFor();
        await expectLaidOut(page, `${target.name} at ${size.name} px`);
      }
      await page.close();
    }, 180_000);
  }

  it("at 390 px the ticket page shows status, priority and assignee in the first screen", async () => {
    const page = await h().newPage({ viewport: PHONE });
    page.setDefaultTimeout(20_000);
    await signInThroughUi(page, agent.email, agent.password);
    await page.goto(`/tickets/${ticketId}`);
    const heading = page.getByRole("heading", { name: SUBJECT });
    await heading.waitFor();
    await settle(page);
    // The subject gets the width of the screen, not a sliver beside the actions.
    const headingBox = await heading.boundingBox();
    expect(headingBox?.width ?? 0).toBeGreaterThan(PHONE.width * 0.75);
    const status = page.getByRole("combobox", { name: "Status", exact: true });
    const priority = page.getByRole("combobox", { name: "Priority", exact: true });
    const assignee = page.getByRole("combobox", { name: "Assignee", exact: true });
    expect(await status.inputValue()).toBe("Waiting on customer");
    expect(await priority.inputValue()).toBe("Normal");
    expect(await assignee.inputValue()).toBe("Maximilian Oberhauser-Lindqvist");
    for (const control of [status, priority, assignee]) {
      expect(await inFirstScreen(page, control)).toBe(true);
    }
    await expectLaidOut(page, "ticket page as an agent at 390 px");
    await page.close();
  }, 120_000);

  it("at 390 px the queue shows its first ticket in the first screen, the filters behind a Filters (n) button", async () => {
    const page = await h().newPage({ viewport: PHONE });
    page.setDefaultTimeout(20_000);
    await signInThroughUi(page, agent.email, agent.password);
    await page.goto("/tickets?view=all");
    const firstCard = page.getByRole("link", { name: new RegExp(SUBJECT) }).first();
    await firstCard.waitFor();
    await settle(page);
    expect(await inFirstScreen(page, firstCard)).toBe(true);
    // The filters wait behind the button.
    const filtersButton = page.getByRole("button", { name: /^Filters/ });
    expect(await filtersButton.textContent()).toBe("Filters (0)");
    expect(await filtersButton.getAttribute("aria-expanded")).toBe("false");
    expect(await page.getByRole("combobox", { name: "Priority", exact: true }).isVisible()).toBe(false);

    // Two active filters are counted; the button opens them.
    await page.goto("/tickets?view=all&status=waiting_on_customer&priority=normal");
    await page
      .getByRole("link", { name: new RegExp(SUBJECT) })
      .first()
      .waitFor();
    await settle(page);
    expect(await filtersButton.textContent()).toBe("Filters (2)");
    expect(await inFirstScreen(page, page.getByRole("link", { name: new RegExp(SUBJECT) }).first())).toBe(true);
    await filtersButton.click();
    expect(await filtersButton.getAttribute("aria-expanded")).toBe("true");
    await page.getByRole("combobox", { name: "Priority", exact: true }).waitFor({ state: "visible" });
    await page.getByRole("combobox", { name: "Sort by", exact: true }).waitFor({ state: "visible" });
    await expectLaidOut(page, "ticket queue with the filters open at 390 px");
    await page.close();
  }, 120_000);

  it("at 1440 px the queue shows its filters without a Filters button", async () => {
    const page = await h().newPage({ viewport: DESKTOP });
    page.setDefaultTimeout(20_000);
    await signInThroughUi(page, agent.email, agent.password);
    await page.goto("/tickets?view=all");
    await page.getByRole("row").filter({ hasText: SUBJECT }).first().waitFor();
    await page.getByRole("combobox", { name: "Sort by", exact: true }).waitFor({ state: "visible" });
    expect(await page.getByRole("button", { name: /^Filters/ }).count()).toBe(0);
    await page.close();
  }, 120_000);
});
