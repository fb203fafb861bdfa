import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";

const SEARCH_LABEL = "Search customers, tickets, sites and staff";

/** "(201) 555-0142" for +12015550142: the national format a caller's number is read out in. */
const national = (e164: string) => `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;

const palette = (page: Page) => page.getByRole("dialog", { name: "Find anything" });
const searchBox = (page: Page) => palette(page).getByRole("combobox", { name: SEARCH_LABEL });

/** The option the combobox names as active (aria-activedescendant), as its text. */
async function activeOption(page: Page): Promise<string> {
  const id = await searchBox(page).getAttribute("aria-activedescendant");
  if (!id) return "";
  const option = page.locator(`[id="${id}"]`);
  expect(await option.getAttribute("role")).toBe("option");
  expect(await option.getAttribute("aria-selected")).toBe("true");
  return (await option.textContent()) ?? "";
}

/** ArrowDown until the active option's text contains `text` (the list wraps, so at most its length). */
async function arrowTo(page: Page, text: string) {
  const count = await palette(page).getByRole("option").count();
  for (let step = 0; step <= count; step++) {
    if ((await activeOption(page)).includes(text)) return;
    await page.keyboard.press("ArrowDown");
  }
  throw new Error(`no option "${text}" among ${count}`);
}

const isFocused = (page: Page) => searchBox(page).evaluate((input) => input === document.activeElement);

/** Presses the shortcut and waits until the search field has the focus (keys typed go there). */
async function openPalette(page: Page, key: string) {
  await page.keyboard.press(key);
  await searchBox(page).waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute("role") === "combobox");
}

describeBrowser("command palette in Chromium", () => {
  const h = useBrowserApp();

  it("opens with Ctrl+K and /, finds a customer by phone and a ticket by its customer's name, keyboard only", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const phone = uniquePhone();
    const lars = await makeCustomer(admin, { name: "Lars Mills", phone, street: "8 Fjord Road" });
    const ticket = await makeTicket(admin, { customerId: lars.id, subject: "Router keeps rebooting" });
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);

    // Ctrl+K from the dashboard: the search field has the focus at once.
    await openPalette(page, "Control+k");
    expect(await isFocused(page)).toBe(true);
    await page.keyboard.type(national(phone));
    const customerOption = palette(page)
      .getByRole("group", { name: "Customers" })
      .getByRole("option", { name: /Lars Mills/ });
    await customerOption.waitFor();
    expect(await activeOption(page)).toContain("Lars Mills");
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/customers/${lars.id}`);
    await page.getByRole("heading", { name: "Lars Mills" }).waitFor();
    await palette(page).waitFor({ state: "hidden" });

    // `/` outside a field opens it too; the customer's name finds his ticket.
    await openPalette(page, "/");
    expect(await isFocused(page)).toBe(true);
    expect(await searchBox(page).inputValue()).toBe("");
    await page.keyboard.type("Lars Mills");
    await palette(page)
      .getByRole("group", { name: "Tickets" })
      .getByRole("option", { name: new RegExp(ticket.number) })
      .waitFor();
    await arrowTo(page, ticket.number);
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/tickets/${ticket.id}`);
    await page.getByRole("heading", { name: /Router keeps rebooting/ }).waitFor();

    // Escape closes it and gives the focus back where it was.
    await page.keyboard.press("Control+k");
    await searchBox(page).waitFor();
    await page.keyboard.press("Escape");
    await palette(page).waitFor({ state: "hidden" });
  }, 120_000);

  it("lists what was opened last when empty, newest first, and opens it with the keyboard", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const customer = await makeCustomer(admin, { name: "Solveig Brekke" });
    const ticket = await makeTicket(admin, { subject: "Fibre cut on Brekke lane" });
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);

    await page.keyboard.press("Control+k");
    await searchBox(page).waitFor();
    await palette(page).getByText("Type a name, phone, account number").waitFor();
    expect(await palette(page).getByRole("option").count()).toBe(0);

    for (const [text, path] of [
      [customer.accountNumber, `/customers/${customer.id}`],
      [ticket.number, `/tickets/${ticket.id}`],
    ] as const) {
      await openPalette(page, "Control+k");
      await page.keyboard.type(text);
      await palette(page)
        .getByRole("option", { name: new RegExp(text) })
        .first()
        .waitFor();
      await arrowTo(page, text);
      await page.keyboard.press("Enter");
      await page.waitForURL(`**${path}`);
      // The page has loaded (its heading takes the focus after navigation) before the next search.
      await page.getByRole("heading", { level: 1 }).waitFor();
    }

    // Kept across a reload (localStorage): the ticket first, then the customer.
    await page.reload();
    await page.getByRole("button", { name: "Account menu" }).waitFor();
    await page.keyboard.press("Control+k");
    const recent = palette(page).getByRole("listbox", { name: "Recent items" });
    await recent.waitFor();
    const options = recent.getByRole("option");
    await options.nth(1).waitFor();
    expect(await options.count()).toBe(2);
    expect(await options.nth(0).textContent()).toContain(ticket.number);
    expect(await options.nth(1).textContent()).toContain("Solveig Brekke");
    await page.keyboard.press("ArrowDown");
    expect(await activeOption(page)).toContain("Solveig Brekke");
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/customers/${customer.id}`);

    // Another staff member signing in in this browser has their own (empty) history.
    await page.context().clearCookies();
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    await page.keyboard.press("Control+k");
    await palette(page).getByText("Type a name, phone, account number").waitFor();
    expect(await palette(page).getByRole("option").count()).toBe(0);
  }, 120_000);

  it("types a / into a field instead of opening, and Ctrl+K still opens from inside one", async () => {
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto("/customers");
    const search = page.getByLabel("Search customers");
    await search.click();
    await page.keyboard.type("12/3");
    expect(await search.inputValue()).toBe("12/3");
    expect(await palette(page).count()).toBe(0);
    await openPalette(page, "Control+k");
    expect(await isFocused(page)).toBe(true);
  }, 60_000);

  it("the queue filters by customer from the customer page's link, shown as a removable chip", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const customer = await makeCustomer(admin, { name: "Astrid Holm" });
    const own = await makeTicket(admin, { customerId: customer.id, subject: "Astrid's slow evenings" });
    const other = await makeTicket(admin, { subject: "Someone else's outage" });
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto(`/customers/${customer.id}`);
    await page.getByRole("link", { name: "All tickets in the queue" }).click();
    await page.waitForURL(/\/tickets\?.*customerId=/);
    const remove = page.getByRole("button", { name: /Remove the filter: customer Astrid Holm/ });
    await remove.waitFor();
    await page.getByRole("link", { name: own.number }).first().waitFor();
    expect(await page.getByRole("link", { name: other.number }).count()).toBe(0);
    await remove.click();
    await page.getByRole("link", { name: other.number }).first().waitFor();
    expect(new URL(page.url()).searchParams.get("customerId")).toBeNull();
  }, 60_000);
});
