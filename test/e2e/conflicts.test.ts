import type { Locator } from "playwright-core";
import { expect, it } from "vitest";
import type { Customer } from "../../src/shared/customers.js";
import type { TicketDetail } from "../../src/shared/tickets.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";

/** Two people at once, each in their own browser context: nobody's change is lost. */
describeBrowser("edit conflicts in Chromium", () => {
  const h = useBrowserApp();
  const newPage = async (options?: { viewport: { width: number; height: number } }) => {
    const page = await h().newPage(options);
    page.setDefaultTimeout(20_000);
    return page;
  };
  const api = () => signIn(h().testApp.app, DEMO.admin);

  /** Whether an element is in the viewport and on top there (not behind a dialog's overlay). */
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

  it("the lost-update scenario keeps both changes: one edits the description, the other the subject from an older view", async () => {
    const admin = await api();
    const ticket = await makeTicket(admin, { subject: "No internet", description: "Red light on the ONT" });
    const one = await newPage();
    const two = await newPage({ viewport: { width: 390, height: 844 } });
    await signInThroughUi(one, DEMO.admin.email, DEMO.admin.password);
    await signInThroughUi(two, DEMO.john.email, DEMO.john.password);
    await one.goto(`/tickets/${ticket.id}`);
    await two.goto(`/tickets/${ticket.id}`);
    await one.getByRole("heading", { name: "No internet" }).waitFor();
    await two.getByRole("heading", { name: "No internet" }).waitFor();

    // User 2 opens the dialog on the version both see...
    await two.getByRole("button", { name: "Edit details" }).click();
    const dialogTwo = two.getByRole("dialog", { name: `Edit ${ticket.number}` });
    await dialogTwo.getByLabel("Subject").waitFor();

    // ...while user 1 edits the description and saves.
    await one.getByRole("button", { name: "Edit details" }).click();
    const dialogOne = one.getByRole("dialog", { name: `Edit ${ticket.number}` });
    await dialogOne.getByLabel("Description").fill("Red LOS light since 9:00; fibre cut on Elm St");
    await dialogOne.getByRole("button", { name: "Save" }).click();
    await dialogOne.waitFor({ state: "detached" });
    await one.getByText("Red LOS light since 9:00; fibre cut on Elm St").waitFor();

    // User 2 changes only the subject and saves from the older view.
    await dialogTwo.getByLabel("Subject").fill("No internet since the storm");
    await dialogTwo.getByRole("button", { name: "Save" }).click();
    await dialogTwo.waitFor({ state: "detached" });
    await two.getByText(/the other change to description was kept/).waitFor();
    await two.getByRole("heading", { name: "No internet since the storm" }).waitFor();
    await two.getByText("Red LOS light since 9:00; fibre cut on Elm St").waitFor();

    const now = (await admin.get(`/api/tickets/${ticket.id}`)).json() as TicketDetail;
    expect(now.subject).toBe("No internet since the storm");
    expect(now.description).toBe("Red LOS light since 9:00; fibre cut on Elm St");
  }, 120_000);

  it("a subject both changed asks theirs or mine inside the dialog, and the choice saves", async () => {
    const admin = await api();
    const ticket = await makeTicket(admin, { subject: "Slow speed", description: "Evenings only" });
    const page = await newPage();
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    await page.goto(`/tickets/${ticket.id}`);
    await page.getByRole("button", { name: "Edit details" }).click();
    const dialog = page.getByRole("dialog", { name: `Edit ${ticket.number}` });
    await dialog.getByLabel("Subject").fill("Slow speed at 12 Elm St");

    expect(
      (
        await admin.patch(`/api/tickets/${ticket.id}`, {
          subject: "Slow speed: node 4 congested",
          version: ticket.version,
        })
      ).statusCode,
    ).toBe(200);
    await dialog.getByRole("button", { name: "Save" }).click();

    // The conflict renders in the dialog, in view, not behind its overlay.
    const alert = dialog.getByRole("alert").filter({ hasText: "changed this while you were editing" });
    await alert.waitFor();
    expect(await seenInViewport(alert)).toBe(true);
    await alert.getByText("Admin edited subject").waitFor();
    const choice = alert.getByRole("radiogroup", { name: "Subject" });
    await choice.getByText("Slow speed: node 4 congested").waitFor();
    await choice.getByText("Slow speed at 12 Elm St").waitFor();
    await choice.getByLabel("Use mine").check();
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Slow speed at 12 Elm St" }).waitFor();
    const now = (await admin.get(`/api/tickets/${ticket.id}`)).json() as TicketDetail;
    expect(now).toMatchObject({ subject: "Slow speed at 12 Elm St", description: "Evenings only" });
  }, 120_000);

  it("the customer conflict shows the other change in the dialog and resolves in one more save", async () => {
    const admin = await api();
    const customer = await makeCustomer(admin, { street: "12 Main St", city: "Springfield", notes: "Gate code 1234" });
    const one = await newPage();
    const two = await newPage();
    // Two edits from an older view: without the live stream, which would move its open form onto
    // one's save at once (test/e2e/live.test.ts), its save meets the 409 this test is about.
    await two.route("**/api/events", (route) => route.abort());
    await signInThroughUi(one, DEMO.admin.email, DEMO.admin.password);
    await signInThroughUi(two, DEMO.admin.email, DEMO.admin.password);
    await one.goto(`/customers/${customer.id}`);
    await two.goto(`/customers/${customer.id}`);

    // User 2 opens the edit form first.
    await two.getByRole("button", { name: "Edit", exact: true }).click();
    const dialogTwo = two.getByRole("dialog", { name: `Edit ${customer.name}` });
    await dialogTwo.getByLabel("Notes").waitFor();

    // User 1 changes the street and the notes, and saves.
    await one.getByRole("button", { name: "Edit", exact: true }).click();
    const dialogOne = one.getByRole("dialog", { name: `Edit ${customer.name}` });
    await dialogOne.getByLabel("Street").fill("14 Main St");
    await dialogOne.getByLabel("Notes").fill("Gate code 9999");
    await dialogOne.getByRole("button", { name: "Save changes" }).click();
    await dialogOne.waitFor({ state: "detached" });

    // User 2 changes the city and the notes from the older version.
    await dialogTwo.getByLabel("City").fill("Shelbyville");
    await dialogTwo.getByLabel("Notes").fill("Dog in the yard; gate code 1234");
    await dialogTwo.getByRole("button", { name: "Save changes" }).click();

    const alert = dialogTwo.getByRole("alert").filter({ hasText: "changed this while you were editing" });
    await alert.waitFor();
    expect(await seenInViewport(alert)).toBe(true);
    // Marked: their street is in the form; only the notes need a choice.
    await alert.getByText("Their change to Street is now in the form and will be kept.").waitFor();
    expect(await dialogTwo.getByLabel("Street").inputValue()).toBe("14 Main St");
    const notes = alert.getByRole("radiogroup", { name: "Notes" });
    await notes.getByText("Gate code 9999").waitFor();
    await notes.getByLabel("Use mine").check();
    await dialogTwo.getByRole("button", { name: "Save changes" }).click();
    await dialogTwo.waitFor({ state: "detached" });

    const now = (await admin.get(`/api/customers/${customer.id}`)).json() as Customer;
    expect(now).toMatchObject({ street: "14 Main St", city: "Shelbyville", notes: "Dog in the yard; gate code 1234" });
    expect(now.version).toBe(customer.version + 2);
  }, 120_000);
});
