import { beforeAll, describe, expect, it } from "vitest";
import type { Customer } from "../../src/shared/customers.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeServicePlan } from "../support/factories/service-plans.js";
import { makeSite } from "../support/factories/sites.js";

describe.each(testDatabaseKinds())("customer search on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;
  let target: Customer;
  let others: Customer[];
  let plan: { id: string };
  let site: { id: string };

  const search = async (query: string) => {
    const res = await admin.get(`/api/customers?${query}`);
    expect(res.statusCode).toBe(200);
    return res.json().items as Customer[];
  };
  const ids = async (query: string) => (await search(query)).map((c) => c.id);

  // The customers every search below looks for, made once: the tests only read them (the two
  // that write, the sort and paging tests, change nothing another test's expectation rests on).
  beforeAll(async () => {
    admin = await signIn(t().app, DEMO.admin);
    plan = await makeServicePlan(admin, { name: "Fiber 500", downloadMbps: 500, uploadMbps: 100, monthlyPrice: 59.9 });
    site = await makeSite(admin, { name: "North Tower", kind: "tower" });
    target = await makeCustomer(admin, {
      name: "Margaret Hamilton",
      phone: "+12015550123",
      altPhone: "+17185550999",
      email: "margaret@apollo.example",
      street: "42 Lunar Module Way",
      city: "Cambridge",
      ipAddress: "100.72.1.15",
      macAddress: "f0:9f:c2:10:20:30",
      cpeSerial: "ONT-ZXHN-5566AB",
      status: "active",
      connectionType: "fiber",
      servicePlanId: plan.id,
      siteId: site.id,
    });
    // Distinct creation times, so the created sorts have one right answer.
    const later = <T>(make: () => Promise<T>) => {
      t().clock.advance(1000);
      return make();
    };
    others = [
      await later(() =>
        makeCustomer(admin, {
          name: "Grace Hopper",
          phone: "+13125550111",
          street: "1 Compiler Ave",
          status: "suspended",
          connectionType: "dsl",
        }),
      ),
      await later(() =>
        makeCustomer(admin, {
          name: "Alan Turing",
          phone: "+14155550123",
          street: "9 Enigma St",
          status: "lead",
          connectionType: "fiber",
        }),
      ),
      await later(() =>
        makeCustomer(admin, {
          name: "Katherine Johnson",
          phone: "+16175550142",
          street: "7 Orbit Rd",
          status: "active",
        }),
      ),
    ];
  });

  it.each([
    ["a name fragment", "q=hamil"],
    ["a misspelt name", "q=margret%20hamiltn"],
    ["swapped letters", "q=hamitlon"],
    ["a local number with punctuation", "q=(201)%20555-0123"],
    ["a dotted number", "q=201.555.0123"],
    ["an E.164 number", "q=%2B12015550123"],
    ["the alternative phone", "q=718-555-0999"],
    ["an email", "q=margaret@apollo.example"],
    ["a street", "q=lunar%20module"],
    ["the CPE serial", "q=ZXHN-5566"],
    ["the IP address", "q=100.72.1.15"],
    ["the MAC with colons", "q=F0:9F:C2:10:20:30"],
    ["the MAC with dashes", "q=f0-9f-c2-10-20-30"],
    ["the MAC in Cisco notation", "q=f09f.c210.2030"],
  ])("finds the caller by %s", async (_what, query) => {
    const found = await ids(query);
    expect(found[0]).toBe(target.id);
  });

  it("finds by the last four digits (every customer whose number ends that way)", async () => {
    const found = await ids("q=0123");
    expect(found).toContain(target.id);
    expect(found).toContain(others[1]?.id);
    expect(found).not.toContain(others[0]?.id);
  });

  it("finds by account number, with or without the dash and zeros", async () => {
    const digits = target.accountNumber.replace(/^C-0*/, "");
    expect((await ids(`q=${target.accountNumber}`))[0]).toBe(target.id);
    expect((await ids(`q=c${digits}`))[0]).toBe(target.id);
  });

  it("does not match unrelated customers for a specific query", async () => {
    expect(await ids("q=margaret@apollo.example")).toEqual([target.id]);
    expect(await ids("q=zzqqxx")).toEqual([]);
    expect(await ids("q=100.72.1.16")).toEqual([]);
  });

  it("searches for an IPv6 address with a zone (fe80::1%eth0) as text, in every sort and in the export", async () => {
    const zoned = encodeURIComponent("fe80::1%eth0");
    expect(await ids(`q=${zoned}`)).toEqual([]);
    expect(await ids(`q=${zoned}&sort=relevance`)).toEqual([]);
    const csv = await admin.get(`/api/customers/export.csv?q=${zoned}`);
    const none = await admin.get("/api/customers/export.csv?q=zzqqxx");
    expect(csv.statusCode).toBe(200);
    // The header row and nothing else, as for any search that matches nobody (not a stream cut short).
    expect(none.body).toMatch(/^\S/);
    expect(csv.body).toBe(none.body);
  });

  it("treats LIKE wildcards in the query as text", async () => {
    expect(await ids("q=%25%25%25")).toEqual([]);
    expect(await ids("q=___")).toEqual([]);
  });

  it("filters by status, plan, site and connection type", async () => {
    expect(await ids("status=suspended")).toEqual([others[0]?.id]);
    expect(await ids(`servicePlanId=${plan.id}`)).toEqual([target.id]);
    expect(await ids(`siteId=${site.id}`)).toEqual([target.id]);
    expect((await ids("connectionType=fiber")).sort()).toEqual([target.id, others[1]?.id].sort());
    expect(await ids("connectionType=fiber&status=lead")).toEqual([others[1]?.id]);
    expect(await ids("q=hopper&status=active")).toEqual([]);
  });

  it("sorts by name, created and updated, both ways", async () => {
    const names = (await search("sort=name")).map((c) => c.name);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect((await search("sort=-name")).map((c) => c.name)).toEqual([...names].reverse());
    t().clock.advance(60_000);
    const current = (await admin.get(`/api/customers/${others[0]?.id}`)).json() as Customer;
    const touched = await admin.patch(`/api/customers/${current.id}`, { version: current.version, notes: "touched" });
    expect(touched.statusCode).toBe(200);
    // Only this file's four named customers are compared: another test may have added more.
    const named = new Set([target.id, ...others.map((c) => c.id)]);
    const namedIds = async (query: string) => (await ids(`${query}&limit=200`)).filter((id) => named.has(id));
    expect((await namedIds("sort=-updated"))[0]).toBe(others[0]?.id);
    expect((await namedIds("sort=created"))[0]).toBe(target.id);
    expect((await namedIds("sort=-created"))[0]).toBe(others[2]?.id);
  });

  it("pages with a cursor through every customer exactly once, in every sort", async () => {
    for (let i = 0; i < 7; i++) await makeCustomer(admin, { name: `Pager ${String.fromCharCode(65 + i)} Smith` });
    for (const sort of ["name", "-name", "created", "-created", "updated", "-updated"]) {
      const all = await ids(`sort=${sort}&limit=200`);
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await admin.get(`/api/customers?sort=${sort}&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
        paged.push(...res.json().items.map((c: Customer) => c.id));
        cursor = res.json().nextCursor;
      } while (cursor);
      expect(paged).toEqual(all);
    }
    const relevance: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await admin.get(`/api/customers?q=smith&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      relevance.push(...res.json().items.map((c: Customer) => c.id));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(relevance).toEqual(await ids("q=smith&limit=200"));
    expect(relevance.length).toBe(7);
  });

  it("answers bad list parameters with 4xx problems", async () => {
    expect(problemOf(await admin.get("/api/customers?cursor=garbage")).status).toBe(400);
    expect(problemOf(await admin.get("/api/customers?limit=500")).status).toBe(422);
    expect(problemOf(await admin.get("/api/customers?status=gone")).status).toBe(422);
    expect(problemOf(await admin.get("/api/customers?sort=price")).status).toBe(422);
    expect(problemOf(await admin.get("/api/customers?siteId=x")).status).toBe(422);
  });
});
