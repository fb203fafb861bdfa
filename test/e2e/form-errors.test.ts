import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import { DEMO } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";

/** Whether an element is in the viewport and on top there (not scrolled away, not behind an overlay). */
const seenInViewport = (locator: Locator) =>
  locator.evaluate((element) => {
    const box = element.getBoundingClientRect();
    if (box.bottom <= 0 || box.top >= window.innerHeight || box.right <= 0 || box.left >= window.innerWidth)
      return false;
    const hit = document.elementFromPoint(
      box.left + box.width / 2,
      Math.max(box.top, 0) + Math.min(box.height / 2, 20),
    );
    return hit !== null && element.contains(hit);
  });

const isFocused = (locator: Locator) => locator.evaluate((element) => element === document.activeElement);

/** The long "New customer" dialog, filled from the top down as a person would. */
async function openNewCustomer(page: Page) {
  await page.goto("/customers");
  await page.getByRole("button", { name: "New customer" }).click();
  return page.getByRole("dialog", { name: "New customer" });
}

/** Errors in a long dialog are seen where the person looks: the field, focused, and a line by the button. */
describeBrowser("form errors in Chromium", () => {
  const h = useBrowserApp();
  const newPage = async () => {
    // A technician's phone: the dialog is far taller than the screen.
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    page.setDefaultTimeout(20_000);
    return page;
  };

  it("a server-side field error is scrolled into view and focused after clicking Create, with a summary by the button", async () => {
    const page = await newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    const dialog = await openNewCustomer(page);
    await dialog.getByLabel("Name").fill("Harriet Quimby");
    // Valid for the form (the shared rule is free text); the server reads it as a US number and refuses it.
    await dialog.getByLabel("Mobile phone").fill("555 0100");
    await dialog.getByLabel("Street").fill("1 Airfield Rd");
    await dialog.getByLabel("Notes").fill("Prefers calls after 5 pm");
    const create = dialog.getByRole("button", { name: "Create customer" });
    await create.scrollIntoViewIfNeeded();
    const phone = dialog.getByLabel("Mobile phone");
    // The field is out of sight when the person clicks Create.
    expect(await seenInViewport(phone)).toBe(false);
    const posted = page.waitForResponse((r) => r.url().endsWith("/api/customers") && r.request().method() === "POST");
    await create.click();
    expect((await posted).status()).toBe(422);

    await dialog.getByText("Phone: not a valid number for US").waitFor();
    await expect.poll(() => isFocused(phone)).toBe(true);
    await expect.poll(() => seenInViewport(phone)).toBe(true);
    // Beside the button, for whoever still looks there.
    const summary = dialog.getByText("Not saved: check Mobile phone.");
    await summary.waitFor();
    await create.scrollIntoViewIfNeeded();
    expect(await seenInViewport(summary)).toBe(true);

    await phone.fill("(201) 555-0199");
    await create.click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Harriet Quimby" }).waitFor();
  }, 120_000);

  it("checks IP, MAC, VLAN and coordinates in the browser by the shared rules, before any request, focusing the first", async () => {
    const page = await newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    const dialog = await openNewCustomer(page);
    let posts = 0;
    page.on("request", (request) => {
      if (request.method() === "POST" && request.url().endsWith("/api/customers")) posts += 1;
    });
    await dialog.getByLabel("Name").fill("Amelia Earhart");
    await dialog.getByLabel("Latitude").fill("39.5");
    await dialog.getByLabel("IP address").fill("100.64.0.300");
    await dialog.getByLabel("MAC address").fill("aa:bb:cc:dd:ee");
    await dialog.getByLabel("VLAN").fill("5000");
    // Leaving a field checks it; the messages it adds must not move Create away from the click.
    await dialog.getByLabel("VLAN").press("Tab");
    const create = dialog.getByRole("button", { name: "Create customer" });
    await create.click();

    await dialog.getByText("IP address must be an IPv4 or IPv6 address such as 10.0.0.12").waitFor();
    await dialog.getByText("MAC address must be 12 hex digits, such as AA:BB:CC:DD:EE:FF").waitFor();
    await dialog.getByText("VLAN must be between 1 and 4094").waitFor();
    // The first field in error, in the form's order, is where the person lands; the button says why.
    const ip = dialog.getByLabel("IP address");
    await expect.poll(() => isFocused(ip)).toBe(true);
    await expect.poll(() => seenInViewport(ip)).toBe(true);
    await dialog.getByText("Not saved: check IP address, MAC address, VLAN.").waitFor();

    // Half a coordinate pair is the shared schema's rule too.
    await ip.fill("100.64.0.30");
    await dialog.getByLabel("MAC address").fill("aa:bb:cc:dd:ee:ff");
    await dialog.getByLabel("VLAN").fill("120");
    await create.click();
    await dialog.getByText("Longitude is needed with a latitude: enter both, or neither").waitFor();
    const longitude = dialog.getByLabel("Longitude");
    await expect.poll(() => isFocused(longitude)).toBe(true);
    await expect.poll(() => seenInViewport(longitude)).toBe(true);
    expect(posts).toBe(0);
  }, 120_000);
});
