import { randomInt } from "node:crypto";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import type { Customer } from "../../src/shared/customers.js";
import type { TicketDetail } from "../../src/shared/tickets.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";

/** Picks an option of a Mantine Select by its label, as a person would. */
async function choose(page: Page, label: string, option: string) {
  await page.getByRole("combobox", { name: label, exact: true }).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

const statusOf = (page: Page) => page.getByRole("combobox", { name: "Status", exact: true }).inputValue();

/** The PATCH answers a page got for one record: a save that met a 409 shows it here. */
function patchStatuses(page: Page, path: string): number[] {
  const statuses: number[] = [];
  page.on("response", (response) => {
    if (response.request().method() === "PATCH" && new URL(response.url()).pathname === path) {
      statuses.push(response.status());
    }
  });
  return statuses;
}

/**
 * Two staff in two browsers on one app (docs/live.md): Jane Tech (A) changes things, the Admin
 * (B) sees them arrive without reloading. On the embedded database, and on the server database
 * when TEST_DATABASE_URL is set.
 */
for (const kind of testDatabaseKinds()) {
  describeBrowser(`live updates in Chromium (${kind})`, () => {
    const h = useBrowserApp({}, kind);
    const newPage = async (options?: { viewport: { width: number; height: number } }) => {
      const page = await h().newPage(options);
      page.setDefaultTimeout(20_000);
      return page;
    };
    /** API changes are Jane's: the Admin's own changes are no news to the Admin's screens. */
    const jane = () => signIn(h().testApp.app, DEMO.jane);
    const admin = () => signIn(h().testApp.app, DEMO.admin);
    const unique = () => `${kind} ${randomInt(1_000_000)}`;

    /** A signed in as Jane, B as the Admin. */
    const twoBrowsers = async (bViewport?: { width: number; height: number }) => {
      const a = await newPage();
      const b = await newPage(bViewport ? { viewport: bViewport } : undefined);
      await signInThroughUi(a, DEMO.jane.email, DEMO.jane.password);
      await signInThroughUi(b, DEMO.admin.email, DEMO.admin.password);
      return { a, b };
    };

    it("a status change in one browser reaches the other's ticket page, and its queue offers news in a pill", async () => {
      const ticket = await makeTicket(await admin(), { subject: `Router reboots nightly ${unique()}` });
      const { a, b } = await twoBrowsers();

      // B's queue: the ticket is on it, as it was when fetched.
      await b.goto("/tickets?view=all");
      const row = b.getByRole("row").filter({ hasText: ticket.number });
      await row.getByText("Open", { exact: true }).waitFor();

      await a.goto(`/tickets/${ticket.id}`);
      await a.getByRole("heading", { name: ticket.subject }).waitFor();
      await choose(a, "Status", "In progress");
      await a.getByText("Jane Tech changed status from Open to In progress").waitFor();
      const created = await makeTicket(await jane(), { subject: `Fibre cut on Elm St ${unique()}` });

      // Rows do not move: the news waits in a pill until B asks for it.
      const pill = b.getByRole("button", { name: "1 new · 1 changed — Show" });
      await pill.waitFor();
      expect(await row.getByText("Open", { exact: true }).count()).toBe(1);
      expect(await b.getByRole("row").filter({ hasText: created.number }).count()).toBe(0);
      await pill.click();
      await row.getByText("In progress", { exact: true }).waitFor();
      await b.getByRole("row").filter({ hasText: created.number }).waitFor();
      expect(await b.getByRole("button", { name: /— Show$/ }).count()).toBe(0);

      // B's ticket page follows A's next change, fields and timeline, without a reload.
      await b.goto(`/tickets/${ticket.id}`);
      await b.getByRole("heading", { name: ticket.subject }).waitFor();
      await choose(a, "Status", "Waiting on customer");
      await expect.poll(() => statusOf(b), { timeout: 10_000 }).toBe("Waiting on customer");
      await b.getByText("Jane Tech changed status from In progress to Waiting on customer").waitFor();
      await choose(a, "Priority", "Urgent");
      await expect
        .poll(() => b.getByRole("combobox", { name: "Priority", exact: true }).inputValue(), { timeout: 10_000 })
        .toBe("Urgent");
      expect(await b.getByText("Live updates paused").count()).toBe(0);
      await a.close();
      await b.close();
    }, 120_000);

    it("presence: B sees Jane viewing, then editing while she has unsaved text, and not once she leaves", async () => {
      const ticket = await makeTicket(await admin(), { subject: `No dial tone ${unique()}` });
      const { a, b } = await twoBrowsers();
      await b.goto(`/tickets/${ticket.id}`);
      await b.getByRole("heading", { name: ticket.subject }).waitFor();

      await a.goto(`/tickets/${ticket.id}`);
      await a.getByRole("heading", { name: ticket.subject }).waitFor();
      const line = b.getByRole("status").filter({ hasText: "Jane Tech is" });
      await line.filter({ hasText: "Jane Tech is viewing" }).waitFor();
      // Each sees the other, never themselves.
      await a.getByRole("status").filter({ hasText: "Admin is viewing" }).waitFor();
      expect(await b.getByText("Admin is viewing").count()).toBe(0);

      await a.getByLabel("Comment", { exact: true }).fill("Checked the line card: port 4 is down");
      await line.filter({ hasText: "Jane Tech is editing" }).waitFor();
      await a.getByLabel("Comment", { exact: true }).fill("");
      await line.filter({ hasText: "Jane Tech is viewing" }).waitFor();

      await a.getByRole("link", { name: "Tickets" }).first().click();
      await a.getByRole("heading", { name: "Tickets" }).waitFor();
      await expect.poll(() => line.count(), { timeout: 10_000 }).toBe(0);
      await a.close();
      await b.close();
    }, 120_000);

    it("saved while B edits: a notice says what Jane changed, B's edits stay and save on top without a 409", async () => {
      const ticket = await makeTicket(await admin(), {
        subject: `Slow evenings ${unique()}`,
        description: "Since Monday",
      });
      const { a, b } = await twoBrowsers();
      await b.goto(`/tickets/${ticket.id}`);
      await b.getByRole("button", { name: "Edit details" }).click();
      const dialog = b.getByRole("dialog", { name: `Edit ${ticket.number}` });
      const subject = `Slow evenings at 12 Elm St ${unique()}`;
      await dialog.getByLabel("Subject").fill(subject);
      const patches = patchStatuses(b, `/api/tickets/${ticket.id}`);

      // Jane resolves it and rewrites the description meanwhile.
      await a.goto(`/tickets/${ticket.id}`);
      await choose(a, "Status", "Resolved");
      await a.getByText("Jane Tech changed status from Open to Resolved").waitFor();
      await a.getByRole("button", { name: "Edit details" }).click();
      const dialogA = a.getByRole("dialog", { name: `Edit ${ticket.number}` });
      await dialogA.getByLabel("Description").fill("Since Monday; the node was congested");
      await dialogA.getByRole("button", { name: "Save" }).click();
      await dialogA.waitFor({ state: "detached" });

      const notice = dialog.getByRole("status").filter({ hasText: "your edits are kept" });
      await notice.waitFor();
      await notice
        .getByText(
          "Jane Tech changed status (Open → Resolved) and description — your edits are kept; saving will apply them on top",
        )
        .waitFor();
      // Her description is in the form now; B's subject is still B's.
      await expect
        .poll(() => dialog.getByLabel("Description").inputValue())
        .toBe("Since Monday; the node was congested");
      expect(await dialog.getByLabel("Subject").inputValue()).toBe(subject);

      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "detached" });
      await b.getByRole("heading", { name: subject }).waitFor();
      expect(patches).toEqual([200]);
      const saved = (await (await admin()).get(`/api/tickets/${ticket.id}`)).json() as TicketDetail;
      expect(saved).toMatchObject({ subject, status: "resolved", description: "Since Monday; the node was congested" });

      // The customer page's form alike.
      const customer = await makeCustomer(await admin(), { city: "Springfield", notes: "Gate code 1234" });
      await b.goto(`/customers/${customer.id}`);
      await b.getByRole("button", { name: "Edit", exact: true }).click();
      const form = b.getByRole("dialog", { name: `Edit ${customer.name}` });
      await form.getByLabel("City").fill("Shelbyville");
      const customerPatches = patchStatuses(b, `/api/customers/${customer.id}`);
      const theirs = await (await jane()).patch(`/api/customers/${customer.id}`, {
        notes: "Dog in the yard",
        version: customer.version,
      });
      expect(theirs.statusCode, theirs.body).toBe(200);
      await form
        .getByRole("status")
        .getByText("Jane Tech changed Notes — your edits are kept; saving will apply them on top")
        .waitFor();
      await expect.poll(() => form.getByLabel("Notes").inputValue()).toBe("Dog in the yard");
      await form.getByRole("button", { name: "Save changes" }).click();
      await form.waitFor({ state: "detached" });
      expect(customerPatches).toEqual([200]);
      const now = (await (await admin()).get(`/api/customers/${customer.id}`)).json() as Customer;
      expect(now).toMatchObject({ city: "Shelbyville", notes: "Dog in the yard" });
      await a.close();
      await b.close();
    }, 120_000);

    it("on a phone (390 px): presence, a live status change and the queue's pill fit the screen", async () => {
      const ticket = await makeTicket(await admin(), { subject: `Outage on Hill Rd ${unique()}` });
      const { a, b } = await twoBrowsers({ width: 390, height: 844 });
      await b.goto(`/tickets/${ticket.id}`);
      await b.getByRole("heading", { name: ticket.subject }).waitFor();
      await a.goto(`/tickets/${ticket.id}`);
      await b.getByRole("status").filter({ hasText: "Jane Tech is viewing" }).waitFor();
      await choose(a, "Status", "In progress");
      await expect.poll(() => statusOf(b), { timeout: 10_000 }).toBe("In progress");
      const overflow = () =>
        b.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(await overflow()).toBe(0);

      await b.goto("/tickets?view=all");
      await b.getByRole("link").filter({ hasText: ticket.number }).first().waitFor();
      await makeTicket(await jane(), { subject: `Modem lights off ${unique()}` });
      const pill = b.getByRole("button", { name: "1 new — Show" });
      await pill.waitFor();
      expect(await overflow()).toBe(0);
      await pill.click();
      await expect.poll(() => pill.count()).toBe(0);
      await a.close();
      await b.close();
    }, 120_000);

    it("a dropped stream says so after a few seconds, and on reconnecting the page catches up", async () => {
      const ticket = await makeTicket(await admin(), { subject: `Packet loss ${unique()}` });
      const { a, b } = await twoBrowsers();
      await b.goto(`/tickets/${ticket.id}`);
      await b.getByRole("heading", { name: ticket.subject }).waitFor();
      await a.goto(`/tickets/${ticket.id}`);
      await a.getByRole("heading", { name: ticket.subject }).waitFor();

      // B's stream drops (the server closes every connection) and cannot come back for now.
      await b.route("**/api/events", (route) => route.abort());
      h().testApp.app.server.closeAllConnections();
      const paused = b.getByRole("status").filter({ hasText: "Live updates paused — reconnecting" });
      await paused.waitFor({ timeout: 20_000 });
      await choose(a, "Priority", "High");
      await a.getByText("Jane Tech changed priority from Normal to High").waitFor();

      await b.unroute("**/api/events");
      await expect
        .poll(() => b.getByRole("combobox", { name: "Priority", exact: true }).inputValue(), { timeout: 30_000 })
        .toBe("High");
      await expect.poll(() => paused.count(), { timeout: 30_000 }).toBe(0);
      await b.getByText("Jane Tech changed priority from Normal to High").waitFor();
      await a.close();
      await b.close();
    }, 120_000);
  });
}
