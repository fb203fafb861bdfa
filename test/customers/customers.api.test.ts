import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog } from "../../src/server/db/schema/index.js";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";

const FULL = {
  name: "Ada Lovelace",
  email: "ada@example.net",
  phone: "(201) 555-0142",
  altPhone: "212.555.0199",
  street: "12 Analytical Engine Rd",
  city: "Springfield",
  region: "NJ",
  postalCode: "07081",
  country: "us",
  latitude: 40.7,
  longitude: -74.3,
  connectionType: "fixed_wireless",
  ipAddress: "100.64.10.20",
  macAddress: "AA-BB-CC-00-11-22",
  cpeModel: "Ubiquiti LiteBeam",
  cpeSerial: "LBE-5AC-778899",
  vlanId: 120,
  status: "pending_install",
  installDate: "2026-02-01",
  smsOptOut: false,
  notes: "Gate code 4411",
};

describe.each(testDatabaseKinds())("customers API on %s", (kind) => {
  const t = useTestApp(kind);

  async function countCustomers() {
    const admin = await signIn(t().app, DEMO.admin);
    const res = await admin.get("/api/customers?archived=all&limit=200");
    return res.json().items.length as number;
  }

  it("creates a customer with every field, normalising phone, MAC and country, and reads it back", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const res = await admin.post("/api/customers", FULL);
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created.accountNumber).toMatch(/^C-\d{6}$/);
    expect(created).toMatchObject({
      name: "Ada Lovelace",
      phone: "+12015550142",
      altPhone: "+12125550199",
      macAddress: "aa:bb:cc:00:11:22",
      ipAddress: "100.64.10.20",
      country: "US",
      vlanId: 120,
      status: "pending_install",
      installDate: "2026-02-01",
      version: 1,
      archivedAt: null,
      warnings: [],
    });
    const read = await admin.get(`/api/customers/${created.id}`);
    expect(read.statusCode).toBe(200);
    const { warnings: _w, ...customer } = created;
    expect(read.json()).toEqual({ ...customer, archivedBy: null });
  });

  it("accepts IPv6 and MAC in dotted and bare notation", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const a = await makeCustomer(admin, { ipAddress: "2001:db8::10", macAddress: "aabb.cc00.1133" });
    const b = await makeCustomer(admin, { macAddress: "AABBCC001144" });
    expect(a.ipAddress).toBe("2001:db8::10");
    expect(a.macAddress).toBe("aa:bb:cc:00:11:33");
    expect(b.macAddress).toBe("aa:bb:cc:00:11:44");
  });

  const invalid: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "a phone that is not a number of the default country",
      { phone: "555 123" },
      "phone",
      /Phone: not a valid number for US/,
    ],
    ["a foreign number that is not valid", { phone: "+99 123" }, "phone", /Phone: not a valid international number/],
    ["a bad alternative phone", { altPhone: "12" }, "altPhone", /Alternative phone: not a valid number for US/],
    ["a bad email", { email: "ada-at-example" }, "email", /Email must look like/],
    ["a bad IP", { ipAddress: "10.0.0.300" }, "ipAddress", /IP address must be an IPv4 or IPv6/],
    ["a bad MAC", { macAddress: "aa:bb:cc:dd:ee" }, "macAddress", /MAC address must be 12 hex digits/],
    ["VLAN 0", { vlanId: 0 }, "vlanId", /VLAN must be between 1 and 4094/],
    ["VLAN 4095", { vlanId: 4095 }, "vlanId", /VLAN must be between 1 and 4094/],
    ["a fractional VLAN", { vlanId: 10.5 }, "vlanId", /VLAN must be a whole number/],
    ["latitude 91", { latitude: 91 }, "latitude", /Latitude must be between -90 and 90/],
    ["longitude -181", { longitude: -181 }, "longitude", /Longitude must be between -180 and 180/],
    ["an unknown status", { status: "gone" }, "status", /Status must be one of/],
    ["an unknown connection type", { connectionType: "pigeon" }, "connectionType", /Connection type must be one of/],
    ["a bad install date", { installDate: "31/02/2026" }, "installDate", /Install date must be a date/],
    ["a three-letter country", { country: "USA" }, "country", /two-letter code/],
    ["an empty name", { name: "  " }, "name", /Name is required/],
    [
      "an unknown service plan",
      { servicePlanId: "00000000-0000-4000-8000-000000000000" },
      "servicePlanId",
      /no such plan/,
    ],
    ["an unknown site", { siteId: "00000000-0000-4000-8000-000000000000" }, "siteId", /no such site/],
  ];
  it.each(invalid)("refuses %s with 422 naming the field, and writes nothing", async (_what, body, field, message) => {
    const admin = await signIn(t().app, DEMO.admin);
    const before = await countCustomers();
    const res = await admin.post("/api/customers", { name: "Someone", ...body });
    expect(res.statusCode).toBe(422);
    const problem = problemOf(res);
    const error = problem.errors?.find((e) => e.field === field);
    expect(error?.message).toMatch(message);
    expect(await countCustomers()).toBe(before);
  });

  it("reads local numbers with the configured DEFAULT_COUNTRY", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const res = await admin.post("/api/customers", { name: "Local", phone: "718 555 0100" });
    expect(res.json().phone).toBe("+17185550100");
  });

  it("warns, without blocking, when another customer has the same phone or email (IP and MAC: see duplicates.test.ts)", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const first = await makeCustomer(admin, { phone: "+14155550111", email: "dup@example.net" });
    const res = await admin.post("/api/customers", {
      name: "Second",
      phone: "(415) 555-0111",
      email: "DUP@example.net",
    });
    expect(res.statusCode).toBe(201);
    const warnings = res.json().warnings as { field: string; message: string; customers: { id: string }[] }[];
    expect(warnings.map((w) => w.field).sort()).toEqual(["email", "phone"]);
    for (const warning of warnings) {
      expect(warning.customers.map((c) => c.id)).toEqual([first.id]);
      expect(warning.message).toContain(first.accountNumber);
    }
  });

  it("gives concurrent creations distinct account numbers", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => makeCustomer(admin, { name: `Burst ${i}` })),
    );
    const numbers = new Set(created.map((c) => c.accountNumber));
    expect(numbers.size).toBe(20);
    for (const n of numbers) expect(n).toMatch(/^C-\d{6}$/);
  });

  it("updates with the current version, and answers a stale version with 409 and the current record", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    const customer = await makeCustomer(admin);
    const first = await john.patch(`/api/customers/${customer.id}`, { version: 1, city: "Newark", vlanId: 44 });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ city: "Newark", vlanId: 44, version: 2 });
    const stale = await admin.patch(`/api/customers/${customer.id}`, { version: 1, city: "Trenton" });
    expect(stale.statusCode).toBe(409);
    const problem = problemOf(stale);
    expect(problem.code).toBe("customer.version_conflict");
    expect(problem.current).toMatchObject({ city: "Newark", version: 2 });
    const read = await admin.get(`/api/customers/${customer.id}`);
    expect(read.json().city).toBe("Newark");
    const noVersion = await admin.patch(`/api/customers/${customer.id}`, { city: "Trenton" });
    expect(noVersion.statusCode).toBe(422);
    const bad = await admin.patch(`/api/customers/${customer.id}`, { version: 2, phone: "12" });
    expect(bad.statusCode).toBe(422);
    expect(problemOf(bad).errors?.[0]?.message).toBe("Phone: not a valid number for US");
    const cleared = await admin.patch(`/api/customers/${customer.id}`, { version: 2, city: "", vlanId: null });
    expect(cleared.json()).toMatchObject({ city: null, vlanId: null, version: 3 });
  });

  it("answers unknown ids with 404 and malformed ids with 422", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const missing = await admin.get("/api/customers/00000000-0000-4000-8000-000000000000");
    expect(missing.statusCode).toBe(404);
    expect(problemOf(missing).code).toBe("customer.not_found");
    expect((await admin.get("/api/customers/nope")).statusCode).toBe(422);
  });

  it("refuses an install date in the year 0000 (valid ISO 8601, not a PostgreSQL date) with 422", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const response = await admin.post("/api/customers", { name: "Year Zero", installDate: "0000-01-01" });
    expect(response.statusCode).toBe(422);
    expect(problemOf(response).errors).toEqual([
      { field: "installDate", message: "Install date must be in the year 1 or later" },
    ]);
    const customer = await makeCustomer(admin);
    const update = await admin.patch(`/api/customers/${customer.id}`, {
      installDate: "0000-12-31",
      version: customer.version,
    });
    expect(update.statusCode).toBe(422);
  });

  it("requires a signed-in user and the CSRF token", async () => {
    const anonymous = await t().app.inject({ method: "GET", url: "/api/customers" });
    expect(anonymous.statusCode).toBe(401);
    const admin = await signIn(t().app, DEMO.admin);
    const noCsrf = await t().app.inject({
      method: "POST",
      url: "/api/customers",
      headers: { cookie: admin.cookie },
      payload: { name: "No token" },
    });
    expect(noCsrf.statusCode).toBe(403);
  });

  it("archives (admins only), hides archived customers from lists and search, keeps their tickets, and restores", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    const customer = await makeCustomer(admin, { name: "Archie Archived", phone: "+13125550177" });
    const ticket = await makeTicket(admin, { customerId: customer.id, subject: "No signal" });

    const denied = await john.delete(`/api/customers/${customer.id}`);
    expect(denied.statusCode).toBe(403);
    expect((await admin.get(`/api/customers/${customer.id}`)).json().archivedAt).toBeNull();

    const archived = await admin.delete(`/api/customers/${customer.id}`);
    expect(archived.statusCode).toBe(200);
    expect(archived.json().archivedAt).not.toBeNull();
    const ids = (url: string) => admin.get(url).then((r) => r.json().items.map((c: { id: string }) => c.id));
    expect(await ids("/api/customers?limit=200")).not.toContain(customer.id);
    expect(await ids("/api/customers?q=Archie")).not.toContain(customer.id);
    expect(await ids("/api/customers?q=3125550177")).not.toContain(customer.id);
    expect(await ids("/api/customers?q=Archie&archived=true")).toEqual([customer.id]);
    expect(await ids("/api/customers?q=Archie&archived=all")).toEqual([customer.id]);
    expect((await admin.get(`/api/customers/${customer.id}`)).statusCode).toBe(200);
    const stillThere = await admin.get(`/api/tickets/${ticket.id}`);
    expect(stillThere.json().customerId).toBe(customer.id);
    expect((await admin.patch(`/api/customers/${customer.id}`, { version: 2, city: "X" })).statusCode).toBe(409);
    expect((await admin.delete(`/api/customers/${customer.id}`)).statusCode).toBe(409);

    expect((await john.post(`/api/customers/${customer.id}/restore`)).statusCode).toBe(403);
    const restored = await admin.post(`/api/customers/${customer.id}/restore`);
    expect(restored.statusCode).toBe(200);
    expect(restored.json().archivedAt).toBeNull();
    expect(await ids("/api/customers?q=Archie")).toEqual([customer.id]);
  });

  it("records create, update, archive and restore in the audit log", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const customer = await makeCustomer(admin);
    await admin.patch(`/api/customers/${customer.id}`, { version: 1, city: "Camden" });
    await admin.delete(`/api/customers/${customer.id}`);
    await admin.post(`/api/customers/${customer.id}/restore`);
    const rows = await t()
      .database.handle.db.select()
      .from(auditLog)
      .where(and(eq(auditLog.entityType, "customer"), eq(auditLog.entityId, customer.id)))
      .orderBy(auditLog.id);
    expect(rows.map((r) => r.action)).toEqual([
      "customer.create",
      "customer.update",
      "customer.archive",
      "customer.restore",
    ]);
    expect(rows.every((r) => r.actorId === admin.user.id)).toBe(true);
    expect(rows[1]?.data).toEqual({ changes: { city: { from: null, to: "Camden" } } });
  });
});

describe.each(testDatabaseKinds())("account numbers on %s", (kind) => {
  const t = useTestApp(kind);

  it("pads to six digits and grows past C-999999 without colliding", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    await t().database.handle.db.execute(sql`select setval('customer_account_seq', 999999, false)`);
    const numbers = [(await makeCustomer(admin)).accountNumber, (await makeCustomer(admin)).accountNumber];
    expect(numbers).toEqual(["C-999999", "C-1000000"]);
    await t().database.handle.db.execute(sql`select setval('customer_account_seq', 100000, false)`);
    expect((await makeCustomer(admin)).accountNumber).toBe("C-100000");
  });
});
