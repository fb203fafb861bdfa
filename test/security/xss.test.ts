import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { DEMO, type Session, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserAppWithTwilio } from "../support/browser.js";
import { uniquePhone } from "../support/factories/customers.js";
import { STAND_IN_FROM, signedWebhook } from "../support/twilio-stand-in.js";

/**
 * Stored XSS: hostile text in every free-text field, rendered in Chromium on every page that
 * shows it, as an admin and as a technician. A payload that ran would call window.__xss (an
 * exposed binding that records the call); one that was parsed as markup shows up as an element
 * in the DOM even where the CSP stopped it from running; one that became a link shows up as a
 * javascript: URL.
 */
const PAYLOADS = [
  `<img src=x onerror=window.__xss(1)>`,
  `<script>window.__xss(2)</script>`,
  `"><svg onload=window.__xss(3)>`,
  `javascript:window.__xss(4)`,
  `{{constructor.constructor('window.__xss(5)')()}}`,
  `JaVaScRiPt:window.__xss(6)`,
  `<a href="javascript:window.__xss(7)">link</a>`,
  `<iframe srcdoc="<script>parent.__xss(8)</script>"></iframe>`,
] as const;
/** Postal codes hold 20 characters: the shortest working payloads. */
const SHORT_PAYLOADS = ["<svg onload=__xss()>", "javascript:__xss(9)"] as const;

type Seeded = {
  customers: { id: string; name: string; payload: string }[];
  tickets: { id: string; subject: string; payload: string }[];
  /** Text each kind of page must show verbatim. */
  texts: Record<string, string[]>;
  refused: string[];
};

async function ok<T = { id: string } & Record<string, unknown>>(
  response: Promise<{ statusCode: number; body: string; json: () => unknown }>,
  what: string,
): Promise<T> {
  const res = await response;
  if (res.statusCode >= 300) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

/** What the page shows and holds: text (with form values), markup a payload made, every URL. */
function pageState(page: Page) {
  return page.evaluate(() => {
    const values = [...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input, textarea")].map(
      (field) => field.value,
    );
    const injected = [
      ...document.querySelectorAll(
        "img[src='x'], svg[onload], iframe, script:not([src]), [onerror], [onload], [onclick], [onmouseover], [onfocus], [srcdoc]",
      ),
    ].map((element) => element.outerHTML.slice(0, 200));
    const urls: string[] = [];
    for (const element of document.querySelectorAll("[href], [src], [action], [formaction], [xlink\\:href], [data]")) {
      for (const name of ["href", "src", "action", "formaction", "xlink:href", "data"]) {
        const value = element.getAttribute(name);
        if (value !== null) urls.push(value);
      }
    }
    const protocols = [...document.querySelectorAll("a[href], area[href]")].map(
      (a) => (a as HTMLAnchorElement).protocol,
    );
    // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered is what a person reads
    return { text: `${document.body.innerText}\n${values.join("\n")}`, injected, urls, protocols };
  });
}

/** URLs that would run script. Browsers ignore whitespace and control characters inside a scheme: so does this. */
const scriptUrls = (urls: string[]) =>
  urls.filter((url) => /^(javascript|vbscript|data):/.test(url.replace(/[\s\p{Cc}]/gu, "").toLowerCase()));

describeBrowser("stored XSS in Chromium", () => {
  const { h } = useBrowserAppWithTwilio();
  let seeded: Seeded;

  beforeAll(async () => {
    const app = h().testApp.app;
    const admin = await signIn(app, DEMO.admin);
    const john = await signIn(app, DEMO.john);
    seeded = await seedPayloads(app, admin, john);
  }, 120_000);

  async function seedPayloads(
    app: ReturnType<typeof h>["testApp"]["app"],
    admin: Session,
    john: Session,
  ): Promise<Seeded> {
    const refused: string[] = [];
    const texts: Record<string, string[]> = {
      customer: [],
      ticket: [],
      lists: [],
      sms: [],
      staff: [],
      plans: [],
      sites: [],
      templates: [],
    };
    // Templates first, so every SMS the app writes afterwards carries the payloads too.
    const templateBody = `Hi {{customer.name}} about {{ticket.subject}}: TPL ${PAYLOADS.join(" ")}`;
    for (const purpose of ["ticket_created", "ticket_assigned", "ticket_status", "manual"]) {
      const response = await admin.put(`/api/sms/templates/${purpose}`, { body: templateBody });
      if (response.statusCode === 200) texts.templates?.push(templateBody);
      else refused.push(`template ${purpose}: ${response.statusCode}`);
    }
    expect(texts.templates?.length, `templates: ${refused.join("; ")}`).toBe(4);

    const customers: Seeded["customers"] = [];
    const tickets: Seeded["tickets"] = [];
    for (const [index, payload] of PAYLOADS.entries()) {
      const n = index + 1;
      const plan = await ok(
        admin.post("/api/service-plans", {
          name: `Plan${n} ${payload}`,
          downloadMbps: 100,
          uploadMbps: 10,
          monthlyPrice: 30,
        }),
        "plan",
      );
      const site = await ok(
        admin.post("/api/sites", {
          name: `Site${n} ${payload}`,
          kind: "tower",
          address: `SiteAddress${n} ${payload}`,
          notes: `SiteNotes${n} ${payload}`,
        }),
        "site",
      );
      texts.plans?.push(`Plan${n} ${payload}`);
      texts.sites?.push(`Site${n} ${payload}`, `SiteAddress${n} ${payload}`);
      const staff = await ok(
        admin.post("/api/users", {
          name: `Staff${n} ${payload}`,
          email: `staff${n}-${process.pid}@isp.com`,
          role: "technician",
          password: "staff-password-123",
        }),
        "staff",
      );
      texts.staff?.push(`Staff${n} ${payload}`);
      const customer = await ok(
        admin.post("/api/customers", {
          name: `Payload N${n} ${payload}`,
          phone: uniquePhone(),
          street: `Street${n} ${payload}`,
          city: `City${n} ${payload}`,
          region: `Region${n} ${payload}`,
          postalCode: SHORT_PAYLOADS[n % 2],
          cpeModel: `Model${n} ${payload}`,
          cpeSerial: `Serial${n} ${payload}`,
          notes: `Notes${n} ${payload}\n${PAYLOADS.join("\n")}`,
          servicePlanId: plan.id,
          siteId: site.id,
        }),
        "customer",
      );
      customers.push({ id: customer.id, name: customer.name as string, payload });
      const ticket = await ok(
        john.post("/api/tickets", {
          customerId: customer.id,
          subject: `Subject${n} ${payload}`,
          description: `Description${n} ${payload}\n${PAYLOADS.join("\n")}`,
          assigneeId: staff.id,
        }),
        "ticket",
      );
      tickets.push({ id: ticket.id, subject: ticket.subject as string, payload });
      await ok(
        john.post(`/api/tickets/${ticket.id}/comments`, { body: `Internal${n} ${payload}`, visibility: "internal" }),
        "internal comment",
      );
      await ok(
        john.post(`/api/tickets/${ticket.id}/comments`, { body: `Public${n} ${payload}`, visibility: "public" }),
        "public comment",
      );
      await ok(john.post("/api/sms", { ticketId: ticket.id, body: `Manual${n} ${payload}` }), "manual SMS");
      const inbound = await app.inject(
        signedWebhook("/webhooks/twilio/inbound", {
          MessageSid: `SM${process.pid}${n}`.padEnd(34, "0"),
          From: customer.phone as string,
          To: STAND_IN_FROM,
          Body: `Inbound${n} ${payload}`,
        }),
      );
      expect(inbound.statusCode, inbound.body).toBe(200);
      texts.customer?.push(
        `Payload N${n} ${payload}`,
        `Street${n} ${payload}`,
        `City${n} ${payload}`,
        `Model${n} ${payload}`,
        `Serial${n} ${payload}`,
        `Notes${n} ${payload}`,
      );
      texts.ticket?.push(
        `Subject${n} ${payload}`,
        `Internal${n} ${payload}`,
        `Public${n} ${payload}`,
        `Inbound${n} ${payload}`,
      );
      texts.sms?.push(`Manual${n} ${payload}`, `Inbound${n} ${payload}`);
    }
    // A text from an unknown sender opens a ticket named after the sender: Twilio signs whatever From it sends.
    const stranger = await app.inject(
      signedWebhook("/webhooks/twilio/inbound", {
        MessageSid: `SM${process.pid}99`.padEnd(34, "0"),
        From: PAYLOADS[0],
        To: STAND_IN_FROM,
        Body: `Stranger ${PAYLOADS[2]}`,
      }),
    );
    expect(stranger.statusCode, stranger.body).toBe(200);

    // Staff names through both doors: an admin renaming Jane, John renaming himself.
    await ok(
      admin.patch(`/api/users/${(await signIn(app, DEMO.jane)).user.id}`, { name: `Jane ${PAYLOADS[2]}` }),
      "rename Jane",
    );
    await ok(john.patch("/api/users/me", { name: `John ${PAYLOADS[0]}` }), "rename John");

    // Fields with a format refuse the payloads outright, which is as good as escaping them.
    for (const [field, value] of [
      ["email", `"><svg onload=window.__xss(3)>@example.com`],
      ["email", `javascript:window.__xss(4)`],
      ["phone", PAYLOADS[0]],
      ["ipAddress", PAYLOADS[0]],
      ["macAddress", PAYLOADS[1]],
      ["country", "<b"],
      ["installDate", PAYLOADS[3]],
    ] as const) {
      const response = await admin.post("/api/customers", { name: "Refused", [field]: value });
      expect(response.statusCode, `${field}=${value}`).toBe(422);
      refused.push(field);
    }
    return { customers, tickets, texts, refused };
  }

  /** A page that records every call of window.__xss and every dialog. */
  async function watchedPage(
    role: "admin" | "technician",
  ): Promise<{ page: Page; calls: unknown[]; dialogs: string[] }> {
    const page = await h().newPage();
    page.setDefaultTimeout(30_000);
    const calls: unknown[] = [];
    const dialogs: string[] = [];
    await page.exposeBinding("__xss", (_source, value: unknown) => {
      calls.push(value ?? "called");
    });
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const who = role === "admin" ? DEMO.admin : DEMO.john;
    await signInThroughUi(page, who.email, who.password);
    return { page, calls, dialogs };
  }

  /**
   * Nothing ran, nothing was parsed as markup, no URL is javascript:, and the expected payloads
   * are on the page as plain text (or as the value of a form field).
   */
  async function expectInert(
    watched: { page: Page; calls: unknown[]; dialogs: string[] },
    where: string,
    expected: readonly string[],
  ) {
    const { page } = watched;
    // Let late queries (timeline, SMS history, counts) render before judging.
    await page.waitForLoadState("networkidle").catch(() => {});
    const state = await pageState(page);
    expect(watched.calls, `${where}: window.__xss was called`).toEqual([]);
    expect(watched.dialogs, `${where}: a dialog opened`).toEqual([]);
    expect(state.injected, `${where}: payload parsed as markup`).toEqual([]);
    expect(scriptUrls(state.urls), `${where}: a script URL`).toEqual([]);
    expect(
      state.protocols.filter((protocol) => protocol === "javascript:"),
      `${where}: a javascript: link`,
    ).toEqual([]);
    for (const text of expected) {
      expect(state.text.includes(text), `${where} should show ${JSON.stringify(text)} as text`).toBe(true);
    }
  }

  async function visit(page: Page, url: string, waitForText: string) {
    await page.goto(url);
    await page.getByText(waitForText).first().waitFor();
  }

  for (const role of ["admin", "technician"] as const) {
    it(`${role}: the dashboard, customer list, ticket queue, SMS log, new-ticket picker and profile show the payloads as text`, async () => {
      const watched = await watchedPage(role);
      const { page } = watched;
      const subjects = seeded.tickets.map((ticket) => ticket.subject);
      const names = seeded.customers.map((customer) => customer.name);

      await visit(page, "/", "Recent activity");
      await expectInert(watched, `${role} dashboard`, []);

      await visit(page, "/customers", names[0] ?? "");
      await expectInert(watched, `${role} customer list`, names);

      await visit(page, "/customers?q=Payload", names[0] ?? "");
      await expectInert(watched, `${role} customer search`, names);

      await visit(page, "/tickets?view=all", subjects[0] ?? "");
      await expectInert(watched, `${role} ticket queue`, [...subjects, `SMS from ${PAYLOADS[0]}`]);

      await visit(page, "/sms", seeded.texts.sms?.[0] ?? "");
      await expectInert(watched, `${role} SMS log`, seeded.texts.sms ?? []);

      await visit(page, `/tickets/new?customerId=${seeded.customers[0]?.id}`, "New ticket");
      await page.getByPlaceholder("Name, account, phone or address").fill("Payload");
      await page.getByRole("option", { name: names[1] }).waitFor();
      await expectInert(watched, `${role} new-ticket customer picker`, names.slice(1));

      await visit(page, "/profile", role === "admin" ? "Admin" : "John");
      await expectInert(watched, `${role} profile`, role === "technician" ? [`John ${PAYLOADS[0]}`] : []);
    }, 120_000);

    it(`${role}: every customer page and every ticket page (timeline, comments, SMS) shows the payloads as text`, async () => {
      const watched = await watchedPage(role);
      const { page } = watched;
      for (const [index, customer] of seeded.customers.entries()) {
        const n = index + 1;
        await visit(page, `/customers/${customer.id}`, customer.name);
        await expectInert(watched, `${role} customer page ${n}`, [
          customer.name,
          `Street${n} ${customer.payload}`,
          `City${n} ${customer.payload}`,
          `Model${n} ${customer.payload}`,
          `Serial${n} ${customer.payload}`,
          `Notes${n} ${customer.payload}`,
          `Subject${n} ${customer.payload}`,
          `Inbound${n} ${customer.payload}`,
        ]);
      }
      for (const [index, ticket] of seeded.tickets.entries()) {
        const n = index + 1;
        await visit(page, `/tickets/${ticket.id}`, ticket.subject);
        await expectInert(watched, `${role} ticket page ${n}`, [
          ticket.subject,
          `Description${n} ${ticket.payload}`,
          `Internal${n} ${ticket.payload}`,
          `Public${n} ${ticket.payload}`,
          `Inbound${n} ${ticket.payload}`,
          `Payload N${n} ${ticket.payload}`,
        ]);
      }
    }, 180_000);
  }

  it("admin: the settings pages (staff, plans, sites, SLA, SMS templates) show the payloads as text", async () => {
    const watched = await watchedPage("admin");
    const { page } = watched;
    const pages: [string, string[]][] = [
      ["/settings/staff", [...(seeded.texts.staff ?? []), `Jane ${PAYLOADS[2]}`, `John ${PAYLOADS[0]}`]],
      ["/settings/plans", seeded.texts.plans ?? []],
      ["/settings/sites", seeded.texts.sites ?? []],
      ["/settings/sla", []],
      ["/settings/sms-templates", seeded.texts.templates?.slice(0, 1) ?? []],
    ];
    for (const [url, texts] of pages) {
      await visit(page, url, "Settings");
      if (texts[0])
        await page
          .getByText(texts[0])
          .first()
          .waitFor()
          .catch(() => {});
      await expectInert(watched, `admin ${url}`, texts);
    }
  }, 120_000);

  it("technician: the settings pages refuse, and render nothing stored", async () => {
    const watched = await watchedPage("technician");
    for (const url of ["/settings/staff", "/settings/sms-templates"]) {
      await visit(watched.page, url, "Admins only");
      await expectInert(watched, `technician ${url}`, []);
    }
  }, 60_000);

  it("admin: a CSV file full of payloads (headers, cells, errors) is previewed, checked and imported as text", async () => {
    const watched = await watchedPage("admin");
    const { page } = watched;
    const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
    const header = ["name", "phone", "street", "notes", PAYLOADS[0], PAYLOADS[6]].map(quote).join(",");
    const rows = PAYLOADS.map((payload, index) =>
      [`Csv${index + 1} ${payload}`, uniquePhone(), `CsvStreet ${payload}`, `CsvNotes ${payload}`, payload, payload]
        .map(quote)
        .join(","),
    );
    // One bad row: its error message must be shown as text too.
    const badRow = [`CsvBad ${PAYLOADS[1]}`, PAYLOADS[0], "", "", "", ""].map(quote).join(",");
    const file = (lines: string[]) => ({
      name: "payloads.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(`${[header, ...lines].join("\n")}\n`),
    });

    await visit(page, "/customers", "Customers");
    await page
      .getByRole("button", { name: /Import/ })
      .first()
      .click();
    const dialog = page.getByRole("dialog", { name: "Import customers from CSV" });
    await dialog.waitFor();
    await dialog.locator('input[type="file"]').setInputFiles(file([...rows, badRow]));
    await dialog.getByText(`Csv1 ${PAYLOADS[0]}`).waitFor();
    await expectInert(watched, "import preview", [
      `Csv1 ${PAYLOADS[0]}`,
      `CsvStreet ${PAYLOADS[1]}`,
      `Column “${PAYLOADS[0]}”`,
    ]);
    await dialog.getByRole("button", { name: "Check rows" }).click();
    await dialog.getByText(/problems: nothing was imported/).waitFor();
    await expectInert(watched, "import errors", []);

    await dialog.locator('input[type="file"]').setInputFiles(file(rows));
    await dialog.getByText(`Csv1 ${PAYLOADS[0]}`).waitFor();
    await dialog.getByRole("button", { name: "Check rows" }).click();
    await dialog.getByRole("button", { name: /^Import \d+ rows$/ }).click();
    await dialog.waitFor({ state: "detached" });
    await visit(page, "/customers?q=Csv", `Csv1 ${PAYLOADS[0]}`);
    await expectInert(
      watched,
      "customer list after import",
      PAYLOADS.map((payload, index) => `Csv${index + 1} ${payload}`),
    );
  }, 120_000);

  it("notices a payload that did get through: markup, a javascript: link, a call (the checks can fail)", async () => {
    const watched = await watchedPage("admin");
    await visit(watched.page, "/customers", seeded.customers[0]?.name ?? "");
    await watched.page.evaluate(() => {
      // What a page that rendered stored text as HTML would end up with.
      const broken = document.createElement("div");
      broken.innerHTML = '<img src=x onerror=window.__xss(1)><a href=" JaVa\tScRiPt:window.__xss(2)">x</a>';
      document.body.appendChild(broken);
      void (window as unknown as { __xss: (value: string) => Promise<void> }).__xss("probe");
    });
    const state = await pageState(watched.page);
    expect(state.injected.some((html) => html.startsWith("<img"))).toBe(true);
    expect(scriptUrls(state.urls)).toHaveLength(1);
    expect(state.protocols).toContain("javascript:");
    await expect.poll(() => watched.calls).toContain("probe");
  }, 60_000);

  // Code Playwright evaluates arrives over DevTools, which CSP exempts from its eval rule: the
  // absence of 'unsafe-eval' is checked on the header itself (attack-http.test.ts).
  it("blocks inline script, inline event handlers and javascript: navigation through the CSP", async () => {
    const watched = await watchedPage("admin");
    const { page } = watched;
    await visit(page, `/tickets/${seeded.tickets[0]?.id}`, seeded.tickets[0]?.subject ?? "");
    const outcome = await page.evaluate(async () => {
      const violations: { directive: string; blocked: string }[] = [];
      document.addEventListener("securitypolicyviolation", (event) => {
        violations.push({ directive: event.effectiveDirective, blocked: event.blockedURI });
      });
      const flags = window as unknown as Record<string, unknown>;
      flags.inlineRan = false;
      flags.handlerRan = false;
      flags.linkRan = false;
      const script = document.createElement("script");
      script.textContent = "window.inlineRan = true";
      document.body.appendChild(script);

      const button = document.createElement("button");
      button.setAttribute("onclick", "window.handlerRan = true");
      document.body.appendChild(button);
      button.click();

      const link = document.createElement("a");
      link.setAttribute("href", "javascript:window.linkRan = true");
      document.body.appendChild(link);
      link.click();

      await new Promise((resolve) => setTimeout(resolve, 300));
      return {
        inlineRan: flags.inlineRan,
        handlerRan: flags.handlerRan,
        linkRan: flags.linkRan,
        violations,
      };
    });
    expect(outcome.inlineRan).toBe(false);
    expect(outcome.handlerRan).toBe(false);
    expect(outcome.linkRan).toBe(false);
    const directives = outcome.violations.map((violation) => violation.directive);
    expect(directives).toContain("script-src-elem");
    expect(directives).toContain("script-src-attr");
    expect(
      directives.filter((directive) => directive === "script-src" || directive === "script-src-elem").length,
    ).toBeGreaterThanOrEqual(2);
    expect(outcome.violations.every((violation) => ["inline", "eval"].includes(violation.blocked))).toBe(true);
    expect(watched.calls).toEqual([]);
  }, 60_000);
});
