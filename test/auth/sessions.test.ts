import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { HOUR, MINUTE } from "../../src/server/clock.js";
import { queryRows } from "../../src/server/db/client.js";
import { maintenanceJobs } from "../../src/server/maintenance.js";
import { createTestApp, DEMO, problemOf, type Session, sessionCookieFrom, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const tokenOf = (session: Session) => session.cookie.slice("uplink_session=".length);

describe.each(testDatabaseKinds())("sessions on %s", (kind) => {
  const t = useTestApp(kind);

  const login = (credentials: { email: string; password: string }, headers: Record<string, string> = {}) =>
    t().app.inject({ method: "POST", url: "/api/auth/login", payload: credentials, headers });
  const meStatus = async (session: Session) => (await session.get("/api/auth/me")).statusCode;

  it("sets an HttpOnly, SameSite=Lax cookie that is not Secure on plain http", async () => {
    const response = await login(DEMO.admin);
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name === "uplink_session");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Lax");
    expect(cookie?.path).toBe("/");
    expect(cookie?.secure).toBeFalsy();
    // A 256-bit token, base64url.
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("stores only the hash of the token: the cookie value is not a session id", async () => {
    const session = await signIn(t().app, DEMO.john);
    const token = tokenOf(session);
    const rows = await queryRows<{ id: string; csrf_token: string }>(
      t().database.handle.db,
      sql`select id, csrf_token from sessions`,
    );
    expect(rows.some((row) => row.id === token)).toBe(false);
    expect(rows.some((row) => row.id === sha256(token))).toBe(true);
    // The row id itself does not work as a cookie.
    const forged = await t().app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: { cookie: `uplink_session=${sha256(token)}` },
    });
    expect(forged.statusCode).toBe(401);
  });

  it("issues a new session at every sign-in and never adopts a pre-set cookie (fixation)", async () => {
    const planted = "attacker-chosen-token-value-0123456789abcdef";
    const response = await login(DEMO.jane, { cookie: `uplink_session=${planted}` });
    expect(response.statusCode).toBe(200);
    const issued = sessionCookieFrom(response);
    expect(issued).not.toBe(`uplink_session=${planted}`);
    const plantedMe = await t().app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: { cookie: `uplink_session=${planted}` },
    });
    expect(plantedMe.statusCode).toBe(401);

    // Signing in again while holding a valid session still yields a fresh id.
    const first = await signIn(t().app, DEMO.jane);
    const again = await login(DEMO.jane, { cookie: first.cookie });
    expect(sessionCookieFrom(again)).not.toBe(first.cookie);
    expect(again.json().csrfToken).not.toBe(first.csrfToken);
  });

  it("ends a session after 12 hours idle", async () => {
    const session = await signIn(t().app, DEMO.john);
    t().clock.advance(12 * HOUR - MINUTE);
    expect(await meStatus(session)).toBe(200);
    // Use refreshed it: another almost-12 hours is still fine.
    t().clock.advance(12 * HOUR - MINUTE);
    expect(await meStatus(session)).toBe(200);
    t().clock.advance(12 * HOUR + MINUTE);
    const expired = await session.get("/api/auth/me");
    expect(expired.statusCode).toBe(401);
    expect(problemOf(expired).code).toBe("auth.required");
  });

  it("ends a session 7 days after sign-in however active it is", async () => {
    const session = await signIn(t().app, DEMO.john);
    for (let hours = 0; hours < 7 * 24 - 11; hours += 11) {
      t().clock.advance(11 * HOUR);
      expect(await meStatus(session)).toBe(200);
    }
    // 165 h in; the absolute limit is 168 h.
    t().clock.advance(3 * HOUR + MINUTE);
    expect(await meStatus(session)).toBe(401);
  });

  it("logout ends the session: the replayed cookie gets 401 everywhere", async () => {
    const session = await signIn(t().app, DEMO.jane);
    const logout = await session.post("/api/auth/logout");
    expect(logout.statusCode).toBe(204);
    const cleared = logout.cookies.find((c) => c.name === "uplink_session");
    expect(cleared?.value).toBe("");
    for (const url of ["/api/auth/me", "/api/users"]) {
      const replay = await session.get(url);
      expect(replay.statusCode).toBe(401);
      expect(problemOf(replay).code).toBe("auth.required");
    }
    const write = await session.patch("/api/users/me", { name: "Replayed" });
    expect(write.statusCode).toBe(401);
  });

  it("deactivating a user ends their live session and stops sign-in", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const created = await admin.post("/api/users", {
      name: "Temp Tech",
      email: "temp.deactivate@isp.com",
      role: "technician",
      password: "temporary-pass-1",
    });
    expect(created.statusCode).toBe(201);
    const credentials = { email: "temp.deactivate@isp.com", password: "temporary-pass-1" };
    const victim = await signIn(t().app, credentials);
    expect(await meStatus(victim)).toBe(200);

    const off = await admin.patch(`/api/users/${created.json().id}`, { active: false });
    expect(off.statusCode).toBe(200);
    expect(off.json().active).toBe(false);
    expect(await meStatus(victim)).toBe(401);
    expect((await victim.get("/api/users")).statusCode).toBe(401);

    const again = await login(credentials);
    expect(again.statusCode).toBe(401);
    expect(problemOf(again).code).toBe("auth.invalid_credentials");
  });

  it("a user's own password change ends their other sessions and keeps this one", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const created = await admin.post("/api/users", {
      name: "Pw Changer",
      email: "pw.changer@isp.com",
      role: "technician",
      password: "first-password-1",
    });
    expect(created.statusCode).toBe(201);
    const credentials = { email: "pw.changer@isp.com", password: "first-password-1" };
    const phone = await signIn(t().app, credentials);
    const laptop = await signIn(t().app, credentials);

    const change = await laptop.patch("/api/users/me", {
      currentPassword: "first-password-1",
      newPassword: "second-password-2",
    });
    expect(change.statusCode).toBe(200);
    expect(await meStatus(phone)).toBe(401);
    expect(await meStatus(laptop)).toBe(200);
    expect((await login(credentials)).statusCode).toBe(401);
    expect((await login({ ...credentials, password: "second-password-2" })).statusCode).toBe(200);
  });

  it("an admin's password reset ends every session of that user", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const created = await admin.post("/api/users", {
      name: "Reset Me",
      email: "reset.me@isp.com",
      role: "technician",
      password: "before-reset-1",
    });
    const credentials = { email: "reset.me@isp.com", password: "before-reset-1" };
    const one = await signIn(t().app, credentials);
    const two = await signIn(t().app, credentials);
    const reset = await admin.patch(`/api/users/${created.json().id}`, { password: "after-reset-22" });
    expect(reset.statusCode).toBe(200);
    expect(await meStatus(one)).toBe(401);
    expect(await meStatus(two)).toBe(401);
    expect(await meStatus(admin)).toBe(200);
    expect((await login({ ...credentials, password: "after-reset-22" })).statusCode).toBe(200);
  });

  it("answers a wrong password, an unknown email and a deactivated account with the same 401", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const created = await admin.post("/api/users", {
      name: "Gone Tech",
      email: "gone.tech@isp.com",
      role: "technician",
      password: "gone-password-1",
    });
    await admin.patch(`/api/users/${created.json().id}`, { active: false });
    const answers = await Promise.all([
      login({ email: DEMO.jane.email, password: "wrong-password" }),
      login({ email: "nobody-here@isp.com", password: "wrong-password" }),
      login({ email: "gone.tech@isp.com", password: "gone-password-1" }),
    ]);
    for (const answer of answers) {
      expect(answer.statusCode).toBe(401);
      expect(answer.cookies.find((c) => c.name === "uplink_session")).toBeUndefined();
    }
    const bodies = answers.map((answer) => sameExceptRequest(problemOf(answer)));
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  it("matches the email case-insensitively at sign-in", async () => {
    const response = await login({ email: "  ADMIN@ISP.com ", password: DEMO.admin.password });
    expect(response.statusCode).toBe(200);
  });
});

/**
 * Sessions nobody presents again (a closed laptop) are deleted by the maintenance schedule, not
 * only when their cookie comes back. Rows are looked up by the token's hash, never by presenting
 * the cookie, which would itself delete an expired session.
 */
describe.each(testDatabaseKinds())("expired sessions purged by the maintenance schedule on %s", (kind) => {
  const t = useTestApp(kind);

  const stored = async (session: Session) =>
    (
      await queryRows<{ id: string }>(
        t().database.handle.db,
        sql`select id from sessions where id = ${sha256(tokenOf(session))}`,
      )
    ).length === 1;
  const meStatus = async (session: Session) => (await session.get("/api/auth/me")).statusCode;
  /** Every job the app's maintenance schedule runs, once, as the schedule would. */
  const runScheduledMaintenance = async () => {
    for (const job of maintenanceJobs({ database: t().database.handle, clock: t().clock, config: t().config }))
      await job.run();
  };

  it("deletes sessions idle past 12 hours and keeps the live ones", async () => {
    const idle = await signIn(t().app, DEMO.john);
    t().clock.advance(6 * HOUR);
    const live = await signIn(t().app, DEMO.jane);
    t().clock.advance(6 * HOUR + MINUTE);
    // Idle for 12 h 1 min, never presented again: still in the table until maintenance runs.
    expect(await stored(idle)).toBe(true);
    await runScheduledMaintenance();
    expect(await stored(idle)).toBe(false);
    expect(await stored(live)).toBe(true);
    expect(await meStatus(live)).toBe(200);
  });

  it("deletes sessions past the 7-day limit however recently used, and keeps younger ones", async () => {
    const old = await signIn(t().app, DEMO.john);
    for (let hours = 0; hours < 7 * 24 - 11; hours += 11) {
      t().clock.advance(11 * HOUR);
      expect(await meStatus(old)).toBe(200);
    }
    const young = await signIn(t().app, DEMO.jane);
    // 168 h and a minute after sign-in, 3 h after its last use: only the absolute limit applies.
    t().clock.advance(3 * HOUR + MINUTE);
    expect(await stored(old)).toBe(true);
    await runScheduledMaintenance();
    expect(await stored(old)).toBe(false);
    expect(await stored(young)).toBe(true);
    expect(await meStatus(young)).toBe(200);
  });

  it("keeps every session that is still live", async () => {
    const sessions = [await signIn(t().app, DEMO.admin), await signIn(t().app, DEMO.john)];
    t().clock.advance(12 * HOUR - MINUTE);
    await runScheduledMaintenance();
    for (const session of sessions) expect(await stored(session)).toBe(true);
    for (const session of sessions) expect(await meStatus(session)).toBe(200);
  });
});

describe.each(testDatabaseKinds())("the session cookie behind https on %s", (kind) => {
  it("is Secure when PUBLIC_URL is https", async () => {
    const app = await createTestApp(kind, { env: { PUBLIC_URL: "https://crm.example.net" } });
    try {
      const response = await app.app.inject({ method: "POST", url: "/api/auth/login", payload: DEMO.admin });
      const cookie = response.cookies.find((c) => c.name === "uplink_session");
      expect(cookie?.secure).toBe(true);
      expect(cookie?.httpOnly).toBe(true);
      expect(cookie?.sameSite).toBe("Lax");
      // HSTS only makes sense (and is only sent) behind https.
      expect(response.headers["strict-transport-security"]).toBeDefined();
    } finally {
      await app.close();
    }
  });
});

/** A problem body without its request's own id (`instance`), which differs from request to request. */
function sameExceptRequest(body: Record<string, unknown>) {
  const { instance: _instance, ...rest } = body;
  return rest;
}
