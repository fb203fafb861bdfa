import type { Page, Request, Route } from "playwright-core";
import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";

interface DroppedFirstAnswer {
  /** The Idempotency-Key of every POST to the path, in order. */
  keys: (string | undefined)[];
  /** The status the server gave the first POST (its answer never reached the page). */
  firstStatus: number | undefined;
  /** `idempotent-replayed` of the answers that did reach the page. */
  replayed: (string | undefined)[];
}

/**
 * The first POST to `path` reaches the server, which makes the record, but its answer is dropped
 * (the connection resets, as on a flaky mobile link); later POSTs go through untouched.
 */
async function dropFirstAnswer(page: Page, path: string): Promise<DroppedFirstAnswer> {
  const seen: DroppedFirstAnswer = { keys: [], firstStatus: undefined, replayed: [] };
  await page.route(
    (url) => url.pathname === path,
    async (route: Route, request: Request) => {
      if (request.method() !== "POST") return route.fallback();
      seen.keys.push(await request.headerValue("idempotency-key").then((v) => v ?? undefined));
      const response = await route.fetch();
      if (seen.firstStatus === undefined) {
        seen.firstStatus = response.status();
        return route.abort("connectionreset");
      }
      seen.replayed.push(response.headers()["idempotent-replayed"]);
      return route.fulfill({ response });
    },
  );
  return seen;
}

for (const kind of testDatabaseKinds()) {
  describeBrowser(`Idempotency-Key from the web app in Chromium (${kind})`, () => {
    const h = useBrowserApp({}, kind);
    const api = () => signIn(h().testApp.app, DEMO.admin);
    const newPage = async () => {
      const page = await h().newPage();
      // Generous: the retry waits a second, and a shared CI box under load can be slow.
      page.setDefaultTimeout(40_000);
      return page;
    };

    it("retries a ticket creation whose answer was lost with the same key: one ticket, shown once", async () => {
      const customer = await makeCustomer(await api(), { name: "Retry Customer" });
      const subject = `Lost answer ${Date.now()}`;
      const page = await newPage();
      await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
      const seen = await dropFirstAnswer(page, "/api/tickets");

      await page.goto(`/tickets/new?customerId=${customer.id}`);
      const customerInput = page.getByRole("combobox", { name: "Customer", exact: true });
      await expect.poll(() => customerInput.inputValue(), { timeout: 10_000 }).toContain("Retry Customer");
      await page.getByLabel("Subject").fill(subject);
      await page.getByRole("button", { name: "Create ticket" }).click();
      await page.getByRole("heading", { name: subject }).waitFor();

      expect(seen.firstStatus).toBe(201);
      expect(seen.keys).toHaveLength(2);
      expect(seen.keys[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen.keys[1]).toBe(seen.keys[0]);
      expect(seen.replayed).toEqual(["true"]);

      const tickets = (await (await api()).get(`/api/tickets?q=${encodeURIComponent(subject)}`)).json().items;
      expect(tickets.map((t: { subject: string }) => t.subject)).toEqual([subject]);
      const ticketPath = new URL(page.url()).pathname;
      expect(ticketPath).toBe(`/tickets/${tickets[0].id}`);

      await page.goto(`/tickets?q=${encodeURIComponent(subject)}`);
      await page.getByRole("link", { name: subject }).first().waitFor();
      expect(await page.getByRole("link", { name: subject }).count()).toBe(1);
      await page.close();
    }, 120_000);

    it("retries a customer creation whose answer was lost with the same key: one customer", async () => {
      const name = `Lost Answer ${Date.now().toString(36)}`;
      const page = await newPage();
      await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
      const seen = await dropFirstAnswer(page, "/api/customers");

      await page.goto("/customers");
      await page.getByRole("button", { name: "New customer" }).click();
      const form = page.getByRole("dialog", { name: "New customer" });
      await form.getByLabel("Name").fill(name);
      await form.getByRole("button", { name: "Create customer" }).click();
      await form.waitFor({ state: "detached" });
      await page.getByRole("heading", { name }).waitFor();

      expect(seen.firstStatus).toBe(201);
      expect(seen.keys).toHaveLength(2);
      expect(seen.keys[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen.keys[1]).toBe(seen.keys[0]);
      expect(seen.replayed).toEqual(["true"]);

      const customers = (await (await api()).get(`/api/customers?q=${encodeURIComponent(name)}`)).json().items;
      expect(customers.map((c: { name: string }) => c.name)).toEqual([name]);
      expect(new URL(page.url()).pathname).toBe(`/customers/${customers[0].id}`);
      await page.close();
    }, 120_000);
  });
}
