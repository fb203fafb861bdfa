import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import type { StatusPage } from "../../src/shared/incidents.js";
import { DEMO, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeIncident, makeSiteWithCustomers } from "./helpers.js";

const HOUR = 3_600_000;
const XSS_TITLE = `<script>alert("title")</script><img src=x onerror=alert(1)>`;
const XSS_MESSAGE = `Back soon </p><script>document.title="pwned"</script> & "quoted"`;

describe.each(testDatabaseKinds())("public status page on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;

  beforeEach(async () => {
    admin = await signIn(t().app, DEMO.admin);
  });

  const anonymous = (url: string) => t().app.inject({ method: "GET", url });

  it("shows active, scheduled and recent incidents signed out: public text only, no customer data, no private site names", async () => {
    const { site: publicSite, customers } = await makeSiteWithCustomers(
      admin,
      [{ name: "Zelda Subscriber", street: "7 Secret Lane", status: "active" }],
      { name: "Tower 17 behind the water plant", publicName: "North Boulder" },
    );
    const { site: privateSite } = await makeSiteWithCustomers(admin, [{ status: "active" }], {
      name: "OLT-Hidden-Basement",
    });
    const now = t().clock.now().getTime();
    const active = await makeIncident(admin, {
      siteIds: [publicSite.id, privateSite.id],
      title: XSS_TITLE,
      publicMessage: XSS_MESSAGE,
      internalNotes: "Caused by the contractor; do not tell customers",
      expectedEndAt: new Date(now + 2 * HOUR).toISOString(),
    });
    const hidden = await makeIncident(admin, { siteIds: [privateSite.id], title: "Private area outage" });
    const scheduled = await makeIncident(admin, {
      siteIds: [publicSite.id],
      kind: "maintenance",
      title: "Fibre upgrade",
      startsAt: new Date(now + 24 * HOUR).toISOString(),
    });
    const past = await makeIncident(admin, { siteIds: [publicSite.id], title: "Yesterday's outage" });
    expect((await admin.post(`/api/incidents/${past.id}/resolve`, { comment: "All fixed." })).statusCode).toBe(200);

    const json = await anonymous("/status.json");
    expect(json.statusCode).toBe(200);
    expect(json.headers["cache-control"]).toBe("public, max-age=30");
    const page = json.json() as StatusPage;
    expect(page.active.map((i) => i.id)).toEqual(expect.arrayContaining([active.id, hidden.id]));
    expect(page.scheduled.map((i) => i.id)).toContain(scheduled.id);
    expect(page.history.map((i) => i.id)).toContain(past.id);
    const shown = page.active.find((i) => i.id === active.id);
    expect(shown).toMatchObject({
      // The headline is the kind and the public area, never the staff's title.
      title: "Outage: North Boulder and other parts of our network",
      areas: ["North Boulder"],
      areaText: "North Boulder and other parts of our network",
    });
    expect(page.active.find((i) => i.id === hidden.id)?.areaText).toBe("part of our network");
    expect(page.history.find((i) => i.id === past.id)?.updates.map((u) => u.message)).toContain("All fixed.");

    for (const url of ["/status", "/status.json", "/status.atom"]) {
      const response = await anonymous(url);
      expect(response.statusCode, url).toBe(200);
      for (const secret of [
        "Tower 17",
        "OLT-Hidden-Basement",
        "Zelda",
        "7 Secret Lane",
        "contractor",
        "Private area outage",
        "Yesterday's outage",
        "alert(&#34;title&#34;)",
        customers[0]?.phone ?? "+1",
        customers[0]?.accountNumber ?? "C-",
      ]) {
        expect(response.body, `${url} shows ${secret}`).not.toContain(secret);
      }
    }
  });

  it("renders HTML that works without JavaScript under a strict CSP, with stored markup inert", async () => {
    const { site } = await makeSiteWithCustomers(admin, [], { publicName: "South <b>Side</b>" });
    await makeIncident(admin, { siteIds: [site.id], title: XSS_TITLE, publicMessage: XSS_MESSAGE });
    const response = await anonymous("/status");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("public, max-age=30");
    const csp = String(response.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    const html = response.body;
    // No script anywhere: the page is complete as served.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain("<b>Side</b>");
    expect(html).not.toContain("alert(&#34;title&#34;)");
    expect(html).toContain("Outage: South &#60;b&#62;Side&#60;/b&#62;");
    expect(html).toContain("South &#60;b&#62;Side&#60;/b&#62;");
    expect(html).toContain("Current issues");
    expect(html).toContain("Back soon &#60;/p&#62;");
  });

  it("serves an Atom feed with escaped entries, and is not swallowed by the web app", async () => {
    const { site } = await makeSiteWithCustomers(admin, []);
    const incident = await makeIncident(admin, { siteIds: [site.id], title: XSS_TITLE });
    const response = await anonymous("/status.atom");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/atom+xml; charset=utf-8");
    expect(response.body).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(response.body).toContain(`<id>urn:uuid:${incident.id}</id>`);
    expect(response.body).not.toContain("<script>");
    // Its links never come from the Host header (a client picks it; caches keep the answer).
    const forged = await t().app.inject({ method: "GET", url: "/status.atom", headers: { host: "evil.example" } });
    expect(forged.body).not.toContain("evil.example");
    expect(forged.body).toContain("<id>urn:uplink:status</id>");
    // HEAD answers too (caches and uptime checkers ask with it).
    expect((await t().app.inject({ method: "HEAD", url: "/status" })).statusCode).toBe(200);
  });

  it("refuses control characters in what the page shows, and drops any stored before, so the feed stays XML", async () => {
    const { site } = await makeSiteWithCustomers(admin, [], { publicName: "East" });
    for (const body of [
      { title: "Bell\u0007 outage", siteIds: [site.id], kind: "outage", severity: "major" },
      { title: "Outage", publicMessage: "Back \u001b[31msoon", siteIds: [site.id], kind: "outage", severity: "major" },
    ]) {
      const response = await admin.post("/api/incidents", body);
      expect(response.statusCode).toBe(422);
      expect(response.body).toContain("may not contain control characters");
    }
    const incident = await makeIncident(admin, { siteIds: [site.id], publicMessage: "Back soon" });
    // A row written before the rule (or by hand): the feed drops the characters.
    await t().database.handle.db.execute(
      sql`update incidents set public_message = ${"Back \u0008soon\u0001 \uFFFF"} where id = ${incident.id}`,
    );
    const feed = (await anonymous("/status.atom")).body;
    expect(feed).toContain("Back soon ");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML forbids must be gone
    expect(feed).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
  });
});
