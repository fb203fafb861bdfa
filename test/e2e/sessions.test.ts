import { randomInt } from "node:crypto";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { DEMO, sessionCookieFrom, signIn } from "../support/app.js";
import { describeBrowser, useBrowserApp } from "../support/browser.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeStaff } from "../support/factories/users.js";

const PHONE_UA =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";

/**
 * Profile → Where you're signed in (docs/security.md), on a phone: the technician sees this
 * browser marked and the other phone they signed in on, signs the other out after a
 * confirmation, and that session's next request is refused.
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
  describeBrowser(`sessions in Chromium (${kind})`, () => {
    const h = useBrowserApp({}, kind);

    it("lists where you are signed in and signs another session out at once", async () => {
      const app = h().testApp.app;
      const admin = await signIn(app, DEMO.admin);
      const account = await makeStaff(admin, { name: `Field Tech ${randomInt(1_000_000)}` });
      // The other device: a phone that signed in from another address.
      const other = await app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { email: account.email, password: account.password },
        headers: { "user-agent": PHONE_UA },
        remoteAddress: "203.0.113.50",
      });
      expect(other.statusCode).toBe(200);
      const otherCookie = sessionCookieFrom(other);
      const otherStatus = async () =>
        (await app.inject({ method: "GET", url: "/api/auth/me", headers: { cookie: otherCookie } })).statusCode;
      expect(await otherStatus()).toBe(200);

      const page = await h().newPage({ viewport: { width: 390, height: 844 } });
      page.setDefaultTimeout(20_000);
      await signInThroughForm(page, account.email, account.password);
      await page.goto("/profile");
      await page.getByRole("heading", { name: "Where you're signed in" }).waitFor();
      const list = page.getByRole("list", { name: "Your sessions" });
      const otherItem = list.getByRole("listitem", { name: "Chrome 126 on Android 14" });
      await otherItem.waitFor();
      await otherItem.getByText("From 203.0.113.50").waitFor();
      await list.getByText("This device").waitFor();
      expect(await list.getByRole("listitem").count()).toBe(2);
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
      ).toBe(true);

      await page.getByRole("button", { name: "Sign out Chrome 126 on Android 14" }).click();
      const dialog = page.getByRole("dialog", { name: "Sign out Chrome 126 on Android 14?" });
      await dialog.waitFor();
      await dialog.getByRole("button", { name: "Sign out" }).click();
      await page.getByText("Chrome 126 on Android 14 signed out").waitFor();
      await expect.poll(() => list.getByRole("listitem").count()).toBe(1);
      expect(await otherStatus()).toBe(401);
      // This browser is still signed in, and there is no one else to sign out.
      await page.reload();
      await page.getByRole("heading", { name: "Where you're signed in" }).waitFor();
      await list.getByText("This device").waitFor();
      expect(await list.getByRole("listitem").count()).toBe(1);
      expect(await page.getByRole("button", { name: "Sign out all other sessions" }).count()).toBe(0);
      await page.close();
    }, 180_000);
  });
}
