import { expect, it } from "vitest";
import { HOUR } from "../../src/server/clock.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician } from "../support/factories/users.js";

describeBrowser("the dashboard in Chromium", () => {
  const h = useBrowserApp();

  it("starts empty, counts tickets once they exist, and a card opens its queue", async () => {
    const page = await h().newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    // A fresh install: a friendly empty state, no charts.
    await page.getByRole("heading", { name: "No tickets yet" }).waitFor();
    await page.getByRole("link", { name: "Open tickets 0" }).waitFor();
    expect(await page.locator(".recharts-surface").count()).toBe(0);

    // Tickets arrive through the API, as they would from colleagues.
    const { app, clock } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    const john = await signIn(app, DEMO.john);
    const late = await makeTicket(admin, {
      subject: "Whole street offline",
      priority: "urgent",
      assigneeId: john.user.id,
    });
    await makeTicket(admin, { subject: "Slow evenings", priority: "normal" });
    await makeTicket(admin, { subject: "Router replacement", priority: "high", assigneeId: john.user.id });
    // Five hours later the urgent ticket (4 h target) is overdue; the others are not yet.
    clock.advance(5 * HOUR);

    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByRole("link", { name: "Open tickets 3" }).waitFor();
    await page.getByRole("link", { name: "Overdue 1" }).waitFor();
    await page.getByRole("link", { name: "Urgent 1" }).waitFor();
    await page.getByRole("link", { name: "Unassigned 1" }).waitFor();
    expect(await page.getByRole("heading", { name: "No tickets yet" }).count()).toBe(0);
    // The activity feed names the tickets and links to them.
    const activity = page.getByRole("list", { name: "Recent activity" });
    await activity.getByRole("link", { name: late.number }).first().waitFor();
    // The charts are drawn now, once on screen (they wait until scrolled near: WhenNearScreen).
    await page.getByRole("region", { name: "Created vs resolved, last 30 days" }).scrollIntoViewIfNeeded();
    await page.locator(".recharts-surface").first().waitFor();
    // Per technician: John holds two open tickets, one of them overdue.
    const perTechnician = page.getByRole("region", { name: "Open tickets per technician" });
    await perTechnician.getByRole("link", { name: "John Tech" }).waitFor();
    await perTechnician.getByText("1 overdue").waitFor();

    await page.getByRole("link", { name: "Overdue 1" }).click();
    await page.waitForURL((url) => url.pathname === "/tickets" && url.searchParams.get("overdue") === "true");
    // Navigation keeps the old page up while the queue's code loads: wait for the queue itself.
    await page.getByRole("heading", { name: "Tickets", exact: true }).waitFor();
    await page.getByText("Whole street offline").first().waitFor();
    expect(await page.getByText("Slow evenings").count()).toBe(0);
    expect(await page.getByText("Router replacement").count()).toBe(0);
  }, 120_000);

  it("shows a technician their own queue first, on a phone-sized screen", async () => {
    // A technician of its own, so their queue holds exactly this test's tickets.
    const { app, clock } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    const technician = await makeTechnician(admin, { name: "Rosa Field" });
    await makeTicket(admin, { subject: "Whole street offline", priority: "urgent", assigneeId: technician.id });
    await makeTicket(admin, { subject: "Router replacement", priority: "high", assigneeId: technician.id });
    // Five hours later the urgent ticket (4 h target) is overdue; the high one (8 h) is not yet.
    clock.advance(5 * HOUR);

    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    await signInThroughUi(page, technician.email, technician.password);
    // A technician's home is My day; the dashboard is one tap away.
    await page.waitForURL("**/my-day");
    await page.goto("/");
    const myQueue = page.getByRole("region", { name: "Your queue" });
    await myQueue.getByRole("link", { name: "My open tickets 2" }).waitFor();
    await myQueue.getByRole("link", { name: "My overdue tickets 1" }).waitFor();
    // Soonest due first: the overdue urgent ticket leads.
    const mine = myQueue.getByRole("list", { name: "My open tickets" }).getByRole("link");
    expect(await mine.count()).toBe(2);
    expect(await mine.first().textContent()).toContain("Whole street offline");
    // The queue comes before the team's numbers.
    const queueBox = await myQueue.boundingBox();
    const teamBox = await page.getByRole("link", { name: /^Open tickets \d+ / }).boundingBox();
    expect(queueBox && teamBox && queueBox.y < teamBox.y).toBe(true);
    // Nothing spills sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    await myQueue.getByRole("link", { name: "My open tickets 2" }).click();
    await page.waitForURL((url) => url.pathname === "/tickets" && url.searchParams.get("assigneeId") === "me");
  }, 120_000);

  it("on a phone, draws the charts below the first screen only once scrolled to (their code waits too)", async () => {
    const { app } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    await makeTicket(admin, { subject: "Chart fodder", priority: "normal" });

    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    const chartCode: string[] = [];
    page.on("request", (request) => {
      if (/\/assets\/charts-[^/]+\.js$/.test(request.url())) chartCode.push(request.url());
    });
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.getByRole("link", { name: /^Open tickets \d+/ }).waitFor();
    const trend = page.getByRole("region", { name: "Created vs resolved, last 30 days" });
    await trend.waitFor();
    // Below the first screen: a placeholder of the chart's height, and the charts' code not fetched.
    await page.waitForTimeout(1000);
    expect(await trend.locator(".recharts-surface").count()).toBe(0);
    expect(chartCode).toEqual([]);
    // Scrolled to, it draws.
    await trend.scrollIntoViewIfNeeded();
    await trend.locator(".recharts-surface").waitFor();
    expect(chartCode.length).toBeGreaterThan(0);
  }, 120_000);
});
