import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TICKET_PRIORITIES, TICKET_STATUSES } from "../../src/shared/enums.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeComment } from "../support/factories/comments.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeServicePlan } from "../support/factories/service-plans.js";
import { makeSite } from "../support/factories/sites.js";
import { receiveSms } from "../support/factories/sms.js";
import { makeTicket } from "../support/factories/tickets.js";
import { TwilioStandIn } from "../support/twilio-stand-in.js";

// Evaluated through the DevTools protocol: the app's Content-Security-Policy (script-src 'self')
// rightly refuses an injected <script> tag.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** What the suite fails on: axe's two worst impact levels. */
const BLOCKING = new Set(["critical", "serious"]);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

interface PageCheck {
  name: string;
  /** Opens the page (or dialog) and waits until what it shows is on screen. */
  open(page: Page): Promise<void>;
}

/** Runs axe-core on the page as it is now; only the critical and serious violations. */
async function blockingViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: AxeViolation[] }> } }).axe;
    const results = await axe.run(document);
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations.filter((v) => v.impact !== null && BLOCKING.has(v.impact));
}

/** Settles the page: its requests answered, and Mantine's transitions (modals fade in) over. */
async function settle(page: Page, shown: Locator) {
  await shown.waitFor();
  await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => {});
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"], .mantine-Loader-root').length === 0, {
    timeout: 10_000,
  });
  await page.waitForTimeout(400);
}

const heading = (page: Page, name: string) => page.getByRole("heading", { name, exact: true }).first();

describeBrowser("accessibility (axe-core) in Chromium", () => {
  const twilio = new TwilioStandIn();
  const options: { env: Record<string, string> } = { env: {} };
  // Registered before the browser app's own beforeAll, so the app sends its SMS to the stand-in
  // (the SMS log then shows sent and received texts, not only failures).
  beforeAll(async () => {
    await twilio.start();
    // The incident page's map with its markers; tiles from a closed loopback port, so none load.
    options.env = { ...twilio.env(), MAP_TILE_URL: "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png" };
    return () => twilio.stop();
  });
  const h = useBrowserApp(options);
  const contexts: BrowserContext[] = [];
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
  });

  // The suite's own records, made through the API: a customer on a plan at a site, a ticket of
  // every status and priority (their badges), comments of both kinds, an inbound text.
  const made = {
    customerId: "",
    customerName: "Lars Mills",
    ticketId: "",
    ticketSubject: "Cannot connect",
    incidentId: "",
    incidentTitle: "Outage: Hilltop tower",
  };
  beforeAll(async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const plan = await makeServicePlan(admin);
    const site = await makeSite(admin, { latitude: 40.015, longitude: -105.27 });
    const customer = await makeCustomer(admin, {
      latitude: 40.02,
      longitude: -105.26,
      name: made.customerName,
      email: "lars.mills@example.net",
      servicePlanId: plan.id,
      siteId: site.id,
      ipAddress: "100.64.12.7",
      macAddress: "00:1A:2B:3C:4D:5E",
    });
    made.customerId = customer.id;
    const ticket = await makeTicket(admin, {
      customerId: customer.id,
      subject: made.ticketSubject,
      description: "The router shows a red light since this morning.",
      priority: "urgent",
      status: "in_progress",
      assigneeId: admin.user.id,
    });
    made.ticketId = ticket.id;
    // A visit today for the signed-in admin: My day shows its card with every action.
    const now = h().testApp.clock.now();
    const visit = await admin.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: admin.user.id,
      kind: "repair",
      startsAt: now.toISOString(),
      endsAt: new Date(now.getTime() + 2 * 3_600_000).toISOString(),
    });
    if (visit.statusCode !== 201) throw new Error(`visit: ${visit.statusCode} ${visit.body}`);
    // A ticket waiting for a visit: the schedule's side panel lists it beside the lanes.
    await makeTicket(admin, { customerId: customer.id, category: "installation", subject: "New line for the barn" });
    await makeComment(admin, ticket.id, { body: "Checked the line: no sync.", visibility: "internal" });
    await makeComment(admin, ticket.id, { body: "A technician is on the way.", visibility: "public" });
    for (const [index, status] of TICKET_STATUSES.entries()) {
      await makeTicket(admin, {
        customerId: customer.id,
        status,
        priority: TICKET_PRIORITIES[index % TICKET_PRIORITIES.length],
      });
    }
    await receiveSms(h().testApp.app, { from: String(customer.phone), body: "Is the outage fixed?" });
    // An active incident on the customer's site: the incident pages, and the banners on theirs.
    const incident = await admin.post("/api/incidents", {
      title: made.incidentTitle,
      kind: "outage",
      severity: "major",
      siteIds: [site.id],
      publicMessage: "The tower lost power; crews are on site.",
    });
    if (incident.statusCode !== 201) throw new Error(`incident: ${incident.statusCode} ${incident.body}`);
    made.incidentId = incident.json().id;
  }, 120_000);

  const signedOutPages: PageCheck[] = [
    {
      name: "sign-in",
      async open(page) {
        await page.goto("/login");
        await settle(page, page.getByRole("button", { name: "Sign in", exact: true }));
      },
    },
    {
      name: "setup",
      async open(page) {
        await page.goto("/setup");
        await settle(page, page.getByText("Uplink is already set up"));
      },
    },
  ];

  const signedInPages: PageCheck[] = [
    {
      name: "dashboard",
      async open(page) {
        await page.goto("/");
        await settle(page, heading(page, "Dashboard"));
      },
    },
    {
      name: "ticket queue",
      async open(page) {
        await page.goto("/tickets");
        await settle(page, page.getByText(made.ticketSubject).first());
      },
    },
    {
      name: "ticket",
      async open(page) {
        await page.goto(`/tickets/${made.ticketId}`);
        await settle(page, page.getByText("A technician is on the way."));
      },
    },
    {
      name: "new ticket",
      async open(page) {
        await page.goto("/tickets/new");
        await settle(page, heading(page, "New ticket"));
      },
    },
    {
      name: "customers",
      async open(page) {
        await page.goto("/customers");
        await settle(page, page.getByRole("link", { name: made.customerName }));
      },
    },
    {
      name: "customer",
      async open(page) {
        await page.goto(`/customers/${made.customerId}`);
        await settle(page, heading(page, made.customerName));
      },
    },
    {
      name: "new customer",
      async open(page) {
        await page.goto("/customers");
        await page.getByRole("button", { name: "New customer" }).click();
        await settle(page, page.getByRole("dialog", { name: "New customer" }));
      },
    },
    {
      name: "SMS log",
      async open(page) {
        await page.goto("/sms");
        await settle(page, page.getByRole("row").filter({ hasText: "Is the outage fixed?" }));
      },
    },
    ...[
      ["staff", "Staff", "john@isp.com"],
      ["plans", "Service plans", null],
      ["sites", "Network sites", null],
      ["sla", "Ticket SLA", null],
      ["sms-templates", "SMS templates", null],
    ].map(
      ([path, tab, text]): PageCheck => ({
        name: `settings: ${tab}`,
        async open(page) {
          await page.goto(`/settings/${path}`);
          await settle(page, page.getByRole("tab", { name: String(tab), selected: true }));
          await settle(page, text ? page.getByText(text).first() : page.getByRole("tabpanel"));
        },
      }),
    ),
    {
      name: "incidents",
      async open(page) {
        await page.goto("/incidents");
        await settle(page, page.getByRole("link", { name: made.incidentTitle }));
      },
    },
    {
      name: "incident",
      async open(page) {
        await page.goto(`/incidents/${made.incidentId}`);
        await settle(page, page.getByRole("table", { name: "Affected customers" }).getByText(made.customerName));
        await settle(page, page.getByRole("region", { name: "Map of the affected sites and customers" }));
      },
    },
    {
      name: "new incident",
      async open(page) {
        await page.goto("/incidents/new");
        await settle(page, heading(page, "New incident"));
      },
    },
    {
      name: "my day",
      async open(page) {
        await page.goto("/my-day");
        await settle(page, page.getByRole("article", { name: new RegExp(made.customerName) }));
      },
    },
    {
      name: "schedule",
      async open(page) {
        await page.goto("/schedule");
        await settle(page, page.getByRole("listitem").filter({ hasText: "New line for the barn" }));
        await settle(page, page.locator(".fc-event").filter({ hasText: made.customerName }).first());
      },
    },
    {
      name: "profile",
      async open(page) {
        await page.goto("/profile");
        await settle(page, heading(page, "Your account"));
      },
    },
  ];

  const VIEWPORTS = [
    { width: 390, height: 844 },
    { width: 1440, height: 900 },
  ];
  for (const colorScheme of ["light", "dark"] as const) {
    for (const viewport of VIEWPORTS) {
      it(`every main page at ${viewport.width} px in the ${colorScheme} theme has no critical or serious violation`, async () => {
        // The app follows the system's colour scheme until someone picks one: emulate the system's.
        const context = await h().browser.newContext({ baseURL: h().baseUrl, viewport, colorScheme });
        contexts.push(context);
        context.setDefaultTimeout(30_000);
        const page = await context.newPage();
        const found: { page: string; violations: AxeViolation[] }[] = [];
        const check = async (pageCheck: PageCheck) => {
          await pageCheck.open(page);
          expect(await page.evaluate(() => document.documentElement.getAttribute("data-mantine-color-scheme"))).toBe(
            colorScheme,
          );
          found.push({ page: pageCheck.name, violations: await blockingViolations(page) });
        };
        for (const pageCheck of signedOutPages) await check(pageCheck);
        await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
        for (const pageCheck of signedInPages) await check(pageCheck);

        const summary = found.map(({ page: name, violations }) => {
          const count = (impact: string) =>
            violations.filter((v) => v.impact === impact).reduce((sum, v) => sum + v.nodes.length, 0);
          return `${name}: ${count("critical")} critical, ${count("serious")} serious`;
        });
        const details = found.flatMap(({ page: name, violations }) =>
          violations.map(
            (v) =>
              `  [${name}] ${v.impact} ${v.id} (${v.help}): ${v.nodes
                .slice(0, 8)
                .map((n) => JSON.stringify(n.target))
                .join(", ")}${v.nodes.length > 8 ? ` …and ${v.nodes.length - 8} more` : ""}`,
          ),
        );
        console.log(
          `axe at ${viewport.width} px, ${colorScheme}:\n  ${summary.join("\n  ")}${details.length ? `\n${details.join("\n")}` : ""}`,
        );
        expect(details, `axe violations at ${viewport.width} px, ${colorScheme}`).toEqual([]);
      }, 600_000);
    }
  }

  it("opens the first hit when Enter is pressed in the customer search, typed fast or in another phone format", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const customer = await makeCustomer(admin, { name: "Odalys Fernsby", phone: "+14155550142" });
    const page = await h().newPage();
    // The shared machine can be slow: more room than the harness default.
    page.setDefaultTimeout(30_000);
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto("/customers");
    const search = page.getByLabel("Search customers");
    // The search box has focus on arrival; Enter right after typing beats the debounced search.
    await search.waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute("type"))).toBe("search");
    await page.keyboard.type("Fernsby");
    await page.keyboard.press("Enter");
    await heading(page, "Odalys Fernsby").waitFor();
    expect(new URL(page.url()).pathname).toBe(`/customers/${customer.id}`);

    await page.goBack();
    await search.fill("(415) 555-0142");
    await page.getByRole("link", { name: "Odalys Fernsby" }).waitFor();
    await search.press("Enter");
    await page.waitForURL((url) => url.pathname === `/customers/${customer.id}`);

    // No hit: Enter leaves the list where it is.
    await page.goto("/customers");
    await search.fill("nobody-by-this-name");
    await search.press("Enter");
    await page.getByText("No customer matches “nobody-by-this-name”").waitFor();
    expect(new URL(page.url()).pathname).toBe("/customers");
  }, 120_000);
});
