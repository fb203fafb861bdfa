import { randomInt } from "node:crypto";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, useBrowserApp } from "../support/browser.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeStaff, signInAs } from "../support/factories/users.js";

/**
 * "Who changed the phone number?" (docs/audit.md), on a phone: an office agent changes a
 * customer's mobile number; the admin opens the customer's History and reads who did it, from
 * where, and the number before and after.
 */
/** Signs in through the sign-in form (its "Sign in" button, not "Sign in with a passkey"). */
async function signInThroughForm(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: "Account menu" }).waitFor();
}

for (const kind of testDatabaseKinds()) {
  describeBrowser(`the audit log in Chromium (${kind})`, () => {
    const h = useBrowserApp({}, kind);

    it("the admin opens a customer's History and sees the phone change and who made it", async () => {
      const app = h().testApp.app;
      const admin = await signIn(app, DEMO.admin);
      const agentAccount = await makeStaff(admin, { role: "agent", name: `Olive Office ${randomInt(1_000_000)}` });
      const agent = await signInAs(app, agentAccount);
      const customer = await makeCustomer(admin, { name: `Ada Phone ${randomInt(1_000_000)}` });
      const newPhone = uniquePhone();
      const changed = await agent.patch(`/api/customers/${customer.id}`, {
        phone: newPhone,
        version: customer.version,
      });
      expect(changed.statusCode).toBe(200);

      const page = await h().newPage({ viewport: { width: 390, height: 844 } });
      page.setDefaultTimeout(20_000);
      await signInThroughForm(page, DEMO.admin.email, DEMO.admin.password);
      await page.goto(`/customers/${customer.id}`);
      await page.getByRole("heading", { name: customer.name }).waitFor();
      await page.getByRole("link", { name: "History" }).click();
      await page.waitForURL(/\/settings\/audit-log\?/);
      const history = page.getByRole("alert", { name: "Record history" });
      await history.getByText(`${customer.accountNumber} ${customer.name}`).waitFor();

      const table = page.getByRole("table", { name: "Audit log" });
      const update = table.getByRole("row").filter({ hasText: "customer.update" });
      await update.waitFor();
      await update.getByText(agentAccount.name).waitFor();
      await update.getByText("Signed in · 127.0.0.1").waitFor();
      await update.getByText(customer.phone ?? "").waitFor();
      await update.getByText(newPhone).waitFor();
      // The creation is there too, by the admin; nothing about other records.
      const create = table.getByRole("row").filter({ hasText: "customer.create" });
      await create.getByText("Admin").waitFor();
      expect(await table.getByRole("row").count()).toBe(3); // the header and two entries
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
      ).toBe(true);

      // The person filter narrows it to the agent's change.
      await page.getByRole("combobox", { name: "Person", exact: true }).click();
      await page.getByRole("option", { name: agentAccount.name }).click();
      await expect.poll(() => table.getByRole("row").count()).toBe(2);
      const exportLink = page.getByRole("link", { name: "Export CSV" });
      const href = await exportLink.getAttribute("href");
      expect(href).toContain(`actorId=${agentAccount.id}`);
      expect(href).toContain(`entityId=${customer.id}`);
      await page.close();
    }, 180_000);
  });
}
