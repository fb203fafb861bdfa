import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, loggerOptions } from "../../src/server/app.js";
import { safeEqual } from "../../src/server/auth/tokens.js";
import { webRoot } from "../../src/server/http/web.js";
import { registeredRoutes } from "../http/routes.js";
import { createTestApp, DEMO, problemOf, type Session, signIn, type TestApp, testConfig } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { createTestDatabase, type DatabaseKind, testDatabaseKinds } from "../support/databases.js";
import { STAND_IN_AUTH_TOKEN, signedWebhook, TwilioStandIn } from "../support/twilio-stand-in.js";

type Method = NonNullable<InjectOptions["method"]>;
const repoRoot = path.resolve(import.meta.dirname, "../..");

/** An app for one describe block, with its own environment. */
function useApp(kind: DatabaseKind, env: Record<string, string> = {}): () => TestApp {
  let current: TestApp | undefined;
  beforeAll(async () => {
    current = await createTestApp(kind, { env });
  }, 60_000);
  afterAll(async () => {
    await current?.close();
  });
  return () => {
    if (!current) throw new Error("the app is not ready");
    return current;
  };
}

/** The cookie attributes of a Set-Cookie header, lower-cased names. */
function cookieAttributes(header: string): { value: string; attributes: Map<string, string> } {
  const [pair = "", ...rest] = header.split(";").map((part) => part.trim());
  const attributes = new Map(
    rest.map((part) => {
      const [name = "", ...value] = part.split("=");
      return [name.toLowerCase(), value.join("=")] as const;
    }),
  );
  return { value: pair.slice(pair.indexOf("=") + 1), attributes };
}

function sessionSetCookie(response: LightMyRequestResponse): string {
  const headers = [response.headers["set-cookie"] ?? []].flat();
  const header = headers.find((h) => h.startsWith("uplink_session="));
  if (!header) throw new Error(`no session cookie (${response.statusCode} ${response.body})`);
  return header;
}

/** Content-Security-Policy as directive → sources. */
function parseCsp(header: string): Map<string, string[]> {
  return new Map(
    header
      .split(";")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = "", ...sources] = part.split(/\s+/);
        return [name.toLowerCase(), sources] as const;
      }),
  );
}

/** Asserts a strict policy: scripts from our origin only, nothing inline or eval'd, no plugins, no framing. */
function expectStrictCsp(header: string | undefined, where: string) {
  expect(header, `${where}: Content-Security-Policy`).toBeTruthy();
  const csp = parseCsp(String(header));
  const scripts = csp.get("script-src") ?? csp.get("default-src") ?? [];
  expect(scripts.includes("'self'") || scripts.join(" ") === "'none'", `${where}: script-src ${scripts}`).toBe(true);
  for (const source of scripts) {
    expect(source, `${where}: script-src allows ${source}`).not.toMatch(
      /unsafe-inline|unsafe-eval|unsafe-hashes|^\*$|^data:|^https?:$|^blob:/,
    );
  }
  expect(csp.get("object-src") ?? csp.get("default-src"), `${where}: object-src`).toEqual(["'none'"]);
  expect(csp.get("frame-ancestors"), `${where}: frame-ancestors`).toEqual(["'none'"]);
  // ASVS 5.0 V3.4.3 asks for base-uri 'none': nothing here needs a <base> element.
  expect(csp.get("base-uri"), `${where}: base-uri`).toEqual(["'none'"]);
}

function expectSecurityHeaders(response: LightMyRequestResponse, where: string) {
  const h = response.headers;
  expect(h["x-content-type-options"], where).toBe("nosniff");
  expect(["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"], where).toContain(
    h["referrer-policy"],
  );
  // Obsolete next to CSP frame-ancestors 'none' (ASVS 5.0 V3.4.6), kept for old browsers.
  expect(["DENY", "SAMEORIGIN"], where).toContain(h["x-frame-options"]);
  expect(h["cross-origin-opener-policy"], where).toBe("same-origin");
  expect(h["cross-origin-resource-policy"], where).toBe("same-origin");
  expect(h["x-powered-by"], where).toBeUndefined();
  expect(h.server, where).toBeUndefined();
  expect(h["access-control-allow-origin"], `${where}: no CORS`).toBeUndefined();
  expect(h["access-control-allow-credentials"], `${where}: no CORS`).toBeUndefined();
}

/** What an error must never carry: stack frames, file paths, SQL, driver or library names. */
const LEAKS: [string, RegExp][] = [
  ["a stack frame", /\bat [\w.<>]+ \(|\bat (file:|\/)|:\d+:\d+\)/],
  ["a file path", /\/(work|home|usr|opt|tmp|srv|var)\/|node_modules|src\/server|\.ts\b|\.m?js:\d/],
  ["SQL", /\b(select|insert|update|delete)\b[^.]{0,80}\b(from|into|set|where)\b|\bwhere\b.*=\s*\$\d/i],
  [
    "a database or driver message",
    /syntax error|relation "|column "|violates|duplicate key|sqlstate|pglite|postgres|drizzle|ECONN|errno|\bstack\b/i,
  ],
  ["an exception name", /\b(TypeError|ReferenceError|RangeError|SyntaxError|DatabaseError|Error):/],
];

function expectCleanProblem(response: LightMyRequestResponse, status: number, where: string) {
  expect(response.statusCode, `${where}: ${response.body}`).toBe(status);
  const body = problemOf(response);
  expect(body.status, where).toBe(status);
  expect(typeof body.detail, where).toBe("string");
  for (const [what, pattern] of LEAKS) {
    expect(response.body, `${where} leaks ${what}: ${response.body}`).not.toMatch(pattern);
  }
  expect(response.headers["x-content-type-options"], where).toBe("nosniff");
}

describe.each(testDatabaseKinds())("HTTP attacks (%s)", (kind) => {
  describe("session cookie", () => {
    const https = useApp(kind, { PUBLIC_URL: "https://crm.example.net" });
    const http = useApp(kind, { PUBLIC_URL: "http://crm.lan:5000" });

    it("is HttpOnly, SameSite=Lax, Path=/, host-only, 7 days, and Secure behind an https PUBLIC_URL", async () => {
      for (const [t, secure] of [
        [https(), true],
        [http(), false],
      ] as const) {
        const login = await t.app.inject({ method: "POST", url: "/api/auth/login", payload: DEMO.jane });
        expect(login.statusCode).toBe(200);
        const { value, attributes } = cookieAttributes(sessionSetCookie(login));
        expect(attributes.has("httponly")).toBe(true);
        expect(attributes.get("samesite")?.toLowerCase()).toBe("lax");
        expect(attributes.get("path")).toBe("/");
        expect(attributes.has("domain"), "a host-only cookie (no Domain)").toBe(false);
        expect(attributes.get("max-age")).toBe(String(7 * 24 * 3600));
        expect(attributes.has("secure"), `Secure with PUBLIC_URL ${t.config.PUBLIC_URL}`).toBe(secure);
        // 256 random bits, base64url: nothing to guess.
        expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
        // The token never appears in the body; scripts get only the CSRF token.
        expect(login.body).not.toContain(value);
      }
    });

    it("is replaced at every sign-in (no fixation) and cleared with the same attributes at sign-out", async () => {
      const t = https();
      const planted = `uplink_session=${"P".repeat(43)}`;
      const first = await t.app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: DEMO.jane,
        headers: { cookie: planted },
      });
      const second = await t.app.inject({ method: "POST", url: "/api/auth/login", payload: DEMO.jane });
      const firstToken = cookieAttributes(sessionSetCookie(first)).value;
      expect(firstToken).not.toBe("P".repeat(43));
      expect(cookieAttributes(sessionSetCookie(second)).value).not.toBe(firstToken);
      expect(
        (await t.app.inject({ method: "GET", url: "/api/auth/me", headers: { cookie: planted } })).statusCode,
      ).toBe(401);

      const cookie = `uplink_session=${firstToken}`;
      const logout = await t.app.inject({
        method: "POST",
        url: "/api/auth/logout",
        headers: { cookie, "x-csrf-token": first.json().csrfToken },
      });
      expect(logout.statusCode).toBe(204);
      const cleared = cookieAttributes(sessionSetCookie(logout));
      expect(cleared.value).toBe("");
      expect(cleared.attributes.get("path")).toBe("/");
      const expires = cleared.attributes.get("expires");
      expect(cleared.attributes.get("max-age") === "0" || (expires && Date.parse(expires) < Date.now())).toBe(true);
      expect((await t.app.inject({ method: "GET", url: "/api/auth/me", headers: { cookie } })).statusCode).toBe(401);
    });
  });

  describe("security headers", () => {
    const https = useApp(kind, { PUBLIC_URL: "https://crm.example.net" });
    const http = useApp(kind);
    let session: Session;
    beforeAll(async () => {
      session = await signIn(https().app, DEMO.admin);
    });

    const assets = () => registeredRoutes(https().app, ["GET"]).filter((route) => route.pattern.startsWith("/assets/"));

    it("come with every kind of answer: HTML pages, API JSON, problems, static assets, bad URLs", async () => {
      const t = https();
      expect(assets().length).toBeGreaterThan(5);
      const css = assets().find((route) => route.pattern.endsWith(".css"));
      const js = assets().find((route) => route.pattern.endsWith(".js"));
      const evil = { origin: "https://evil.example" };
      const requests: [string, () => Promise<LightMyRequestResponse>][] = [
        ["the app's HTML at /", () => t.app.inject({ method: "GET", url: "/", headers: evil })],
        ["a deep link's HTML", () => t.app.inject({ method: "GET", url: "/customers/123" })],
        ["the sign-in page", () => t.app.inject({ method: "GET", url: "/login" })],
        ["/index.html", () => t.app.inject({ method: "GET", url: "/index.html" })],
        ["API JSON", () => session.get("/api/customers")],
        ["API JSON to a foreign origin", () => session.request({ method: "GET", url: "/api/auth/me", headers: evil })],
        [
          "a CORS preflight",
          () =>
            t.app.inject({
              method: "OPTIONS",
              url: "/api/customers",
              headers: { ...evil, "access-control-request-method": "POST" },
            }),
        ],
        ["401 problem", () => t.app.inject({ method: "GET", url: "/api/customers" })],
        ["404 problem", () => session.get("/api/nothing-here")],
        ["422 problem", () => session.get("/api/tickets?sort=sideways")],
        ["a script", () => t.app.inject({ method: "GET", url: js?.pattern ?? "/missing.js" })],
        ["a stylesheet", () => t.app.inject({ method: "GET", url: css?.pattern ?? "/missing.css" })],
        ["the icon", () => t.app.inject({ method: "GET", url: "/favicon.svg" })],
        ["the CSV export", () => session.get("/api/customers/export.csv")],
        ["a malformed URL", () => t.app.inject({ method: "GET", url: "/api/customers/%E0%A4%A" })],
        ["an over-long path parameter", () => session.get(`/api/customers/${"a".repeat(300)}`)],
        ["/healthz", () => t.app.inject({ method: "GET", url: "/healthz" })],
        ["/metrics", () => t.app.inject({ method: "GET", url: "/metrics" })],
      ];
      for (const [where, send] of requests) {
        const response = await send();
        expect(response.statusCode, where).toBeLessThan(500);
        expectSecurityHeaders(response, where);
        expectStrictCsp(response.headers["content-security-policy"] as string, where);
        expect(response.headers["strict-transport-security"], `${where}: HSTS behind https`).toMatch(
          /max-age=(\d{8,}|3153[6-9]\d{3}|31[6-9]\d{5}|3[2-9]\d{6})/,
        );
      }
      // Without https, HSTS would lock browsers out of a plain-http LAN install.
      expect(
        (await http().app.inject({ method: "GET", url: "/" })).headers["strict-transport-security"],
      ).toBeUndefined();
    });

    it("keep the web app's HTML free of inline script, so the strict policy costs nothing", async () => {
      const html = (await https().app.inject({ method: "GET", url: "/" })).body;
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes = "", content = ""] of scripts) {
        // The session's data block (JSON, never run: http/web.ts) is the one script without a src.
        if (attributes === ' type="application/json" id="uplink-session"') {
          expect(() => JSON.parse(content)).not.toThrow();
          continue;
        }
        expect(attributes).toMatch(/\bsrc="\/assets\//);
        expect(content.trim()).toBe("");
      }
      expect(scripts.filter(([, attributes = ""]) => !attributes.includes("src=")).length).toBe(1);
      expect(html).not.toMatch(/\son\w+\s*=/i);
    });

    it("mark API answers no-store, so no browser or proxy keeps subscribers' data", async () => {
      for (const url of [
        "/api/customers",
        "/api/tickets",
        "/api/auth/me",
        "/api/sms",
        "/api/dashboard",
        "/api/customers/export.csv",
      ]) {
        const response = await session.get(url);
        expect(response.statusCode, url).toBe(200);
        expect(response.headers["cache-control"], url).toMatch(/no-store/);
      }
      expect((await https().app.inject({ method: "GET", url: "/api/customers" })).headers["cache-control"]).toMatch(
        /no-store/,
      );
    });

    it("give the API docs page its own strict policy (hashes for swagger-ui, no framing)", async () => {
      const docs = await https().app.inject({ method: "GET", url: "/api/docs/" });
      expect(docs.statusCode).toBe(200);
      expectStrictCsp(docs.headers["content-security-policy"] as string, "/api/docs");
      expect(docs.headers["x-content-type-options"]).toBe("nosniff");
    });
  });

  describe("errors", () => {
    const t = useApp(kind);
    let admin: Session;
    beforeAll(async () => {
      admin = await signIn(t().app, DEMO.admin);
    });

    it("answer every client error as problem+json without stack traces, paths, SQL or driver messages", async () => {
      const customer = (await admin.post("/api/customers", { name: "Error Probe", phone: "+12015550190" })).json();
      await admin.patch(`/api/customers/${customer.id}`, { notes: "v2", version: customer.version });
      const cases: [number, string, () => Promise<LightMyRequestResponse>][] = [
        [
          400,
          "a truncated JSON body",
          () =>
            admin.request({
              method: "POST",
              url: "/api/customers",
              headers: { "content-type": "application/json" },
              payload: '{"name": "x',
            }),
        ],
        [
          400,
          "JSON with a trailing comma",
          () =>
            admin.request({
              method: "POST",
              url: "/api/tickets",
              headers: { "content-type": "application/json" },
              payload: '{"subject": "x",}',
            }),
        ],
        [400, "a malformed URL", () => admin.get("/api/tickets/%ZZ")],
        [401, "no session", () => t().app.inject({ method: "GET", url: "/api/tickets" })],
        [
          403,
          "no CSRF token",
          () =>
            admin.request({
              method: "POST",
              url: "/api/tickets",
              payload: { subject: "x" },
              headers: { "x-csrf-token": "" },
            }),
        ],
        [404, "an unknown route", () => admin.get("/api/secret-admin-panel")],
        [404, "an unknown id", () => admin.get("/api/customers/7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17")],
        [
          404,
          "an unsupported method (Fastify answers 404, not 405)",
          () => admin.request({ method: "PUT", url: "/api/customers" }),
        ],
        [404, "TRACE", () => admin.request({ method: "TRACE" as Method, url: "/api/customers" })],
        [
          409,
          "a stale version",
          () => admin.patch(`/api/customers/${customer.id}`, { notes: "stale", version: customer.version }),
        ],
        [
          413,
          "a body over 1 MiB",
          () =>
            admin.request({
              method: "POST",
              url: "/api/tickets",
              headers: { "content-type": "application/json" },
              payload: JSON.stringify({ subject: "x".repeat(1_100_000) }),
            }),
        ],
        [414, "an over-long path parameter", () => admin.get(`/api/tickets/${"9".repeat(500)}`)],
        [
          415,
          "an XML body",
          () =>
            admin.request({
              method: "POST",
              url: "/api/tickets",
              headers: { "content-type": "application/xml" },
              payload: "<ticket/>",
            }),
        ],
        [422, "a wrong type", () => admin.post("/api/tickets", { subject: 42 })],
        [422, "an id that is not a UUID", () => admin.get("/api/tickets/' OR 1=1 --")],
        [422, "SQL in a sort parameter", () => admin.get("/api/customers?sort=name;drop table customers")],
        [400, "a forged cursor", () => admin.get("/api/tickets?cursor=eyJ4IjoiJyBPUiAxPTEgLS0ifQ")],
        [400, "a cursor that is not base64", () => admin.get("/api/customers?cursor=%27%20OR%201%3D1")],
        [
          422,
          "an IP filter with SQL",
          () => admin.post("/api/customers", { name: "x", ipAddress: "1.1.1.1'; drop table users; --" }),
        ],
        [422, "a NUL character", () => admin.post("/api/tickets", { subject: "a\u0000b" })],
      ];
      for (const [status, label, send] of cases) {
        expectCleanProblem(await send(), status, label);
      }
    });

    it("treat SQL inside a well-formed cursor as data (sqlmap cannot reach inside base64 JSON)", async () => {
      for (let i = 0; i < 3; i++) await admin.post("/api/customers", { name: `Cursor Probe ${i}` });
      const ticket = (await admin.post("/api/tickets", { subject: "Cursor probe" })).json();
      await admin.post(`/api/tickets/${ticket.id}/comments`, { body: "one" });
      const all = (await admin.get("/api/customers?limit=200&sort=name")).json().items.length as number;
      expect(all).toBeGreaterThanOrEqual(3);
      const cursor = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString("base64url");
      const someId = "7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17";
      const forged: [string, string][] = [
        ["/api/customers?sort=name&limit=200&cursor=", cursor(["zzzz' OR '1'='1", someId])],
        ["/api/customers?sort=name&limit=200&cursor=", cursor(["zzzz'); DROP TABLE customers; --", someId])],
        ["/api/customers?sort=name&limit=200&cursor=", cursor(["zzzz", "x' OR '1'='1"])],
        ["/api/tickets?limit=200&cursor=", cursor(["2001-01-01' OR '1'='1", someId])],
        ["/api/sms?limit=200&cursor=", cursor(["2001-01-01 00:00:00+00' OR 1=1 --", someId])],
        ["/api/users?limit=200&cursor=", cursor(["zzzz' OR '1'='1", someId])],
        ["/api/customers?sort=created&limit=200&cursor=", cursor(["2026-02-31 00:00:00+00", someId])],
        ["/api/customers?sort=-updated&limit=200&cursor=", cursor(["now' OR '1'='1", someId])],
        [
          "/api/tickets?sort=priority&limit=200&cursor=",
          cursor(["urgent' OR '1'='1", "2026-01-01 00:00:00+00", someId]),
        ],
        ["/api/tickets?sort=-due&limit=200&cursor=", cursor(["25:61:00", someId])],
        [`/api/tickets/${ticket.id}/comments?limit=200&cursor=`, cursor(["1 day' OR '1'='1", someId])],
      ];
      for (const [path, value] of forged) {
        const response = await admin.get(`${path}${value}`);
        const where = `${path}${Buffer.from(value, "base64url").toString()}`;
        if (response.statusCode === 200) {
          // As data, "zzzz…" sorts after every name: an injected OR would return every row instead.
          expect(response.json().items, where).toEqual([]);
        } else {
          expectCleanProblem(response, 400, where);
        }
      }
      expect((await admin.get("/api/customers?limit=200&sort=name")).json().items.length).toBe(all);
    });

    it("answer 429 from the sign-in limiter as clean problem+json", async () => {
      let last: LightMyRequestResponse | undefined;
      for (let i = 0; i < 11; i++) {
        last = await t().app.inject({
          method: "POST",
          url: "/api/auth/login",
          payload: { email: DEMO.john.email, password: `wrong-${i}` },
          remoteAddress: `10.9.0.${i + 1}`,
        });
      }
      if (!last) throw new Error("no answer");
      expectCleanProblem(last, 429, "the sign-in limiter");
      expect(Number(last.headers["retry-after"])).toBeGreaterThan(0);
    });

    it("answer 503 problem+json, not a driver error, when the database is gone", async () => {
      const database = await createTestDatabase(kind);
      const app = await buildApp({ config: testConfig(), database: database.handle, clock: t().clock });
      try {
        await app.ready();
        const login = await app.inject({ method: "POST", url: "/api/auth/login", payload: DEMO.admin });
        const cookie = `uplink_session=${cookieAttributes(sessionSetCookie(login)).value}`;
        // The webhook dispatcher holds a pooled connection for LISTEN, and closing a pool waits for
        // every client it lent: stop it first, as main.ts does when it closes the app before the database.
        await app.webhookDispatcher.stop();
        await database.handle.close();
        const requests: [string, InjectOptions][] = [
          ["a list", { method: "GET", url: "/api/customers", headers: { cookie } }],
          [
            "a write",
            {
              method: "POST",
              url: "/api/tickets",
              headers: { cookie, "x-csrf-token": login.json().csrfToken },
              payload: { subject: "x" },
            },
          ],
          ["a sign-in", { method: "POST", url: "/api/auth/login", payload: DEMO.admin }],
          ["the readiness check", { method: "GET", url: "/readyz" }],
        ];
        for (const [label, request] of requests) {
          const response = await app.inject(request);
          expectCleanProblem(response, 503, `${label} with the database closed`);
          expect(problemOf(response).code).toBe("service.database_unavailable");
        }
      } finally {
        await app.close();
        await database.drop().catch(() => {});
      }
    });
  });

  describe("files that must not be served", () => {
    const t = useApp(kind);

    it("answers 404 or the web app's index for source, secrets, VCS data, the database and source maps", async () => {
      const index = (await t().app.inject({ method: "GET", url: "/index.html" })).body;
      expect(index).toContain("<div id=");
      const assetFiles = await readdir(path.join(webRoot, "assets"));
      const probes = [
        "/.git/HEAD",
        "/.git/config",
        "/.git/index",
        "/.env",
        "/.env.local",
        "/package.json",
        "/package-lock.json",
        "/tsconfig.json",
        "/vite.config.ts",
        "/drizzle.config.ts",
        "/src/server/app.ts",
        "/src/server/config.ts",
        "/src/server/app.js",
        "/server/app.ts",
        "/app.ts",
        "/main.ts",
        "/dist/web/index.html.map",
        "/src/server/app.ts.map",
        "/data/",
        "/data/PG_VERSION",
        "/data/pglite/PG_VERSION",
        "/node_modules/fastify/package.json",
        "/assets/../package.json",
        "/assets/%2e%2e/%2e%2e/package.json",
        "/assets/..%2f..%2fpackage.json",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/assets/%252e%252e/package.json",
        "/..%5c..%5cpackage.json",
        "/api/../package.json",
        "/index.html.map",
        ...assetFiles
          .filter((file) => file.endsWith(".js") || file.endsWith(".css"))
          .map((file) => `/assets/${file}.map`),
      ];
      const markers = [
        /ref: refs\//,
        /\[core\]/,
        /"name":\s*"uplink"/,
        /"lockfileVersion"/,
        /compilerOptions/,
        /export (async )?function|import .* from ["']/,
        /"mappings":/,
        /root:x:0:0/,
        /"version":\s*"\d/,
      ];
      for (const url of probes) {
        for (const method of ["GET", "HEAD"] as const) {
          const response = await t().app.inject({ method, url });
          // The app's document, with the session's data block the server adds (http/web.ts).
          const page = response.body.replace(
            /\n\s*<script type="application\/json" id="uplink-session">null<\/script>/,
            "",
          );
          const servesIndex = response.statusCode === 200 && (method === "HEAD" || page === index);
          expect(
            response.statusCode === 404 || response.statusCode === 400 || servesIndex,
            `${method} ${url} → ${response.statusCode} ${response.body.slice(0, 120)}`,
          ).toBe(true);
          for (const marker of markers) expect(response.body, `${method} ${url}`).not.toMatch(marker);
        }
      }
    });

    it("ships no source maps and no build-machine paths in the web bundle", async () => {
      const files = await readdir(path.join(webRoot, "assets"));
      expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
      for (const file of files.filter((name) => name.endsWith(".js") || name.endsWith(".css"))) {
        const text = await readFile(path.join(webRoot, "assets", file), "utf8");
        expect(text, file).not.toMatch(/sourceMappingURL=/);
        expect(text.includes(repoRoot), `${file} holds the build path ${repoRoot}`).toBe(false);
      }
    });
  });

  describe("OpenAPI document", () => {
    const secrets = {
      TWILIO_ACCOUNT_SID: `AC${"7".repeat(32)}`,
      TWILIO_AUTH_TOKEN: "twilio-secret-auth-token-5f1c9e",
      TWILIO_PHONE_NUMBER: "+15005550006",
      PUBLIC_URL: "https://secret-host.example.net",
      DATABASE_URL: "postgres://uplink:db-secret-password-8d2a@db.internal:5432/uplink",
      PGPASSWORD: "pg-secret-password-3b7e",
    };
    const t = useApp(kind, secrets);

    it("holds no environment values, credentials, example secrets or paths, wherever it is served", async () => {
      const urls = ["/api/openapi.json", "/api/docs/json", "/api/docs/yaml", "/api/docs/static/swagger-initializer.js"];
      const forbidden = [
        ...Object.values(secrets).filter((value) => !value.startsWith("+")),
        "db-secret-password",
        "secret-host",
        DEMO.admin.password,
        DEMO.john.password,
        repoRoot,
      ];
      for (const url of urls) {
        const response = await t().app.inject({ method: "GET", url });
        expect(response.statusCode, url).toBe(200);
        for (const secret of forbidden) expect(response.body.includes(secret), `${url} shows ${secret}`).toBe(false);
        expect(response.body, url).not.toMatch(/node_modules|src\/server/);
      }
      // No example or default value for anything secret.
      const doc = (await t().app.inject({ method: "GET", url: "/api/openapi.json" })).json();
      const offenders: string[] = [];
      const walk = (node: unknown, trail: string) => {
        if (Array.isArray(node)) {
          for (const [i, item] of node.entries()) walk(item, `${trail}[${i}]`);
        } else if (node && typeof node === "object") {
          for (const [key, value] of Object.entries(node)) {
            const here = `${trail}.${key}`;
            if (
              /password|token|secret|hash/i.test(trail.split(".").pop() ?? "") &&
              /^(example|examples|default)$/.test(key)
            ) {
              offenders.push(here);
            }
            walk(value, here);
          }
        }
      };
      walk(doc, "$");
      expect(offenders).toEqual([]);
    });
  });

  describe("constant-time comparisons", () => {
    const twilio = new TwilioStandIn();
    let t: TestApp | undefined;
    beforeAll(async () => {
      await twilio.start();
      t = await createTestApp(kind, { env: twilio.env() });
    }, 60_000);
    afterAll(async () => {
      await t?.close();
      await twilio.stop();
    });
    const source = (file: string) => readFileSync(path.join(repoRoot, file), "utf8");

    it("safeEqual matches only the exact secret, and is built on crypto.timingSafeEqual", () => {
      const secret = "Yh3kR9_vX2mQ8wL5pT1nB7cF4dG6sJ0aZ3eU8iO2rK1";
      expect(safeEqual(secret, secret)).toBe(true);
      expect(safeEqual(secret, `${secret.slice(0, -1)}2`)).toBe(false);
      expect(safeEqual(secret, secret.slice(0, -1))).toBe(false);
      expect(safeEqual(secret, `${secret}x`)).toBe(false);
      expect(safeEqual(secret, "")).toBe(false);
      expect(safeEqual("", secret)).toBe(false);
      expect(source("src/server/auth/tokens.ts")).toMatch(/timingSafeEqual\(/);
    });

    it("compares CSRF tokens with safeEqual, finds sessions by the token's hash, and checks Twilio signatures in constant time", () => {
      expect(source("src/server/auth/guard.ts")).toMatch(/safeEqual\(header, request\.session\.csrfToken\)/);
      const sessions = source("src/server/auth/sessions.service.ts");
      // The database compares SHA-256 digests, which leaks nothing about the token itself.
      expect(sessions).toMatch(/const id = sha256\(token\);[\s\S]*eq\(sessions\.id, id\)/);
      expect(source("src/server/sms/sms.webhooks.ts")).toMatch(/isValidTwilioSignature\(authToken, signature,/);
      expect(source("src/server/metrics/metrics.routes.ts")).toMatch(/!safeEqual\(presented, expected\)/);
      expect(source("src/server/sms/sms.signature.ts")).toMatch(
        /expected\.length === given\.length && timingSafeEqual\(expected, given\)/,
      );
    });

    it("has no plain ===/!== on a token, signature, secret or hash anywhere in the server", async () => {
      const files = (await readdir(path.join(repoRoot, "src/server"), { recursive: true })).filter((file) =>
        String(file).endsWith(".ts"),
      );
      expect(files.length).toBeGreaterThan(30);
      const secretName = String.raw`[\w.]*(token|csrf|signature|secret|hash|password)[\w.]*`;
      const comparison = new RegExp(
        String.raw`(?<!typeof )\b${secretName}\s*[!=]==?\s*(?!undefined|null)[\w"'\`]|[!=]==?\s*${secretName}\b`,
        "i",
      );
      const offenders: string[] = [];
      for (const file of files) {
        const lines = source(path.join("src/server", String(file))).split("\n");
        lines.forEach((line, i) => {
          if (comparison.test(line) && !/typeof \w+ [!=]==|\.length [!=]==|=== undefined|!== undefined/.test(line)) {
            offenders.push(`${file}:${i + 1}: ${line.trim()}`);
          }
        });
      }
      expect(offenders).toEqual([]);
    });

    it("accepts a Twilio webhook only with the exact signature", async () => {
      if (!t) throw new Error("not ready");
      const params = { MessageSid: "SM00000000000000000000000000000001", MessageStatus: "delivered" };
      const good = signedWebhook("/webhooks/twilio/status", params);
      const signature = good.headers["x-twilio-signature"] ?? "";
      const last = signature.at(-2) === "A" ? "B" : "A";
      const variants = [
        `${signature.slice(0, -2)}${last}=`,
        signature.slice(0, -1),
        `${signature}=`,
        signature.toLowerCase(),
        "",
      ];
      for (const variant of variants) {
        const response = await t.app.inject({ ...good, headers: { ...good.headers, "x-twilio-signature": variant } });
        expect(response.statusCode, variant).toBe(403);
      }
      const forgedKey = signedWebhook("/webhooks/twilio/status", params, { authToken: `${STAND_IN_AUTH_TOKEN}x` });
      expect((await t.app.inject(forgedKey)).statusCode).toBe(403);
      expect((await t.app.inject(good)).statusCode).toBe(200);
    });
  });

  describe("sign-in limiter and X-Forwarded-For", () => {
    const untrusted = useApp(kind);
    const trusted = useApp(kind, { TRUST_PROXY: "127.0.0.1" });
    const otherProxy = useApp(kind, { TRUST_PROXY: "10.0.0.1" });

    const attempt = (
      t: TestApp,
      email: string,
      password: string,
      headers: Record<string, string>,
      remoteAddress = "127.0.0.1",
    ) => t.app.inject({ method: "POST", url: "/api/auth/login", payload: { email, password }, headers, remoteAddress });

    /** 30 failures on 30 accounts, each claiming another client address in every header proxies use. */
    async function spray(t: TestApp, tag: string) {
      for (let i = 0; i < 30; i++) {
        const claimed = `198.51.100.${i + 1}`;
        const response = await attempt(t, `${tag}-${i}@isp.com`, "guess-password", {
          "x-forwarded-for": claimed,
          "x-real-ip": claimed,
          forwarded: `for=${claimed}`,
          "true-client-ip": claimed,
          "cf-connecting-ip": claimed,
        });
        expect(response.statusCode, `attempt ${i + 1}`).toBe(401);
      }
    }

    it("counts by the connecting address when no proxy is trusted: forged headers do not reset the limit", async () => {
      await spray(untrusted(), "spray");
      const blocked = await attempt(untrusted(), DEMO.john.email, DEMO.john.password, {
        "x-forwarded-for": "192.0.2.200",
      });
      expect(blocked.statusCode).toBe(429);
      expect(problemOf(blocked).code).toBe("auth.too_many_attempts");
    });

    it("locks an account whatever address each guess claims", async () => {
      for (let i = 0; i < 10; i++) {
        const response = await attempt(
          untrusted(),
          DEMO.jane.email,
          `guess-${i}`,
          { "x-forwarded-for": `192.0.2.${i + 1}` },
          `10.8.0.${i + 1}`,
        );
        expect(response.statusCode).toBe(401);
      }
      const locked = await attempt(
        untrusted(),
        DEMO.jane.email,
        DEMO.jane.password,
        { "x-forwarded-for": "192.0.2.99" },
        "10.8.1.1",
      );
      expect(locked.statusCode).toBe(429);
    });

    it("ignores X-Forwarded-For from a proxy that is not the trusted one", async () => {
      await spray(otherProxy(), "other-proxy");
      const blocked = await attempt(otherProxy(), DEMO.john.email, DEMO.john.password, {
        "x-forwarded-for": "192.0.2.201",
      });
      expect(blocked.statusCode).toBe(429);
    });

    it("uses the forwarded client address only from a trusted proxy (TRUST_PROXY)", async () => {
      const t = trusted();
      for (let i = 0; i < 30; i++) {
        const response = await attempt(t, `proxied-${i}@isp.com`, "guess-password", {
          "x-forwarded-for": "203.0.113.7",
        });
        expect(response.statusCode).toBe(401);
      }
      expect(
        (await attempt(t, DEMO.john.email, DEMO.john.password, { "x-forwarded-for": "203.0.113.7" })).statusCode,
      ).toBe(429);
      // Another client behind the same proxy is not punished for the first one's guesses.
      expect(
        (await attempt(t, DEMO.john.email, DEMO.john.password, { "x-forwarded-for": "203.0.113.8" })).statusCode,
      ).toBe(200);
    });
  });

  describe("the log", () => {
    it("records requests without passwords, cookies, session tokens or CSRF tokens", async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const options = loggerOptions("trace") as pino.LoggerOptions;
      const logger = pino(options, sink);
      const database = await createTestDatabase(kind);
      const app = await buildApp(
        { config: testConfig(), database: database.handle, clock: new ManualClock(new Date()) },
        { logger },
      );
      try {
        await app.ready();
        const login = await app.inject({ method: "POST", url: "/api/auth/login", payload: DEMO.admin });
        const token = cookieAttributes(sessionSetCookie(login)).value;
        const csrf = login.json().csrfToken as string;
        const cookie = `uplink_session=${token}`;
        await app.inject({
          method: "POST",
          url: "/api/auth/login",
          payload: { email: DEMO.john.email, password: "typo-password-secret" },
        });
        await app.inject({
          method: "PATCH",
          url: "/api/users/me",
          headers: { cookie, "x-csrf-token": csrf },
          payload: { currentPassword: DEMO.admin.password, newPassword: "brand-new-secret-pass" },
        });
        await app.inject({ method: "GET", url: "/api/customers", headers: { cookie } });
        const log = lines.join("");
        expect(lines.length).toBeGreaterThan(4);
        for (const secret of [token, csrf, DEMO.admin.password, "typo-password-secret", "brand-new-secret-pass"]) {
          expect(log.includes(secret), `the log holds ${secret.slice(0, 6)}…`).toBe(false);
        }
      } finally {
        await app.close();
        await database.drop();
      }
    });
  });
});
