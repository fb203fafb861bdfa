import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";

describeBrowser("customers in Chromium", () => {
  const h = useBrowserApp();

  it("creates a customer through the form, finds them by phone in another format, archives and restores them", async () => {
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Customers" }).click();
    await page.getByText("No customers yet").waitFor();

    await page.getByRole("button", { name: "New customer" }).click();
    const form = page.getByRole("dialog", { name: "New customer" });
    await form.getByLabel("Name").fill("Zelda Fitzgerald");
    await form.getByLabel("Email").fill("zelda@example.net");
    await form.getByLabel("Mobile phone").fill("555 01");
    await form.getByLabel("Street").fill("19 Jazz Age Blvd");
    await form.getByLabel("VLAN").fill("5000");
    await form.getByRole("button", { name: "Create customer" }).click();
    // The form checks what it can at once...
    await form.getByText("VLAN must be between 1 and 4094").waitFor();
    await form.getByLabel("VLAN").fill("120");
    await form.getByRole("button", { name: "Create customer" }).click();
    // ...and shows the server's verdict on the field it concerns.
    await form.getByText("Phone: not a valid number for US").waitFor();
    await form.getByLabel("Mobile phone").fill("(201) 555-0177");
    await form.getByRole("button", { name: "Create customer" }).click();
    await form.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Zelda Fitzgerald" }).waitFor();
    const customerPath = new URL(page.url()).pathname;
    expect(customerPath).toMatch(/^\/customers\/[0-9a-f-]{36}$/);
    // Shown as people write it; the link calls the E.164 number.
    const phoneLink = page.getByRole("link", { name: "(201) 555-0177" });
    await phoneLink.waitFor();
    expect(await phoneLink.getAttribute("href")).toBe("tel:+12015550177");

    await page.getByRole("link", { name: "← Customers" }).click();
    await page.getByLabel("Search customers").fill("+1 201.555.0177");
    const row = page.getByRole("row", { name: /Zelda Fitzgerald/ });
    await row.waitFor();
    await page.getByLabel("Search customers").fill("zelda fitzgerlad");
    await row.waitFor();
    await row.getByRole("link", { name: "Zelda Fitzgerald" }).click();
    await page.getByRole("heading", { name: "Zelda Fitzgerald" }).waitFor();
    await page.getByRole("region", { name: "Tickets" }).waitFor();
    await page.getByRole("link", { name: "New ticket" }).waitFor();
    expect(await page.getByRole("link", { name: "New ticket" }).getAttribute("href")).toContain(
      "/tickets/new?customerId=",
    );
    await page.getByRole("region", { name: "SMS history" }).waitFor();

    await page.getByRole("button", { name: "Archive" }).click();
    const confirm = page.getByRole("dialog", { name: "Archive Zelda Fitzgerald?" });
    await confirm.getByRole("button", { name: "Archive customer" }).click();
    await page.getByText("Archived customer").waitFor();
    // The confirmation's own "Archive customer" button lingers while the dialog fades out.
    await confirm.waitFor({ state: "detached" });
    expect(await page.getByRole("button", { name: "Archive", exact: true }).count()).toBe(0);

    await page.goto("/customers");
    await page.getByLabel("Search customers").fill("2015550177");
    await page.getByText("No customer matches “2015550177”").waitFor();

    await page.goto(customerPath);
    await page.getByRole("button", { name: "Restore" }).click();
    await page
      .getByRole("dialog", { name: "Restore Zelda Fitzgerald?" })
      .getByRole("button", { name: "Restore customer" })
      .click();
    await page.getByRole("button", { name: "Archive", exact: true }).waitFor();
    expect(await page.getByText("Archived customer").count()).toBe(0);
  }, 120_000);

  it("shows a technician no archive button, and the API answers their archive with 403", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const customer = await makeCustomer(admin, { name: "Scottie Fitzgerald" });
    const customerPath = `/customers/${customer.id}`;
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    await page.goto(customerPath);
    await page.getByRole("heading", { name: "Scottie Fitzgerald" }).waitFor();
    await page.getByRole("button", { name: "Edit" }).waitFor();
    expect(await page.getByRole("button", { name: "Archive", exact: true }).count()).toBe(0);
    const me = await (await page.request.get("/api/auth/me")).json();
    const response = await page.request.delete(`/api${customerPath}`, { headers: { "x-csrf-token": me.csrfToken } });
    expect(response.status()).toBe(403);
    expect((await response.json()).code).toBe("auth.forbidden");
    const after = await (await page.request.get(`/api${customerPath}`)).json();
    expect(after.archivedAt).toBeNull();
  }, 60_000);
});
