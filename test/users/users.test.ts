import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/server/db/client.js";
import { databaseFingerprint } from "../http/routes.js";
import { createTestApp, DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeStaff, makeTechnician, signInAs } from "../support/factories/users.js";

let counter = 0;
/** A valid new staff account; each call a different email. */
function newStaff(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    name: `Staff ${counter}`,
    email: `staff${counter}.${Date.now()}@isp.com`,
    role: "technician",
    password: "initial-password-1",
    ...overrides,
  };
}

describe.each(testDatabaseKinds())("users API on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;
  const fingerprint = () => databaseFingerprint(t().database.handle.db);
  const signInAdmin = async () => {
    admin ??= await signIn(t().app, DEMO.admin);
    return admin;
  };

  it("creates a staff account that can sign in; the response has no secrets", async () => {
    const a = await signInAdmin();
    const input = newStaff({ name: "  Maria Field ", phone: "(415) 555-2671" });
    const response = await a.post("/api/users", input);
    expect(response.statusCode).toBe(201);
    const user = response.json();
    expect(user).toMatchObject({
      name: "Maria Field",
      email: input.email,
      phone: "+14155552671",
      role: "technician",
      active: true,
      lastLoginAt: null,
    });
    expect(Object.keys(user).sort()).toEqual(
      ["active", "createdAt", "email", "id", "lastLoginAt", "name", "phone", "role"].sort(),
    );
    const session = await signIn(t().app, { email: input.email, password: input.password });
    expect(session.user.id).toBe(user.id);
    const fetched = await a.get(`/api/users/${user.id}`);
    expect(fetched.json().lastLoginAt).not.toBeNull();
  });

  it("reports every invalid field of a new account at once, and creates nothing", async () => {
    const a = await signInAdmin();
    const before = await fingerprint();
    const response = await a.post("/api/users", {
      name: "",
      email: "not-an-email",
      role: "owner",
      password: "short",
    });
    expect(response.statusCode).toBe(422);
    const body = problemOf(response);
    const byField = Object.fromEntries((body.errors ?? []).map((e) => [e.field, e.message]));
    expect(byField.name).toBe("Name is required");
    expect(byField.email).toBe("Email must look like name@example.com");
    expect(byField.role).toBe("Role must be admin, agent or technician");
    expect(byField.password).toBe("Password must be at least 10 characters");
    expect(body.detail).toMatch(/^Some fields need attention: /);

    const missing = problemOf(await a.post("/api/users", {}));
    expect(missing.errors?.map((e) => e.field).sort()).toEqual(["email", "name", "password", "role"]);
    const unknownField = await a.post("/api/users", { ...newStaff(), isSuperuser: true });
    expect(unknownField.statusCode).toBe(422);
    expect(await fingerprint()).toEqual(before);
  });

  it("refuses a duplicate email whatever its case with 409 on the email field", async () => {
    const a = await signInAdmin();
    const first = newStaff();
    expect((await a.post("/api/users", first)).statusCode).toBe(201);
    const before = await fingerprint();
    for (const email of [first.email.toUpperCase(), ` ${first.email} `, "JOHN@isp.com"]) {
      const response = await a.post("/api/users", newStaff({ email }));
      expect(response.statusCode, email).toBe(409);
      const body = problemOf(response);
      expect(body.code).toBe("user.email_taken");
      expect(body.errors).toEqual([
        { field: "email", message: "Email: another staff account already uses this address" },
      ]);
    }
    expect(await fingerprint()).toEqual(before);
  });

  it("updates name, email and role, and refuses an email another account uses", async () => {
    const a = await signInAdmin();
    const created = await makeStaff(a);
    const response = await a.patch(`/api/users/${created.id}`, {
      name: "Renamed Person",
      email: `renamed.${created.email}`,
      role: "admin",
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: "Renamed Person", role: "admin", email: `renamed.${created.email}` });
    const taken = await a.patch(`/api/users/${created.id}`, { email: "Jane@ISP.com" });
    expect(taken.statusCode).toBe(409);
    expect((await a.get(`/api/users/${created.id}`)).json().email).toBe(`renamed.${created.email}`);
  });

  it("deactivates and reactivates an account", async () => {
    const a = await signInAdmin();
    const created = await makeStaff(a);
    const off = await a.patch(`/api/users/${created.id}`, { active: false });
    expect(off.json().active).toBe(false);
    const activeOnly = (await a.get("/api/users?active=true&limit=200")).json().items as { id: string }[];
    expect(activeOnly.some((u) => u.id === created.id)).toBe(false);
    const inactive = (await a.get("/api/users?active=false&limit=200")).json().items as { id: string }[];
    expect(inactive.some((u) => u.id === created.id)).toBe(true);
    const login = () =>
      t().app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { email: created.email, password: created.password },
      });
    expect((await login()).statusCode).toBe(401);
    const on = await a.patch(`/api/users/${created.id}`, { active: true });
    expect(on.json().active).toBe(true);
    expect((await login()).statusCode).toBe(200);
  });

  it("resets a password: the old one stops working, the new one works", async () => {
    const a = await signInAdmin();
    const created = await makeStaff(a);
    const weak = await a.patch(`/api/users/${created.id}`, { password: "short" });
    expect(weak.statusCode).toBe(422);
    expect(problemOf(weak).errors).toEqual([{ field: "password", message: "Password must be at least 10 characters" }]);
    expect((await a.patch(`/api/users/${created.id}`, { password: "brand-new-secret" })).statusCode).toBe(200);
    const login = (password: string) =>
      t().app.inject({ method: "POST", url: "/api/auth/login", payload: { email: created.email, password } });
    expect((await login(created.password)).statusCode).toBe(401);
    expect((await login("brand-new-secret")).statusCode).toBe(200);
  });

  it("normalises phones to E.164 with DEFAULT_COUNTRY and clears them with null or empty", async () => {
    const a = await signInAdmin();
    const created = await makeStaff(a);
    for (const [input, e164] of [
      ["415.555.2671", "+14155552671"],
      ["+44 20 7946 0958", "+442079460958"],
      ["", null],
      ["(201) 555-0123", "+12015550123"],
      [null, null],
    ] as const) {
      const response = await a.patch(`/api/users/${created.id}`, { phone: input });
      expect(response.statusCode, String(input)).toBe(200);
      expect(response.json().phone, String(input)).toBe(e164);
    }
  });

  it("refuses a bad phone with 422 'Phone: not a valid number for US' and changes nothing", async () => {
    const a = await signInAdmin();
    const created = await makeStaff(a, { phone: "(415) 555-2671" });
    const before = await fingerprint();
    const response = await a.patch(`/api/users/${created.id}`, { phone: "12345" });
    expect(response.statusCode).toBe(422);
    const body = problemOf(response);
    expect(body.detail).toBe("Phone: not a valid number for US");
    expect(body.errors).toEqual([{ field: "phone", message: "Phone: not a valid number for US" }]);
    const onCreate = await a.post("/api/users", newStaff({ phone: "call me maybe" }));
    expect(onCreate.statusCode).toBe(422);
    expect(problemOf(onCreate).detail).toBe("Phone: not a valid number for US");
    const international = await a.patch(`/api/users/${created.id}`, { phone: "+999 123" });
    expect(problemOf(international).detail).toBe("Phone: not a valid international number");
    expect(await fingerprint()).toEqual(before);
  });

  it("answers 404 for an unknown user id and 422 for a malformed one", async () => {
    const a = await signInAdmin();
    const unknown = await a.get("/api/users/00000000-0000-4000-8000-000000000000");
    expect(unknown.statusCode).toBe(404);
    expect(problemOf(unknown).code).toBe("user.not_found");
    const unknownPatch = await a.patch("/api/users/00000000-0000-4000-8000-000000000000", { name: "Ghost" });
    expect(unknownPatch.statusCode).toBe(404);
    const malformed = await a.get("/api/users/42");
    expect(malformed.statusCode).toBe(422);
    expect(problemOf(malformed).errors?.[0]?.field).toBe("id");
  });

  it("pages the staff list with limit and cursor, and searches it", async () => {
    const a = await signInAdmin();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/users?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = (await a.get(query)).json() as { items: { id: string; name: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
    } while (cursor);
    const all = (await a.get("/api/users?limit=200")).json().items as { id: string }[];
    expect(seen).toEqual(all.map((u) => u.id));
    expect(new Set(seen).size).toBe(seen.length);

    const found = (await a.get("/api/users?q=jane")).json().items as { email: string }[];
    expect(found.map((u) => u.email)).toEqual(["jane@isp.com"]);
    const wildcard = (await a.get("/api/users?q=%25")).json().items;
    expect(wildcard).toEqual([]);
    const badCursor = await a.get("/api/users?cursor=garbage");
    expect(badCursor.statusCode).toBe(400);
    const badLimit = await a.get("/api/users?limit=500");
    expect(badLimit.statusCode).toBe(422);
    expect(problemOf(badLimit).errors?.[0]).toEqual({ field: "limit", message: "limit must be between 1 and 200" });
  });
});

describe.each(testDatabaseKinds())("own profile on %s", (kind) => {
  const t = useTestApp(kind);
  /** A technician of the test's own, so profile edits leave the demo accounts as they were. */
  const newTechnicianSession = async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const tech = await makeTechnician(admin);
    return { tech, session: await signInAs(t().app, tech) };
  };

  it("edits own name and phone", async () => {
    const { session: jane } = await newTechnicianSession();
    const response = await jane.patch("/api/users/me", { name: "Jane Q. Tech", phone: "206-342-8631" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: "Jane Q. Tech", phone: "+12063428631", role: "technician" });
    const bad = await jane.patch("/api/users/me", { phone: "555" });
    expect(bad.statusCode).toBe(422);
    expect(problemOf(bad).detail).toBe("Phone: not a valid number for US");
    expect((await jane.get("/api/auth/me")).json().user.phone).toBe("+12063428631");
  });

  it("requires the right current password for a new one", async () => {
    const { tech, session: jane } = await newTechnicianSession();
    const before = await databaseFingerprint(t().database.handle.db);
    const missing = await jane.patch("/api/users/me", { newPassword: "jane-new-password" });
    expect(missing.statusCode).toBe(422);
    expect(problemOf(missing).errors).toEqual([
      { field: "currentPassword", message: "Current password is required to set a new one" },
    ]);
    const wrong = await jane.patch("/api/users/me", { currentPassword: "nope", newPassword: "jane-new-password" });
    expect(wrong.statusCode).toBe(422);
    expect(problemOf(wrong).errors).toEqual([{ field: "currentPassword", message: "Current password is not correct" }]);
    const short = await jane.patch("/api/users/me", { currentPassword: tech.password, newPassword: "short" });
    expect(short.statusCode).toBe(422);
    expect(await databaseFingerprint(t().database.handle.db)).toEqual(before);
  });
});

/** Changes the password of every demo account, so it has an app of its own. */
describe.each(testDatabaseKinds())("default-password warning on %s", (kind) => {
  const t = useTestApp(kind);

  it("drops an account from the default-password warning once its password changes", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const warned = async () => (await admin.get("/api/auth/me")).json().defaultPasswordAccounts as string[];
    expect(await warned()).toEqual(["admin@isp.com", "jane@isp.com", "john@isp.com"]);
    // Technicians are not told.
    const john = await signIn(t().app, DEMO.john);
    expect((await john.get("/api/auth/me")).json().defaultPasswordAccounts).toEqual([]);

    const change = await john.patch("/api/users/me", {
      currentPassword: DEMO.john.password,
      newPassword: "john-private-password",
    });
    expect(change.statusCode).toBe(200);
    expect(await warned()).toEqual(["admin@isp.com", "jane@isp.com"]);
    // An admin's reset counts too.
    const janeId = ((await admin.get("/api/users?q=jane")).json().items as { id: string }[])[0]?.id;
    await admin.patch(`/api/users/${janeId}`, { password: "jane-reset-password" });
    expect(await warned()).toEqual(["admin@isp.com"]);
    const own = await admin.patch("/api/users/me", {
      currentPassword: DEMO.admin.password,
      newPassword: "admin-private-password",
    });
    expect(own.statusCode).toBe(200);
    expect(await warned()).toEqual([]);
    // Login answer carries the list as well.
    const login = await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: DEMO.admin.email, password: "admin-private-password" },
    });
    expect(login.json().defaultPasswordAccounts).toEqual([]);
  });
});

describe.each(testDatabaseKinds())("phones with DEFAULT_COUNTRY=GB on %s", (kind) => {
  it("reads national numbers as British", async () => {
    const t = await createTestApp(kind, { env: { DEFAULT_COUNTRY: "gb" } });
    try {
      const admin = await signIn(t.app, DEMO.admin);
      const ok = await admin.post("/api/users", newStaff({ phone: "020 7946 0018" }));
      expect(ok.statusCode).toBe(201);
      expect(ok.json().phone).toBe("+442079460018");
      const bad = await admin.post("/api/users", newStaff({ phone: "12345" }));
      expect(problemOf(bad).detail).toBe("Phone: not a valid number for GB");
    } finally {
      await t.close();
    }
  });
});

describe.each(testDatabaseKinds())("audit log on %s", (kind) => {
  const t = useTestApp(kind);
  type AuditRow = {
    action: string;
    actor_id: string | null;
    entity_id: string | null;
    data: unknown;
    ip: string | null;
  };
  const auditRows = (action: string) =>
    queryRows<AuditRow>(
      t().database.handle.db,
      sql`select action, actor_id, entity_id, data, ip from audit_log where action = ${action} order by id`,
    );

  it("records sign-ins, failed sign-ins and sign-outs with the address", async () => {
    const jane = await signIn(t().app, DEMO.jane);
    const logins = await auditRows("auth.login");
    expect(logins.at(-1)).toMatchObject({ actor_id: jane.user.id, entity_id: jane.user.id, ip: "127.0.0.1" });

    await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: DEMO.jane.email, password: "wrong-password" },
      remoteAddress: "192.0.2.10",
    });
    await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: "stranger@isp.com", password: "wrong-password" },
    });
    const failures = await auditRows("auth.login_failed");
    expect(failures.at(-2)).toMatchObject({
      actor_id: jane.user.id,
      ip: "192.0.2.10",
      data: { email: "jane@isp.com", reason: "wrong_password" },
    });
    expect(failures.at(-1)).toMatchObject({
      actor_id: null,
      data: { email: "stranger@isp.com", reason: "unknown_email" },
    });
    // The attempted password never lands in the log.
    expect(JSON.stringify(failures)).not.toContain("wrong-password");

    await jane.post("/api/auth/logout");
    expect((await auditRows("auth.logout")).at(-1)).toMatchObject({ actor_id: jane.user.id });
  });

  it("records staff changes with who, what and from where", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const created = await makeTechnician(admin);
    expect((await auditRows("user.create")).at(-1)).toMatchObject({
      actor_id: admin.user.id,
      entity_id: created.id,
      data: { email: created.email, role: "technician" },
    });
    await admin.patch(`/api/users/${created.id}`, { role: "admin", active: false });
    expect((await auditRows("user.update")).at(-1)).toMatchObject({
      actor_id: admin.user.id,
      entity_id: created.id,
      data: { role: { from: "technician", to: "admin" }, active: { from: true, to: false } },
    });
    await admin.patch(`/api/users/${created.id}`, { password: "audited-reset-1" });
    const reset = (await auditRows("user.password_reset")).at(-1);
    expect(reset).toMatchObject({ actor_id: admin.user.id, entity_id: created.id, data: { fields: ["password"] } });
    expect(JSON.stringify(reset)).not.toContain("audited-reset-1");

    const tech = await makeTechnician(admin);
    const john = await signInAs(t().app, tech);
    await john.patch("/api/users/me", { name: "John T." });
    expect((await auditRows("user.profile_update")).at(-1)).toMatchObject({
      actor_id: john.user.id,
      data: { fields: ["name"] },
    });
    await john.patch("/api/users/me", { currentPassword: tech.password, newPassword: "john-audited-pw" });
    const change = (await auditRows("user.password_change")).at(-1);
    expect(change).toMatchObject({ actor_id: john.user.id, entity_id: john.user.id });
    expect(JSON.stringify(change)).not.toContain("john-audited-pw");
  });

  it("records nothing for a refused change", async () => {
    const jane = await signIn(t().app, DEMO.jane);
    const before = await queryRows<{ n: number }>(
      t().database.handle.db,
      sql`select count(*)::int as n from audit_log`,
    );
    await jane.post("/api/users", newStaff());
    const after = await queryRows<{ n: number }>(t().database.handle.db, sql`select count(*)::int as n from audit_log`);
    expect(after[0]?.n).toBe(before[0]?.n);
  });
});
