import { describe, expect, it } from "vitest";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";

describe.each(testDatabaseKinds())("service plans API on %s", (kind) => {
  const t = useTestApp(kind);

  it("lets admins create, change and list plans, and everyone list them", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    const res = await admin.post("/api/service-plans", {
      name: "Air 50",
      downloadMbps: 50,
      uploadMbps: 10,
      monthlyPrice: 39.99,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: "Air 50",
      downloadMbps: 50,
      uploadMbps: 10,
      monthlyPrice: 39.99,
      active: true,
      customerCount: 0,
    });
    const changed = await admin.patch(`/api/service-plans/${res.json().id}`, { monthlyPrice: 42.5 });
    expect(changed.json().monthlyPrice).toBe(42.5);
    const list = await john.get("/api/service-plans");
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((p: { name: string }) => p.name)).toContain("Air 50");
    expect((await john.get(`/api/service-plans/${res.json().id}`)).json().name).toBe("Air 50");
  });

  it("refuses technicians with 403 and changes nothing", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    const plan = (
      await admin.post("/api/service-plans", { name: "Tech proof", downloadMbps: 5, uploadMbps: 1, monthlyPrice: 1 })
    ).json();
    expect(
      (await john.post("/api/service-plans", { name: "Nope", downloadMbps: 5, uploadMbps: 1, monthlyPrice: 1 }))
        .statusCode,
    ).toBe(403);
    expect((await john.patch(`/api/service-plans/${plan.id}`, { name: "Renamed" })).statusCode).toBe(403);
    expect((await john.delete(`/api/service-plans/${plan.id}`)).statusCode).toBe(403);
    expect((await admin.get(`/api/service-plans/${plan.id}`)).json().name).toBe("Tech proof");
  });

  it("validates speeds, price and unique names", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const bad = await admin.post("/api/service-plans", {
      name: "",
      downloadMbps: 0,
      uploadMbps: -1,
      monthlyPrice: 1.234,
    });
    expect(bad.statusCode).toBe(422);
    const fields = problemOf(bad)
      .errors?.map((e) => e.field)
      .sort();
    expect(fields).toEqual(["downloadMbps", "monthlyPrice", "name", "uploadMbps"]);
    await admin.post("/api/service-plans", {
      name: "Fiber 1G",
      downloadMbps: 1000,
      uploadMbps: 1000,
      monthlyPrice: 80,
    });
    const dup = await admin.post("/api/service-plans", {
      name: "fiber 1g",
      downloadMbps: 1,
      uploadMbps: 1,
      monthlyPrice: 1,
    });
    expect(dup.statusCode).toBe(409);
    expect(problemOf(dup).errors?.[0]?.field).toBe("name");
  });

  it("deletes an unused plan; a plan in use gets 409 with the count and can be deactivated instead", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const unused = (
      await admin.post("/api/service-plans", { name: "Unused", downloadMbps: 5, uploadMbps: 1, monthlyPrice: 5 })
    ).json();
    expect((await admin.delete(`/api/service-plans/${unused.id}`)).statusCode).toBe(204);
    expect((await admin.get(`/api/service-plans/${unused.id}`)).statusCode).toBe(404);

    const used = (
      await admin.post("/api/service-plans", { name: "Popular", downloadMbps: 100, uploadMbps: 20, monthlyPrice: 49 })
    ).json();
    const first = await makeCustomer(admin, { servicePlanId: used.id });
    await makeCustomer(admin, { servicePlanId: used.id });
    await admin.delete(`/api/customers/${first.id}`); // archived customers still count
    const refused = await admin.delete(`/api/service-plans/${used.id}`);
    expect(refused.statusCode).toBe(409);
    const problem = problemOf(refused);
    expect(problem.code).toBe("service_plan.in_use");
    expect(problem.detail).toContain("2 customers use");
    expect(problem.customerCount).toBe(2);
    expect((await admin.get(`/api/service-plans/${used.id}`)).json().customerCount).toBe(2);

    const off = await admin.patch(`/api/service-plans/${used.id}`, { active: false });
    expect(off.json().active).toBe(false);
    expect(
      (await admin.get("/api/service-plans?active=true")).json().items.map((p: { id: string }) => p.id),
    ).not.toContain(used.id);
    // A deactivated plan is not handed out to new customers.
    const assign = await admin.post("/api/customers", { name: "Late", servicePlanId: used.id });
    expect(assign.statusCode).toBe(422);
    expect(problemOf(assign).errors?.[0]?.message).toMatch(/deactivated/);
  });

  it("lists every plan with how many customers (archived included) are on it", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const plan = (n: string) => ({ name: n, downloadMbps: 10, uploadMbps: 2, monthlyPrice: 10 });
    const busy = (await admin.post("/api/service-plans", plan("Counted Busy"))).json();
    const quiet = (await admin.post("/api/service-plans", plan("Counted Quiet"))).json();
    for (let i = 0; i < 3; i++) await makeCustomer(admin, { servicePlanId: busy.id });
    const gone = await makeCustomer(admin, { servicePlanId: busy.id });
    await admin.delete(`/api/customers/${gone.id}`);
    const items = (await admin.get("/api/service-plans?q=Counted&limit=100")).json().items as {
      id: string;
      customerCount: number;
    }[];
    expect(items.map((p) => [p.id, p.customerCount])).toEqual([
      [busy.id, 4],
      [quiet.id, 0],
    ]);
  });

  it("answers unknown plans with 404", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const id = "00000000-0000-4000-8000-000000000000";
    expect((await admin.patch(`/api/service-plans/${id}`, { name: "X" })).statusCode).toBe(404);
    expect((await admin.delete(`/api/service-plans/${id}`)).statusCode).toBe(404);
  });
});
