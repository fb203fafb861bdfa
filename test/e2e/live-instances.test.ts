import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, it } from "vitest";
import type { App } from "../../src/server/deps.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { openSecondInstance, type SecondInstance } from "../support/second-instance.js";

/**
 * Two app instances on one database, as behind a load balancer, and two browsers, one on each
 * (docs/live.md): what Jane does through instance 1 reaches the Admin's page on instance 2
 * without a reload, and so does her presence. On the server database each instance has its own
 * pool and LISTEN connection; on the embedded one both share the database and its notifications.
 */
for (const kind of testDatabaseKinds()) {
  describeBrowser(`live updates across two app instances in Chromium (${kind})`, () => {
    const h = useBrowserApp({}, kind);
    let secondInstance: SecondInstance;
    let second: App;
    let secondUrl: string;

    beforeAll(async () => {
      secondInstance = await openSecondInstance(h().testApp);
      second = secondInstance.app;
      await second.listen({ port: 0, host: "127.0.0.1" });
      secondUrl = `http://127.0.0.1:${(second.server.address() as AddressInfo).port}`;
    }, 90_000);
    afterAll(async () => {
      await secondInstance?.close();
    });

    /** A page in a browser context of its own on instance 2. */
    const pageOnSecond = async (): Promise<Page> => {
      const context = await h().browser.newContext({ baseURL: secondUrl, viewport: { width: 1280, height: 800 } });
      context.setDefaultTimeout(20_000);
      return context.newPage();
    };

    it("a change and presence through one instance reach a browser on the other", async () => {
      const ticket = await makeTicket(await signIn(h().testApp.app, DEMO.admin), {
        subject: `Two instances ${kind} ${Date.now()}`,
      });
      const a = await h().newPage();
      a.setDefaultTimeout(20_000);
      const b = await pageOnSecond();
      await signInThroughUi(a, DEMO.jane.email, DEMO.jane.password);
      await signInThroughUi(b, DEMO.admin.email, DEMO.admin.password);

      await b.goto(`/tickets/${ticket.id}`);
      await b.getByRole("heading", { name: ticket.subject }).waitFor();
      const status = b.getByRole("combobox", { name: "Status", exact: true });
      await a.goto(`/tickets/${ticket.id}`);
      await a.getByRole("heading", { name: ticket.subject }).waitFor();

      // Jane's presence, reported to instance 1, shows on instance 2.
      await b.getByRole("status").filter({ hasText: "Jane Tech is viewing" }).waitFor();

      // Her status change through instance 1 reaches the page on instance 2 without a reload.
      await a.getByRole("combobox", { name: "Status", exact: true }).click();
      await a.getByRole("option", { name: "In progress", exact: true }).click();
      await b.getByText("Jane Tech changed status from Open to In progress").waitFor();
      await b.waitForFunction(
        (element) => (element as HTMLInputElement | null)?.value === "In progress",
        await status.elementHandle(),
      );

      // She leaves: her presence goes from the other instance's page too.
      await a.goto("/tickets");
      await b.getByRole("status").filter({ hasText: "Jane Tech is viewing" }).waitFor({ state: "detached" });
    });
  });
}
