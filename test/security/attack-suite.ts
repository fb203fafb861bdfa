import { sql } from "drizzle-orm";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/server/db/client.js";
import { USER_ROLES } from "../../src/shared/enums.js";
import { apiRoutes, PUBLIC_API_ROUTES, type RegisteredRoute, STATE_CHANGING_METHODS } from "../http/routes.js";
import { DEMO, problemOf, type Session, signIn } from "../support/app.js";
import type { DatabaseKind } from "../support/databases.js";
import { STAND_IN_AUTH_TOKEN } from "../support/twilio-stand-in.js";
import {
  type AttackRequest,
  accessOf,
  allows,
  type ChangedRow,
  changes,
  describeChanges,
  expectedRoles,
  quiesce,
  ROLE_TABLE,
  readUrl,
  routeName,
  snapshot,
  useWorld,
  type World,
  WRITE_FIXTURES,
} from "./support/attack-world.js";

/** Outside /api: health checks, metrics (METRICS_TOKEN is their credential), the signed Twilio webhooks, the web app's static files, the public status page and the calendar feeds (their secret token is the credential). */
const PUBLIC_OUTSIDE_API =
  /^(GET|HEAD) \/(healthz|readyz|metrics|index\.html|favicon\.svg|assets\/.+|status|status\.json|status\.atom|ical\/:token\.ics)$|^POST \/webhooks\/twilio\/(status|inbound)$/;
/**
 * A floor under the admin-only routes derived from the app: the spec's role table ("delete and
 * restore customers; manage staff, service plans, SMS templates: admins only") plus what admins
 * own today (sites, SLA targets, imports, SMS retries). Opening one of these to technicians must be
 * a deliberate change here; a new admin route needs no entry, the derivation covers it.
 */
const ADMIN_ONLY_FLOOR = [
  "POST /api/users",
  "PATCH /api/users/:id",
  "POST /api/service-plans",
  "PATCH /api/service-plans/:id",
  "DELETE /api/service-plans/:id",
  "PUT /api/sms/templates/:purpose",
  "DELETE /api/sms/templates/:purpose",
  "DELETE /api/customers/:id",
  "POST /api/customers/:id/restore",
  "POST /api/customers/import",
  "POST /api/sites",
  "PATCH /api/sites/:id",
  "DELETE /api/sites/:id",
  "PUT /api/tickets/sla-hours",
  "POST /api/sms/:id/retry",
  "GET /api/audit",
  "GET /api/audit/export.csv",
  "GET /api/users/:id/sessions",
  "DELETE /api/users/:id/sessions",
];

type Method = NonNullable<InjectOptions["method"]>;

/** Sends a fixture's request with exactly these headers (no automatic CSRF token). */
function rawRequest(w: World, method: string, request: AttackRequest, headers: Record<string, string>) {
  return w.t.app.inject({
    method: method as Method,
    url: request.url,
    headers,
    ...(request.body !== undefined ? { payload: request.body } : {}),
  });
}

/** A fixture's body with extra fields: JSON members, or more fields of a multipart form (an upload). */
function withFields(body: AttackRequest["body"], extra: Record<string, unknown>): AttackRequest["body"] {
  if (!(body instanceof FormData)) {
    return body === undefined && Object.keys(extra).length === 0 ? undefined : { ...body, ...extra };
  }
  const form = new FormData();
  for (const [name, value] of body) form.append(name, value);
  for (const [name, value] of Object.entries(extra)) form.append(name, String(value));
  return form;
}

/** Sends a fixture's request as a signed-in user (cookie and the session's CSRF token). */
function sendAs(session: Session, method: string, request: AttackRequest, extra: Record<string, unknown> = {}) {
  const body = withFields(request.body, extra);
  return session.request({
    method: method as Method,
    url: request.url,
    ...(body !== undefined ? { payload: body } : {}),
  });
}

const writeName = (route: RegisteredRoute) => routeName(route);

/**
 * The attacks on every route, on one database. Each database has its own file (attack.test.ts,
 * attack.postgres.test.ts) so that the two run in parallel: together they are most of the security
 * suite's time.
 */
export function attackSuite(kind: DatabaseKind): void {
  describe(`attacks on every route (${kind})`, () => {
    const world = useWorld(kind);
    const db = () => world().t.database.handle.db;
    // The API docs (swagger-ui's page and files) are public by design and hold no data; the
    // HTTP attack suite checks what they expose.
    const reads = () =>
      apiRoutes(world().t.app, ["GET", "HEAD"]).filter((route) => !route.pattern.startsWith("/api/docs"));
    const writes = () => apiRoutes(world().t.app, STATE_CHANGING_METHODS);

    /** Builds every write route's fixture request (as admin, who may do all of them). */
    async function prepareWrites(filter: (route: RegisteredRoute) => boolean) {
      const prepared: { route: RegisteredRoute; request: AttackRequest }[] = [];
      for (const route of writes().filter(filter)) {
        const fixture = WRITE_FIXTURES[writeName(route)];
        if (!fixture) throw new Error(`no fixture for ${writeName(route)}`);
        prepared.push({ route, request: await fixture(world()) });
      }
      await quiesce(world());
      return prepared;
    }

    async function expectNothingChanged(before: Awaited<ReturnType<typeof snapshot>>) {
      await quiesce(world());
      const changed = changes(before, await snapshot(db()));
      expect(changed, describeChanges(changed)).toEqual([]);
    }

    it("knows every route: each has an access rule and a fixture, and only the sign-in routes and docs are public", () => {
      const app = world().t.app;
      const all = [...reads(), ...writes()];
      expect(all.length).toBeGreaterThan(30);
      const publicApi = all
        .filter((route) => accessOf(app, route) === "public" && !route.pattern.startsWith("/api/docs"))
        .map(routeName)
        .filter((name) => !name.startsWith("HEAD "));
      // The only /api routes anyone may call without a session (the API docs aside).
      expect(publicApi.sort()).toEqual([...PUBLIC_API_ROUTES].sort());

      const outside = [...app.routeAccess.keys()].filter((name) => !/^\w+ \/api(\/|$)/.test(name));
      expect(outside.length).toBeGreaterThan(4);
      for (const name of outside)
        expect(name, "a public route outside /api that nobody reviewed").toMatch(PUBLIC_OUTSIDE_API);

      const adminOnly = all.filter((route) => !allows(accessOf(app, route), "technician")).map(routeName);
      expect(adminOnly).toEqual(expect.arrayContaining(ADMIN_ONLY_FLOOR));

      // A new write route without a fixture would escape the role, CSRF and mass-assignment attacks.
      expect(writes().map(writeName).sort()).toEqual(Object.keys(WRITE_FIXTURES).sort());
    });

    it("enforces the role table on every route: each role (admin, agent, technician) may call exactly what the table says", () => {
      const app = world().t.app;
      const all = [...reads(), ...writes()];
      const missing = all.filter((route) => expectedRoles(route) === undefined).map(routeName);
      expect(missing, "routes missing from ROLE_TABLE (test/security/support/attack-world.ts)").toEqual([]);
      const registered = new Set(
        all.map((route) => routeName({ ...route, method: route.method === "HEAD" ? "GET" : route.method })),
      );
      expect(
        Object.keys(ROLE_TABLE).filter((name) => !registered.has(name)),
        "stale ROLE_TABLE entries",
      ).toEqual([]);
      for (const route of all) {
        const expected = expectedRoles(route);
        const access = accessOf(app, route);
        if (expected === "public") {
          expect(access, routeName(route)).toBe("public");
          continue;
        }
        expect(access, routeName(route)).not.toBe("public");
        const actual = USER_ROLES.filter((role) => allows(access, role));
        expect(actual, routeName(route)).toEqual(USER_ROLES.filter((role) => expected?.includes(role)));
      }
    });

    it("answers 403 to an office agent on every route closed to agents (staff, plans, sites, templates, SLA settings, archiving), and changes nothing", async () => {
      const w = world();
      const closedReads = reads().filter((route) => !allows(accessOf(w.t.app, route), "agent"));
      const closedWrites = await prepareWrites((route) => !allows(accessOf(w.t.app, route), "agent"));
      expect(closedWrites.map(({ route }) => routeName(route))).toEqual(
        expect.arrayContaining([
          "POST /api/users",
          "PATCH /api/users/:id",
          "POST /api/service-plans",
          "PATCH /api/sites/:id",
          "PUT /api/sms/templates/:purpose",
          "PUT /api/tickets/sla-hours",
          "DELETE /api/customers/:id",
          "POST /api/customers/:id/restore",
        ]),
      );
      const before = await snapshot(db());
      for (const route of closedReads) {
        const response = await w.agent.get(readUrl(route, w));
        expect(response.statusCode, routeName(route)).toBe(403);
      }
      for (const { route, request } of closedWrites) {
        const response = await sendAs(w.agent, route.method, request);
        expect(response.statusCode, routeName(route)).toBe(403);
        expect(problemOf(response).code, routeName(route)).toBe("auth.forbidden");
      }
      await expectNothingChanged(before);
    });

    it("lets an office agent do every office route: each write fixture open to agents succeeds as the agent, each read answers", async () => {
      const w = world();
      const openWrites = writes().filter(
        (route) => allows(accessOf(w.t.app, route), "agent") && accessOf(w.t.app, route) !== "public",
      );
      expect(openWrites.map(writeName)).toEqual(
        expect.arrayContaining(["POST /api/customers/import", "POST /api/sms/:id/retry", "POST /api/tickets/bulk"]),
      );
      for (const route of openWrites) {
        const fixture = WRITE_FIXTURES[writeName(route)];
        if (!fixture) throw new Error(`no fixture for ${writeName(route)}`);
        const request = await fixture(w);
        const response = await sendAs(request.as ?? w.agent, route.method, request);
        expect(response.statusCode, `${writeName(route)}: ${response.body}`).toBeGreaterThanOrEqual(200);
        expect(response.statusCode, `${writeName(route)}: ${response.body}`).toBeLessThan(300);
      }
      for (const route of reads().filter((r) => r.method === "GET" && allows(accessOf(w.t.app, r), "agent"))) {
        const response = await w.agent.get(readUrl(route, w));
        expect(response.statusCode, routeName(route)).toBeLessThan(400);
      }
      await quiesce(w);
    });

    it("uses valid requests: every write fixture succeeds for whoever may send it", async () => {
      const w = world();
      for (const route of writes()) {
        const fixture = WRITE_FIXTURES[writeName(route)];
        if (!fixture) throw new Error(`no fixture for ${writeName(route)}`);
        const request = await fixture(w);
        const response =
          request.as === null
            ? await rawRequest(w, route.method, request, {})
            : await sendAs(request.as ?? w.admin, route.method, request);
        if (request.expectedStatus !== undefined) {
          expect(response.statusCode, `${writeName(route)}: ${response.body}`).toBe(request.expectedStatus);
          continue;
        }
        expect(response.statusCode, `${writeName(route)}: ${response.body}`).toBeGreaterThanOrEqual(200);
        expect(response.statusCode, `${writeName(route)}: ${response.body}`).toBeLessThan(300);
      }
      await quiesce(w);
    });

    it("answers 401 problem+json to an anonymous client on every non-public route, and changes nothing", async () => {
      const w = world();
      const isClosed = (route: RegisteredRoute) => accessOf(w.t.app, route) !== "public";
      const closedReads = reads().filter(isClosed);
      const closedWrites = await prepareWrites(isClosed);
      expect(closedReads.length + closedWrites.length).toBeGreaterThan(40);
      const before = await snapshot(db());
      for (const route of closedReads) {
        const response = await w.t.app.inject({ method: route.method as Method, url: readUrl(route, w) });
        expect(response.statusCode, routeName(route)).toBe(401);
        if (route.method === "GET") expect(problemOf(response).code, routeName(route)).toBe("auth.required");
      }
      for (const { route, request } of closedWrites) {
        const response = await rawRequest(w, route.method, request, {});
        expect(response.statusCode, routeName(route)).toBe(401);
        expect(problemOf(response).code, routeName(route)).toBe("auth.required");
      }
      await expectNothingChanged(before);
    });

    it("answers 401 to forged, garbage and ended sessions", async () => {
      const w = world();
      const ended = await signIn(w.t.app, DEMO.jane);
      expect((await ended.post("/api/auth/logout")).statusCode).toBe(204);
      const cookies = [
        "uplink_session=",
        "uplink_session=x",
        `uplink_session=${"A".repeat(43)}`,
        `uplink_session=${w.admin.cookie.split("=")[1]?.slice(0, -1)}`,
        ended.cookie,
        // The stored session id is the token's hash: presenting the hash must not work.
        `uplink_session=${(await queryRows<{ id: string }>(db(), sql`select id from sessions limit 1`))[0]?.id}`,
      ];
      for (const cookie of cookies) {
        const response = await w.t.app.inject({ method: "GET", url: "/api/customers", headers: { cookie } });
        expect(response.statusCode, cookie).toBe(401);
      }
    });

    it("answers 403 to a technician on every admin-only route, with a valid request, and changes nothing", async () => {
      const w = world();
      const adminOnlyReads = reads().filter((route) => !allows(accessOf(w.t.app, route), "technician"));
      const adminOnlyWrites = await prepareWrites((route) => !allows(accessOf(w.t.app, route), "technician"));
      expect(adminOnlyWrites.length).toBeGreaterThanOrEqual(ADMIN_ONLY_FLOOR.length);
      const before = await snapshot(db());
      for (const route of adminOnlyReads) {
        const response = await w.john.get(readUrl(route, w));
        expect(response.statusCode, routeName(route)).toBe(403);
      }
      for (const { route, request } of adminOnlyWrites) {
        const response = await sendAs(w.john, route.method, request);
        expect(response.statusCode, routeName(route)).toBe(403);
        expect(problemOf(response).code, routeName(route)).toBe("auth.forbidden");
      }
      await expectNothingChanged(before);
    });

    it("refuses every state-changing request whose CSRF token is missing, wrong or another session's: 403, nothing changed", async () => {
      const w = world();
      const ended = await signIn(w.t.app, DEMO.admin);
      await ended.post("/api/auth/logout");
      const prepared = await prepareWrites((route) => route.pattern !== "/api/auth/login");
      expect(prepared.length).toBeGreaterThan(20);
      const variants: [string, Record<string, string>, string][] = [
        ["no token", {}, ""],
        ["an empty token", { "x-csrf-token": "" }, ""],
        ["a wrong token", { "x-csrf-token": "not-the-token" }, ""],
        ["another session's token", { "x-csrf-token": w.jane.csrfToken }, ""],
        ["an ended session's token", { "x-csrf-token": ended.csrfToken }, ""],
        ["the token with one character changed", { "x-csrf-token": `${w.admin.csrfToken.slice(0, -1)}!` }, ""],
        ["the token in the query string instead of the header", {}, `?csrfToken=${w.admin.csrfToken}`],
        ["the token in a cookie instead of the header", { cookie: `csrfToken=${w.admin.csrfToken}` }, ""],
      ];
      const before = await snapshot(db());
      for (const { route, request } of prepared) {
        const session = request.as ?? w.admin;
        for (const [label, headers, query] of variants) {
          const cookie = headers.cookie ? `${session.cookie}; ${headers.cookie}` : session.cookie;
          const response = await rawRequest(
            w,
            route.method,
            { ...request, url: request.url + query },
            { ...headers, cookie },
          );
          expect(response.statusCode, `${routeName(route)} with ${label}`).toBe(403);
          expect(problemOf(response).code, `${routeName(route)} with ${label}`).toBe("auth.csrf_invalid");
        }
      }
      await expectNothingChanged(before);
      expect((await w.admin.get("/api/auth/me")).statusCode).toBe(200);
    });

    it("cannot be reached by a cross-site HTML form: form, multipart and text bodies are refused even with the token", async () => {
      const w = world();
      const prepared = await prepareWrites((route) => WRITE_FIXTURES[writeName(route)] !== undefined);
      const withBody = prepared.filter(({ request }) => request.body !== undefined);
      expect(withBody.length).toBeGreaterThan(15);
      const before = await snapshot(db());
      for (const { route, request } of withBody) {
        const fields = Object.entries(request.body ?? {}).map(([key, value]) => [key, String(value)]);
        const bodies: [string, string][] = [
          ["application/x-www-form-urlencoded", new URLSearchParams(fields).toString()],
          [
            "multipart/form-data; boundary=x",
            `--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--\r\n`,
          ],
          ["text/plain", JSON.stringify(request.body)],
        ];
        const session = request.as === undefined ? w.admin : request.as;
        for (const [type, payload] of bodies) {
          const response = await w.t.app.inject({
            method: route.method as Method,
            url: request.url,
            headers: {
              "content-type": type,
              ...(session ? { cookie: session.cookie, "x-csrf-token": session.csrfToken } : {}),
            },
            payload,
          });
          expect([400, 415, 422], `${routeName(route)} as ${type}: ${response.statusCode} ${response.body}`).toContain(
            response.statusCode,
          );
          expect(response.headers["set-cookie"], `${routeName(route)} as ${type}`).toBeUndefined();
        }
      }
      await expectNothingChanged(before);
    });

    describe("mass assignment", () => {
      const SENTINEL_ID = "0badc0de-0000-4000-8000-00000000dead";
      const SENTINEL_TIME = "2001-02-03T04:05:06.000Z";
      const SENTINEL_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2VudGluZWxzYWx0$c2VudGluZWxoYXNoc2VudGluZWxoYXNo";
      type Attacker = { role: "admin" | "technician"; otherUserId: string };
      /** Fields no client may set: key in the body, the column it would land in, and a telltale value. */
      const PROTECTED: { key: string; column: string; value: (w: World, attacker: Attacker) => unknown }[] = [
        { key: "id", column: "id", value: () => SENTINEL_ID },
        { key: "createdById", column: "created_by_id", value: (_, a) => a.otherUserId },
        { key: "created_by_id", column: "created_by_id", value: (_, a) => a.otherUserId },
        { key: "authorId", column: "author_id", value: (_, a) => a.otherUserId },
        { key: "actorId", column: "actor_id", value: (_, a) => a.otherUserId },
        { key: "userId", column: "user_id", value: (_, a) => a.otherUserId },
        { key: "updatedById", column: "updated_by_id", value: (_, a) => a.otherUserId },
        { key: "ticketId", column: "ticket_id", value: (w) => w.otherTicket.id },
        { key: "customerId", column: "customer_id", value: (w) => w.otherCustomer.id },
        { key: "role", column: "role", value: (_, a) => (a.role === "admin" ? "technician" : "admin") },
        { key: "active", column: "active", value: () => false },
        { key: "version", column: "version", value: () => 424242 },
        { key: "accountNumber", column: "account_number", value: () => "C-424242" },
        { key: "account_number", column: "account_number", value: () => "C-424243" },
        { key: "number", column: "number", value: () => "T-424242" },
        { key: "status", column: "status", value: () => "delivered" },
        { key: "direction", column: "direction", value: () => "inbound" },
        { key: "source", column: "source", value: () => "sms" },
        { key: "attempts", column: "attempts", value: () => 424242 },
        { key: "providerSid", column: "provider_sid", value: () => `SM${"4".repeat(32)}` },
        { key: "passwordHash", column: "password_hash", value: () => SENTINEL_HASH },
        { key: "password_hash", column: "password_hash", value: () => SENTINEL_HASH },
        { key: "csrfToken", column: "csrf_token", value: () => "sentinel-csrf-token-0123456789abcdef" },
        { key: "searchText", column: "search_text", value: () => "sentinel search text" },
        ...[
          ["createdAt", "created_at"],
          ["updatedAt", "updated_at"],
          ["deletedAt", "deleted_at"],
          ["deleted_at", "deleted_at"],
          ["archivedAt", "deleted_at"],
          ["lastLoginAt", "last_login_at"],
          ["resolvedAt", "resolved_at"],
          ["closedAt", "closed_at"],
          ["firstResponseAt", "first_response_at"],
          ["dueAt", "due_at"],
          ["expiresAt", "expires_at"],
          ["nextAttemptAt", "next_attempt_at"],
        ].map(([key, column]) => ({ key: key as string, column: column as string, value: () => SENTINEL_TIME })),
      ];

      const sameValue = (cell: unknown, value: unknown) =>
        value === SENTINEL_TIME
          ? typeof cell === "string" && Date.parse(cell) === Date.parse(SENTINEL_TIME)
          : cell === value || (cell !== null && cell !== undefined && String(cell) === String(value));

      /** Rows whose column took the injected value in this request (it did not have it before). */
      function violations(changed: ChangedRow[], column: string, value: unknown) {
        return changed.filter(
          (row) =>
            row.after !== undefined &&
            column in row.after &&
            sameValue(row.after[column], value) &&
            !(row.before && sameValue(row.before[column], value)),
        );
      }

      /** The body fields the route documents (its OpenAPI request schema): those are its to accept. */
      function documentedFields(route: RegisteredRoute): Set<string> {
        type Schema = { $ref?: string; properties?: Record<string, unknown> };
        const doc = world().t.app.swagger() as {
          paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
          components?: { schemas?: Record<string, Schema> };
        };
        const path = route.pattern.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
        let schema =
          doc.paths?.[path]?.[route.method.toLowerCase()]?.requestBody?.content?.["application/json"]?.schema;
        if (schema?.$ref) schema = doc.components?.schemas?.[schema.$ref.split("/").pop() ?? ""];
        return new Set(Object.keys(schema?.properties ?? {}));
      }

      it("sees a field that does take effect (the check below can fail)", async () => {
        const w = world();
        const route = writes().find((candidate) => writeName(candidate) === "PATCH /api/service-plans/:id");
        if (!route) throw new Error("PATCH /api/service-plans/:id is not registered");
        expect(documentedFields(route)).toContain("active");
        const before = await snapshot(db());
        const response = await w.admin.patch(`/api/service-plans/${w.planId}`, { active: false });
        expect(response.statusCode).toBe(200);
        const changed = changes(before, await snapshot(db()));
        expect(violations(changed, "active", false)).toHaveLength(1);
        expect((await w.admin.patch(`/api/service-plans/${w.planId}`, { active: true })).statusCode).toBe(200);
      });

      it.each(Object.keys(WRITE_FIXTURES))("%s refuses or ignores every protected field", async (name) => {
        const w = world();
        const route = writes().find((candidate) => writeName(candidate) === name);
        if (!route) throw new Error(`${name} is not registered (stale fixture)`);
        const fixture = WRITE_FIXTURES[name];
        if (!fixture) throw new Error(`no fixture for ${name}`);
        const technicianMay = allows(accessOf(w.t.app, route), "technician");
        const documented = documentedFields(route);
        const fields = PROTECTED.filter((field) => !documented.has(field.key));
        expect(fields.length).toBeGreaterThan(20);
        const outcomes = { refused: 0, ignored: 0 };
        for (const field of fields) {
          const request = await fixture(w);
          const session = request.as === undefined ? (technicianMay ? w.john : w.admin) : request.as;
          const attacker: Attacker =
            session?.user.role === "admin"
              ? { role: "admin", otherUserId: w.jane.user.id }
              : { role: "technician", otherUserId: w.admin.user.id };
          const value = field.value(w, attacker);
          await quiesce(w);
          const before = await snapshot(db());
          const response: LightMyRequestResponse = session
            ? await sendAs(session, route.method, request, { [field.key]: value })
            : await rawRequest(
                w,
                route.method,
                { ...request, body: withFields(request.body, { [field.key]: value }) },
                {},
              );
          await quiesce(w);
          const changed = changes(before, await snapshot(db()));
          const label = `${name} with ${field.key}=${JSON.stringify(value)} → ${response.statusCode} ${response.body.slice(0, 300)}`;
          expect(response.statusCode, label).toBeLessThan(500);
          if (response.statusCode >= 400) {
            outcomes.refused += 1;
            expect(changed, `${label}\n${describeChanges(changed)}`).toEqual([]);
          } else {
            outcomes.ignored += 1;
            const took = violations(changed, field.column, value);
            expect(took, `${label}\n${describeChanges(took)}`).toEqual([]);
          }
        }
        // Either way every field was tried; record how the route treats them.
        expect(outcomes.refused + outcomes.ignored).toBe(fields.length);
      });
    });

    it("never shows anyone a password hash, a session token or id, another session's CSRF token, or the Twilio auth token", async () => {
      const w = world();
      const hashes = (await queryRows<{ hash: string }>(db(), sql`select password_hash as hash from users`)).map(
        (r) => r.hash,
      );
      expect(hashes.length).toBeGreaterThanOrEqual(3);
      const sessions = await queryRows<{ id: string; csrf: string; userId: string }>(
        db(),
        sql`select id, csrf_token as csrf, user_id as "userId" from sessions`,
      );
      const tokens = [w.admin, w.john, w.jane].map((session) => session.cookie.split("=")[1] ?? "");
      for (const viewer of [w.john, w.admin]) {
        const secrets = [
          ...hashes,
          ...tokens,
          ...sessions.map((s) => s.id),
          ...sessions.filter((s) => s.csrf !== viewer.csrfToken).map((s) => s.csrf),
          STAND_IN_AUTH_TOKEN,
        ];
        const routes = reads().filter(
          (route) => route.method === "GET" && allows(accessOf(w.t.app, route), viewer.user.role),
        );
        expect(routes.length).toBeGreaterThan(15);
        for (const route of routes) {
          const response = await viewer.get(readUrl(route, w));
          expect(response.statusCode, routeName(route)).toBeLessThan(400);
          for (const secret of secrets) {
            expect(response.body.includes(secret), `${routeName(route)} as ${viewer.user.role} shows a secret`).toBe(
              false,
            );
          }
          expect(response.body, routeName(route)).not.toMatch(/\$argon2|passwordHash|password_hash/);
        }
      }
    });

    it("keeps a technician out of other staff accounts: no edit, no password change, no sessions", async () => {
      const w = world();
      const janeBefore = (await w.admin.get(`/api/users/${w.jane.user.id}`)).json();
      const before = await snapshot(db());
      const attempts: [string, () => Promise<LightMyRequestResponse>, number[]][] = [
        ["edit Jane", () => w.john.patch(`/api/users/${w.jane.user.id}`, { name: "Owned" }), [403]],
        [
          "reset Jane's password",
          () => w.john.patch(`/api/users/${w.jane.user.id}`, { password: "owned-password-1" }),
          [403],
        ],
        ["deactivate Jane", () => w.john.patch(`/api/users/${w.jane.user.id}`, { active: false }), [403]],
        [
          "edit Jane through /me with her id",
          () => w.john.patch("/api/users/me", { id: w.jane.user.id, name: "Owned" }),
          [422],
        ],
        ["take Jane's email", () => w.john.patch("/api/users/me", { email: DEMO.jane.email }), [422]],
        [
          "change his password without the current one",
          () => w.john.patch("/api/users/me", { newPassword: "new-password-123" }),
          [422],
        ],
        [
          "change his password with a wrong current one",
          () => w.john.patch("/api/users/me", { currentPassword: "wrong-password", newPassword: "new-password-123" }),
          [400, 403, 422],
        ],
      ];
      for (const [label, attempt, statuses] of attempts) {
        const response = await attempt();
        expect(statuses, `${label}: ${response.statusCode} ${response.body}`).toContain(response.statusCode);
      }
      await expectNothingChanged(before);
      const janeAfter = await w.john.get(`/api/users/${w.jane.user.id}`);
      expect(janeAfter.statusCode).toBe(200);
      // What a colleague may see of Jane: her public profile, nothing about credentials or sessions.
      expect(Object.keys(janeAfter.json()).sort()).toEqual(
        ["active", "createdAt", "email", "id", "lastLoginAt", "name", "openTicketCount", "phone", "role"].sort(),
      );
      expect(janeAfter.json()).toEqual(janeBefore);
      expect((await w.jane.get("/api/auth/me")).statusCode).toBe(200);
    });
  });
}
