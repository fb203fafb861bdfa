import { describe, expect, it } from "vitest";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";

describe.each(testDatabaseKinds())("archived state and coordinate pairs on %s", (kind) => {
  const t = useTestApp(kind);

  it("tells who archived a customer, and when, on the customer's page only", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const customer = await makeCustomer(admin, { name: "Archie Who" });
    expect((await admin.get(`/api/customers/${customer.id}`)).json()).toMatchObject({
      archivedAt: null,
      archivedBy: null,
    });

    const archived = await admin.delete(`/api/customers/${customer.id}`);
    const detail = (await admin.get(`/api/customers/${customer.id}`)).json();
    expect(detail).toMatchObject({
      archivedAt: archived.json().archivedAt,
      archivedBy: { id: admin.user.id, name: admin.user.name },
    });
    // Lists stay lean: no per-row audit lookup.
    const [listed] = (await admin.get("/api/customers?q=Archie%20Who&archived=true")).json().items;
    expect(listed.id).toBe(customer.id);
    expect(listed).not.toHaveProperty("archivedBy");

    await admin.post(`/api/customers/${customer.id}/restore`);
    expect((await admin.get(`/api/customers/${customer.id}`)).json()).toMatchObject({
      archivedAt: null,
      archivedBy: null,
    });
  });

  it("refuses half a coordinate pair on create, naming the missing field", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const latOnly = await admin.post("/api/customers", { name: "Lat Only", latitude: 40.7 });
    expect(latOnly.statusCode).toBe(422);
    expect(problemOf(latOnly).errors).toEqual([
      { field: "longitude", message: "Longitude is needed with a latitude: enter both, or neither" },
    ]);
    const lngOnly = await admin.post("/api/customers", { name: "Lng Only", latitude: "", longitude: -74 });
    expect(lngOnly.statusCode).toBe(422);
    expect(problemOf(lngOnly).errors).toEqual([
      { field: "latitude", message: "Latitude is needed with a longitude: enter both, or neither" },
    ]);
    expect((await admin.post("/api/customers", { name: "Both", latitude: 40.7, longitude: -74 })).statusCode).toBe(201);
    expect((await admin.post("/api/customers", { name: "Neither", latitude: null, longitude: "" })).statusCode).toBe(
      201,
    );
  });

  it("judges an edit's coordinate against the stored other one", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const unplaced = await makeCustomer(admin);
    const half = await admin.patch(`/api/customers/${unplaced.id}`, { version: unplaced.version, latitude: 41 });
    expect(half.statusCode).toBe(422);
    expect(problemOf(half).errors).toEqual([
      { field: "longitude", message: "Longitude is needed with a latitude: enter both, or neither" },
    ]);

    const placed = await makeCustomer(admin, { latitude: 40.7, longitude: -74 });
    const moved = await admin.patch(`/api/customers/${placed.id}`, { version: placed.version, latitude: 40.8 });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ latitude: 40.8, longitude: -74 });
    const clearOne = await admin.patch(`/api/customers/${placed.id}`, {
      version: moved.json().version,
      longitude: null,
    });
    expect(clearOne.statusCode).toBe(422);
    expect(problemOf(clearOne).errors?.[0]?.field).toBe("longitude");
    const both = await admin.patch(`/api/customers/${placed.id}`, {
      version: moved.json().version,
      latitude: "",
      longitude: "",
    });
    expect(both.json()).toMatchObject({ latitude: null, longitude: null });
    // Both in the body: judged by the schema alone.
    const bodyHalf = await admin.patch(`/api/customers/${placed.id}`, {
      version: both.json().version,
      latitude: 1,
      longitude: null,
    });
    expect(problemOf(bodyHalf).errors?.map((e) => e.field)).toEqual(["longitude"]);
  });
});
