import { desc, eq } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import { expect, it } from "vitest";
import { auditLog } from "../../src/server/db/schema/index.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, useBrowserApp } from "../support/browser.js";
import { makeStaff, type StaffAccount, signInAs } from "../support/factories/users.js";

/**
 * A page on http://localhost:<port>: WebAuthn needs a secure context and a domain for its RP ID
 * (an IP address is refused), and localhost is both. The app derives the RP ID from the request's
 * host, as in development without PUBLIC_URL.
 */
async function localhostPage(
  h: ReturnType<ReturnType<typeof useBrowserApp>>,
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await h.browser.newContext({ baseURL: h.baseUrl.replace("127.0.0.1", "localhost"), viewport });
  context.setDefaultTimeout(20_000);
  return { context, page: await context.newPage() };
}

/**
 * Chrome's virtual authenticator through the DevTools protocol: a platform authenticator (CTAP2)
 * that keeps discoverable credentials and verifies its user, answering every prompt at once. The
 * browser does the real WebAuthn exchange with the app: options, a signed attestation or assertion.
 */
async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<CDPSession> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return cdp;
}

async function signInWithPassword(page: Page, account: { email: string; password: string }) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel(/^Password/).fill(account.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
}

describeBrowser("two-factor sign-in in Chromium", () => {
  const h = useBrowserApp();
  const newStaff = async (name: string): Promise<StaffAccount> => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    return makeStaff(admin, { role: "agent", name });
  };
  const lastLoginMethod = async (userId: string) => {
    const [row] = await h()
      .testApp.database.handle.db.select({ data: auditLog.data })
      .from(auditLog)
      .where(eq(auditLog.entityId, userId))
      .orderBy(desc(auditLog.id))
      .limit(1);
    return row?.data;
  };

  it("registers a passkey on the profile, then uses it as the second step and to sign in without a password", async () => {
    const account = await newStaff("Petra Passkey");
    const { context, page } = await localhostPage(h());
    await addVirtualAuthenticator(context, page);

    await signInWithPassword(page, account);
    await page.getByRole("button", { name: "Account menu" }).waitFor();
    await page.goto("/profile");
    await page.getByRole("heading", { name: "Two-factor sign-in" }).waitFor();
    await page.getByLabel("Passkey name").fill("Work laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    // The first second factor: the recovery codes, shown once.
    await page.getByText("Save your recovery codes now").waitFor();
    expect(await page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").count()).toBe(10);
    await page.getByRole("button", { name: "I have saved my codes" }).click();
    await page.getByRole("list", { name: "Your passkeys" }).getByText("Work laptop").waitFor();

    // The password now leads to the second step; the passkey answers it.
    await signOut(page);
    await signInWithPassword(page, account);
    await page.getByRole("heading", { name: "Two-factor sign-in" }).waitFor();
    await page.getByRole("button", { name: "Use a passkey" }).click();
    await page.getByRole("button", { name: "Account menu" }).waitFor();
    expect(await lastLoginMethod(account.id)).toEqual({ method: "passkey" });

    // No email, no password: the browser offers the discoverable passkey it holds for this site.
    await signOut(page);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByRole("button", { name: "Account menu" }).waitFor();
    expect(await lastLoginMethod(account.id)).toEqual({ method: "passwordless_passkey" });
    const me = await page.evaluate(async () => (await fetch("/api/auth/me")).json());
    expect(me.user.email).toBe(account.email);
  });

  it("offers only the second steps the account has: an authenticator app, not the passkey in this browser", async () => {
    const owner = await newStaff("Oscar Owner");
    const other = await newStaff("Olivia Other");
    const { context, page } = await localhostPage(h());
    await addVirtualAuthenticator(context, page);
    // Olivia's passkey lives in this browser's authenticator…
    await signInWithPassword(page, other);
    await page.getByRole("button", { name: "Account menu" }).waitFor();
    await page.goto("/profile");
    await page.getByLabel("Passkey name").fill("Shared tablet");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByRole("button", { name: "I have saved my codes" }).click();
    await signOut(page);
    // …Oscar has an authenticator app only, so his second step offers no passkey.
    const api = await signInAs(h().testApp.app, owner);
    const setup = (await api.post("/api/auth/two-factor/totp")).json();
    const totp = new TOTP({ secret: Secret.fromBase32(setup.secret.replace(/\s/g, "")), digits: 6, period: 30 });
    const confirm = await api.post("/api/auth/two-factor/totp/confirm", {
      code: totp.generate({ timestamp: h().testApp.clock.now().getTime() }),
    });
    expect(confirm.statusCode).toBe(200);
    await signInWithPassword(page, owner);
    await page.getByLabel("Authentication code").waitFor();
    expect(await page.getByRole("button", { name: "Use a passkey" }).count()).toBe(0);
  });

  it("sets up an authenticator app through the profile on a phone (390 px) and signs in with its code", async () => {
    const account = await newStaff("Tariq Totp");
    const { page } = await localhostPage(h(), { width: 390, height: 844 });
    await signInWithPassword(page, account);
    await page.getByRole("button", { name: "Account menu" }).waitFor();
    await page.goto("/profile");
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    await page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor();
    const key = (await page.getByLabel("Setup key").textContent()) ?? "";
    const totp = new TOTP({ secret: Secret.fromBase32(key.replace(/\s/g, "")), digits: 6, period: 30 });
    const clock = h().testApp.clock;
    await page.getByLabel("Code from the app").fill(totp.generate({ timestamp: clock.now().getTime() }));
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByText("Save your recovery codes now").waitFor();
    const codes = await page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").allTextContents();
    expect(codes).toHaveLength(10);
    await page.getByRole("button", { name: "I have saved my codes" }).click();
    await page.getByText(/sign-in asks for its 6-digit code/).waitFor();
    // Nothing of the page is wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await signOut(page);
    await signInWithPassword(page, account);
    // The code used to turn it on is spent: the next time step's code signs in.
    clock.advance(30_000);
    await page.getByLabel("Authentication code").fill(totp.generate({ timestamp: clock.now().getTime() }));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("button", { name: "Account menu" }).waitFor();

    // And a recovery code, once.
    await signOut(page);
    await signInWithPassword(page, account);
    await page.getByRole("button", { name: "Use a recovery code" }).click();
    await page.getByLabel("Recovery code").fill(codes[0] ?? "");
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("button", { name: "Account menu" }).waitFor();
  });
});
