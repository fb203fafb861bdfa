import { describe, expect, it } from "vitest";
import {
  apiRoutes,
  databaseFingerprint,
  isPublicApiRoute,
  type RegisteredRoute,
  STATE_CHANGING_METHODS,
} from "../http/routes.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

/**
 * Admin-only actions from the spec's role table, as route patterns: whichever of these a feature
 * registers must refuse technicians.
 */
const ADMIN_ONLY: { methods: readonly string[]; pattern: RegExp }[] = [
  { methods: ["POST"], pattern: /^\/api\/users$/ },
  { methods: ["PATCH", "PUT", "DELETE"], pattern: /^\/api\/users\/:[^/]+$/ },
  { methods: STATE_CHANGING_METHODS, pattern: /^\/api\/service-plans(\/.*)?$/ },
  { methods: STATE_CHANGING_METHODS, pattern: /^\/api\/sms\/templates(\/.*)?$/ },
  { methods: ["DELETE"], pattern: /^\/api\/customers\/:[^/]+$/ },
  { methods: ["POST", "PUT", "PATCH"], pattern: /^\/api\/customers\/:[^/]+\/restore$/ },
];
const isAdminOnly = (route: RegisteredRoute) =>
  ADMIN_ONLY.some((rule) => rule.methods.includes(route.method) && rule.pattern.test(route.pattern));

const describeRoute = (route: RegisteredRoute) => `${route.method} ${route.pattern}`;

describe.each(testDatabaseKinds())("CSRF and roles on %s", (kind) => {
  const t = useTestApp(kind);

  const writes = () =>
    apiRoutes(t().app, STATE_CHANGING_METHODS).filter((route) => route.pattern !== "/api/auth/login");

  it("finds the state-changing routes it guards (the enumeration works)", () => {
    const names = writes().map(describeRoute);
    expect(names).toEqual(
      expect.arrayContaining([
        "POST /api/users",
        "PATCH /api/users/:id",
        "PATCH /api/users/me",
        "POST /api/auth/logout",
      ]),
    );
  });

  it("refuses every state-changing /api request on a session without the CSRF token: 403, nothing changed", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const other = await signIn(t().app, DEMO.jane);
    const before = await databaseFingerprint(t().database.handle.db);
    const headerVariants: [string, Record<string, string>][] = [
      ["no token", {}],
      ["a wrong token", { "x-csrf-token": "not-the-token" }],
      ["another session's token", { "x-csrf-token": other.csrfToken }],
      ["an empty token", { "x-csrf-token": "" }],
    ];
    for (const route of writes()) {
      for (const [label, headers] of headerVariants) {
        const response = await t().app.inject({
          method: route.method as "POST",
          url: route.url,
          headers: { cookie: admin.cookie, ...headers },
          payload: { name: "CSRF attack", role: "admin", active: false },
        });
        expect(response.statusCode, `${describeRoute(route)} with ${label}`).toBe(403);
        expect(problemOf(response).code, `${describeRoute(route)} with ${label}`).toBe("auth.csrf_invalid");
      }
    }
    expect(await databaseFingerprint(t().database.handle.db)).toEqual(before);
    // The session itself survived the refused logout.
    expect((await admin.get("/api/auth/me")).statusCode).toBe(200);
  });

  it("accepts the same write with the session's own token", async () => {
    const jane = await signIn(t().app, DEMO.jane);
    const response = await jane.patch("/api/users/me", { name: "Jane Tech" });
    expect(response.statusCode).toBe(200);
  });

  it("answers 401 problem+json to anonymous requests on every non-public /api route", async () => {
    const before = await databaseFingerprint(t().database.handle.db);
    const routes = apiRoutes(t().app).filter((route) => !isPublicApiRoute(route));
    expect(routes.length).toBeGreaterThan(3);
    for (const route of routes) {
      const response = await t().app.inject({
        method: route.method as "GET",
        url: route.url,
        ...(route.method === "GET" ? {} : { payload: {} }),
      });
      expect(response.statusCode, describeRoute(route)).toBe(401);
      expect(problemOf(response).code, describeRoute(route)).toBe("auth.required");
    }
    expect(await databaseFingerprint(t().database.handle.db)).toEqual(before);
  });

  it("answers 401 to a forged or garbage session cookie", async () => {
    for (const cookie of ["uplink_session=", "uplink_session=x", `uplink_session=${"A".repeat(43)}`]) {
      const response = await t().app.inject({ method: "GET", url: "/api/users", headers: { cookie } });
      expect(response.statusCode, cookie).toBe(401);
    }
  });

  it("answers 403 to a technician on every admin route and changes nothing", async () => {
    const john = await signIn(t().app, DEMO.john);
    const routes = apiRoutes(t().app, STATE_CHANGING_METHODS).filter(isAdminOnly);
    expect(routes.map(describeRoute)).toEqual(expect.arrayContaining(["POST /api/users", "PATCH /api/users/:id"]));
    const { items } = (await john.get("/api/users")).json() as { items: { id: string; email: string }[] };
    const janeId = items.find((user) => user.email === DEMO.jane.email)?.id ?? "";
    const before = await databaseFingerprint(t().database.handle.db);
    for (const route of routes) {
      // A real id where the route takes one, so a missing check could not hide behind a 404.
      const url = route.pattern.startsWith("/api/users/") ? `/api/users/${janeId}` : route.url;
      const response = await john.request({
        method: route.method as "POST",
        url,
        payload: {
          name: "Hijacked",
          email: "hijack@isp.com",
          role: "admin",
          active: false,
          password: "hijacked-password",
        },
      });
      expect(response.statusCode, describeRoute(route)).toBe(403);
      expect(problemOf(response).code, describeRoute(route)).toBe("auth.forbidden");
    }
    expect(await databaseFingerprint(t().database.handle.db)).toEqual(before);
  });

  it("never lets a technician promote itself", async () => {
    const john = await signIn(t().app, DEMO.john);
    const before = await databaseFingerprint(t().database.handle.db);
    const viaProfile = await john.patch("/api/users/me", { role: "admin" });
    expect(viaProfile.statusCode).toBe(422);
    const viaProfileActive = await john.patch("/api/users/me", { active: true, name: "John" });
    expect(viaProfileActive.statusCode).toBe(422);
    const viaId = await john.patch(`/api/users/${john.user.id}`, { role: "admin" });
    expect(viaId.statusCode).toBe(403);
    const viaCreate = await john.post("/api/users", {
      name: "Sock Puppet",
      email: "puppet@isp.com",
      role: "admin",
      password: "puppet-password",
    });
    expect(viaCreate.statusCode).toBe(403);
    expect(await databaseFingerprint(t().database.handle.db)).toEqual(before);
    const me = await john.get("/api/auth/me");
    expect(me.json().user.role).toBe("technician");
  });

  it("keeps an office agent out of admin routes and never lets them promote themselves", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const account = { email: `agent-${Date.now()}@isp.test`, password: "office-agent-pass" };
    const created = await admin.post("/api/users", { name: "Olive Office", role: "agent", ...account });
    expect(created.statusCode).toBe(201);
    const agent = await signIn(t().app, account);
    expect(agent.user.role).toBe("agent");
    const routes = apiRoutes(t().app, STATE_CHANGING_METHODS).filter(isAdminOnly);
    const before = await databaseFingerprint(t().database.handle.db);
    for (const route of routes) {
      const url = route.pattern.startsWith("/api/users/") ? `/api/users/${agent.user.id}` : route.url;
      const response = await agent.request({
        method: route.method as "POST",
        url,
        payload: { name: "Hijacked", email: "hijack@isp.com", role: "admin", active: true, password: "hijacked-pass" },
      });
      expect(response.statusCode, describeRoute(route)).toBe(403);
      expect(problemOf(response).code, describeRoute(route)).toBe("auth.forbidden");
    }
    expect((await agent.patch("/api/users/me", { role: "admin" })).statusCode).toBe(422);
    expect(await databaseFingerprint(t().database.handle.db)).toEqual(before);
    expect((await agent.get("/api/auth/me")).json().user.role).toBe("agent");
  });

  it("never lets an admin change their own role or deactivate themselves", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const before = await databaseFingerprint(t().database.handle.db);
    for (const body of [{ role: "technician" }, { active: false }, { role: "admin" }]) {
      const response = await admin.patch(`/api/users/${admin.user.id}`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(403);
      expect(problemOf(response).code).toBe("user.self_role_change");
    }
    const viaProfile = await admin.patch("/api/users/me", { active: false });
    expect(viaProfile.statusCode).toBe(422);
    expect(await databaseFingerprint(t().database.handle.db)).toEqual(before);
  });

  it("lets technicians read the staff list (to assign tickets) but not write it", async () => {
    const jane: Session = await signIn(t().app, DEMO.jane);
    const list = await jane.get("/api/users");
    expect(list.statusCode).toBe(200);
    expect(list.json().items.length).toBeGreaterThanOrEqual(3);
    // No password hash or session data leaks through the list.
    expect(list.body).not.toMatch(/argon2|password/i);
  });
});
