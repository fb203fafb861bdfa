import { randomInt } from "node:crypto";
import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";

/**
 * The bell in two browsers (docs/notifications.md): the Admin mentions John in an internal note,
 * picking him from the @ list with the keyboard; John, on a phone, sees the count on his bell
 * without reloading (the live stream) and opens the ticket from the list.
 */
for (const kind of testDatabaseKinds()) {
  describeBrowser(`notifications in Chromium (${kind})`, () => {
    const h = useBrowserApp({}, kind);

    it("a mention typed with the @ list reaches the technician's bell on a phone, and the entry opens the ticket", async () => {
      const app = h().testApp.app;
      const admin = await signIn(app, DEMO.admin);
      const john = await signIn(app, DEMO.john);
      expect((await john.post("/api/notifications/read-all")).statusCode).toBe(200);
      const ticket = await makeTicket(admin, { subject: `Dish knocked by the wind ${kind} ${randomInt(1_000_000)}` });

      const phone = await h().newPage({ viewport: { width: 390, height: 844 } });
      phone.setDefaultTimeout(20_000);
      await signInThroughUi(phone, DEMO.john.email, DEMO.john.password);
      const bell = phone.getByRole("button", { name: /^Notifications/ });
      await expect.poll(() => bell.getAttribute("aria-label")).toBe("Notifications");

      const desk = await h().newPage();
      desk.setDefaultTimeout(20_000);
      await signInThroughUi(desk, DEMO.admin.email, DEMO.admin.password);
      await desk.goto(`/tickets/${ticket.id}`);
      await desk.getByRole("heading", { name: ticket.subject }).waitFor();
      const comment = desk.getByLabel("Comment", { exact: true });
      await comment.click();
      await comment.pressSequentially("Can you re-aim it today, @jo");
      const option = desk.getByRole("option", { name: /John Tech/ });
      await option.waitFor();
      // The first match is chosen: Enter takes it, as ↓ then ↑ shows the list moves and comes back.
      await comment.press("ArrowDown");
      await comment.press("ArrowUp");
      await comment.press("Enter");
      await expect.poll(() => comment.inputValue()).toBe("Can you re-aim it today, @John Tech ");
      expect(await desk.getByRole("option").count()).toBe(0);
      await comment.pressSequentially("before noon?");
      await desk.getByRole("button", { name: "Add comment" }).click();
      await desk.getByText("Comment added").waitFor();

      // John's phone: the count arrives by itself.
      await phone.getByRole("button", { name: "Notifications, 1 unread" }).waitFor();
      await bell.click();
      const dialog = phone.getByRole("dialog", { name: "Notifications" });
      const entry = dialog.getByRole("button", { name: `Unread: Admin mentioned you on ${ticket.number}` });
      await entry.waitFor();
      await dialog.getByText("Can you re-aim it today, @John Tech before noon?").waitFor();
      expect(
        await phone.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
      ).toBe(true);
      await entry.click();
      await phone.waitForURL(`**/tickets/${ticket.id}`);
      await phone.getByRole("heading", { name: ticket.subject }).waitFor();
      await expect.poll(() => bell.getAttribute("aria-label")).toBe("Notifications");

      // Read stays read: the list of all shows it, the unread list is empty.
      await bell.click();
      await dialog.getByText("Nothing new").waitFor();
      await dialog.getByText("All", { exact: true }).click();
      await dialog.getByRole("button", { name: `Admin mentioned you on ${ticket.number}` }).waitFor();
      await phone.close();
      await desk.close();
    }, 180_000);
  });
}
