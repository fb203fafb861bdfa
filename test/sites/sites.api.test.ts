import { describe, expect, it } from "vitest";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";

describe.each(testDatabaseKinds())("network sites API on %s", (kind) => {
  const t = useTestApp(kind);

  it("lets admins create and change sites, and everyone list them", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const jane = await signIn(t().app, DEMO.jane);
    const res = await admin.post("/api/sites", {
      name: "Hilltop Tower",
      kind: "tower",
      address: "Ridge Rd",
      latitude: 45.1,
      longitude: -93.2,
      notes: "Key at the farm",
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: "Hilltop Tower",
      kind: "tower",
      latitude: 45.1,
      active: true,
      customerCount: 0,
    });
    const changed = await admin.patch(`/api/sites/${res.json().id}`, { kind: "pop", address: "" });
    expect(changed.json()).toMatchObject({ kind: "pop", address: null });
    expect((await jane.get("/api/sites")).json().items.map((s: { name: string }) => s.name)).toContain("Hilltop Tower");
  });

  it("refuses technicians with 403", async () => {
    const jane = await signIn(t().app, DEMO.jane);
    expect((await jane.post("/api/sites", { name: "Nope", kind: "olt" })).statusCode).toBe(403);
  });

  it("validates kind, coordinates and unique names", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const bad = await admin.post("/api/sites", { name: "X", kind: "castle", latitude: 100, longitude: 200 });
    expect(bad.statusCode).toBe(422);
    expect(
      problemOf(bad)
        .errors?.map((e) => e.field)
        .sort(),
    ).toEqual(["kind", "latitude", "longitude"]);
    await admin.post("/api/sites", { name: "Cabinet 7", kind: "cabinet" });
    const dup = await admin.post("/api/sites", { name: "CABINET 7", kind: "cabinet" });
    expect(dup.statusCode).toBe(409);
  });

  it("refuses half a coordinate pair, on create and against the stored other one on edit", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const half = await admin.post("/api/sites", { name: "Half Tower", kind: "tower", longitude: 13.4 });
    expect(half.statusCode).toBe(422);
    expect(problemOf(half).errors).toEqual([
      { field: "latitude", message: "Latitude is needed with a longitude: enter both, or neither" },
    ]);
    const bare = (await admin.post("/api/sites", { name: "Bare Tower", kind: "tower" })).json();
    const edit = await admin.patch(`/api/sites/${bare.id}`, { latitude: 52.5 });
    expect(edit.statusCode).toBe(422);
    expect(problemOf(edit).errors).toEqual([
      { field: "longitude", message: "Longitude is needed with a latitude: enter both, or neither" },
    ]);
    const placed = await admin.patch(`/api/sites/${bare.id}`, { latitude: 52.5, longitude: 13.4 });
    expect(placed.json()).toMatchObject({ latitude: 52.5, longitude: 13.4 });
    expect((await admin.patch(`/api/sites/${bare.id}`, { latitude: 52.6 })).json()).toMatchObject({
      latitude: 52.6,
      longitude: 13.4,
    });
    expect((await admin.patch(`/api/sites/${bare.id}`, { longitude: null })).statusCode).toBe(422);
  });

  it("lists every site with how many customers (archived included) are connected through it", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const busy = (await admin.post("/api/sites", { name: "Count Busy", kind: "tower" })).json();
    const quiet = (await admin.post("/api/sites", { name: "Count Quiet", kind: "pop" })).json();
    await makeCustomer(admin, { siteId: busy.id });
    const gone = await makeCustomer(admin, { siteId: busy.id });
    await admin.delete(`/api/customers/${gone.id}`);
    const items = (await admin.get("/api/sites?q=Count&limit=100")).json().items as {
      id: string;
      customerCount: number;
    }[];
    expect(items.map((s) => [s.id, s.customerCount])).toEqual([
      [busy.id, 2],
      [quiet.id, 0],
    ]);
  });

  it("deletes an unused site; a site in use gets 409 with the count and can be deactivated", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const unused = (await admin.post("/api/sites", { name: "Spare OLT", kind: "olt" })).json();
    expect((await admin.delete(`/api/sites/${unused.id}`)).statusCode).toBe(204);
    const used = (await admin.post("/api/sites", { name: "Main POP", kind: "pop" })).json();
    await makeCustomer(admin, { siteId: used.id });
    const refused = await admin.delete(`/api/sites/${used.id}`);
    expect(refused.statusCode).toBe(409);
    expect(problemOf(refused).detail).toContain("1 customer is connected");
    expect(problemOf(refused).customerCount).toBe(1);
    expect((await admin.patch(`/api/sites/${used.id}`, { active: false })).json().active).toBe(false);
    expect((await admin.get(`/api/sites/${used.id}`)).json().customerCount).toBe(1);
  });
});
