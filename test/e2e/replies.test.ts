import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp, useBrowserAppWithTwilio } from "../support/browser.js";
import { makeComment } from "../support/factories/comments.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";

async function newPage(
  h: () => { newPage: (o?: { viewport?: { width: number; height: number } }) => Promise<Page> },
  viewport?: { width: number; height: number },
) {
  const page = await h().newPage(viewport ? { viewport } : {});
  page.setDefaultTimeout(30_000);
  return page;
}

async function choose(page: Page, label: string, option: string) {
  await page
    .locator("input")
    .and(page.getByLabel(label, { exact: true }))
    .click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

type Harness = ReturnType<ReturnType<typeof useBrowserApp>>;

/** A customer and a ticket of theirs, made through the API (its "ticket opened" SMS included). */
async function seedTicket(h: () => Harness, customer: { name: string; phone: string | null; smsOptOut?: boolean }) {
  const admin = await signIn(h().testApp.app, DEMO.admin);
  const row = await makeCustomer(admin, customer);
  return makeTicket(admin, { customerId: row.id, subject: `Router keeps rebooting (${customer.name})` });
}

describeBrowser("Public replies by SMS in Chromium", () => {
  const { h, twilio } = useBrowserAppWithTwilio();

  it("a public reply with “Also send as SMS” reaches the customer, and its state shows beside the reply (phone width)", async () => {
    const ticket = await seedTicket(h, { name: "Bruno Costa", phone: "+14155550178" });
    const page = await newPage(h, { width: 390, height: 844 });
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    await page.goto(`/tickets/${ticket.id}`);
    await page.getByRole("heading", { name: ticket.subject }).waitFor();

    // An internal note offers no SMS at all.
    await page.getByText("Internal notes are for staff only and are never texted.").waitFor();
    expect(await page.getByRole("checkbox", { name: "Also send as SMS" }).count()).toBe(0);

    await page.getByText("Public reply", { exact: true }).click();
    const sendSms = page.getByRole("checkbox", { name: "Also send as SMS" });
    await expect.poll(() => sendSms.isChecked(), { timeout: 15_000 }).toBe(true);
    expect(await sendSms.isDisabled()).toBe(false);
    await page.getByText("Texted to Bruno Costa at").waitFor();
    await page.getByLabel("Comment", { exact: true }).fill("We reset your line; please restart the router.");
    await page.getByText(/characters · 1 SMS/).waitFor();
    await page.getByRole("button", { name: "Add comment" }).click();

    const reply = page.getByLabel("Public comment").filter({ hasText: "We reset your line" });
    const state = reply.getByLabel("SMS of this reply");
    await state.getByText(/SMS (queued|sent) to/).waitFor();
    // The dispatcher sends it to the stand-in; the timeline looks again while it is on its way.
    await state.getByText("SMS sent to", { exact: false }).waitFor({ timeout: 60_000 });
    expect(twilio.messagesTo("+14155550178").map((m) => m.body)).toContain(
      `Hi Bruno, about your ticket ${ticket.number}: We reset your line; please restart the router.`,
    );
    // Shown once: beside the reply, not again as a timeline event of its own.
    expect(await page.getByText("SMS (reply to the customer)").count()).toBe(0);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    ).toBe(true);
    await page.close();
  }, 180_000);

  it("disables “Also send as SMS” with the reason in words for an opted-out customer", async () => {
    const ticket = await seedTicket(h, { name: "Clara Dias", phone: "+14155550179", smsOptOut: true });
    const page = await newPage(h);
    await signInThroughUi(page, DEMO.john.email, DEMO.john.password);
    await page.goto(`/tickets/${ticket.id}`);
    await page.getByRole("heading", { name: ticket.subject }).waitFor();
    await page.getByText("Public reply", { exact: true }).click();
    await page.getByText("Not available: The customer opted out of SMS (replied STOP).").waitFor();
    const sendSms = page.getByRole("checkbox", { name: "Also send as SMS" });
    expect(await sendSms.isDisabled()).toBe(true);
    expect(await sendSms.isChecked()).toBe(false);
    await page.getByLabel("Comment", { exact: true }).fill("Your modem is on its way.");
    await page.getByRole("button", { name: "Add comment" }).click();
    const reply = page.getByLabel("Public comment").filter({ hasText: "Your modem is on its way." });
    await reply.waitFor();
    expect(await reply.getByLabel("SMS of this reply").count()).toBe(0);
    expect(twilio.messagesTo("+14155550179")).toHaveLength(0);
    await page.close();
  }, 120_000);

  it("keeps the SMS log's filters in the URL across a reload", async () => {
    // A public reply texted to a customer of this test's own, so the log has a Reply row to show.
    const ticket = await seedTicket(h, { name: "Paula Reis", phone: "+14155550181" });
    await makeComment(await signIn(h().testApp.app, DEMO.admin), ticket.id, {
      body: "We replaced your drop cable.",
      visibility: "public",
      sendSms: true,
    });
    const page = await newPage(h);
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto("/sms?purpose=ticket_reply");
    await page.getByRole("heading", { name: "SMS log" }).waitFor();
    const purpose = page.locator("input").and(page.getByLabel("Purpose", { exact: true }));
    await expect.poll(() => purpose.inputValue()).toBe("Reply");
    await page.getByRole("row").filter({ hasText: "We replaced your drop cable." }).waitFor();
    await choose(page, "Status", "Failed");
    await page.getByText("No SMS matches these filters").waitFor();
    await expect.poll(() => new URL(page.url()).searchParams.get("status")).toBe("failed");
    await page.getByLabel("Search").fill("Paula");
    await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe("Paula");

    await page.reload();
    await page.getByRole("heading", { name: "SMS log" }).waitFor();
    await expect.poll(() => purpose.inputValue()).toBe("Reply");
    const status = page.locator("input").and(page.getByLabel("Status", { exact: true }));
    await expect.poll(() => status.inputValue()).toBe("Failed");
    expect(await page.getByLabel("Search").inputValue()).toBe("Paula");
    await page.getByText("No SMS matches these filters").waitFor();

    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(() => new URL(page.url()).search).toBe("");
    await page.getByRole("row").filter({ hasText: "We replaced your drop cable." }).waitFor();
    await page.close();
  }, 120_000);

  it("does not mark a template changed until it is", async () => {
    const page = await newPage(h);
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto("/settings");
    await page.getByRole("tab", { name: "SMS templates" }).click();
    for (const label of ["Manual message (starting text)", "Public reply (to the customer)"]) {
      const save = page.getByRole("button", { name: `Save template ${label}` });
      await save.waitFor();
      expect(await save.isDisabled(), label).toBe(true);
    }
    const editor = page.getByLabel("Template: Public reply (to the customer)");
    await page
      .getByLabel("Preview of Public reply (to the customer)")
      .getByText("Hi Maria, about your ticket T-000123: A technician will visit")
      .waitFor();
    await editor.fill("Hi {{customer.firstName}}");
    await page.getByText("must contain {{reply.body}}").waitFor();
    expect(await page.getByRole("button", { name: "Save template Public reply (to the customer)" }).isDisabled()).toBe(
      true,
    );
    await editor.fill("Hi {{customer.firstName}}: {{reply.body}}");
    expect(await page.getByRole("button", { name: "Save template Public reply (to the customer)" }).isDisabled()).toBe(
      false,
    );
    await page.close();
  }, 120_000);
});

describeBrowser("SMS switched off, in Chromium", () => {
  const h = useBrowserApp({});

  it("shows admins a banner with the settings to set, and everyone disabled SMS actions with the reason in words", async () => {
    const ticket = await seedTicket(h, { name: "Dora Elias", phone: "+14155550180" });
    const admin = await newPage(h);
    await signInThroughUi(admin, DEMO.admin.email, DEMO.admin.password);
    await admin.goto(`/tickets/${ticket.id}`);
    const banner = admin.getByRole("status", { name: "SMS is off" });
    await banner.getByText("SMS sending is not set up").waitFor();
    await banner.getByText("TWILIO_ACCOUNT_SID", { exact: false }).waitFor();

    const tech = await newPage(h);
    await signInThroughUi(tech, DEMO.john.email, DEMO.john.password);
    await tech.goto(`/tickets/${ticket.id}`);
    await tech.getByRole("heading", { name: ticket.subject }).waitFor();
    const sendButton = tech.getByRole("button", { name: "Send SMS" });
    await expect.poll(() => sendButton.isDisabled(), { timeout: 15_000 }).toBe(true);
    await tech.getByText("Public reply", { exact: true }).click();
    await tech.getByText("SMS sending is not set up.", { exact: true }).waitFor();
    expect(await tech.getByRole("checkbox", { name: "Also send as SMS" }).isDisabled()).toBe(true);
    // Office staff never see setting names.
    expect(await tech.getByRole("status", { name: "SMS is off" }).count()).toBe(0);
    expect(await tech.getByText(/TWILIO_/).count()).toBe(0);
    await admin.close();
    await tech.close();
  }, 180_000);
});
