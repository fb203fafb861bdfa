import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { HOUR, MINUTE } from "../../src/server/clock.js";
import { queryRows } from "../../src/server/db/client.js";
import type { App } from "../../src/server/deps.js";
import type { StaffSession } from "../../src/shared/sessions.js";
import { DEMO, problemOf, type Session, sessionCookieFrom, sessionFor, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeStaff, type StaffAccount, signInAs } from "../support/factories/users.js";
import { listening, openEventStream } from "../support/sse.js";
import { makeToken } from "../support/tokens.js";

const PHONE_UA =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";
const LAPTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

/** Signs in as a browser with this user agent, from this address. */
async function signInFrom(
  app: App,
  account: { email: string; password: string },
  userAgent: string,
  remoteAddress = "127.0.0.1",
): Promise<Session> {
  const response = await app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { email: account.email, password: account.password },
    headers: { "user-agent": userAgent },
    remoteAddress,
  });
  if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
  const { user, csrfToken } = response.json();
  return sessionFor(app, sessionCookieFrom(response), csrfToken, user);
}

describe.each(testDatabaseKinds())("sessions you can see and end on %s", (kind) => {
  const t = useTestApp(kind);
  let counter = 0;
  const staff = async (role = "technician"): Promise<StaffAccount> => {
    const admin = await signIn(t().app, DEMO.admin);
    counter += 1;
    return makeStaff(admin, { role, name: `Session Person ${counter}` });
  };
  const listOwn = async (session: Session): Promise<StaffSession[]> => {
    const response = await session.get("/api/auth/sessions");
    expect(response.statusCode).toBe(200);
    return response.json().items;
  };
  const meStatus = async (session: Session) => (await session.get("/api/auth/me")).statusCode;

  it("lists one's own sessions with device, address, times, the current one marked, and no stored id", async () => {
    const account = await staff();
    const phone = await signInFrom(t().app, account, PHONE_UA, "203.0.113.7");
    t().clock.advance(5 * MINUTE);
    const laptop = await signInFrom(t().app, account, LAPTOP_UA, "198.51.100.20");

    const items = await listOwn(laptop);
    expect(items).toHaveLength(2);
    const [first, second] = items as [StaffSession, StaffSession];
    // Most recently used first: the laptop, which is asking.
    expect(first.current).toBe(true);
    expect(first.device).toEqual({
      label: "Firefox 128 on Windows 10",
      browser: "Firefox 128",
      os: "Windows 10",
      type: "desktop",
    });
    expect(first.ip).toBe("198.51.100.20");
    expect(second.current).toBe(false);
    expect(second.device.label).toBe("Chrome 126 on Android 14");
    expect(second.device.type).toBe("mobile");
    expect(second.ip).toBe("203.0.113.7");
    expect(second.userAgent).toBe(PHONE_UA);
    expect(Date.parse(second.createdAt)).toBeLessThan(Date.parse(first.createdAt));
    expect(Date.parse(second.expiresAt)).toBeGreaterThan(Date.parse(second.lastSeenAt));

    // The phone sees the same two, itself marked.
    const fromPhone = await listOwn(phone);
    expect(fromPhone.find((s) => s.current)?.id).toBe(second.id);

    // Neither the cookie token nor the stored id (its SHA-256) is in the answer.
    const stored = await queryRows<{ id: string }>(
      t().database.handle.db,
      sql`select id from sessions where user_id = ${account.id}`,
    );
    const body = (await laptop.get("/api/auth/sessions")).body;
    for (const { id } of stored) expect(body).not.toContain(id);
    expect(body).not.toContain(laptop.cookie.slice("uplink_session=".length));
    expect(stored.map((row) => row.id)).toContain(sha256(laptop.cookie.slice("uplink_session=".length)));
  });

  it("ending another session signs it out at once (its next request 401) and closes its live stream", async () => {
    const account = await staff("agent");
    const phone = await signInFrom(t().app, account, PHONE_UA);
    const laptop = await signInFrom(t().app, account, LAPTOP_UA);
    const baseUrl = await listening(t().app);
    const phoneStream = await openEventStream(baseUrl, { cookie: phone.cookie });
    const laptopStream = await openEventStream(baseUrl, { cookie: laptop.cookie });
    try {
      await phoneStream.waitFor("ready");
      await laptopStream.waitFor("ready");
      const target = (await listOwn(laptop)).find((s) => !s.current);
      expect(target?.device.label).toBe("Chrome 126 on Android 14");

      const ended = await laptop.delete(`/api/auth/sessions/${target?.id}`);
      expect(ended.statusCode).toBe(204);
      const next = await phone.get("/api/customers");
      expect(next.statusCode).toBe(401);
      expect(problemOf(next).code).toBe("auth.required");
      await Promise.race([phoneStream.ended, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      expect(phoneStream.isEnded()).toBe(true);
      expect(laptopStream.isEnded()).toBe(false);
      expect(await meStatus(laptop)).toBe(200);
      expect((await listOwn(laptop)).map((s) => s.current)).toEqual([true]);

      // Ending it again, or a made-up id: 404.
      const again = await laptop.delete(`/api/auth/sessions/${target?.id}`);
      expect(again.statusCode).toBe(404);
      expect(problemOf(again).code).toBe("session.not_found");
      const malformed = await laptop.delete("/api/auth/sessions/not-a-session");
      expect(malformed.statusCode).toBe(422);
    } finally {
      phoneStream.close();
      laptopStream.close();
    }
  });

  it("cannot end someone else's session through one's own list (404), and it is audited when one's own is ended", async () => {
    const mine = await staff();
    const theirs = await staff();
    const me = await signInAs(t().app, mine);
    const them = await signInAs(t().app, theirs);
    const [theirSession] = await listOwn(them);
    const attempt = await me.delete(`/api/auth/sessions/${theirSession?.id}`);
    expect(attempt.statusCode).toBe(404);
    expect(await meStatus(them)).toBe(200);

    const second = await signInAs(t().app, mine);
    const other = (await listOwn(me)).find((s) => !s.current);
    expect((await me.delete(`/api/auth/sessions/${other?.id}`)).statusCode).toBe(204);
    expect(await meStatus(second)).toBe(401);
    const admin = await signIn(t().app, DEMO.admin);
    const audit = await admin.get(`/api/audit?entityType=user&entityId=${mine.id}&action=session.end`);
    expect(audit.statusCode).toBe(200);
    expect(audit.json().items).toHaveLength(1);
    expect(audit.json().items[0].actor.id).toBe(mine.id);
    expect(audit.json().items[0].data.session).toBe(other?.id);
  });

  it("'Sign out all other sessions' ends every other session and keeps the current one", async () => {
    const account = await staff();
    const others = [
      await signInFrom(t().app, account, PHONE_UA),
      await signInFrom(t().app, account, PHONE_UA),
      await signInFrom(t().app, account, LAPTOP_UA),
    ];
    const current = await signInFrom(t().app, account, LAPTOP_UA);
    const bystander = await signIn(t().app, DEMO.jane);
    const response = await current.post("/api/auth/sessions/end-others");
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ended: 3 });
    for (const other of others) expect(await meStatus(other)).toBe(401);
    expect(await meStatus(current)).toBe(200);
    expect(await meStatus(bystander)).toBe(200);
    const left = await listOwn(current);
    expect(left).toHaveLength(1);
    expect(left[0]?.current).toBe(true);
    // Nothing left to end.
    expect((await current.post("/api/auth/sessions/end-others")).json()).toEqual({ ended: 0 });
  });

  it("does not list sessions past their idle timeout", async () => {
    const account = await staff();
    const idle = await signInAs(t().app, account);
    t().clock.advance(11 * HOUR);
    const active = await signInAs(t().app, account);
    t().clock.advance(HOUR + MINUTE);
    const items = await listOwn(active);
    expect(items).toHaveLength(1);
    expect(items[0]?.current).toBe(true);
    expect(await meStatus(idle)).toBe(401);
  });

  it("lets an admin see and end any staff member's sessions", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const account = await staff();
    const phone = await signInFrom(t().app, account, PHONE_UA, "203.0.113.9");
    const laptop = await signInFrom(t().app, account, LAPTOP_UA);

    const listed = await admin.get(`/api/users/${account.id}/sessions`);
    expect(listed.statusCode).toBe(200);
    const items: StaffSession[] = listed.json().items;
    expect(items).toHaveLength(2);
    // None of them is the admin's own.
    expect(items.every((s) => !s.current)).toBe(true);
    const phoneSession = items.find((s) => s.ip === "203.0.113.9");
    expect(phoneSession?.device.type).toBe("mobile");

    const one = await admin.delete(`/api/users/${account.id}/sessions/${phoneSession?.id}`);
    expect(one.statusCode).toBe(204);
    expect(await meStatus(phone)).toBe(401);
    expect(await meStatus(laptop)).toBe(200);

    const again = await signInAs(t().app, account);
    const all = await admin.delete(`/api/users/${account.id}/sessions`);
    expect(all.statusCode).toBe(200);
    expect(all.json()).toEqual({ ended: 2 });
    expect(await meStatus(laptop)).toBe(401);
    expect(await meStatus(again)).toBe(401);
    expect(await meStatus(admin)).toBe(200);

    const audit = (await admin.get(`/api/audit?entityType=user&entityId=${account.id}`)).json().items;
    const actions = audit.map((e: { action: string }) => e.action).filter((a: string) => a.startsWith("session."));
    expect(actions).toEqual(["session.end_all", "session.end"]);
    expect(audit[0].actor.id).toBe(admin.user.id);

    const unknown = await admin.get("/api/users/7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17/sessions");
    expect(unknown.statusCode).toBe(404);
    expect(problemOf(unknown).code).toBe("user.not_found");
    const wrongUser = await admin.delete(`/api/users/${admin.user.id}/sessions/${phoneSession?.id}`);
    expect(wrongUser.statusCode).toBe(404);
  });

  it("an admin signing themselves out everywhere keeps their own current session", async () => {
    const adminAccount = await staff("admin");
    const here = await signInAs(t().app, adminAccount);
    const elsewhere = await signInAs(t().app, adminAccount);
    const response = await here.delete(`/api/users/${adminAccount.id}/sessions`);
    expect(response.json()).toEqual({ ended: 1 });
    expect(await meStatus(here)).toBe(200);
    expect(await meStatus(elsewhere)).toBe(401);
  });

  it("refuses others' sessions to non-admins (403) and every session route to API tokens", async () => {
    const account = await staff();
    const victim = await signInAs(t().app, account);
    for (const role of ["technician", "agent"]) {
      const caller = await signInAs(t().app, await staff(role));
      const list = await caller.get(`/api/users/${account.id}/sessions`);
      expect(list.statusCode).toBe(403);
      expect(problemOf(list).code).toBe("auth.forbidden");
      const end = await caller.delete(`/api/users/${account.id}/sessions`);
      expect(end.statusCode).toBe(403);
      const [target] = await listOwn(victim);
      const endOne = await caller.delete(`/api/users/${account.id}/sessions/${target?.id}`);
      expect(endOne.statusCode).toBe(403);
    }
    expect(await meStatus(victim)).toBe(200);

    const admin = await signIn(t().app, DEMO.admin);
    const token = await makeToken(admin, { scopes: ["read", "write", "admin"] });
    for (const [method, url] of [
      ["GET", "/api/auth/sessions"],
      ["POST", "/api/auth/sessions/end-others"],
      ["GET", `/api/users/${account.id}/sessions`],
      ["DELETE", `/api/users/${account.id}/sessions`],
    ] as const) {
      const response = await t().app.inject({ method, url, headers: { authorization: `Bearer ${token.token}` } });
      expect(response.statusCode).toBe(403);
      expect(problemOf(response).code).toBe("token.session_only");
    }
    expect(await meStatus(victim)).toBe(200);
  });

  it("needs the CSRF token to end a session", async () => {
    const account = await staff();
    const other = await signInAs(t().app, account);
    const current = await signInAs(t().app, account);
    const response = await t().app.inject({
      method: "POST",
      url: "/api/auth/sessions/end-others",
      headers: { cookie: current.cookie },
    });
    expect(response.statusCode).toBe(403);
    expect(problemOf(response).code).toBe("auth.csrf_invalid");
    expect(await meStatus(other)).toBe(200);
  });
});
