import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { makeIncident } from "../incidents/helpers.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeServicePlan } from "../support/factories/service-plans.js";
import { makeSite } from "../support/factories/sites.js";
import { makeTicket } from "../support/factories/tickets.js";

/** "+12015550142" → "(201) 555-0142": how a US ISP's staff write a number. */
const national = (e164: string) => `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;
const customerPath = /^\/customers\/[0-9a-f-]{36}$/;

describeBrowser("screen-pop /call in Chromium", () => {
  const h = useBrowserApp();
  const api = () => signIn(h().testApp.app, DEMO.admin);

  async function signedInPage(viewport?: { width: number; height: number }): Promise<Page> {
    const page = await h().newPage(viewport ? { viewport } : {});
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    return page;
  }

  it("opens the same customer page from three caller-id formats, with their tickets and the open tickets at their site", async () => {
    const admin = await api();
    const site = await makeSite(admin, { name: `Northside tower ${Date.now()}` });
    const phone = uniquePhone();
    const caller = await makeCustomer(admin, { name: "Carla Caller", phone, siteId: site.id });
    const neighbour = await makeCustomer(admin, { name: "Ned Neighbour", siteId: site.id });
    await makeTicket(admin, { customerId: caller.id, subject: "Slow in the evenings" });
    await makeTicket(admin, { customerId: neighbour.id, subject: "No signal since 9:00" });

    const page = await signedInPage();
    const forms = [phone, national(phone), `00${phone.slice(1)}`];
    for (const form of forms) {
      await page.goto(`/call?number=${encodeURIComponent(form)}`);
      await page.getByRole("heading", { name: "Carla Caller" }).waitFor();
      expect(new URL(page.url()).pathname, form).toBe(`/customers/${caller.id}`);
      await page.getByText(`Call from ${national(phone)}`).waitFor();
    }
    // A PBX that puts the "+" into the URL unencoded (it reads as a space) reaches her too.
    await page.goto(`/call?number=${phone}`);
    await page.getByRole("heading", { name: "Carla Caller" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/customers/${caller.id}`);

    const tickets = page.getByRole("region", { name: "Tickets" });
    await tickets.getByRole("cell", { name: "Slow in the evenings" }).waitFor();
    const headers = await tickets.getByRole("columnheader").allTextContents();
    expect(headers).toEqual(["Ticket", "Subject", "Status", "Priority", "Opened", "Closed"]);
    const atSite = page.getByRole("region", { name: "Open tickets at this site" });
    await atSite.getByText(`1 other open ticket at ${site.name}`).waitFor();
    await atSite.getByText(/No signal since 9:00 · Ned Neighbour/).waitFor();
  }, 90_000);

  it("shows a chooser when several customers have the number, and opens the one picked", async () => {
    const admin = await api();
    const phone = uniquePhone();
    const parent = await makeCustomer(admin, { name: "Pat Parent", phone, street: "1 Elm Street" });
    await makeCustomer(admin, { name: "Kim Kid", phone: uniquePhone(), altPhone: phone, street: "1 Elm Street" });

    const page = await signedInPage();
    await page.goto(`/call?number=${encodeURIComponent(`1${phone.slice(2)}`)}`);
    await page.getByRole("heading", { name: `Call from ${national(phone)}` }).waitFor();
    const chooser = page.getByRole("list", { name: "Customers with this number" });
    await chooser.getByRole("listitem").nth(1).waitFor();
    expect(await chooser.getByRole("listitem").count()).toBe(2);
    await chooser.getByText(/Alternative phone/).waitFor();
    await chooser.getByRole("link", { name: "Pat Parent" }).click();
    await page.getByRole("heading", { name: "Pat Parent" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/customers/${parent.id}`);
  }, 60_000);

  it("tells who takes the call about the outage at the caller's site, on their page and in the chooser", async () => {
    const admin = await api();
    const site = await makeSite(admin, { name: `Eastside tower ${Date.now()}` });
    const title = `Outage: Eastside tower ${Date.now()}`;
    const message = "A power cut at the tower; crews are on site.";
    await makeIncident(admin, { title, publicMessage: message, siteIds: [site.id] });
    const bannerText = `Affected by: ${title} — ${message}, no time given yet for the fix`;

    // One customer with the number: their page opens with the banner.
    const phone = uniquePhone();
    const affected = await makeCustomer(admin, { name: "Olga Outage", phone, siteId: site.id });
    const page = await signedInPage();
    await page.goto(`/call?number=${encodeURIComponent(phone)}`);
    await page.getByRole("heading", { name: "Olga Outage" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/customers/${affected.id}`);
    const banner = page.getByRole("status", { name: `Affected by ${title}` });
    await banner.getByText(bannerText).waitFor();

    // A household number, shared with someone elsewhere: the banner is on the affected one only.
    await makeCustomer(admin, { name: "Uma Unaffected", phone: uniquePhone(), altPhone: phone });
    await page.goto(`/call?number=${encodeURIComponent(phone)}`);
    const chooser = page.getByRole("list", { name: "Customers with this number" });
    const olga = chooser.getByRole("listitem").filter({ has: page.getByRole("link", { name: "Olga Outage" }) });
    await olga
      .getByRole("status", { name: `Affected by ${title}` })
      .getByText(bannerText)
      .waitFor();
    const uma = chooser.getByRole("listitem").filter({ has: page.getByRole("link", { name: "Uma Unaffected" }) });
    await uma.waitFor();
    expect(await uma.getByRole("status").count()).toBe(0);
  }, 60_000);

  it("offers a new customer with the caller's number filled in when nobody has it", async () => {
    const phone = uniquePhone();
    const callerId = `011${phone.slice(1)}`;
    const page = await signedInPage();
    await page.goto(`/call?number=${encodeURIComponent(callerId)}`);
    await page.getByText("No customer has this number as their mobile or alternative phone.").waitFor();
    const form = page.getByRole("region", { name: "New customer" });
    expect(await form.getByLabel("Mobile phone").inputValue()).toBe(callerId);
    await form.getByLabel("Name").fill("Nora Newcaller");
    await form.getByRole("button", { name: "Create customer" }).click();
    await page.getByRole("heading", { name: "Nora Newcaller" }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(customerPath);
    // Stored as E.164 and shown in the national format.
    const link = page.getByRole("link", { name: national(phone) });
    expect(await link.getAttribute("href")).toBe(`tel:${phone}`);
  }, 60_000);

  it("sends a signed-out browser through sign-in and back to the call", async () => {
    const admin = await api();
    const phone = uniquePhone();
    const customer = await makeCustomer(admin, { name: "Sid Signedout", phone });
    const page = await h().newPage();
    await page.goto(`/call?number=${phone}`);
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.getByLabel("Email").fill(DEMO.admin.email);
    await page.getByLabel(/^Password/).fill(DEMO.admin.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Sid Signedout" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/customers/${customer.id}`);
  }, 60_000);

  it("shows the customer's phones in national format with E.164 links, and copies IP, MAC, serial and account", async () => {
    const admin = await api();
    const phone = uniquePhone();
    const customer = await makeCustomer(admin, {
      name: "Cora Copy",
      phone,
      altPhone: "+442079460321",
      ipAddress: "100.70.1.9",
      macAddress: "02:00:5e:70:01:09",
      cpeSerial: "ZTEGC8A1B2C3",
    });
    const page = await signedInPage();
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.goto(`/customers/${customer.id}`);
    const contact = page.getByRole("region", { name: "Contact" });
    const mobile = contact.getByRole("link", { name: national(phone) });
    expect(await mobile.getAttribute("href")).toBe(`tel:${phone}`);
    // A number from another country is written internationally.
    const uk = contact.getByRole("link", { name: "+44 20 7946 0321" });
    expect(await uk.getAttribute("href")).toBe("tel:+442079460321");

    const copies: [string, string][] = [
      ["IP address", "100.70.1.9"],
      ["MAC address", "02:00:5e:70:01:09"],
      ["ONT / CPE serial", "ZTEGC8A1B2C3"],
      ["account number", customer.accountNumber],
      ["mobile phone", phone],
    ];
    for (const [label, value] of copies) {
      await page.getByRole("button", { name: `Copy ${label}` }).click();
      await page.getByRole("button", { name: `Copied ${label}` }).waitFor();
      await page.getByRole("tooltip", { name: "Copied" }).first().waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText()), label).toBe(value);
    }
  }, 60_000);

  it.each([
    [390, 844],
    [1440, 900],
  ])(
    "lays out a customer with long values without overprinting at %i px",
    async (width, height) => {
      const admin = await api();
      const plan = await makeServicePlan(admin, {
        name: `Fibre Business Unlimited Symmetric Gigabit with Static IPv4 Block and Priority Support ${Date.now()}`,
      });
      const site = await makeSite(admin, {
        name: `Riverside Business Park Distribution Cabinet North-East ${Date.now()}`,
      });
      const customer = await makeCustomer(admin, {
        name: "Maximiliana Bartholomew-Featherstonehaugh Wolfeschlegelsteinhausen",
        email: "maximiliana.bartholomew-featherstonehaugh@really-long-company-domain-name.example.net",
        street: "Unit 14B, The Old Brewery Industrial Estate, 1234 Northumberland Avenue Extension",
        city: "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
        region: "Northamptonshire",
        postalCode: "NN12-345-6789",
        servicePlanId: plan.id,
        siteId: site.id,
        connectionType: "fiber",
        cpeModel: "Nokia G-2425G-A Residential Gateway with Wi-Fi 6 and Voice",
        cpeSerial: "ALCLB2C3D4E5F6A7B8C9D0E1F2A3B4C5D6",
        ipAddress: `2001:db8:85a3:1234:5678:8a2e:370:${width}`,
        notes: `Gate code 4411.${"Customer-asked-for-callback-only-after-17:00-because-works-nights".repeat(3)}`,
      });
      const page = await signedInPage({ width, height });
      await page.goto(`/customers/${customer.id}`);
      await page.getByRole("region", { name: "Service and connection" }).getByText(plan.name).waitFor();
      const problems = await page.evaluate(() => {
        const found: string[] = [];
        const checked: string[] = [];
        const overlaps = (a: DOMRect, b: DOMRect) =>
          a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
        if (document.documentElement.scrollWidth > window.innerWidth + 1) {
          found.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
        }
        // The record's cards (the ticket table scrolls inside its own container by design).
        const cards = ["Contact", "Service address", "Service and connection", "Notes"];
        const heading = document.querySelector("main h1, main h2");
        const main = document.querySelector("main")?.getBoundingClientRect();
        if (heading && main && heading.getBoundingClientRect().right > main.right + 1)
          found.push("the name leaves the page");
        for (const section of document.querySelectorAll("main section")) {
          const name = section.getAttribute("aria-label") ?? "";
          if (!cards.includes(name)) continue;
          checked.push(name);
          const box = section.getBoundingClientRect();
          // Every field and text inside the section stays inside it and fits its own box.
          for (const el of section.querySelectorAll<HTMLElement>("div, p, a, span")) {
            const r = el.getBoundingClientRect();
            if (r.width === 0) continue;
            if (r.right > box.right + 1 || r.left < box.left - 1)
              found.push(`${name}: "${el.textContent}" leaves the card`);
            if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible") {
              found.push(`${name}: "${el.textContent}" overflows its box`);
            }
          }
          // The fields of a grid never sit on top of each other.
          for (const grid of section.querySelectorAll<HTMLElement>("div")) {
            if (getComputedStyle(grid).display !== "grid") continue;
            const cells = [...grid.children].map((child) => child.getBoundingClientRect());
            for (let i = 0; i < cells.length; i += 1) {
              for (let j = i + 1; j < cells.length; j += 1) {
                const [a, b] = [cells[i], cells[j]];
                if (a && b && overlaps(a, b)) found.push(`${name}: fields ${i} and ${j} overlap`);
              }
            }
          }
        }
        return { found, checked };
      });
      expect(problems.checked).toEqual(["Contact", "Service address", "Service and connection", "Notes"]);
      expect(problems.found).toEqual([]);
    },
    60_000,
  );
});
