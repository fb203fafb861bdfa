import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { HTML_PAGE, phoneJpegWithGps } from "../attachments/files.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeTicket } from "../support/factories/tickets.js";

// Evaluated through the DevTools protocol (the app's CSP rightly refuses an injected <script>).
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's critical and serious findings on the page as it is now, as "rule: target" lines. */
async function blockingViolations(page: Page): Promise<string[]> {
  await page.waitForTimeout(400);
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] };
    const axe = (window as unknown as { axe: { run(context: Document): Promise<Result> } }).axe;
    const { violations } = await axe.run(document);
    return violations
      .filter((v) => v.impact === "critical" || v.impact === "serious")
      .flatMap((v) => v.nodes.map((node) => `${v.id}: ${JSON.stringify(node.target)}`));
  });
}

describeBrowser("Photos and files on a ticket in Chromium", () => {
  const h = useBrowserApp();

  it("a technician at 390 px adds a photo through the file input, sees its thumbnail and opens it; HTML is refused in place", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const ticket = await makeTicket(admin, { subject: "ONT on the garage wall has no light" });
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    page.setDefaultTimeout(30_000);
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    await page.goto(`/tickets/${ticket.id}`);
    await page.getByRole("heading", { name: ticket.subject }).waitFor();
    await page.getByText("No photos or files yet.").waitFor();

    // The camera control, as a phone offers it: an image/PDF file input that asks for the back camera.
    const camera = page.getByLabel("Add photo or file");
    expect(await camera.getAttribute("type")).toBe("file");
    expect(await camera.getAttribute("accept")).toBe("image/*,application/pdf");
    expect(await camera.getAttribute("capture")).toBe("environment");
    await camera.setInputFiles({ name: "IMG_0042.jpg", mimeType: "image/jpeg", buffer: await phoneJpegWithGps() });

    const gallery = page.getByRole("list", { name: "Photos and files of this ticket" });
    const tile = gallery.getByRole("button", { name: "View IMG_0042.jpg" });
    await tile.waitFor();
    const thumbnail = tile.getByRole("img", { name: "IMG_0042.jpg" });
    // The thumbnail loaded (a WebP the server made: upright, 213 × 320).
    await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(213);
    // The timeline says so, with the file's own thumbnail.
    await page.getByText(/John Tech added IMG_0042\.jpg \(JPEG, \d+ KB\)/).waitFor();
    expect(await blockingViolations(page), "axe: the gallery").toEqual([]);

    await tile.click();
    const viewer = page.getByRole("dialog", { name: "IMG_0042.jpg" });
    const photo = viewer.getByRole("img", { name: "IMG_0042.jpg" });
    await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalHeight)).toBe(600);
    await viewer.getByText("JPEG · 400 × 600").waitFor();
    expect(await viewer.getByRole("link", { name: "Download" }).getAttribute("href")).toMatch(
      /^\/api\/attachments\/[0-9a-f-]{36}$/,
    );
    expect(await blockingViolations(page), "axe: the viewer").toEqual([]);
    // Deleting is for admins: a technician is not offered it.
    expect(await viewer.getByRole("button", { name: "Delete file" }).count()).toBe(0);
    await page.keyboard.press("Escape");
    await viewer.waitFor({ state: "hidden" });

    // An HTML page dressed as a photo: refused, and the reason shows under the buttons.
    await page
      .getByLabel("Choose a file")
      .setInputFiles({ name: "photo.jpg", mimeType: "image/jpeg", buffer: HTML_PAGE });
    await page
      .getByRole("alert")
      .getByText("photo.jpg: This file type is not accepted: HTML. Photos (JPEG, PNG, WebP, HEIC) and PDFs are.")
      .waitFor();
    expect(await gallery.getByRole("listitem").count()).toBe(1);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    ).toBe(true);
    await page.close();
  }, 120_000);
});
