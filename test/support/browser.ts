import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe } from "vitest";
import { createTestApp, type TestApp } from "./app.js";
import type { DatabaseKind } from "./databases.js";
import { TwilioStandIn } from "./twilio-stand-in.js";

/** Chromium for the browser tests: CHROMIUM_PATH, else Debian's. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((candidate): candidate is string => Boolean(candidate && existsSync(candidate)));
}

let warned = false;
/**
 * `describe` for browser suites. Without Chromium they are skipped with a loud notice — except
 * under CI=true, where a missing browser fails the run.
 */
export function describeBrowser(name: string, body: () => void) {
  const path = chromiumPath();
  if (!path) {
    if (process.env.CI === "true") {
      describe(name, () => {
        beforeAll(() => {
          throw new Error("CI=true but no Chromium: install Debian's chromium or set CHROMIUM_PATH");
        });
        body();
      });
      return;
    }
    if (!warned) {
      warned = true;
      console.warn(
        "\n  ***********************************************************************\n" +
          "  *  NO CHROMIUM FOUND: browser (e2e) tests are SKIPPED.                 *\n" +
          "  *  Install Debian's `chromium` or set CHROMIUM_PATH to run them.       *\n" +
          "  ***********************************************************************\n",
      );
    }
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

export interface BrowserHarness {
  testApp: TestApp;
  baseUrl: string;
  browser: Browser;
  /** A fresh browser context (its own cookies) with a page, closed after the suite. */
  /** `timezoneId`: the browser's own zone (an IANA name), for pages that must not follow it. */
  newPage(options?: { viewport?: { width: number; height: number }; timezoneId?: string }): Promise<Page>;
}

/**
 * Starts the app on a real port (PGlite, or the server database: `kind`) and a headless Chromium
 * for the surrounding suite.
 */
export function useBrowserApp(
  options: Parameters<typeof createTestApp>[1] = {},
  kind: DatabaseKind = "pglite",
): () => BrowserHarness {
  let harness: BrowserHarness | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    const testApp = await createTestApp(kind, options);
    await testApp.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = testApp.app.server.address() as AddressInfo;
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    harness = {
      testApp,
      baseUrl: `http://127.0.0.1:${port}`,
      browser,
      async newPage(pageOptions = {}) {
        const context = await browser.newContext({
          baseURL: `http://127.0.0.1:${port}`,
          viewport: pageOptions.viewport ?? { width: 1280, height: 800 },
          ...(pageOptions.timezoneId ? { timezoneId: pageOptions.timezoneId } : {}),
        });
        contexts.push(context);
        context.setDefaultTimeout(10_000);
        return context.newPage();
      },
    };
  }, 90_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await harness?.browser.close();
    await harness?.testApp.close();
  });
  return () => {
    if (!harness) throw new Error("the browser harness is not ready");
    return harness;
  };
}

/**
 * `useBrowserApp` with SMS on: a Twilio stand-in on loopback, started before the app (its beforeAll
 * is registered first), so the app's texts reach it; stopped after the suite.
 */
export function useBrowserAppWithTwilio(): { h: () => BrowserHarness; twilio: TwilioStandIn } {
  const twilio = new TwilioStandIn();
  const options: { env: Record<string, string> } = { env: {} };
  beforeAll(async () => {
    await twilio.start();
    options.env = twilio.env();
    return () => twilio.stop();
  });
  return { h: useBrowserApp(options), twilio };
}

/** Signs in through the sign-in form, as a person would. */
export async function signInThroughUi(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: "Account menu" }).waitFor();
}
