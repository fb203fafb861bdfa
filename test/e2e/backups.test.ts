import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, expect, it } from "vitest";
import { DEMO } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { testDatabaseKinds } from "../support/databases.js";

/**
 * Settings → Backups (docs/operations.md): the admin takes a backup with "Back up now", sees it at
 * the top of the list, and the download link gives the gzipped dump.
 */
for (const kind of testDatabaseKinds()) {
  describeBrowser(`backups in Chromium (${kind})`, () => {
    const backupDir = path.join(os.tmpdir(), `uplink-e2e-backups-${process.pid}-${kind}`);
    const h = useBrowserApp({ env: { BACKUP_DIR: backupDir } }, kind);
    afterAll(async () => {
      await rm(backupDir, { recursive: true, force: true });
    });

    it("an admin backs up now, sees it listed, and downloads it", async () => {
      const page = await h().newPage();
      page.setDefaultTimeout(30_000);
      await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
      await page.goto("/settings/backups");
      await page.getByRole("tab", { name: "Backups", selected: true }).waitFor();
      await page.getByText("No backups yet.").waitFor();

      await page.getByRole("button", { name: "Back up now" }).click();
      const written = page.getByRole("status").filter({ hasText: "Backup written" });
      await written.waitFor();
      const name = /uplink-[\dTZ-]+\.sql\.gz/.exec((await written.textContent()) ?? "")?.[0];
      expect(name).toBeDefined();

      const table = page.getByRole("table", { name: "Backups" });
      const link = table.getByRole("link", { name: name ?? "" });
      await link.waitFor();
      await table.getByText("Latest").waitFor();

      const downloads = await mkdtemp(path.join(os.tmpdir(), "uplink-e2e-download-"));
      try {
        const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
        expect(download.suggestedFilename()).toBe(name);
        const saved = path.join(downloads, download.suggestedFilename());
        await download.saveAs(saved);
        expect(gunzipSync(await readFile(saved)).toString("utf8")).toContain("CREATE TABLE public.tickets");
        // "Download latest" is the same file.
        const [latest] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("link", { name: "Download latest" }).click(),
        ]);
        expect(latest.suggestedFilename()).toBe(name);
      } finally {
        await rm(downloads, { recursive: true, force: true });
      }
      await page.close();
    }, 180_000);
  });
}
