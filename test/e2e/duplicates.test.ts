import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeServicePlan } from "../support/factories/service-plans.js";
import { makeTicket } from "../support/factories/tickets.js";

describeBrowser("duplicates and customer pages in Chromium", () => {
  const h = useBrowserApp();
  const api = () => signIn(h().testApp.app, DEMO.admin);

  it("shows who holds a taken IP address beside the field, and who shares a mobile phone while it is typed", async () => {
    const admin = await api();
    const holder = await makeCustomer(admin, {
      name: "Jane Holder",
      ipAddress: "10.0.0.5",
      phone: "+12015550142",
    });
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto("/customers");
    await page.getByRole("button", { name: "New customer" }).click();
    const form = page.getByRole("dialog", { name: "New customer" });
    await form.getByLabel("Name").fill("John Newcomer");
    await form.getByLabel("Mobile phone").fill("(201) 555-0142");
    // A household may share a number: the form names who has it, with a link, and lets the save through.
    const shared = form.getByRole("status").filter({ hasText: "Also the number of" });
    await shared.waitFor();
    const holderLink = shared.getByRole("link", { name: `${holder.accountNumber} Jane Holder` });
    expect(await holderLink.getAttribute("href")).toBe(`/customers/${holder.id}`);

    await form.getByLabel("IP address").fill("10.0.0.5");
    await form.getByRole("button", { name: "Create customer" }).click();
    const taken = `IP address 10.0.0.5 already belongs to ${holder.accountNumber} Jane Holder`;
    const ipField = form.getByLabel("IP address");
    await form.getByText(taken).first().waitFor();
    // Beside the field: the input is marked invalid and described by that message.
    expect(await ipField.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await ipField.getAttribute("aria-describedby")) ?? "";
    const described = await Promise.all(
      describedBy
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => page.locator(`[id="${id}"]`).textContent()),
    );
    expect(described.join(" ")).toContain(taken);

    await ipField.fill("10.0.0.6");
    await form.getByRole("button", { name: "Create customer" }).click();
    await form.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "John Newcomer" }).waitFor();
    await page.getByText(`Another customer has the same phone number: Jane Holder (${holder.accountNumber})`).waitFor();
  }, 120_000);

  it("lists the customer's open tickets, with links, on a new ticket before it is saved (phone width)", async () => {
    const admin = await api();
    const customer = await makeCustomer(admin, { name: "Ticket Holder" });
    const first = await makeTicket(admin, { customerId: customer.id, subject: "No signal since the storm" });
    const second = await makeTicket(admin, { customerId: customer.id, subject: "Slow in the evenings" });
    const done = await makeTicket(admin, { customerId: customer.id, subject: "Old closed problem" });
    expect((await admin.patch(`/api/tickets/${done.id}`, { status: "closed", version: done.version })).statusCode).toBe(
      200,
    );

    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    await page.goto(`/tickets/new?customerId=${customer.id}`);
    // Named by its title (Mantine labels the alert by it).
    const notice = page.getByRole("status", { name: "This customer has 2 open tickets" });
    await notice.waitFor();
    await notice.getByText("No signal since the storm").waitFor();
    await notice.getByText("Slow in the evenings").waitFor();
    expect(await notice.getByText("Old closed problem").count()).toBe(0);
    const link = notice.getByRole("link", { name: first.number });
    expect(await link.getAttribute("href")).toBe(`/tickets/${first.id}`);
    expect(await notice.getByRole("link", { name: second.number }).getAttribute("href")).toBe(`/tickets/${second.id}`);
    await link.click();
    await page.getByRole("heading", { name: "No signal since the storm" }).waitFor();
  }, 120_000);

  it("shows the same not-found page for a customer URL that is no id and for an unknown customer", async () => {
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    for (const path of ["/customers/not-a-uuid", "/customers/00000000-0000-4000-8000-000000000000"]) {
      await page.goto(path);
      await page.getByRole("heading", { name: "Customer not found" }).waitFor();
      await page.getByText("There is no customer at this address.").waitFor();
      expect(await page.getByRole("alert").count()).toBe(0);
    }
    await page.getByRole("link", { name: "Back to customers" }).click();
    await page.getByRole("heading", { name: "Customers" }).waitFor();
    // Tickets answer the same way.
    await page.goto("/tickets/not-a-uuid");
    await page.getByRole("heading", { name: "Ticket not found" }).waitFor();
  }, 120_000);

  it("shows an archived customer in one state, naming who archived them", async () => {
    const admin = await api();
    const customer = await makeCustomer(admin, { name: "Archie Onestate" });
    await admin.delete(`/api/customers/${customer.id}`);
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    await page.goto(`/customers/${customer.id}`);
    await page.getByRole("heading", { name: "Archie Onestate" }).waitFor();
    const banner = page.getByRole("alert").filter({ hasText: "Archived customer" });
    await banner.getByText(`by ${admin.user.name}`, { exact: false }).waitFor();
    // No "Active" badge beside "Archived", no promise of SMS, no new-ticket button.
    expect(await page.getByText("Active", { exact: true }).count()).toBe(0);
    expect(await page.getByText("Receives updates").count()).toBe(0);
    await page.getByText("None while archived").waitFor();
    expect(await page.getByRole("link", { name: "New ticket" }).count()).toBe(0);
  }, 120_000);

  it("disables deleting a plan or site in use, saying by how many customers", async () => {
    const admin = await api();
    const plan = await makeServicePlan(admin, { name: "Plan In Use" });
    const unused = await makeServicePlan(admin, { name: "Plan Unused" });
    const site = (await admin.post("/api/sites", { name: "Site In Use", kind: "tower" })).json();
    await makeCustomer(admin, { servicePlanId: plan.id, siteId: site.id });
    await makeCustomer(admin, { servicePlanId: plan.id });

    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto("/settings/plans");
    const inUse = page.getByRole("button", { name: "Delete Plan In Use (in use by 2 customers)" });
    await inUse.waitFor();
    expect(await inUse.getAttribute("aria-disabled")).toBe("true");
    await inUse.hover();
    await page
      .getByRole("tooltip")
      .getByText(/In use by 2 customers: deactivate it instead/)
      .waitFor();
    // aria-disabled keeps it focusable (and its tooltip reachable); a click does nothing.
    await inUse.click({ force: true });
    expect(await page.getByRole("dialog").count()).toBe(0);
    await page.getByRole("button", { name: `Delete ${unused.name}`, exact: true }).click();
    await page.getByRole("dialog", { name: `Delete ${unused.name}?` }).waitFor();
    await page.keyboard.press("Escape");

    await page.goto("/settings/sites");
    const siteDelete = page.getByRole("button", { name: "Delete Site In Use (in use by 1 customer)" });
    await siteDelete.waitFor();
    expect(await siteDelete.getAttribute("aria-disabled")).toBe("true");
  }, 120_000);
});
