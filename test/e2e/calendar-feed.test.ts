import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeTechnician } from "../support/factories/users.js";

describeBrowser("the calendar feed on Your account in Chromium", () => {
  const h = useBrowserApp();

  it("creates the address (shown once, with a copy button and how to subscribe), makes a new one that ends the old, and turns it off, at 390 px", async () => {
    const { app } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    const technician = await makeTechnician(admin);
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    page.setDefaultTimeout(30_000);
    await signInThroughUi(page, technician.email, technician.password);
    await page.goto("/profile");
    await page.getByRole("heading", { name: "Calendar feed" }).waitFor();
    await page.getByRole("button", { name: "Create calendar address" }).click();

    const address = page.getByLabel("Calendar feed address");
    const first = (await address.textContent()) ?? "";
    expect(first).toMatch(/\/ical\/[A-Za-z0-9_-]{43}\.ics$/);
    await page.getByRole("button", { name: "Copy the calendar address" }).waitFor();
    await page.getByText("Add Subscribed Calendar", { exact: false }).waitFor();
    await page.getByText("From URL", { exact: false }).waitFor();
    expect((await app.inject({ method: "GET", url: new URL(first).pathname })).statusCode).toBe(200);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    ).toBe(true);
    await page.getByRole("button", { name: "I have copied it" }).click();
    await expect(address.count()).resolves.toBe(0);
    await page.getByText("not fetched yet", { exact: false }).waitFor();

    // A new address: asked first, because the old one stops working.
    await page.getByRole("button", { name: "Make a new address" }).click();
    const confirm = page.getByRole("dialog", { name: "Make a new address?" });
    await confirm.getByText("stops working at once", { exact: false }).waitFor();
    await confirm.getByRole("button", { name: "Make a new address" }).click();
    const second = (await page.getByLabel("Calendar feed address").textContent()) ?? "";
    expect(second).not.toBe(first);
    expect((await app.inject({ method: "GET", url: new URL(first).pathname })).statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: new URL(second).pathname })).statusCode).toBe(200);
    await page.getByRole("button", { name: "I have copied it" }).click();

    await page.getByRole("button", { name: "Turn off" }).click();
    await page
      .getByRole("dialog", { name: "Turn the calendar feed off?" })
      .getByRole("button", { name: "Turn off" })
      .click();
    await page.getByRole("button", { name: "Create calendar address" }).waitFor();
    expect((await app.inject({ method: "GET", url: new URL(second).pathname })).statusCode).toBe(404);
    await page.close();
  }, 120_000);
});
