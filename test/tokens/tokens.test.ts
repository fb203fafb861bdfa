import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MINUTE } from "../../src/server/clock.js";
import { queryRows } from "../../src/server/db/client.js";
import { API_TOKEN_PATTERN } from "../../src/shared/tokens.js";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeStaff } from "../support/factories/users.js";
import { makeToken, tokenClient } from "../support/tokens.js";

const sha256Hex = async (value: string) =>
  (await import("node:crypto")).createHash("sha256").update(value).digest("hex");

describe.each(testDatabaseKinds())("API tokens on %s", (kind) => {
  const t = useTestApp(kind, { env: { API_TOKEN_RATE_LIMIT: "10" } });

  it("answers the token once, upl_ + 43 base62 characters, and stores only its SHA-256", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const created = await makeToken(admin, { name: "Billing sync", scopes: ["read", "write"] });
    expect(created.token).toMatch(API_TOKEN_PATTERN);
    expect(created).toMatchObject({ name: "Billing sync", scopes: ["read", "write"], user: { id: admin.user.id } });
    const rows = await queryRows<{ token_hash: string }>(
      t().database.handle.db,
      sql`select token_hash from api_tokens where id = ${created.id}`,
    );
    expect(rows[0]?.token_hash).toBe(await sha256Hex(created.token));
    const listed = (await admin.get("/api/tokens")).json().items as Record<string, unknown>[];
    const mine = listed.find((item) => item.id === created.id);
    expect(mine).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(created.token);
    // Two tokens never share a secret.
    const other = await makeToken(admin, { scopes: ["read"] });
    expect(other.token).not.toBe(created.token);
  });

  it("authenticates every scope-allowed request without cookie or CSRF, and names the token in the audit log", async () => {
    const john = await signIn(t().app, DEMO.john);
    const token = await makeToken(john, { scopes: ["read", "write"] });
    const client = tokenClient(t().app, token.token);
    expect((await client.get("/api/tickets")).statusCode).toBe(200);
    const customer = await client.post("/api/customers", { name: "Token Customer", phone: uniquePhone() });
    expect(customer.statusCode).toBe(201);
    const audit = await queryRows<{ actor_id: string; token_id: string | null }>(
      t().database.handle.db,
      sql`select actor_id, token_id from audit_log where entity_type = 'customer' and entity_id = ${customer.json().id}`,
    );
    expect(audit).toEqual([{ actor_id: john.user.id, token_id: token.id }]);
    // Last used time and address are recorded.
    const listed = (await john.get("/api/tokens")).json().items as {
      id: string;
      lastUsedAt: string | null;
      lastUsedIp: string | null;
    }[];
    const used = listed.find((item) => item.id === token.id);
    expect(used?.lastUsedAt).not.toBeNull();
    expect(used?.lastUsedIp).toBe("127.0.0.1");
  });

  it("keeps a read token from writing and a write token from reading", async () => {
    const john = await signIn(t().app, DEMO.john);
    const reader = tokenClient(t().app, (await makeToken(john, { scopes: ["read"] })).token);
    const writer = tokenClient(t().app, (await makeToken(john, { scopes: ["write"] })).token);
    const refused = await reader.post("/api/customers", { name: "Nope", phone: uniquePhone() });
    expect(refused.statusCode).toBe(403);
    expect(problemOf(refused).code).toBe("token.insufficient_scope");
    expect(refused.headers["www-authenticate"]).toContain('error="insufficient_scope"');
    const count = await queryRows<{ n: number }>(
      t().database.handle.db,
      sql`select count(*)::int as n from customers where name = 'Nope'`,
    );
    expect(count[0]?.n).toBe(0);
    expect((await writer.get("/api/customers")).statusCode).toBe(403);
  });

  it("never gives a technician or an agent the admin scope, and lets only admins create tokens for others", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    const refused = await john.post("/api/tokens", { name: "Escalate", scopes: ["admin"] });
    expect(refused.statusCode).toBe(422);
    expect(problemOf(refused).code).toBe("token.scope_not_allowed");
    const forJane = await john.post("/api/tokens", {
      name: "For Jane",
      scopes: ["read"],
      userId: (await signIn(t().app, DEMO.jane)).user.id,
    });
    expect(forJane.statusCode).toBe(403);
    // An admin can make one for John, but not with admin scope.
    expect(
      (await admin.post("/api/tokens", { name: "John admin", scopes: ["admin"], userId: john.user.id })).statusCode,
    ).toBe(422);
    const forJohn = await makeToken(admin, { name: "John's sync", scopes: ["read"], userId: john.user.id });
    expect(forJohn.user.id).toBe(john.user.id);
    // John sees it among his own; he cannot list someone else's.
    expect(((await john.get("/api/tokens")).json().items as { id: string }[]).map((i) => i.id)).toContain(forJohn.id);
    expect((await john.get(`/api/tokens?userId=${admin.user.id}`)).statusCode).toBe(403);
    // Nor for another admin: the token would act in that admin's name.
    const otherAdmin = await makeStaff(admin, { role: "admin" });
    const forOtherAdmin = await admin.post("/api/tokens", { name: "Theirs", scopes: ["read"], userId: otherAdmin.id });
    expect(forOtherAdmin.statusCode).toBe(403);
    expect((await admin.get(`/api/tokens?userId=${otherAdmin.id}`)).json().items).toEqual([]);
  });

  it("keeps a technician's token out of admin routes whatever it holds, and lets an admin token in", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    const tech = tokenClient(t().app, (await makeToken(john, { scopes: ["read", "write"] })).token);
    const body = { name: "Tech plan", downloadMbps: 1, uploadMbps: 1, monthlyPrice: 1 };
    const refused = await tech.post("/api/service-plans", body);
    expect(refused.statusCode).toBe(403);
    expect(problemOf(refused).code).toBe("token.insufficient_scope");
    const adminWrite = tokenClient(t().app, (await makeToken(admin, { scopes: ["read", "write"] })).token);
    expect((await adminWrite.post("/api/service-plans", body)).statusCode).toBe(403);
    const adminToken = tokenClient(t().app, (await makeToken(admin, { scopes: ["admin"] })).token);
    expect((await adminToken.post("/api/service-plans", body)).statusCode).toBe(201);
  });

  it("refuses tokens on session-only routes with 403: tokens, own password, sign-out, setup", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const client = tokenClient(t().app, (await makeToken(admin, { scopes: ["read", "write", "admin"] })).token);
    const attempts = [
      client.post("/api/tokens", { name: "Child", scopes: ["read"] }),
      client.get("/api/tokens"),
      client.request({ method: "DELETE", url: `/api/tokens/${crypto.randomUUID()}` }),
      client.request({
        method: "PATCH",
        url: "/api/users/me",
        payload: { currentPassword: "admin123", newPassword: "a-new-password-1" },
      }),
      client.post("/api/auth/logout"),
      client.get("/api/auth/me"),
      client.get("/api/setup"),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.statusCode).toBe(403);
      expect(problemOf(response).code).toBe("token.session_only");
    }
    expect(((await admin.get("/api/tokens")).json().items as unknown[]).length).toBeGreaterThan(0);
  });

  it("answers 401 invalid_token to unknown, malformed, revoked and expired tokens and to a deactivated owner's", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const expectInvalid = async (token: string) => {
      const response = await tokenClient(t().app, token).get("/api/tickets");
      expect(response.statusCode).toBe(401);
      expect(problemOf(response).code).toBe("token.invalid");
      expect(response.headers["www-authenticate"]).toBe('Bearer realm="uplink", error="invalid_token"');
    };
    await expectInvalid(`upl_${"0".repeat(43)}`);
    await expectInvalid("not-a-token");
    await expectInvalid("");

    const revoked = await makeToken(admin, { scopes: ["read"] });
    expect((await tokenClient(t().app, revoked.token).get("/api/tickets")).statusCode).toBe(200);
    expect((await admin.delete(`/api/tokens/${revoked.id}`)).statusCode).toBe(204);
    await expectInvalid(revoked.token);
    const listed = ((await admin.get("/api/tokens")).json().items as { id: string; revokedAt: string | null }[]).find(
      (i) => i.id === revoked.id,
    );
    expect(listed?.revokedAt).not.toBeNull();

    const expiring = await makeToken(admin, {
      scopes: ["read"],
      expiresAt: new Date(t().clock.now().getTime() + 10 * MINUTE).toISOString(),
    });
    expect((await tokenClient(t().app, expiring.token).get("/api/tickets")).statusCode).toBe(200);
    t().clock.advance(11 * MINUTE);
    await expectInvalid(expiring.token);

    const staff = await admin.post("/api/users", {
      name: "Temp Tech",
      email: `temp-${crypto.randomUUID()}@isp.com`,
      role: "technician",
      password: "temp-tech-pass-1",
    });
    const temp = await signIn(t().app, { email: staff.json().email, password: "temp-tech-pass-1" });
    const tempToken = await makeToken(temp, { scopes: ["read"] });
    expect((await tokenClient(t().app, tempToken.token).get("/api/tickets")).statusCode).toBe(200);
    const deactivated = await admin.patch(`/api/users/${temp.user.id}`, { active: false });
    expect(deactivated.statusCode).toBe(200);
    await expectInvalid(tempToken.token);
  });

  it("limits each token per minute with RateLimit headers, then 429 with Retry-After", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    // Start at the beginning of a minute, so the window does not roll over mid-test.
    const now = t().clock.now().getTime();
    t().clock.advance(MINUTE - (now % MINUTE));
    const client = tokenClient(t().app, (await makeToken(admin, { scopes: ["read"] })).token);
    const other = tokenClient(t().app, (await makeToken(admin, { scopes: ["read"] })).token);
    for (let i = 1; i <= 10; i++) {
      const response = await client.get("/api/sites");
      expect(response.statusCode).toBe(200);
      expect(response.headers["ratelimit-policy"]).toBe('"token";q=10;w=60');
      expect(response.headers.ratelimit).toBe(`"token";r=${10 - i};t=60`);
    }
    const limited = await client.get("/api/sites");
    expect(limited.statusCode).toBe(429);
    expect(problemOf(limited).code).toBe("token.rate_limited");
    expect(limited.headers["retry-after"]).toBe("60");
    expect(limited.headers.ratelimit).toBe('"token";r=0;t=60');
    // Another token has its own budget; the next minute starts afresh.
    expect((await other.get("/api/sites")).statusCode).toBe(200);
    t().clock.advance(30_000);
    expect((await client.get("/api/sites")).headers["retry-after"]).toBe("30");
    t().clock.advance(30_000);
    expect((await client.get("/api/sites")).statusCode).toBe(200);
  });

  it("ignores the session cookie when a bearer token is sent: the token's scopes apply, no CSRF needed", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const reader = (await makeToken(admin, { scopes: ["read"] })).token;
    const response = await t().app.inject({
      method: "POST",
      url: "/api/sites",
      headers: { cookie: admin.cookie, "x-csrf-token": admin.csrfToken, authorization: `Bearer ${reader}` },
      payload: { name: "Via cookie?", kind: "pop" },
    });
    expect(response.statusCode).toBe(403);
    expect(problemOf(response).code).toBe("token.insufficient_scope");
    // And a write with a write token needs no CSRF header.
    const customer = await makeCustomer(admin);
    const writer = tokenClient(t().app, (await makeToken(admin, { scopes: ["write"] })).token);
    const comment = await writer.post("/api/tickets", { subject: "From a token", customerId: customer.id });
    expect(comment.statusCode).toBe(201);
  });
});
