import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { openPostgres } from "../../src/server/db/client.js";
import { createTestApp, DEMO, problemOf, signIn, testConfig, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { apiRoutes, STATE_CHANGING_METHODS, UNKNOWN_ID } from "./routes.js";

/** What must never reach a client: stack frames, file paths, SQL, driver internals. */
const LEAK =
  /\bat [\w.<>]+ \(|node_modules|\.ts:\d+|\bselect\b.+\bfrom\b|\binsert into\b|\bupdate \w+ set\b|drizzle|pglite|stack/i;

describe.each(testDatabaseKinds())("HTTP basics on %s", (kind) => {
  const t = useTestApp(kind, {
    env: {
      TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
      TWILIO_AUTH_TOKEN: "super-secret-twilio-token-value",
      TWILIO_PHONE_NUMBER: "+15005550006",
    },
  });

  it("answers unknown /api paths with 404 problem+json, whatever the method", async () => {
    for (const [method, url] of [
      ["GET", "/api/nope"],
      ["POST", "/api/nope/deeper"],
      ["DELETE", "/api/users"],
      ["GET", "/api"],
      ["GET", "/api/"],
    ] as const) {
      const response = await t().app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      const body = problemOf(response);
      expect(body).toMatchObject({ status: 404, title: "Not Found", code: "route.not_found" });
      expect(body.detail).toContain("/api/docs");
    }
  });

  it("answers malformed JSON with 400 problem+json", async () => {
    const response = await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "application/json" },
      payload: '{"email": "admin@isp.com", "password": ',
    });
    expect(response.statusCode).toBe(400);
    const body = problemOf(response);
    expect(body.detail).toBe("The request body is not valid JSON.");
    expect(response.body).not.toMatch(LEAK);
  });

  it("answers a body of the wrong content type with 415 problem+json", async () => {
    const response = await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "application/xml" },
      payload: "<login><email>admin@isp.com</email></login>",
    });
    expect(response.statusCode).toBe(415);
    expect(problemOf(response).status).toBe(415);
    expect(response.body).not.toMatch(LEAK);
  });

  it("answers a body over 1 MiB with 413 problem+json", async () => {
    const response = await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ email: "admin@isp.com", password: "x".repeat(1_100_000) }),
    });
    expect(response.statusCode).toBe(413);
    expect(problemOf(response).status).toBe(413);
  });

  it("lists validation failures per field, without internals", async () => {
    const response = await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: 42, password: ["x"], extra: true },
    });
    expect(response.statusCode).toBe(422);
    const body = problemOf(response);
    expect(body.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(["email", "password"]));
    expect(response.body).not.toMatch(LEAK);
  });

  it("never answers 500, nor leaks internals, whatever JSON a signed-in admin sends to any write route", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const routes = apiRoutes(t().app, STATE_CHANGING_METHODS).filter(
      (route) => route.pattern !== "/api/auth/logout" && route.pattern !== "/api/auth/login",
    );
    const json = fc.jsonValue({ maxDepth: 2 });
    const shaped = fc.dictionary(
      fc.constantFrom("name", "email", "phone", "role", "active", "password", "version", "status", "id", "limit"),
      fc.oneof(json, fc.string(), fc.constant("\u0000"), fc.constant("' or 1=1 --"), fc.constant(UNKNOWN_ID)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.oneof(json, shaped), async (route, payload) => {
        const response = await admin.request({
          method: route.method as "POST",
          url: route.url,
          headers: { "content-type": "application/json" },
          payload: JSON.stringify(payload),
        });
        expect(response.statusCode, `${route.method} ${route.pattern} ${JSON.stringify(payload)}`).toBeLessThan(500);
        if (response.statusCode >= 400) expect(response.body).not.toMatch(LEAK);
      }),
      { numRuns: 150 },
    );
    // The session survived the storm (nobody deactivated the admin).
    expect((await admin.get("/api/auth/me")).statusCode).toBe(200);
  }, 120_000);

  it("sends security headers with a strict Content-Security-Policy on pages and API answers", async () => {
    for (const url of ["/", "/login", "/api/auth/me", "/api/docs", "/healthz"]) {
      const response = await t().app.inject({ method: "GET", url });
      const csp = String(response.headers["content-security-policy"] ?? "");
      const scriptSrc = csp.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
      expect(scriptSrc, url).toContain("'self'");
      expect(scriptSrc, url).not.toContain("unsafe-inline");
      expect(scriptSrc, url).not.toContain("unsafe-eval");
      expect(csp, url).toContain("object-src 'none'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      // On a plain-http install it would rewrite same-origin requests to https and break the page.
      expect(csp, url).not.toContain("upgrade-insecure-requests");
      expect(response.headers["x-content-type-options"], url).toBe("nosniff");
      expect(response.headers["x-frame-options"], url).toBe("SAMEORIGIN");
      expect(response.headers["referrer-policy"], url).toBe("no-referrer");
      expect(response.headers["x-powered-by"], url).toBeUndefined();
      // Plain http: no HSTS (it would break a LAN install on http).
      expect(response.headers["strict-transport-security"], url).toBeUndefined();
    }
  });

  it("serves the web app's index without inline scripts", async () => {
    const response = await t().app.inject({ method: "GET", url: "/customers/123" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/text\/html/);
    const scripts = [...response.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, content] of scripts) {
      // The session's data block (JSON, never run: http/web.ts) is the one script without a src.
      if (attributes === ' type="application/json" id="uplink-session"') continue;
      expect(attributes).toMatch(/\bsrc=/);
      expect(content?.trim()).toBe("");
    }
  });

  it("answers /healthz and /readyz", async () => {
    const health = await t().app.inject({ method: "GET", url: "/healthz" });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: "ok" });
    const ready = await t().app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready", database: kind });
  });

  it("publishes a valid OpenAPI 3.1 document generated from the route schemas, with no secrets", async () => {
    const response = await t().app.inject({ method: "GET", url: "/api/openapi.json" });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "Uplink API", version: expect.any(String) });
    for (const path of [
      "/api/auth/login",
      "/api/auth/logout",
      "/api/auth/me",
      "/api/users",
      "/api/users/{id}",
      "/api/users/me",
      "/healthz",
      "/readyz",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    // Every operation declares its answers; every $ref points at something that exists.
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { responses?: object }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        expect(Object.keys(operation.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
    const refs = [...response.body.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] ?? "");
    for (const ref of refs) {
      expect(ref).toMatch(/^#\//);
      const target = ref
        .slice(2)
        .split("/")
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
    const login = doc.paths["/api/auth/login"].post;
    expect(login.requestBody.content["application/json"].schema).toBeDefined();
    expect(Object.keys(login.responses)).toEqual(expect.arrayContaining(["200", "401", "429"]));
    expect(doc.paths["/api/users"].post.responses["201"]).toBeDefined();
    // Internal-only routes stay out of it.
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/assets") || p === "/api/openapi.json")).toBe(false);
    expect(response.body).not.toMatch(/super-secret-twilio-token-value|password_hash|passwordHash|csrf_token/);
  });

  it("serves a readable API page at /api/docs", async () => {
    const response = await t().app.inject({ method: "GET", url: "/api/docs" });
    const page =
      response.statusCode === 302
        ? await t().app.inject({ method: "GET", url: String(response.headers.location) })
        : response;
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.body).toMatch(/swagger/i);
    const initializer = await t().app.inject({ method: "GET", url: "/api/docs/static/swagger-initializer.js" });
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).toContain("/api/openapi.json");
  });
});

describe.each(testDatabaseKinds())("readiness when the database goes away on %s", (kind) => {
  it("answers /readyz 503 problem+json once the database is closed, and API calls 503 instead of 500", async () => {
    const t = await createTestApp(kind);
    try {
      const admin = await signIn(t.app, DEMO.admin);
      expect((await t.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
      await t.database.handle.close();
      const ready = await t.app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(503);
      expect(problemOf(ready).code).toBe("service.database_unavailable");
      expect(ready.headers["retry-after"]).toBe("5");
      const health = await t.app.inject({ method: "GET", url: "/healthz" });
      expect(health.statusCode).toBe(200);
      const api = await admin.get("/api/users");
      expect(api.statusCode).toBe(503);
      expect(problemOf(api).code).toBe("service.database_unavailable");
      expect(api.body).not.toMatch(LEAK);
    } finally {
      await t.close();
    }
  });
});

describe("readiness against an unreachable PostgreSQL server", () => {
  it("answers /readyz 503 quickly when the server's port is dead", async () => {
    const database = await openPostgres({
      connectionString: "postgres://uplink@127.0.0.1:1/uplink",
      poolSize: 2,
      connectionTimeoutMs: 1000,
    });
    const app = await buildApp({ config: testConfig(), database, clock: new ManualClock() });
    try {
      const started = Date.now();
      const ready = await app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(503);
      expect(problemOf(ready).code).toBe("service.database_unavailable");
      expect(Date.now() - started).toBeLessThan(5000);
      const login = await app.inject({ method: "POST", url: "/api/auth/login", payload: DEMO.admin });
      expect(login.statusCode).toBe(503);
      expect(login.body).not.toMatch(LEAK);
    } finally {
      await app.close();
      await database.close();
    }
  });
});
