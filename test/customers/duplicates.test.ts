import { stringify } from "csv-stringify/sync";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";

let octet = 0;
/** An address no other test in this file uses (each test makes its own holders). */
function freshIp(): string {
  octet += 1;
  return `100.80.${Math.floor(octet / 250)}.${(octet % 250) + 1}`;
}
function freshMac(): string {
  octet += 1;
  const hex = octet.toString(16).padStart(4, "0");
  return `02:00:5e:10:${hex.slice(0, 2)}:${hex.slice(2)}`;
}

describe.each(testDatabaseKinds())("duplicate IP, MAC and phone on %s", (kind) => {
  const t = useTestApp(kind);

  it("refuses a new customer whose IP or MAC address another current customer holds, naming the holder", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const ip = freshIp();
    const mac = freshMac();
    const holder = await makeCustomer(admin, { name: "Jane Holder", ipAddress: ip, macAddress: mac });

    const sameIp = await admin.post("/api/customers", { name: "Second", ipAddress: ip });
    expect(sameIp.statusCode).toBe(409);
    const problem = problemOf(sameIp);
    expect(problem.code).toBe("customer.ip_taken");
    expect(problem.detail).toBe(`IP address ${ip} already belongs to ${holder.accountNumber} Jane Holder`);
    expect(problem.holder).toEqual({ id: holder.id, accountNumber: holder.accountNumber, name: "Jane Holder" });
    expect(problem.errors).toEqual([{ field: "ipAddress", message: problem.detail }]);

    // Any notation of the same MAC is the same MAC.
    const sameMac = await admin.post("/api/customers", {
      name: "Third",
      macAddress: mac.toUpperCase().replaceAll(":", "-"),
    });
    expect(sameMac.statusCode).toBe(409);
    expect(problemOf(sameMac)).toMatchObject({
      code: "customer.mac_taken",
      holder: { id: holder.id },
      errors: [
        { field: "macAddress", message: `MAC address ${mac} already belongs to ${holder.accountNumber} Jane Holder` },
      ],
    });

    const both = await admin.post("/api/customers", { name: "Fourth", ipAddress: ip, macAddress: mac });
    expect(problemOf(both).code).toBe("customer.ip_taken");
    expect(problemOf(both).errors?.map((e) => e.field)).toEqual(["ipAddress", "macAddress"]);

    const list = await admin.get(`/api/customers?q=${ip}`);
    expect(list.json().items.map((c: { id: string }) => c.id)).toEqual([holder.id]);
  });

  it("compares IPv6 addresses as addresses, not as text", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const holder = await makeCustomer(admin, { ipAddress: "2001:db8:0:0::a1" });
    const res = await admin.post("/api/customers", { name: "Upper", ipAddress: "2001:DB8::A1" });
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).holder).toMatchObject({ id: holder.id });
  });

  it("lets an archived customer's address be used again, and refuses to restore them while it is taken", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const ip = freshIp();
    const mac = freshMac();
    const old = await makeCustomer(admin, { name: "Old Tenant", ipAddress: ip, macAddress: mac });
    expect((await admin.delete(`/api/customers/${old.id}`)).statusCode).toBe(200);

    const reuse = await admin.post("/api/customers", { name: "New Tenant", ipAddress: ip });
    expect(reuse.statusCode).toBe(201);
    const newTenant = reuse.json();

    const restore = await admin.post(`/api/customers/${old.id}/restore`);
    expect(restore.statusCode).toBe(409);
    expect(problemOf(restore)).toMatchObject({
      code: "customer.ip_taken",
      holder: { id: newTenant.id, name: "New Tenant" },
      detail: `IP address ${ip} already belongs to ${newTenant.accountNumber} New Tenant`,
    });
    expect((await admin.get(`/api/customers/${old.id}`)).json().archivedAt).not.toBeNull();

    // Once the new tenant moves to another address, the old one can come back.
    const moved = await admin.patch(`/api/customers/${newTenant.id}`, {
      version: newTenant.version,
      ipAddress: freshIp(),
    });
    expect(moved.statusCode).toBe(200);
    const restored = await admin.post(`/api/customers/${old.id}/restore`);
    expect(restored.statusCode).toBe(200);
    expect(restored.json()).toMatchObject({ archivedAt: null, ipAddress: ip, macAddress: mac });
  });

  it("refuses an edit that takes another customer's address, and lets edits that keep an old duplicate through", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const ip = freshIp();
    const holder = await makeCustomer(admin, { name: "First Holder", ipAddress: ip });
    const other = await makeCustomer(admin, { ipAddress: freshIp() });

    const take = await admin.patch(`/api/customers/${other.id}`, { version: other.version, ipAddress: ip });
    expect(take.statusCode).toBe(409);
    expect(problemOf(take)).toMatchObject({ code: "customer.ip_taken", holder: { id: holder.id } });
    expect((await admin.get(`/api/customers/${other.id}`)).json().version).toBe(other.version);

    // The holder saving its own address again is no conflict.
    const own = await admin.patch(`/api/customers/${holder.id}`, {
      version: holder.version,
      ipAddress: ip,
      city: "Own",
    });
    expect(own.statusCode).toBe(200);

    // A duplicate from before the rule (written straight to the table: the API no longer makes
    // one) blocks no other edit; the edit answers it as a warning.
    await t().database.handle.db.execute(sql`update customers set ip_address = ${ip}::inet where id = ${other.id}`);
    const edit = await admin.patch(`/api/customers/${other.id}`, { version: other.version, city: "Elsewhere" });
    expect(edit.statusCode).toBe(200);
    expect(edit.json().warnings).toMatchObject([{ field: "ipAddress", customers: [{ id: holder.id }] }]);
  });

  it("lets exactly one of ten simultaneous creations with the same IP address through", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const ip = freshIp();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => admin.post("/api/customers", { name: `Race ${i}`, ipAddress: ip })),
    );
    const codes = responses.map((r) => r.statusCode).sort();
    expect(codes).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    const winner = responses.find((r) => r.statusCode === 201)?.json();
    for (const loser of responses.filter((r) => r.statusCode === 409)) {
      expect(problemOf(loser)).toMatchObject({ code: "customer.ip_taken", holder: { id: winner.id } });
    }
    const all = await admin.get(`/api/customers?q=${ip}&archived=all`);
    expect(all.json().items.map((c: { id: string }) => c.id)).toEqual([winner.id]);
  });

  it("lets exactly one of simultaneous creations and edits to the same MAC address through", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const mac = freshMac();
    const editors = await Promise.all(Array.from({ length: 4 }, () => makeCustomer(admin)));
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => admin.post("/api/customers", { name: `Mac Race ${i}`, macAddress: mac })),
      ...editors.map((c) => admin.patch(`/api/customers/${c.id}`, { version: c.version, macAddress: mac })),
    ]);
    const ok = responses.filter((r) => r.statusCode === 200 || r.statusCode === 201);
    expect(ok).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 409)).toHaveLength(8);
  });

  it("warns, without blocking, when the mobile phone is another current customer's, and finds who has a number", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const phone = uniquePhone();
    const household = await makeCustomer(admin, { name: "Parent", phone });
    const archived = await makeCustomer(admin, { name: "Gone", altPhone: phone });
    await admin.delete(`/api/customers/${archived.id}`);
    const national = `(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;

    const child = await admin.post("/api/customers", { name: "Child", phone: national });
    expect(child.statusCode).toBe(201);
    expect(child.json().phone).toBe(phone);
    expect(child.json().warnings).toEqual([
      {
        field: "phone",
        message: `Another customer has the same phone number: Parent (${household.accountNumber})`,
        customers: [{ id: household.id, accountNumber: household.accountNumber, name: "Parent" }],
      },
    ]);

    // The form asks this while the number is typed: current customers with it as mobile or alternative phone.
    const holders = await admin.get(`/api/customers?phone=${encodeURIComponent(national)}&limit=5`);
    expect(holders.statusCode).toBe(200);
    expect(
      holders
        .json()
        .items.map((c: { name: string }) => c.name)
        .sort(),
    ).toEqual(["Child", "Parent"]);
    const alt = await makeCustomer(admin, { name: "Neighbour", phone: uniquePhone(), altPhone: phone });
    const withAlt = await admin.get(`/api/customers?phone=${encodeURIComponent(phone)}`);
    expect(withAlt.json().items.map((c: { id: string }) => c.id)).toContain(alt.id);
    const bad = await admin.get("/api/customers?phone=12");
    expect(bad.statusCode).toBe(422);
    expect(problemOf(bad).errors).toEqual([{ field: "phone", message: "phone: not a valid number for US" }]);
    // The export refuses the same filter before it starts the download (it once threw into the stream).
    const badExport = await admin.get("/api/customers/export.csv?phone=12");
    expect(badExport.statusCode).toBe(422);
    expect(problemOf(badExport).errors).toEqual([{ field: "phone", message: "phone: not a valid number for US" }]);
    const goodExport = await admin.get(`/api/customers/export.csv?phone=${encodeURIComponent(phone)}`);
    expect(goodExport.statusCode).toBe(200);
    expect(goodExport.body.split("\n").filter(Boolean)).toHaveLength(4);
  });
});

describe.each(testDatabaseKinds())("duplicates in the CSV import on %s", (kind) => {
  const t = useTestApp(kind);

  it("reports an IP or MAC address another current customer holds, or an earlier row gives, as row errors naming the holder", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const takenIp = freshIp();
    const takenMac = freshMac();
    const holder = await makeCustomer(admin, { name: "Ip Holder", ipAddress: takenIp, macAddress: takenMac });
    const archivedIp = freshIp();
    const gone = await makeCustomer(admin, { ipAddress: archivedIp });
    await admin.delete(`/api/customers/${gone.id}`);
    const twiceIp = freshIp();
    const csv = stringify([
      ["Name", "IP", "MAC"],
      ["Row Two", takenIp, ""],
      ["Row Three", "", takenMac.toUpperCase()],
      ["Row Four", archivedIp, ""],
      ["Row Five", twiceIp, ""],
      ["Row Six", twiceIp, ""],
    ]);
    const res = await admin.post("/api/customers/import", { csv });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ created: 0, updated: 0 });
    expect(res.json().errors).toEqual([
      {
        row: 2,
        field: "ipAddress",
        message: `IP address ${takenIp} already belongs to ${holder.accountNumber} Ip Holder`,
      },
      {
        row: 3,
        field: "macAddress",
        message: `MAC address ${takenMac} already belongs to ${holder.accountNumber} Ip Holder`,
      },
      { row: 6, field: "ipAddress", message: `IP address ${twiceIp} is on row 5 too; each customer needs their own` },
    ]);
    expect((await admin.get("/api/customers?q=Row%20Four")).json().items).toEqual([]);

    // Without the conflicting rows the file goes in, the archived customer's address included.
    const fixed = stringify([
      ["Name", "IP"],
      ["Row Four", archivedIp],
      ["Row Five", twiceIp],
    ]);
    expect((await admin.post("/api/customers/import", { csv: fixed })).json()).toMatchObject({
      created: 2,
      errors: [],
    });
  });

  it("lets a file swap two customers' addresses, and re-import an unchanged customer whose duplicate predates the rule", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const [ipA, ipB] = [freshIp(), freshIp()];
    const a = await makeCustomer(admin, { ipAddress: ipA });
    const b = await makeCustomer(admin, { ipAddress: ipB });
    const swap = stringify([
      ["Account number", "IP"],
      [a.accountNumber, ipB],
      [b.accountNumber, ipA],
    ]);
    expect((await admin.post("/api/customers/import", { csv: swap })).json()).toMatchObject({ updated: 2, errors: [] });
    expect((await admin.get(`/api/customers/${a.id}`)).json().ipAddress).toBe(ipB);

    // An old duplicate (written straight to the table: the API no longer makes one) is left as it is.
    await t().database.handle.db.execute(sql`update customers set ip_address = ${ipA}::inet where id = ${a.id}`);
    const same = stringify([
      ["Account number", "IP", "City"],
      [a.accountNumber, ipA, "Unchanged IP"],
    ]);
    expect((await admin.post("/api/customers/import", { csv: same })).json()).toMatchObject({ updated: 1, errors: [] });
  });

  it("warns per row when a mobile phone is another current customer's, or another row's, and imports anyway", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const shared = uniquePhone();
    const household = await makeCustomer(admin, { name: "Household Head", phone: shared });
    const existing = await makeCustomer(admin, { name: "Moves In" });
    const inFile = uniquePhone();
    const csv = stringify([
      ["Account number", "Name", "Mobile"],
      [existing.accountNumber, "Moves In", shared],
      ["", "File One", inFile],
    ]);
    const preview = await admin.post("/api/customers/import", { csv, dryRun: true });
    expect(preview.json()).toMatchObject({ errors: [], created: 1, updated: 1 });
    expect(preview.json().warnings).toEqual([
      {
        row: 2,
        field: "phone",
        message: `Mobile phone ${shared} is also the number of ${household.accountNumber} Household Head`,
      },
    ]);
    const res = await admin.post("/api/customers/import", { csv });
    expect(res.json()).toMatchObject({ errors: [], created: 1, updated: 1, warnings: preview.json().warnings });
    expect((await admin.get(`/api/customers/${existing.id}`)).json().phone).toBe(shared);

    // Two rows for two customers with one number: the later row is told about the earlier one.
    const [c1, c2] = [await makeCustomer(admin), await makeCustomer(admin)];
    const both = stringify([
      ["Account number", "Mobile"],
      [c1.accountNumber, inFile.replace("+1", "")],
      [c2.accountNumber, inFile],
    ]);
    const twice = (await admin.post("/api/customers/import", { csv: both })).json();
    expect(twice.errors).toEqual([]);
    expect(twice.warnings.map((w: { row: number; message: string }) => `${w.row}: ${w.message}`)).toEqual([
      expect.stringMatching(/^2: Mobile phone \+\d+ is also the number of C-\d+ File One$/),
      expect.stringMatching(/^3: Mobile phone \+\d+ is also the number of C-\d+ File One$/),
      `3: Mobile phone ${inFile} is on row 2 too`,
    ]);
  });

  it("refuses half a coordinate pair in a row", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const placed = await makeCustomer(admin, { latitude: 40.1, longitude: -74.2 });
    const csv = stringify([
      ["Account number", "Name", "Latitude", "Longitude"],
      ["", "Only Latitude", "40.5", ""],
      [placed.accountNumber, "", "", "-74.3"],
    ]);
    const res = await admin.post("/api/customers/import", { csv });
    expect(res.json().errors).toEqual([
      { row: 2, field: "longitude", message: "Longitude is needed with a latitude: enter both, or neither" },
      { row: 3, field: "latitude", message: "Latitude is needed with a longitude: enter both, or neither" },
    ]);
    // A file with only a latitude column moves a placed customer's latitude and keeps the longitude.
    const moveLat = stringify([
      ["Account number", "Latitude"],
      [placed.accountNumber, "40.2"],
    ]);
    expect((await admin.post("/api/customers/import", { csv: moveLat })).json()).toMatchObject({
      errors: [],
      updated: 1,
    });
  });
});
