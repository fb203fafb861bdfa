import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  issueSetupToken,
  SETUP_SETTING_KEY,
  SETUP_TOKEN_TTL_MS,
  setupLink,
} from "../../src/server/auth/setup.service.js";
import { queryRows } from "../../src/server/db/client.js";
import { freePort, startMain } from "../config/main-process.js";
import { databaseFingerprint } from "../http/routes.js";
import type { TestApp } from "../support/app.js";
import { problemOf, sessionCookieFrom, useTestAppPerTest } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

const ADMIN = { name: "Olga Owner", email: "olga@fiber.example", password: "first-admin-pass" };

/** The app as on a first start with SEED_DEMO_USERS=false: no staff at all. */
async function withoutStaff(t: TestApp) {
  await t.database.handle.db.execute(sql`delete from users`);
}

const setup = (t: TestApp, body: Record<string, unknown>, ip = "203.0.113.7") =>
  t.app.inject({ method: "POST", url: "/api/setup", payload: body, remoteAddress: ip });

const storedTokens = async (t: TestApp) =>
  queryRows<{ value: unknown }>(t.database.handle.db, sql`select value from settings where key = ${SETUP_SETTING_KEY}`);

describe.each(testDatabaseKinds())("first-run setup on %s", (kind) => {
  const t = useTestAppPerTest(kind);

  it("creates the first admin from the one-time token, signs them in, and the link dies", async () => {
    await withoutStaff(t());
    expect((await t().app.inject({ method: "GET", url: "/api/setup" })).json()).toEqual({ needed: true });
    const token = await issueSetupToken(t().database.handle.db, t().clock);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Stored hashed: the token itself is nowhere in the database.
    const [stored] = await storedTokens(t());
    expect(JSON.stringify(stored?.value)).not.toContain(token);

    const response = await setup(t(), { token, ...ADMIN });
    expect(response.statusCode, response.body).toBe(200);
    const info = response.json();
    expect(info.user).toMatchObject({ name: ADMIN.name, email: ADMIN.email, role: "admin", active: true });
    expect(info.csrfToken).toEqual(expect.any(String));
    const cookie = sessionCookieFrom(response);
    const me = await t().app.inject({ method: "GET", url: "/api/auth/me", headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.email).toBe(ADMIN.email);
    // The admin can work at once, and sign in with the password chosen.
    const staff = await t().app.inject({ method: "GET", url: "/api/users", headers: { cookie } });
    expect(staff.json().items).toHaveLength(1);
    const login = await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: ADMIN.email, password: ADMIN.password },
    });
    expect(login.statusCode).toBe(200);

    // Token deleted with the admin's creation; the same link again is refused as done.
    expect(await storedTokens(t())).toEqual([]);
    const again = await setup(t(), { token, ...ADMIN, email: "mallory@evil.example" });
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).code).toBe("setup.done");
    expect((await t().app.inject({ method: "GET", url: "/api/setup" })).json()).toEqual({ needed: false });
    const audit = await queryRows<{ action: string }>(
      t().database.handle.db,
      sql`select action from audit_log where action in ('setup.complete', 'user.create') order by action`,
    );
    expect(audit.map((row) => row.action)).toEqual(["setup.complete", "user.create"]);
  });

  it("refuses every setup call once an admin exists, and a start then issues no token", async () => {
    // The demo accounts are there: an admin exists.
    expect((await t().app.inject({ method: "GET", url: "/api/setup" })).json()).toEqual({ needed: false });
    expect(await issueSetupToken(t().database.handle.db, t().clock)).toBeUndefined();
    expect(await storedTokens(t())).toEqual([]);
    const before = await databaseFingerprint(t().database.handle.db);
    const response = await setup(t(), { token: "a".repeat(43), ...ADMIN });
    expect(response.statusCode).toBe(409);
    expect(problemOf(response)).toMatchObject({ code: "setup.done", detail: expect.stringMatching(/already set up/) });
    expect(await databaseFingerprint(t().database.handle.db)).toEqual(before);
  });

  it("refuses a wrong, expired or missing token with 403 and creates nothing", async () => {
    await withoutStaff(t());
    const before = await queryRows<{ n: number }>(t().database.handle.db, sql`select count(*)::int as n from users`);
    expect(before[0]?.n).toBe(0);
    // No token issued yet: nothing can match.
    const none = await setup(t(), { token: "not-issued-token-000000000000000000000000000", ...ADMIN });
    expect(none.statusCode).toBe(403);
    expect(problemOf(none).code).toBe("setup.token_invalid");

    const token = await issueSetupToken(t().database.handle.db, t().clock);
    if (!token) throw new Error("no token issued");
    const wrong = await setup(t(), { token: `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`, ...ADMIN });
    expect(wrong.statusCode).toBe(403);
    expect(problemOf(wrong).detail).toMatch(/newest link printed in the server log/);
    expect(wrong.headers["set-cookie"]).toBeUndefined();

    t().clock.advance(SETUP_TOKEN_TTL_MS + 1000);
    const expired = await setup(t(), { token, ...ADMIN });
    expect(expired.statusCode).toBe(403);
    const after = await queryRows<{ n: number }>(t().database.handle.db, sql`select count(*)::int as n from users`);
    expect(after[0]?.n).toBe(0);
    // A restart prints a new link, which works.
    const fresh = await issueSetupToken(t().database.handle.db, t().clock);
    expect((await setup(t(), { token: fresh, ...ADMIN })).statusCode).toBe(200);
  });

  it("holds the first admin to the password and email rules, and keeps the token for the next try", async () => {
    await withoutStaff(t());
    const token = await issueSetupToken(t().database.handle.db, t().clock);
    const short = await setup(t(), { token, ...ADMIN, password: "short" });
    expect(short.statusCode).toBe(422);
    expect(problemOf(short).errors).toEqual(
      expect.arrayContaining([{ field: "password", message: "Password must be at least 10 characters" }]),
    );
    const bad = await setup(t(), { token, name: "", email: "nope", password: ADMIN.password });
    expect(bad.statusCode).toBe(422);
    expect(
      problemOf(bad)
        .errors?.map((error) => error.field)
        .sort(),
    ).toEqual(["email", "name"]);
    // Nobody may pick the role: the first account is an admin.
    const role = await setup(t(), { token, ...ADMIN, role: "technician" });
    expect(role.statusCode).toBe(422);
    expect(await storedTokens(t())).toHaveLength(1);
    const ok = await setup(t(), { token, ...ADMIN });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.role).toBe("admin");
  });

  it("accepts the link of every start (instances starting together), and only one setup wins a race", async () => {
    await withoutStaff(t());
    const first = await issueSetupToken(t().database.handle.db, t().clock);
    const second = await issueSetupToken(t().database.handle.db, t().clock);
    expect(first).not.toBe(second);
    const results = await Promise.all([
      setup(t(), { token: first, ...ADMIN }),
      setup(t(), { token: second, ...ADMIN, email: "second@fiber.example" }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const admins = await queryRows<{ n: number }>(
      t().database.handle.db,
      sql`select count(*)::int as n from users where role = 'admin'`,
    );
    expect(admins[0]?.n).toBe(1);
    expect(await storedTokens(t())).toEqual([]);
  });

  it("limits wrong tokens per address like sign-in: 429 with Retry-After, other addresses unaffected", async () => {
    await withoutStaff(t());
    const token = await issueSetupToken(t().database.handle.db, t().clock);
    for (let i = 0; i < 10; i++) {
      expect((await setup(t(), { token: `guess-${i}-000000000000000000000000000000`, ...ADMIN })).statusCode).toBe(403);
    }
    const limited = await setup(t(), { token, ...ADMIN });
    expect(limited.statusCode).toBe(429);
    expect(problemOf(limited).code).toBe("auth.too_many_attempts");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    const elsewhere = await setup(t(), { token, ...ADMIN }, "198.51.100.9");
    expect(elsewhere.statusCode).toBe(200);
  });
});

describe("the setup link", () => {
  it("is PUBLIC_URL or the listen address, plus /setup?token=…", () => {
    expect(setupLink("https://crm.fiber.example/", "abc_-1")).toBe("https://crm.fiber.example/setup?token=abc_-1");
    expect(setupLink("http://localhost:3000", "x")).toBe("http://localhost:3000/setup?token=x");
  });
});

describe("a first start with SEED_DEMO_USERS=false (the real process)", () => {
  it("prints the one-time setup link on PUBLIC_URL, which creates the first admin; the next start prints none", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "uplink-first-run-"));
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      SEED_DEMO_USERS: "false",
      PUBLIC_URL: "https://crm.fiber.example",
    };
    try {
      const first = startMain(env);
      try {
        await first.waitFor("Uplink ready in");
        const token = /https:\/\/crm\.fiber\.example\/setup\?token=([A-Za-z0-9_-]+)/.exec(first.output().stdout)?.[1];
        expect(token, first.output().stdout).toBeDefined();
        expect(first.output().stdout).not.toContain("Created the demo accounts");
        const response = await fetch(`http://127.0.0.1:${port}/api/setup`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token, ...ADMIN }),
        });
        expect(response.status).toBe(200);
        expect((await response.json()).user.role).toBe("admin");
        first.child.kill("SIGINT");
        expect(await first.exited).toBe(0);
      } finally {
        first.child.kill("SIGKILL");
      }
      const second = startMain(env);
      try {
        await second.waitFor("Uplink ready in");
        expect(second.output().stdout).not.toContain("/setup?token=");
        second.child.kill("SIGINT");
        expect(await second.exited).toBe(0);
      } finally {
        second.child.kill("SIGKILL");
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
