import { sql } from "drizzle-orm";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { issueSetupToken } from "../../src/server/auth/setup.service.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, makeTechnician, signInAs } from "../support/factories/users.js";

const ADMIN = { name: "Olga Owner", email: "olga@fiber.example", password: "first-admin-pass" };

async function choose(page: Page, label: string, option: string) {
  await page.getByRole("combobox", { name: label, exact: true }).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

describeBrowser("first run and roles in Chromium", () => {
  const h = useBrowserApp();
  const newPage = async () => {
    const page = await h().newPage();
    page.setDefaultTimeout(20_000);
    return page;
  };

  /**
   * An admin of the test's own, signed in through the API and in a page. Made by whichever admin
   * the app has: the demo admin, or the owner the first-run test created after removing all staff.
   */
  const ownAdmin = async (name: string) => {
    const { app } = h().testApp;
    const existing = await signIn(app, DEMO.admin).catch(() =>
      signIn(app, { email: ADMIN.email, password: ADMIN.password }),
    );
    const account = await makeStaff(existing, { role: "admin", name });
    const admin = await signInAs(app, account);
    const page = await newPage();
    await signInThroughUi(page, account.email, account.password);
    return { admin, page };
  };

  it("goes from an empty database to a signed-in admin through the one-time setup link", async () => {
    const db = h().testApp.database.handle.db;
    // A first start with SEED_DEMO_USERS=false: no staff at all, and the log's link.
    await db.execute(sql`delete from users`);
    const token = await issueSetupToken(db, h().testApp.clock);
    if (!token) throw new Error("no setup token issued");

    const page = await newPage();
    await page.goto("/login");
    await page.getByText("No staff account yet").waitFor();
    await page.getByText(/setup link printed in the server log/).waitFor();

    // A mistyped link says so, in the form.
    await page.goto("/setup?token=not-the-token");
    await page.getByLabel("Your name").fill(ADMIN.name);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel(/^Password/).fill(ADMIN.password);
    await page.getByLabel("Same password again").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create admin and sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "This setup link is not valid" }).waitFor();

    await page.goto(`/setup?token=${encodeURIComponent(token)}`);
    await page.getByLabel("Your name").fill(ADMIN.name);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel(/^Password/).fill("short");
    await page.getByLabel("Same password again").fill("short");
    await page.getByRole("button", { name: "Create admin and sign in" }).click();
    await page.getByText("Password must be at least 10 characters").waitFor();
    await page.getByLabel(/^Password/).fill(ADMIN.password);
    await page.getByLabel("Same password again").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create admin and sign in" }).click();

    // Signed in, on the dashboard, as an admin (Settings is theirs).
    await page.getByRole("button", { name: "Account menu" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    await page.getByRole("link", { name: "Settings" }).waitFor();

    // The link is dead now, for anyone.
    const other = await newPage();
    await other.goto(`/setup?token=${encodeURIComponent(token)}`);
    await other.getByText("Uplink is already set up").waitFor();
    await other.goto("/login");
    await other.getByRole("button", { name: "Sign in", exact: true }).waitFor();
    expect(await other.getByText("No staff account yet").count()).toBe(0);
    await signIn(h().testApp.app, { email: ADMIN.email, password: ADMIN.password });
  });

  it("takes a ticket with “Assign to me” on the ticket page and in the list, hidden once it is mine", async () => {
    const me = "Ada Dispatch";
    const { admin, page } = await ownAdmin(me);
    const technician = await makeTechnician(admin, { name: "Tom Field" });
    const held = await makeTicket(admin, { subject: "Dish misaligned after storm", assigneeId: technician.id });
    const free = await makeTicket(admin, { subject: "Router keeps rebooting" });

    await page.goto(`/tickets/${held.id}`);
    await page.getByRole("heading", { name: "Dish misaligned after storm" }).waitFor();
    await page.getByRole("button", { name: "Assign to me" }).click();
    await page.getByText(`${me} reassigned the ticket from Tom Field to ${me}`).waitFor();
    await expect.poll(() => page.getByRole("combobox", { name: "Assignee", exact: true }).inputValue()).toBe(me);
    await expect.poll(() => page.getByRole("button", { name: "Assign to me" }).count()).toBe(0);

    await page.goto("/tickets");
    const row = page.getByRole("row").filter({ hasText: "Router keeps rebooting" });
    await row.waitFor();
    // Already mine: no button on that row.
    expect(await page.getByRole("button", { name: `Assign to me: ${held.number}` }).count()).toBe(0);
    await row.getByRole("button", { name: `Assign to me: ${free.number}` }).click();
    await page.getByText(`${free.number} is now yours`).waitFor();
    await expect.poll(() => row.getByRole("button", { name: `Assign to me: ${free.number}` }).count()).toBe(0);
    await expect.poll(async () => (await admin.get(`/api/tickets/${free.id}`)).json().assignee?.id).toBe(admin.user.id);
  });

  it("deactivates a technician who holds open tickets, reassigning them in the same action", async () => {
    const { admin, page } = await ownAdmin("Bea Manager");
    const leaving = await makeTechnician(admin, { name: "Lena Leaving" });
    await makeTechnician(admin, { name: "Sam Successor" });
    const ticket = await makeTicket(admin, { subject: "Slow evenings", assigneeId: leaving.id });

    await page.goto("/settings/staff");
    await page.getByRole("button", { name: "Deactivate Lena Leaving" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Lena Leaving holds 1 open ticket").waitFor();
    // Nothing chosen yet: the dialog asks.
    await dialog.getByRole("button", { name: "Reassign and deactivate" }).click();
    await dialog.getByText("Choose who takes over their open tickets").waitFor();
    await choose(page, "Give their open tickets to", "Sam Successor (Technician)");
    await dialog.getByRole("button", { name: "Reassign and deactivate" }).click();
    await page.getByText(/Lena Leaving deactivated; 1 open ticket reassigned to Sam Successor/).waitFor();

    const after = (await admin.get(`/api/tickets/${ticket.id}`)).json();
    expect(after.assignee?.name).toBe("Sam Successor");
    const row = page.getByRole("row").filter({ hasText: "Lena Leaving" });
    await row.getByText("deactivated").waitFor();

    // The agent role is offered when adding staff.
    await page.getByRole("button", { name: "Add staff member" }).click();
    await choose(page, "Role", "Office agent");
  });
});
