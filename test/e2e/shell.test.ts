import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { endUserSessions } from "../../src/server/auth/sessions.service.js";
import { users } from "../../src/server/db/schema/index.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";

/** What has focus: its tag, its text and whether it is inside <main>. */
function focused(page: Page) {
  return page.evaluate(() => {
    const active = document.activeElement;
    return {
      tag: active?.tagName.toLowerCase() ?? "",
      text: active?.textContent?.trim() ?? "",
      role: active?.getAttribute("role") ?? "",
      inMain: Boolean(active?.closest("main")),
    };
  });
}

/** Waits until the page's h1 says `text` and has focus (it may come after its data). */
async function headingFocused(page: Page, text: string) {
  await page.waitForFunction(
    (want) => document.activeElement?.tagName === "H1" && document.activeElement.textContent?.trim() === want,
    text,
  );
  expect(await page.locator("h1").count()).toBe(1);
}

const titled = (page: Page, title: string) =>
  page.waitForFunction((want) => document.title === want, title).then(() => page.title());

describeBrowser("the web shell in Chromium", () => {
  const h = useBrowserApp();

  it("signs in as admin, shows the shell and the staff page, signs out", async () => {
    const page = await h().newPage();
    await page.goto("/");
    // Signed out: the app sends us to the sign-in page.
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
    expect(page.url()).toContain("/login");

    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    const nav = page.getByRole("navigation", { name: "Main navigation" });
    for (const label of ["Dashboard", "Customers", "Tickets", "SMS log", "Settings"]) {
      await nav.getByRole("link", { name: label }).waitFor();
    }
    await page.getByText("Demo accounts still use their published passwords").waitFor();

    await nav.getByRole("link", { name: "Settings" }).click();
    expect(await page.getByRole("tab", { name: "Staff" }).getAttribute("aria-selected")).toBe("true");
    await page.getByRole("cell", { name: "john@isp.com" }).waitFor();
    await page.getByRole("cell", { name: "jane@isp.com" }).waitFor();

    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
    expect(page.url()).toContain("/login");
    // The session is gone on the server too: the API says 401.
    const me = await page.request.get("/api/auth/me");
    expect(me.status()).toBe(401);
  }, 120_000);

  it("draws the header bar from the HTML before the code arrives, and the app replaces it", async () => {
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.getByRole("navigation", { name: "Main navigation" }).waitFor({ state: "attached" });

    // The app's code never arrives (a phone on a bad network, seconds): the frame shows anyway.
    await page.route("**/assets/*.js", (route) => route.abort());
    await page.goto("/tickets");
    await page.getByText("Loading…").waitFor();
    expect(await page.getByRole("banner").textContent()).toBe("Uplink");
    const header = await page.getByRole("banner").boundingBox();
    expect(header?.height).toBe(56);

    // With its code, the app draws its own header and page in the frame's place.
    await page.unroute("**/assets/*.js");
    await page.goto("/tickets");
    await page.getByRole("heading", { name: "Tickets", exact: true }).waitFor();
    expect(await page.locator(".uplink-shell-header").count()).toBe(0);
    expect(await page.getByText("Loading…").count()).toBe(0);
  }, 120_000);

  it("loaded directly, a signed-in page waits for its stylesheets and applies them in the app's order", async () => {
    const { app } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    await makeTicket(admin, { subject: "Styled like any other" });
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.getByRole("navigation", { name: "Main navigation" }).waitFor({ state: "attached" });

    // The app's stylesheet is slow (a phone's network): the frame shows, the app does not draw
    // unstyled meanwhile (its code waits for the stylesheet), and draws once it has arrived.
    let released = false;
    await page.route("**/assets/index-*.css", async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      released = true;
      await route.continue();
    });
    await page.goto("/tickets", { waitUntil: "commit" });
    await page.getByText("Loading…").waitFor();
    await page.waitForTimeout(1_000);
    expect(released).toBe(false);
    expect(await page.getByRole("heading", { name: "Tickets", exact: true }).count()).toBe(0);
    await page.getByRole("heading", { name: "Tickets", exact: true }).waitFor();
    expect(released).toBe(true);

    // The pages' styles come after the app's, as when reached by navigation: a ticket's card is a
    // Card (display: flex), not the Paper it is built on (display: block), which would win if the
    // order were the other way round.
    const sheets = await page.evaluate(() =>
      [...document.styleSheets].map((sheet) => (sheet.href ? new URL(sheet.href).pathname : "")).filter(Boolean),
    );
    const appStyles = sheets.findIndex((href) => /\/assets\/index-[^/]+\.css$/.test(href));
    const pageStyles = sheets.findIndex((href) => /\/assets\/page-styles-[^/]+\.css$/.test(href));
    expect(appStyles).toBeGreaterThanOrEqual(0);
    expect(pageStyles).toBeGreaterThan(appStyles);
    expect(sheets.filter((href) => href.includes("/page-styles-")).length).toBe(1);
    const card = page.locator(".mantine-Card-root").filter({ hasText: "Styled like any other" });
    expect(await card.evaluate((element) => getComputedStyle(element).display)).toBe("flex");
  }, 120_000);

  it("shows technicians no Settings link", async () => {
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    const nav = page.getByRole("navigation", { name: "Main navigation" });
    await nav.getByRole("link", { name: "Tickets" }).waitFor();
    expect(await nav.getByRole("link", { name: "Settings" }).count()).toBe(0);
  }, 120_000);

  it("creates a staff member and deactivates it after confirmation", async () => {
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Settings" }).click();
    await page.getByRole("cell", { name: "john@isp.com" }).waitFor();

    await page.getByRole("button", { name: "Add staff member" }).click();
    const form = page.getByRole("dialog", { name: "Add staff member" });
    await form.getByLabel("Name").fill("Priya Field");
    await form.getByLabel("Email").fill("priya@isp.com");
    await form.getByLabel("Mobile phone").fill("(415) 555-2671");
    await form.getByLabel("Initial password").fill("short");
    await form.getByRole("button", { name: "Create account" }).click();
    // The form says what is wrong before anything is sent.
    await form.getByText("Password must be at least 10 characters").waitFor();
    await form.getByLabel("Initial password").fill("priya-first-password");
    await form.getByRole("button", { name: "Create account" }).click();
    await form.waitFor({ state: "detached" });
    const row = page.getByRole("row", { name: /priya@isp\.com/ });
    await row.getByRole("cell", { name: "(415) 555-2671" }).waitFor();
    expect(await row.getByText("active", { exact: true }).count()).toBe(1);

    await page.getByRole("button", { name: "Deactivate Priya Field" }).click();
    const confirm = page.getByRole("dialog", { name: "Deactivate Priya Field?" });
    // Cancel leaves it alone.
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
    expect(await row.getByText("deactivated").count()).toBe(0);
    await page.getByRole("button", { name: "Deactivate Priya Field" }).click();
    await confirm.getByRole("button", { name: "Deactivate" }).click();
    await row.getByText("deactivated").waitFor();
    const response = await page.request.post("/api/auth/login", {
      data: { email: "priya@isp.com", password: "priya-first-password" },
    });
    expect(response.status()).toBe(401);

    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
  }, 120_000);

  it("returns to the sign-in page when a request answers 401 mid-session", async () => {
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    // The session ends on the server (an admin's reset here; expiry or deactivation alike) while the
    // page is open. Through the service that ends sessions, as the app does: a bare delete would
    // leave the session in the app's 5 s session cache.
    const db = h().testApp.database.handle.db;
    const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.email, DEMO.admin.email));
    if (!admin) throw new Error("no demo admin");
    await endUserSessions(db, admin.id);
    // Opening a page makes a request that answers 401. (A background refresh of the page on screen
    // may get there first and remove the link: either way the app must end up at sign-in.)
    await page
      .getByRole("navigation", { name: "Main navigation" })
      .getByRole("link", { name: "Settings" })
      .click({ timeout: 20_000 })
      .catch(() => {});
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor({ timeout: 30_000 });
    expect(page.url()).toContain("/login");
    // Signing in again returns to where the person was: the settings page, or the dashboard when
    // its background refresh met the 401 before the click did.
    const next = new URL(page.url()).searchParams.get("next") ?? "/";
    expect(["/", "/settings"]).toContain(next.replace(/\/staff$/, ""));
    await page.getByLabel("Email").fill(DEMO.admin.email);
    await page.getByLabel(/^Password/).fill(DEMO.admin.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    if (next.startsWith("/settings")) await page.getByRole("tab", { name: "Staff" }).waitFor();
    else await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    expect(new URL(page.url()).pathname.startsWith(next)).toBe(true);
  }, 120_000);

  it("uses a burger menu for navigation on a phone-sized screen", async () => {
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    const burger = page.getByRole("button", { name: "Toggle navigation" });
    await burger.waitFor();
    const nav = page.getByRole("navigation", { name: "Main navigation" });
    const tickets = nav.getByRole("link", { name: "Tickets" });
    // Collapsed, the navigation sits off-screen to the left; open, it slides in.
    const navIsOnScreen = (want: boolean) =>
      page.waitForFunction((onScreen) => {
        const element = document.querySelector('nav[aria-label="Main navigation"]');
        const right = element?.getBoundingClientRect().right ?? 0;
        return onScreen ? right > 100 : right <= 0;
      }, want);
    await navIsOnScreen(false);
    await burger.click();
    await navIsOnScreen(true);
    await tickets.click();
    await page.waitForURL(/\/tickets$/);
    // Choosing a page closes the menu again.
    await navIsOnScreen(false);
    // Nothing overflows sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  }, 120_000);

  it("switches between light and dark theme", async () => {
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.jane.email, DEMO.jane.password);
    const scheme = () => page.evaluate(() => document.documentElement.getAttribute("data-mantine-color-scheme"));
    const before = await scheme();
    const next = before === "dark" ? "light" : "dark";
    await page.getByRole("button", { name: `Switch to ${next} theme` }).click();
    await page.waitForFunction(
      (want) => document.documentElement.getAttribute("data-mantine-color-scheme") === want,
      next,
    );
    expect(await scheme()).toBe(next);
  }, 120_000);

  it("names every page in the title, moves focus to its heading after navigation, and skips to content", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const customer = await makeCustomer(admin, { name: "Lars Mills" });
    const ticket = await makeTicket(admin, { customerId: customer.id, subject: "Cannot connect" });
    const page = await h().newPage();
    await page.goto("/login");
    expect(await titled(page, "Sign in · Uplink")).toBe("Sign in · Uplink");
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await titled(page, "Dashboard · Uplink");
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    expect(await page.locator("h1").count()).toBe(1);

    // A fresh page load: the first Tab reaches "Skip to content", shown while focused; it moves
    // focus to <main>, so the next Tab lands in the page, not in the header or the navigation.
    await page.goto("/tickets");
    await page.getByRole("heading", { level: 1, name: "Tickets" }).waitFor();
    await titled(page, "Tickets · Uplink");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatchObject({ tag: "a", text: "Skip to content" });
    const skipBox = await page.getByRole("link", { name: "Skip to content" }).boundingBox();
    expect(skipBox?.width ?? 0).toBeGreaterThan(50);
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    expect(new URL(page.url()).pathname).toBe("/tickets");
    await page.keyboard.press("Tab");
    expect((await focused(page)).inMain).toBe(true);
    // Once focus has left it, the skip link is out of sight again.
    expect((await page.getByRole("link", { name: "Skip to content" }).boundingBox())?.width ?? 0).toBeLessThanOrEqual(
      1,
    );

    // In-app navigation: focus moves to the new page's h1 (after its data, for a record).
    const nav = page.getByRole("navigation", { name: "Main navigation" });
    await nav.getByRole("link", { name: "SMS log" }).click();
    await headingFocused(page, "SMS log");
    await titled(page, "SMS log · Uplink");
    expect(await nav.getByRole("link", { name: "SMS log" }).getAttribute("aria-current")).toBe("page");

    await nav.getByRole("link", { name: "Tickets" }).click();
    await headingFocused(page, "Tickets");
    await page.getByRole("link", { name: "Cannot connect" }).first().click();
    await headingFocused(page, "Cannot connect");
    await titled(page, `${ticket.number} Cannot connect · Uplink`);

    await page.getByRole("link", { name: "Lars Mills" }).first().click();
    await headingFocused(page, "Lars Mills");
    await titled(page, "Lars Mills · Uplink");

    // The settings tabs are in the path, yet a tab switch keeps focus on the tab.
    await nav.getByRole("link", { name: "Settings" }).click();
    await headingFocused(page, "Settings");
    await titled(page, "Staff · Settings · Uplink");
    await page.getByRole("tab", { name: "Service plans" }).click();
    await titled(page, "Service plans · Settings · Uplink");
    expect(await focused(page)).toMatchObject({ role: "tab", text: "Service plans" });

    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Profile and password" }).click();
    await headingFocused(page, "Your account");
    await titled(page, "Your account · Uplink");

    await page.goto("/no-such-page");
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    await titled(page, "Page not found · Uplink");
  }, 120_000);

  it("follows the system's colour scheme until someone picks one in the account menu, and remembers the choice", async () => {
    const context = await h().browser.newContext({ baseURL: h().baseUrl, colorScheme: "dark" });
    try {
      const page = await context.newPage();
      const scheme = () => page.evaluate(() => document.documentElement.getAttribute("data-mantine-color-scheme"));
      await signInThroughUi(page, DEMO.jane.email, DEMO.jane.password);
      expect(await scheme()).toBe("dark");
      const choose = async (name: string) => {
        await page.getByRole("button", { name: "Account menu" }).click();
        await page.getByRole("menuitem", { name, exact: true }).click();
      };
      await choose("Light");
      expect(await scheme()).toBe("light");
      await page.reload();
      await page.getByRole("button", { name: "Account menu" }).waitFor();
      expect(await scheme()).toBe("light");
      await page.getByRole("button", { name: "Account menu" }).click();
      await page.getByRole("menuitem", { name: "Light (chosen)" }).waitFor();
      expect(await page.getByRole("menuitem", { name: "Dark", exact: true }).count()).toBe(1);
      await page.keyboard.press("Escape");
      await choose("Match the system");
      expect(await scheme()).toBe("dark");
    } finally {
      await context.close();
    }
  }, 120_000);
});
