import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserAppWithTwilio } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";

/** The shared machine can be slow: give each step more room than the harness default. */
async function newPage(
  h: () => { newPage: (o?: { viewport?: { width: number; height: number } }) => Promise<Page> },
  viewport?: { width: number; height: number },
) {
  const page = await h().newPage(viewport ? { viewport } : {});
  page.setDefaultTimeout(30_000);
  return page;
}

async function choose(page: Page, label: string, option: string) {
  // Mantine's Select is an <input> labelled by its label (its option list carries the label too).
  await page
    .locator("input")
    .and(page.getByLabel(label, { exact: true }))
    .click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

describeBrowser("SMS in Chromium", () => {
  const { h, twilio } = useBrowserAppWithTwilio();

  it("changing a ticket's status in the browser puts the customer's SMS in the SMS log", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const customer = await makeCustomer(admin, { name: "Ines Carvalho", phone: "+14155550177", city: "Springfield" });
    const ticket = await makeTicket(admin, { customerId: customer.id, subject: "Slow speeds in the evening" });

    const page = await newPage(h);
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto(`/tickets/${ticket.id}`);
    await page.getByRole("heading", { name: "Slow speeds in the evening" }).waitFor();
    await choose(page, "Status", "In progress");
    await page.getByText("Admin changed status from Open to In progress").waitFor();

    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "SMS log" }).click();
    await page.getByRole("heading", { name: "SMS log" }).waitFor();
    const row = page.getByRole("row").filter({ hasText: `your ticket ${ticket.number} is now in progress` });
    await row.waitFor();
    await row.getByText("Status changed").waitFor();
    await row.getByRole("link", { name: ticket.number }).waitFor();
    await row.getByRole("link", { name: "Ines Carvalho" }).waitFor();
    // The dispatcher sent it to the stand-in; the log shows it once it refreshes.
    await row.getByText("Sent", { exact: true }).waitFor({ timeout: 60_000 });
    // (The ticket, opened through the API, also texted her that it was opened: only one status message.)
    const statusMessages = twilio
      .messagesTo("+14155550177")
      .map((m) => m.body)
      .filter((body) => body.includes(" is now "));
    expect(statusMessages).toEqual([`Hi Ines, your ticket ${ticket.number} is now in progress.`]);

    // Filters narrow the list; the row's ticket link leads back to the ticket.
    await choose(page, "Status", "Failed");
    await page.getByText("No SMS matches these filters").waitFor();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByLabel("Search").fill("Ines");
    await row.waitFor();
    await row.getByRole("link", { name: ticket.number }).click();
    await page.getByRole("heading", { name: "Slow speeds in the evening" }).waitFor();
  }, 180_000);

  it("lets an admin edit a template with a live preview and segment count", async () => {
    const page = await newPage(h);
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto("/settings");
    await page.getByRole("tab", { name: "SMS templates" }).click();
    const editor = page.getByLabel("Template: Status changed (to the customer)");
    await editor.fill("{{ticket.number}} for {{customer.name}}: {{ticket.status}} 🚀");
    const preview = page.getByLabel("Preview of Status changed (to the customer)");
    await preview.getByText("T-000123 for Maria Lopez: in progress 🚀").waitFor();
    await page.getByText(/39 characters · 1 SMS \(UCS-2/).waitFor();
    await page.getByRole("button", { name: "Save template Status changed (to the customer)" }).click();
    await page.getByText('Template "Status changed (to the customer)" saved').waitFor();

    await editor.fill("{{ticket.numbr}}");
    await page.getByText("Unknown placeholder {{ticket.numbr}}").waitFor();
    expect(
      await page.getByRole("button", { name: "Save template Status changed (to the customer)" }).isDisabled(),
    ).toBe(true);
  }, 120_000);

  it("shows the SMS log on a phone-sized screen without sideways scrolling", async () => {
    const page = await newPage(h, { width: 375, height: 740 });
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    await page.goto("/sms");
    await page.getByRole("heading", { name: "SMS log" }).waitFor();
    await page.getByRole("combobox", { name: "Purpose" }).waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    ).toBe(true);
    // Technicians see no Retry buttons.
    expect(await page.getByRole("button", { name: /^Retry/ }).count()).toBe(0);
  }, 120_000);
});
