import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { DEMO } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";

describeBrowser("the web shell in Chromium", () => {
  const h = useBrowserApp();

  it("signs in as admin, shows the shell and the staff page, signs out", async () => {
    const page = await h().newPage();
    await page.goto("/");
    // Signed out: the app sends us to the sign-in page.
    await page.getByRole("button", { name: "Sign in" }).waitFor();
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
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(page.url()).toContain("/login");
    // The session is gone on the server too: the API says 401.
    const me = await page.request.get("/api/auth/me");
    expect(me.status()).toBe(401);
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
    await page.getByRole("button", { name: "Sign in" }).waitFor();
  }, 120_000);

  it("returns to the sign-in page when a request answers 401 mid-session", async () => {
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    // The session ends on the server (expiry, deactivation, an admin's reset) while the page is open.
    await h().testApp.database.handle.db.execute(sql`delete from sessions`);
    // Opening a page makes a request that answers 401. (A background refresh of the page on screen
    // may get there first and remove the link: either way the app must end up at sign-in.)
    await page
      .getByRole("navigation", { name: "Main navigation" })
      .getByRole("link", { name: "Settings" })
      .click({ timeout: 20_000 })
      .catch(() => {});
    await page.getByRole("button", { name: "Sign in" }).waitFor({ timeout: 30_000 });
    expect(page.url()).toContain("/login");
    // Signing in again returns to where the person was: the settings page, or the dashboard when
    // its background refresh met the 401 before the click did.
    const next = new URL(page.url()).searchParams.get("next") ?? "/";
    expect(["/", "/settings"]).toContain(next.replace(/\/staff$/, ""));
    await page.getByLabel("Email").fill(DEMO.admin.email);
    await page.getByLabel(/^Password/).fill(DEMO.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
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
});
