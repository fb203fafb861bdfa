import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";

/** Picks an option of a Mantine Select by its label, as a person would: open it, click the option. */
async function choose(page: Page, label: string, option: string) {
  await page.getByRole("combobox", { name: label, exact: true }).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

async function noHorizontalScroll(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

describeBrowser("tickets in Chromium", () => {
  const h = useBrowserApp();
  /** A page in its own context; a shared 2-core CI box can be slow, so waits are generous. */
  const newPage = async (options?: { viewport: { width: number; height: number } }) => {
    const page = await h().newPage(options);
    page.setDefaultTimeout(20_000);
    return page;
  };
  const api = () => signIn(h().testApp.app, DEMO.admin);

  it("creates a ticket from a customer page, assigns it, changes status, adds internal and public comments", async () => {
    const customer = await makeCustomer(await api(), {
      name: "Maria Gonzales",
      phone: "+14155550142",
      street: "7 Elm St",
      city: "Springfield",
    });
    const page = await newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);

    await page.goto(`/customers/${customer.id}`);
    await page.getByRole("link", { name: "New ticket" }).first().click();
    await page.waitForURL(`**/tickets/new?customerId=${customer.id}`);
    // The customer comes prefilled.
    const customerInput = page.getByRole("combobox", { name: "Customer", exact: true });
    await expect.poll(() => customerInput.inputValue(), { timeout: 10_000 }).toContain("Maria Gonzales");

    await page.getByLabel("Subject").fill("No internet since this morning");
    await page.getByLabel("Description").fill("ONT shows a red LOS light");
    await choose(page, "Category", "No service");
    await choose(page, "Priority", "High");
    await page.getByRole("button", { name: "Create ticket" }).click();

    await page.getByRole("heading", { name: "No internet since this morning" }).waitFor();
    const ticketUrl = new URL(page.url()).pathname;
    expect(ticketUrl).toMatch(/^\/tickets\/[0-9a-f-]{36}$/);
    const customerCard = page.getByLabel("Customer", { exact: true }).and(page.locator("div"));
    await customerCard.getByRole("link", { name: "Maria Gonzales" }).waitFor();
    await customerCard.getByRole("link", { name: "(415) 555-0142" }).waitFor();
    await page.getByText("Admin opened the ticket").waitFor();

    await choose(page, "Assignee", "John Tech");
    await page.getByText("Admin assigned the ticket to John Tech").waitFor();

    await choose(page, "Status", "In progress");
    await page.getByText("Admin changed status from Open to In progress").waitFor();

    await page.getByLabel("Comment", { exact: true }).fill("Checked the OLT port: light levels low");
    await page.getByRole("button", { name: "Add comment" }).click();
    const internal = page.getByLabel("Internal comment");
    await internal.getByText("Checked the OLT port: light levels low").waitFor();

    await page.getByText("Public reply", { exact: true }).click();
    await page.getByLabel("Comment", { exact: true }).fill("A technician is on the way <b>today</b>");
    await page.getByRole("button", { name: "Add comment" }).click();
    const publicComment = page.getByLabel("Public comment");
    // Shown as text, never as HTML.
    await publicComment.getByText("A technician is on the way <b>today</b>").waitFor();

    // Timeline order: newest last.
    const timeline = (await page.getByLabel("Timeline").textContent()) ?? "";
    const order = [
      "opened the ticket",
      "assigned the ticket to John Tech",
      "changed status",
      "Checked the OLT",
      "on the way",
    ];
    const positions = order.map((text) => timeline.indexOf(text));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    await page.close();
  }, 120_000);

  it("merges a second editor's change to another field, and asks theirs or mine when both changed the same", async () => {
    const ticket = await makeTicket(await api(), {
      subject: "Link flaps every few minutes",
      priority: "high",
      status: "in_progress",
    });
    const ticketUrl = `/tickets/${ticket.id}`;
    const first = await newPage();
    const second = await newPage();
    // The second works from an older version: without the live stream, which would show it the
    // first's changes at once (test/e2e/live.test.ts), its saves meet the 409s this test is about.
    await second.route("**/api/events", (route) => route.abort());
    await signInThroughUi(first, DEMO.admin.email, DEMO.admin.password);
    await signInThroughUi(second, DEMO.jane.email, DEMO.jane.password);
    await first.goto(ticketUrl);
    await second.goto(ticketUrl);
    await first.getByRole("heading", { name: "Link flaps every few minutes" }).waitFor();
    await second.getByRole("heading", { name: "Link flaps every few minutes" }).waitFor();

    await choose(first, "Priority", "Urgent");
    await first.getByText("Admin changed priority from High to Urgent").waitFor();

    // The second page still shows the old version; its status change touches another field, so it
    // is saved on the current version at once and the colleague's priority stays.
    await choose(second, "Status", "Waiting on customer");
    await second.getByText("Jane Tech changed status from In progress to Waiting on customer").waitFor();
    await expect
      .poll(() => second.getByRole("combobox", { name: "Priority", exact: true }).inputValue())
      .toBe("Urgent");
    expect(await second.getByRole("alert").filter({ hasText: "while you were editing" }).count()).toBe(0);

    // Both change the priority: the second is asked, theirs or mine, and their choice is saved.
    await first.reload();
    await first.getByText("Jane Tech changed status from In progress to Waiting on customer").waitFor();
    await choose(first, "Priority", "Low");
    await first.getByText("Admin changed priority from Urgent to Low").waitFor();
    await choose(second, "Priority", "High");
    const alert = second.getByRole("alert").filter({ hasText: "Admin changed this while you were editing" });
    await alert.waitFor();
    await alert.getByText(/Admin changed priority from Urgent to Low/).waitFor();
    const priority = alert.getByRole("radiogroup", { name: "Priority" });
    await priority.getByLabel("Use mine").check();
    await second.getByRole("button", { name: "Save my choice" }).click();
    await second.getByText("Jane Tech changed priority from Low to High").waitFor();
    expect(await alert.count()).toBe(0);
    expect(await second.getByRole("combobox", { name: "Status", exact: true }).inputValue()).toBe(
      "Waiting on customer",
    );
    await first.close();
    await second.close();
  }, 120_000);

  it("lists the ticket in the queues and applies a bulk status change", async () => {
    await makeTicket(await api(), { subject: "Fibre cut on Mill Road", priority: "high" });
    const page = await newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    // Searched by its subject, so other tests' tickets in this app do not change the counts.
    await page.goto(`/tickets?view=open&q=${encodeURIComponent("Fibre cut on Mill Road")}`);
    const row = page.getByRole("row").filter({ hasText: "Fibre cut on Mill Road" });
    await row.waitFor();
    await page.getByText("1 ticket", { exact: true }).waitFor();
    await page
      .getByRole("checkbox", { name: /^Select T-/ })
      .first()
      .check();
    await page.getByText("1 selected").waitFor();
    await choose(page, "Set status of selected", "Resolved");
    await page.getByRole("button", { name: "Apply to selected" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Apply changes" }).click();
    await page.getByText("1 tickets updated").waitFor();
    // Resolved tickets leave the "All open" queue.
    await page.getByText("No tickets match").waitFor();
    await page.getByText("All", { exact: true }).click();
    await row.filter({ hasText: "Resolved" }).waitFor();
    await page.close();
  }, 120_000);

  it("works for a technician on a phone: My open and the ticket page without horizontal scrolling", async () => {
    const admin = await newPage();
    await signInThroughUi(admin, DEMO.admin.email, DEMO.admin.password);
    const john = (await (await admin.request.get("/api/users?q=john")).json()).items[0];
    const csrf = (await (await admin.request.get("/api/auth/me")).json()).csrfToken;
    const created = await admin.request.post("/api/tickets", {
      headers: { "x-csrf-token": csrf },
      data: { subject: "Replace the outdoor unit at the water tower after storm damage", assigneeId: john.id },
    });
    expect(created.status()).toBe(201);

    const phone = await newPage({ viewport: { width: 375, height: 740 } });
    await signInThroughUi(phone, DEMO.john.email, DEMO.john.password);
    await phone.goto("/tickets");
    const card = phone.getByRole("link", { name: /Replace the outdoor unit/ });
    await card.waitFor();
    expect(await noHorizontalScroll(phone)).toBe(true);
    // A phone picks the queue from a native list, one field above the tickets.
    const queue = phone.getByLabel("Queue");
    expect(await queue.inputValue()).toBe("mine");
    await queue.selectOption({ label: "All" });
    await phone.waitForURL(/[?&]view=all\b/);
    await card.waitFor();
    await card.click();
    await phone.getByRole("heading", { name: /Replace the outdoor unit/ }).waitFor();
    expect(await noHorizontalScroll(phone)).toBe(true);
    await choose(phone, "Status", "In progress");
    await phone.getByText("John Tech changed status from Open to In progress").waitFor();
    expect(await noHorizontalScroll(phone)).toBe(true);
  }, 120_000);
});
