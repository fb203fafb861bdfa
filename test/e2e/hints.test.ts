import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { HOUR } from "../../src/server/clock.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { ManualClock } from "../support/clock.js";
import { makeTicket } from "../support/factories/tickets.js";

const DAY = 24 * HOUR;

describeBrowser("hints and ids in Chromium", () => {
  // The server's clock two days back: the ticket below is two days old and overdue by now.
  const clock = new ManualClock(new Date(Date.now() - 2 * DAY));
  const h = useBrowserApp({ clock });

  it("a queue row's date and overdue badge draw their hint on hover only, described by it, hidden by Escape", async () => {
    const { app } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    const subject = `Hint check ${randomUUID().slice(0, 8)}`;
    await makeTicket(admin, { subject, priority: "urgent" });
    clock.advance(2 * DAY - HOUR);

    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto(`/tickets?view=all&q=${encodeURIComponent(subject)}`);
    const row = page.getByRole("row").filter({ hasText: subject });
    await row.waitFor();
    // No hint shows before the pointer reaches one.
    expect(await page.getByRole("tooltip").count()).toBe(0);

    const badge = row.getByText("Overdue", { exact: true });
    await badge.hover();
    const dueHint = page.getByRole("tooltip", { name: /^Was due / });
    await dueHint.waitFor();
    const describedBy = await badge.evaluate(
      (element) => element.closest("[aria-describedby]")?.getAttribute("aria-describedby") ?? "",
    );
    expect(describedBy).not.toBe("");
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/^Was due /);
    await page.keyboard.press("Escape");
    await dueHint.waitFor({ state: "hidden" });

    // The last update's moment: absolute in the row, how long ago in its hint (after 200 ms).
    // Escape during that wait stops it from showing.
    const updated = row.locator("time").last();
    await updated.hover();
    await page.keyboard.press("Escape");
    await page.waitForTimeout(500);
    expect(await page.getByRole("tooltip").count()).toBe(0);
    await page.mouse.move(1, 1);
    await updated.hover();
    const agoHint = page.getByRole("tooltip", { name: /2 days ago/ });
    await agoHint.waitFor();
    await page.mouse.move(1, 1);
    await agoHint.waitFor({ state: "hidden" });
    // Hovered again, it shows again (the same hint, drawn once).
    await updated.hover();
    await agoHint.waitFor();
  });

  it("no element's id changes once it is on the page (Mantine's ids are React's, never swapped after mount)", async () => {
    const { app } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    await makeTicket(admin, { subject: `Stable ids ${randomUUID().slice(0, 8)}` });
    const page = await h().newPage();
    await page.addInitScript(() => {
      const changes: string[] = [];
      (window as unknown as { idChanges: string[] }).idChanges = changes;
      new MutationObserver((records) => {
        for (const record of records) {
          if (record.oldValue !== null) changes.push(`${record.oldValue} → ${(record.target as Element).id}`);
        }
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ["id"], attributeOldValue: true });
    });
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto("/tickets?view=all");
    await page.getByRole("row").nth(1).waitFor();
    await page.getByLabel("Search tickets").waitFor();
    const inputId = await page.getByLabel("Search tickets").getAttribute("id");
    expect(inputId).toMatch(/^mantine-/);
    // A moment for any effect that would swap ids after the first screen.
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { idChanges: string[] }).idChanges)).toEqual([]);
  });
});
