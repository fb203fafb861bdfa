import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import type { UserRole } from "../../src/shared/enums.js";
import { scopesAllowedFor, type TokenScope } from "../../src/shared/tokens.js";
import { apiRoutes, type RegisteredRoute, STATE_CHANGING_METHODS } from "../http/routes.js";
import {
  type AttackRequest,
  changes,
  describeChanges,
  expectedRoles,
  expectedTokenAccess,
  quiesce,
  readUrl,
  routeName,
  snapshot,
  useWorld,
  type World,
  WRITE_FIXTURES,
} from "../security/support/attack-world.js";
import { problemOf, type Session } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { injectAnswer } from "../support/inject.js";
import { makeToken } from "../support/tokens.js";

type Method = NonNullable<InjectOptions["method"]>;

/**
 * Every /api route against API tokens of every role and scope, from the attack suite's tables
 * (ROLE_TABLE, SESSION_ONLY_ROUTES): a token gets in exactly where its scope and its owner's role
 * both allow, and nowhere a session is required.
 */
describe.each(testDatabaseKinds())("API token scopes on every route (%s)", (kind) => {
  const world = useWorld(kind);
  const reads = () =>
    apiRoutes(world().t.app, ["GET", "HEAD"]).filter((route) => !route.pattern.startsWith("/api/docs"));
  const writes = () => apiRoutes(world().t.app, STATE_CHANGING_METHODS);

  const ownerOf = (w: World, role: UserRole): Session =>
    role === "admin" ? w.admin : role === "agent" ? w.agent : w.john;
  /** One token per role and single scope it may hold. */
  async function tokens(w: World) {
    const result: { role: UserRole; scope: TokenScope; token: string }[] = [];
    for (const role of ["admin", "agent", "technician"] as const) {
      for (const scope of scopesAllowedFor(role)) {
        result.push({ role, scope, token: (await makeToken(ownerOf(w, role), { scopes: [scope] })).token });
      }
    }
    return result;
  }
  const allowed = (route: RegisteredRoute, role: UserRole, scope: TokenScope) => {
    const needs = expectedTokenAccess(route);
    if (needs === "session") return false;
    const roles = expectedRoles(route);
    const roleOk = roles === "public" || (roles?.includes(role) ?? false);
    return roleOk && (needs === "any" || needs === scope);
  };
  const send = (w: World, method: string, request: AttackRequest, token: string): Promise<LightMyRequestResponse> =>
    injectAnswer(w.t.app, {
      method: method as Method,
      url: request.url,
      headers: { authorization: `Bearer ${token}` },
      ...(request.body !== undefined ? { payload: request.body } : {}),
    });

  it("agrees with the guard's own registry of what a token needs on each route", () => {
    const app = world().t.app;
    for (const route of [...reads(), ...writes()]) {
      const registered =
        app.routeTokenAccess.get(routeName(route)) ??
        app.routeTokenAccess.get(routeName(route).replace(/(.)\/$/, "$1"));
      expect(registered, routeName(route)).toBe(expectedTokenAccess(route));
    }
  });

  it("refuses every token where its scope or its owner's role does not reach, and on session-only routes: 403, nothing changed", async () => {
    const w = world();
    const all = await tokens(w);
    const deniedWrites: {
      route: RegisteredRoute;
      request: AttackRequest;
      role: UserRole;
      scope: TokenScope;
      token: string;
    }[] = [];
    for (const route of writes()) {
      const denied = all.filter(({ role, scope }) => !allowed(route, role, scope));
      if (denied.length === 0) continue;
      const fixture = WRITE_FIXTURES[routeName(route)];
      if (!fixture) throw new Error(`no fixture for ${routeName(route)}`);
      const request = await fixture(w);
      for (const token of denied) deniedWrites.push({ route, request, ...token });
    }
    await quiesce(w);
    const before = await snapshot(w.t.database.handle.db);
    for (const route of reads()) {
      for (const { role, scope, token } of all.filter((t) => !allowed(route, t.role, t.scope))) {
        const response = await send(w, route.method, { url: readUrl(route, w) }, token);
        const label = `${routeName(route)} with a ${role}'s ${scope} token`;
        expect(response.statusCode, label).toBe(403);
        if (route.method === "GET") {
          expect(problemOf(response).code, label).toMatch(
            /^(token\.session_only|token\.insufficient_scope|auth\.forbidden)$/,
          );
          if (expectedTokenAccess(route) === "session")
            expect(problemOf(response).code, label).toBe("token.session_only");
        }
      }
    }
    for (const { route, request, role, scope, token } of deniedWrites) {
      const response = await send(w, route.method, request, token);
      const label = `${routeName(route)} with a ${role}'s ${scope} token`;
      expect(response.statusCode, `${label}: ${response.body}`).toBe(403);
      if (expectedTokenAccess(route) === "session") expect(problemOf(response).code, label).toBe("token.session_only");
    }
    await quiesce(w);
    // Token requests count against their token's rate limit and note when they were used: api_tokens alone may change.
    const changed = changes(before, await snapshot(w.t.database.handle.db)).filter((row) => row.table !== "api_tokens");
    expect(changed, describeChanges(changed)).toEqual([]);
  });

  it("answers 401 invalid_token to a revoked and to an expired admin token on every route, and changes nothing", async () => {
    const w = world();
    const everything = { scopes: ["read", "write", "admin"] as TokenScope[] };
    const revoked = await makeToken(w.admin, everything);
    expect((await w.admin.delete(`/api/tokens/${revoked.id}`)).statusCode).toBe(204);
    const expiring = await makeToken(w.admin, {
      ...everything,
      expiresAt: new Date(w.t.clock.now().getTime() + 60_000).toISOString(),
    });
    const requests: { route: RegisteredRoute; request: AttackRequest }[] = [];
    for (const route of reads()) requests.push({ route, request: { url: readUrl(route, w) } });
    for (const route of writes()) {
      const fixture = WRITE_FIXTURES[routeName(route)];
      if (!fixture) throw new Error(`no fixture for ${routeName(route)}`);
      requests.push({ route, request: await fixture(w) });
    }
    // Past its expiry by the app's clock (a minute and a second on).
    w.t.clock.advance(61_000);
    await quiesce(w);
    const before = await snapshot(w.t.database.handle.db);
    for (const { route, request } of requests) {
      for (const [which, token] of [
        ["revoked", revoked.token],
        ["expired", expiring.token],
      ] as const) {
        const response = await send(w, route.method, request, token);
        const label = `${routeName(route)} with a ${which} token`;
        expect(response.statusCode, `${label}: ${response.body}`).toBe(401);
        if (route.method !== "HEAD") expect(problemOf(response).code, label).toBe("token.invalid");
      }
    }
    await quiesce(w);
    const changed = changes(before, await snapshot(w.t.database.handle.db));
    expect(changed, describeChanges(changed)).toEqual([]);
  });

  it("lets every token in where its scope and its owner's role both reach: each read answers, each write fixture succeeds", async () => {
    const w = world();
    const all = await tokens(w);
    for (const route of reads().filter((r) => r.method === "GET")) {
      for (const { role, scope, token } of all.filter((t) => allowed(route, t.role, t.scope))) {
        const response = await send(w, "GET", { url: readUrl(route, w) }, token);
        expect(
          response.statusCode,
          `${routeName(route)} with a ${role}'s ${scope} token: ${response.body}`,
        ).toBeLessThan(400);
      }
    }
    let writesDone = 0;
    for (const route of writes()) {
      for (const { role, scope, token } of all.filter((t) => allowed(route, t.role, t.scope))) {
        const fixture = WRITE_FIXTURES[routeName(route)];
        if (!fixture) throw new Error(`no fixture for ${routeName(route)}`);
        const request = await fixture(w);
        // A fixture on a record only its owner may touch (one's own notification) is for the owner's tokens.
        if (request.as && request.as.user.id !== ownerOf(w, role).user.id) continue;
        const response = await send(w, route.method, request, token);
        const label = `${routeName(route)} with a ${role}'s ${scope} token: ${response.body}`;
        expect(response.statusCode, label).toBeGreaterThanOrEqual(200);
        expect(response.statusCode, label).toBeLessThan(300);
        writesDone++;
      }
    }
    expect(writesDone).toBeGreaterThan(30);
    await quiesce(w);
  });
});
