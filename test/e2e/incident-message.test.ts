import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeSite } from "../support/factories/sites.js";
import { signedWebhook, TwilioStandIn } from "../support/twilio-stand-in.js";

async function noHorizontalScroll(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

/** `count` different valid mobile numbers (uniquePhone is random, so two could collide). */
function distinctPhones(count: number): string[] {
  const phones = new Set<string>();
  while (phones.size < count) phones.add(uniquePhone());
  return [...phones];
}

describeBrowser("incident messages in Chromium", () => {
  const twilio = new TwilioStandIn();
  const options: { env: Record<string, string> } = { env: {} };
  // Registered before the browser app's own beforeAll, so the app starts pointed at the stand-in.
  // Ten a second: Twilio's pace for a faster sender, still quick for four messages.
  beforeAll(async () => {
    await twilio.start();
    options.env = twilio.env({ SMS_RATE_PER_SECOND: "10" });
    return () => twilio.stop();
  });
  const h = useBrowserApp(options);
  /** The shared machine can be slow: give each step more room than the harness default. */
  const newPage = async (viewport?: { width: number; height: number }) => {
    const page = await h().newPage(viewport ? { viewport } : {});
    page.setDefaultTimeout(30_000);
    return page;
  };

  it("sends the outage's start message to each distinct number, watches its progress bar reach sent, and shows it at 390 px", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    // No quiet hours, whatever the time of day: the messages leave at once.
    const quiet = await admin.put("/api/sms/quiet-hours", { start: null, end: null });
    expect(quiet.statusCode, quiet.body).toBe(200);

    const site = await makeSite(admin, { name: `Hilltop Tower ${Date.now()}`, publicName: "Hilltop" });
    const [ada, ben, cleo, dev, optedOut] = distinctPhones(5) as [string, string, string, string, string];
    const texted = [
      { name: "Ada Lovelace", phone: ada },
      { name: "Ben Okafor", phone: ben },
      { name: "Cleo Martins", phone: cleo },
      { name: "Dev Patel", phone: dev },
    ];
    for (const customer of texted) await makeCustomer(admin, { ...customer, siteId: site.id, status: "active" });
    // Skipped, one for each reason: Ada's number again (she, the older account, gets the message),
    // an opted-out customer, and one without a mobile.
    await makeCustomer(admin, { name: "Eve Lovelace", phone: ada, siteId: site.id, status: "active" });
    await makeCustomer(admin, {
      name: "Finn Quiet",
      phone: optedOut,
      smsOptOut: true,
      siteId: site.id,
      status: "active",
    });
    await makeCustomer(admin, { name: "Gus Nophone", phone: null, siteId: site.id, status: "active" });

    const created = await admin.post("/api/incidents", {
      title: "Outage: Hilltop tower",
      kind: "outage",
      severity: "major",
      siteIds: [site.id],
      publicMessage:
        "A power cut at the Hilltop tower took out the radios; a generator is on its way and crews are on site.",
      expectedEndAt: "2030-01-15T18:00:00Z",
    });
    expect(created.statusCode, created.body).toBe(201);
    const incident = created.json();
    // The ISP's zone is UTC in tests; 206 GSM-7 characters for a three-letter name: two SMS parts.
    const textFor = (firstName: string) =>
      `Hi ${firstName}, we know about a problem affecting your service in Hilltop: A power cut at the Hilltop tower took out the radios; a generator is on its way and crews are on site. Expected back: Tue, Jan 15, 6:00 PM.`;

    const page = await newPage();
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    await page.goto(`/incidents/${incident.id}`);
    await page.getByRole("heading", { name: incident.title }).waitFor();
    await page.getByRole("heading", { name: "Message customers" }).waitFor();

    // The outage's panel starts on the "Incident started" template.
    expect(await page.getByRole("radio", { name: "Template", exact: true }).isChecked()).toBe(true);
    const template = page.getByRole("combobox", { name: "Template", exact: true });
    expect(await template.inputValue()).toBe("Incident started (to everyone affected)");

    // The preview: the first recipient's message, the counts, and who is skipped and why.
    await page.getByText(textFor("Ada"), { exact: true }).waitFor();
    await page.getByText("4 recipients · 2 SMS parts per message · 8 SMS parts in all", { exact: true }).waitFor();
    await page.getByText("Skipped: 1 customer — opted out of SMS", { exact: true }).waitFor();
    await page.getByText("Skipped: 1 customer — no valid mobile number", { exact: true }).waitFor();
    await page
      .getByText("Skipped: 1 customer — share a number with another account (it gets one message)", { exact: true })
      .waitFor();
    expect(await page.getByText("Quiet hours", { exact: true }).count()).toBe(0);

    const send = page.getByRole("button", { name: "Send to 4 customers" });
    await expect.poll(() => send.isEnabled(), { timeout: 30_000 }).toBe(true);
    await send.click();
    const dialog = page.getByRole("dialog", { name: "Text 4 customers?" });
    await dialog.getByText('Send the "Incident started" message to 4 customers (8 SMS parts in all).').waitFor();
    expect(twilio.messages).toHaveLength(0);
    await dialog.getByRole("button", { name: "Send to 4 customers" }).click();
    await page.getByText("Queued 4 messages").waitFor();

    // The progress bar, by its role and name, until nothing is queued and all four are sent.
    await page.getByRole("heading", { name: "Sent messages" }).waitFor();
    const bar = page.getByRole("progressbar", { name: /^Incident started: / });
    await expect
      .poll(() => bar.getAttribute("aria-label"), { timeout: 60_000, interval: 500 })
      .toBe("Incident started: 0 queued · 4 sent · 0 delivered · 0 failed · 3 skipped");
    expect(await bar.getAttribute("aria-valuenow")).toBe("100");
    await page.getByText("0 queued · 4 sent · 0 delivered · 0 failed · 3 skipped").waitFor();
    // Nothing left to stop.
    expect(await page.getByRole("button", { name: "Cancel: Incident started" }).count()).toBe(0);

    // Twilio got exactly one message per distinct number, each with its customer's name, and
    // nothing for the opted-out customer or for Eve's number a second time.
    const received = twilio.messages.map((message) => ({ to: message.to, body: message.body }));
    expect(received.sort((a, b) => a.to.localeCompare(b.to))).toEqual(
      texted
        .map((customer) => ({ to: customer.phone, body: textFor(customer.name.split(" ")[0] as string) }))
        .sort((a, b) => a.to.localeCompare(b.to)),
    );
    expect(twilio.messagesTo(optedOut)).toHaveLength(0);
    await page.close();

    // Twilio reports Ada's message delivered; a phone-sized screen shows the progress without sideways scrolling.
    const [adaMessage] = twilio.messagesTo(ada);
    const receipt = await h().testApp.app.inject(
      signedWebhook("/webhooks/twilio/status", { MessageSid: adaMessage?.sid ?? "", MessageStatus: "delivered" }),
    );
    expect(receipt.statusCode, receipt.body).toBe(200);

    const phone = await newPage({ width: 390, height: 844 });
    await signInThroughUi(phone, DEMO.admin.email, DEMO.admin.password);
    await phone.goto(`/incidents/${incident.id}`);
    await phone.getByRole("heading", { name: incident.title }).waitFor();
    await phone
      .getByRole("progressbar", {
        name: "Incident started: 0 queued · 3 sent · 1 delivered · 0 failed · 3 skipped",
        exact: true,
      })
      .waitFor();
    const line = phone.getByText("0 queued · 3 sent · 1 delivered · 0 failed · 3 skipped");
    await line.scrollIntoViewIfNeeded();
    expect(await line.isVisible()).toBe(true);
    const box = await line.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
    expect(await noHorizontalScroll(phone)).toBe(true);
    await phone.close();
  }, 180_000);
});
