import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeTicket } from "../support/factories/tickets.js";

interface Commit {
  /** Mantine portals into the shared node that were committed drawing nothing (drawn on a second render). */
  emptyPortals: number;
  /** The page's heading, once drawn. */
  heading: string | null;
  accountMenu: boolean;
  bell: boolean;
  /** Milliseconds since the page's navigation started. */
  at: number;
}

/**
 * What React commits while a page loads, seen through the hook React reports to (the one React's
 * developer tools install; React calls it in production builds too): after each commit, whether a
 * Mantine portal into the shared node was committed empty, and what of the page is on screen.
 */
function recordCommits() {
  const commits: Commit[] = [];
  (window as unknown as { commits: Commit[] }).commits = commits;
  type Fiber = {
    type: unknown;
    child: Fiber | null;
    sibling: Fiber | null;
    memoizedProps: Record<string, unknown> | null;
  };
  (window as unknown as { __REACT_DEVTOOLS_GLOBAL_HOOK__: unknown }).__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject: () => 1,
    checkDCE: () => undefined,
    onCommitFiberUnmount: () => undefined,
    onPostCommitFiberRoot: () => undefined,
    onCommitFiberRoot(_id: number, root: { current: Fiber }) {
      let emptyPortals = 0;
      const stack: Fiber[] = [root.current];
      while (stack.length > 0) {
        const fiber = stack.pop() as Fiber;
        const type = fiber.type as { displayName?: string } | null;
        const props = fiber.memoizedProps ?? {};
        if (
          type?.displayName === "@mantine/core/Portal" &&
          props.target == null &&
          props.reuseTargetNode !== false &&
          fiber.child === null
        ) {
          emptyPortals++;
        }
        if (fiber.child) stack.push(fiber.child);
        if (fiber.sibling) stack.push(fiber.sibling);
      }
      commits.push({
        emptyPortals,
        heading: document.querySelector("main h1")?.textContent ?? null,
        accountMenu: document.querySelector('header [aria-haspopup="menu"]') !== null,
        bell: document.querySelector('header [aria-label^="Notifications"]') !== null,
        at: performance.now(),
      });
    },
  };
}

describeBrowser("the first screen's commits in Chromium", () => {
  const h = useBrowserApp();

  it("draws Mantine's portals on their first render, and the header's menus only after the page", async () => {
    const { app } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    await makeTicket(admin, { subject: `First screen ${randomUUID().slice(0, 8)}` });
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.addInitScript(recordCommits);
    await page.goto("/tickets?view=all");
    await page.getByRole("heading", { level: 1, name: "Tickets" }).waitFor();
    await page.getByRole("button", { name: /account menu/ }).waitFor();
    await page.getByRole("button", { name: /^Notifications/ }).waitFor();

    expectPortalsAndMenus(await page.evaluate(() => (window as unknown as { commits: Commit[] }).commits), "Tickets");
  });

  it("after signing in through the form (the page's code not preloaded), the menus still come after the page", async () => {
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    await page.addInitScript(recordCommits);
    // The dashboard's code a second late, as on a phone's network: the frame is drawn and the
    // browser idle meanwhile, and still the menus wait for the page.
    await page.route(/\/assets\/dashboard-page-[^/]+\.js$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.continue();
    });
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    await page.getByRole("button", { name: /^Notifications/ }).waitFor();
    expectPortalsAndMenus(await page.evaluate(() => (window as unknown as { commits: Commit[] }).commits), "Dashboard");
  });
});

/** No shared-node portal ever committed empty; the header's menus drawn after the page headed `heading`. */
function expectPortalsAndMenus(commits: Commit[], heading: string) {
  expect(commits.length).toBeGreaterThan(1);
  // A portal that draws nothing first sets state in a layout effect: React redraws it at once, in
  // the commit's task, after running every effect the page still has pending (vite.config.ts,
  // mantinePortalAtOnce). The confirmation dialogs' container has one on every page.
  expect(commits.map((commit) => commit.emptyPortals)).toEqual(commits.map(() => 0));
  // The account menu and the bell come in a later commit than the page's own content
  // (app/layout.tsx, HeaderMenusWhenIdle), or, should the page take longer than 3 s to draw (a
  // busy machine), after those 3 s (HEADER_MENUS_AT_LATEST_MS).
  const pageDrawn = commits.findIndex((commit) => commit.heading === heading);
  expect(pageDrawn).toBeGreaterThanOrEqual(0);
  for (const shows of ["accountMenu", "bell"] as const) {
    const drawn = commits.findIndex((commit) => commit[shows]);
    if (drawn < pageDrawn) expect(commits[drawn]?.at, shows).toBeGreaterThanOrEqual(3_000);
    else expect(drawn, shows).toBeGreaterThan(pageDrawn);
  }
}
