import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_CACHE_MS, SessionCache } from "../../src/server/auth/sessions.service.js";
import { listen, type Unlisten } from "../../src/server/db/notify.js";
import type { App } from "../../src/server/deps.js";
import { LIVE_CHANNEL } from "../../src/server/live/live.publish.js";
import { createTestApp, DEMO, type Session, sessionFor, signIn, type TestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeStaff, signInAs } from "../support/factories/users.js";
import { openSecondInstance, type SecondInstance } from "../support/second-instance.js";

/**
 * Sessions are reused for SESSION_CACHE_MS by each instance (sessions.service.ts: SessionCache),
 * and emptied at once in this process and, through a NOTIFY on the live channel, on every other
 * instance when a session ends or a user changes. Two app instances on one database: on the
 * server each has its own pool and LISTEN connection, as two processes would; on PGlite both share
 * the embedded database and its notifications. (Both instances live in this test process, which
 * empties every cache of the process at once: the NOTIFY itself is proved by the tests that delete
 * rows behind the app's back and by the payloads the app sends; test/config/cluster.test.ts proves
 * it across real processes.)
 */

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const sessionIdOf = (session: Session) => sha256(session.cookie.slice("uplink_session=".length));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `status()` until it answers `expected`; returns how long that took, or fails after `withinMs`. */
async function answersWithin(status: () => Promise<number>, expected: number, withinMs: number): Promise<number> {
  const started = performance.now();
  let last = 0;
  for (;;) {
    last = await status();
    const elapsed = performance.now() - started;
    if (last === expected) return elapsed;
    if (elapsed > withinMs) throw new Error(`still ${last} (not ${expected}) after ${Math.round(elapsed)} ms`);
    await sleep(25);
  }
}

describe.each(testDatabaseKinds())("session cache (%s)", (kind) => {
  let first: TestApp;
  let secondInstance: SecondInstance;
  let second: App;
  let admin: Session;
  let unlisten: Unlisten | undefined;
  const payloads: string[] = [];

  /** The same signed-in client on the second instance. */
  const onSecond = (session: Session) => sessionFor(second, session.cookie, session.csrfToken, session.user);
  const status =
    (session: Session, url = "/api/auth/me") =>
    async () =>
      (await session.get(url)).statusCode;
  /** An admin-only route every admin may read (their own sessions). */
  const adminOnly = (session: Session) => `/api/users/${session.user.id}/sessions`;
  const execute = (query: ReturnType<typeof sql>) => first.database.handle.db.execute(query);
  /** Waits for a NOTIFY on the live channel that empties the caches, sent after `since`. */
  const notified = async (since: number, matches: (payload: string) => boolean) => {
    const started = performance.now();
    while (!payloads.slice(since).some(matches)) {
      if (performance.now() - started > 5_000) throw new Error(`no such NOTIFY; got ${payloads.slice(since)}`);
      await sleep(20);
    }
  };

  beforeAll(async () => {
    first = await createTestApp(kind);
    secondInstance = await openSecondInstance(first);
    second = secondInstance.app;
    unlisten = await listen(first.database.handle, LIVE_CHANNEL, (payload) => payloads.push(payload), {
      retryMs: 500,
      log: { warn: () => {} },
    });
    admin = await signIn(first.app, DEMO.admin);
  }, 180_000);

  afterAll(async () => {
    await unlisten?.();
    await secondInstance?.close();
    await first?.close();
  });

  it("reuses a session it read: a row deleted behind the app's back still answers there until a NOTIFY empties the cache", async () => {
    const staff = await makeStaff(admin, { role: "agent" });
    const session = await signInAs(first.app, staff);
    const there = onSecond(session);
    expect(await status(there)()).toBe(200);

    // By hand, without a NOTIFY: the instance that read the session keeps it for a few seconds …
    await execute(sql`delete from sessions where id = ${sessionIdOf(session)}`);
    expect(await status(there)()).toBe(200);
    // … while one that never read it asks the database.
    expect(await status(session)()).toBe(401);

    // The payload another process sends when it ends a session empties the cache.
    await execute(sql`select pg_notify(${LIVE_CHANNEL}, ${`x:s:${sessionIdOf(session)}`})`);
    await answersWithin(status(there), 401, 1_000);
  });

  it("shows a change made by hand (no NOTIFY) within SESSION_CACHE_MS", async () => {
    const staff = await makeStaff(admin, { role: "admin" });
    const session = onSecond(await signInAs(first.app, staff));
    expect(await status(session, adminOnly(session))()).toBe(200);
    await execute(sql`update users set role = 'agent' where id = ${staff.id}`);
    expect(await status(session, adminOnly(session))()).toBe(200);
    const took = await answersWithin(status(session, adminOnly(session)), 403, SESSION_CACHE_MS + 3_000);
    expect(took).toBeLessThan(SESSION_CACHE_MS + 3_000);
  }, 30_000);

  it("signing out makes the old cookie 401 at once, and on the other instance that had it cached within 1 s", async () => {
    const staff = await makeStaff(admin, { role: "agent" });
    const session = await signInAs(first.app, staff);
    const there = onSecond(session);
    expect(await status(session)()).toBe(200);
    expect(await status(there)()).toBe(200);

    const since = payloads.length;
    expect((await session.post("/api/auth/logout")).statusCode).toBe(204);
    expect(await status(session)()).toBe(401);
    expect((await session.get("/api/users")).statusCode).toBe(401);
    await answersWithin(status(there), 401, 1_000);
    await notified(since, (payload) => payload === `x:s:${sessionIdOf(session)}`);
  });

  it("a demoted admin's very next request to an admin-only route is 403, on this instance and within 1 s on the other", async () => {
    const staff = await makeStaff(admin, { role: "admin" });
    const session = await signInAs(first.app, staff);
    const there = onSecond(session);
    expect(await status(session, adminOnly(session))()).toBe(200);
    expect(await status(there, adminOnly(session))()).toBe(200);

    const since = payloads.length;
    const demoted = await admin.patch(`/api/users/${staff.id}`, { role: "agent" });
    expect(demoted.statusCode).toBe(200);
    expect(demoted.json().role).toBe("agent");
    expect(await status(session, adminOnly(session))()).toBe(403);
    expect((await session.get("/api/auth/me")).json().user.role).toBe("agent");
    await answersWithin(status(there, adminOnly(session)), 403, 1_000);
    await notified(since, (payload) => payload === `uc:${staff.id}`);

    // And promoted back: the next request may again.
    expect((await admin.patch(`/api/users/${staff.id}`, { role: "admin" })).statusCode).toBe(200);
    expect(await status(session, adminOnly(session))()).toBe(200);
    await answersWithin(status(there, adminOnly(session)), 200, 1_000);
  });

  it("a session ended through one instance is 401 within 1 s on the other, which had just served it", async () => {
    const staff = await makeStaff(admin, { role: "technician" });
    const laptop = await signInAs(first.app, staff);
    const phone = onSecond(await signInAs(first.app, staff));
    expect(await status(phone)()).toBe(200);
    const listedBefore = ((await admin.get(`/api/users/${staff.id}/sessions`)).json().items as { id: string }[]).map(
      (item) => item.id,
    );

    const since = payloads.length;
    const other = (await laptop.get("/api/auth/sessions"))
      .json()
      .items.find((item: { current: boolean }) => !item.current);
    const ended = await laptop.delete(`/api/auth/sessions/${other.id}`);
    expect(ended.statusCode).toBe(204);
    await answersWithin(status(phone), 401, 1_000);
    expect(await status(laptop)()).toBe(200);
    await notified(since, (payload) => payload.startsWith("x:"));

    // An admin ending someone's session from the other instance: this one forgets it too.
    const tablet = await signInAs(first.app, staff);
    expect(await status(tablet)()).toBe(200);
    const listed = (await admin.get(`/api/users/${staff.id}/sessions`)).json().items as { id: string }[];
    const tabletId = listed.find((item) => item.id !== other.id && !listedBefore.includes(item.id))?.id;
    const byAdmin = await onSecond(admin).delete(`/api/users/${staff.id}/sessions/${tabletId}`);
    expect(byAdmin.statusCode).toBe(204);
    await answersWithin(status(tablet), 401, 1_000);
  });

  it("a password change ends the user's other sessions at once on both instances, and keeps the one that made it", async () => {
    const staff = await makeStaff(admin, { role: "agent", password: "first-password-1" });
    const laptop = await signInAs(first.app, staff);
    const phone = await signInAs(first.app, staff);
    const phoneThere = onSecond(phone);
    expect(await status(phone)()).toBe(200);
    expect(await status(phoneThere)()).toBe(200);
    expect(await status(onSecond(laptop))()).toBe(200);

    const since = payloads.length;
    const change = await laptop.patch("/api/users/me", {
      currentPassword: "first-password-1",
      newPassword: "second-password-2",
    });
    expect(change.statusCode).toBe(200);
    expect(await status(phone)()).toBe(401);
    await answersWithin(status(phoneThere), 401, 1_000);
    expect(await status(laptop)()).toBe(200);
    expect(await status(onSecond(laptop))()).toBe(200);
    await notified(since, (payload) => payload.startsWith(`x:u:${staff.id}:`));
  });

  it("an admin's password reset ends every session of the user on both instances", async () => {
    const staff = await makeStaff(admin, { role: "technician" });
    const session = await signInAs(first.app, staff);
    const there = onSecond(session);
    expect(await status(session)()).toBe(200);
    expect(await status(there)()).toBe(200);
    expect((await admin.patch(`/api/users/${staff.id}`, { password: "after-reset-22" })).statusCode).toBe(200);
    expect(await status(session)()).toBe(401);
    await answersWithin(status(there), 401, 1_000);
  });

  it("a deactivated user's session is 401 at once, and within 1 s on the other instance", async () => {
    const staff = await makeStaff(admin, { role: "agent" });
    const session = await signInAs(first.app, staff);
    const there = onSecond(session);
    expect(await status(session)()).toBe(200);
    expect(await status(there)()).toBe(200);

    const since = payloads.length;
    const off = await admin.patch(`/api/users/${staff.id}`, { active: false });
    expect(off.statusCode).toBe(200);
    expect(await status(session)()).toBe(401);
    expect((await session.get("/api/users")).statusCode).toBe(401);
    await answersWithin(status(there), 401, 1_000);
    await notified(since, (payload) => payload.startsWith("x:"));
  });

  it("a profile change (name) shows on the user's next request, on both instances", async () => {
    const staff = await makeStaff(admin, { role: "agent" });
    const session = await signInAs(first.app, staff);
    const there = onSecond(session);
    expect((await there.get("/api/auth/me")).json().user.name).toBe(staff.name);
    const since = payloads.length;
    expect((await session.patch("/api/users/me", { name: "Renamed Agent" })).statusCode).toBe(200);
    expect((await session.get("/api/auth/me")).json().user.name).toBe("Renamed Agent");
    await notified(since, (payload) => payload === `uc:${staff.id}`);
    expect((await there.get("/api/auth/me")).json().user.name).toBe("Renamed Agent");
  });
});

describe("SessionCache", () => {
  const row = { session: { id: "s" }, user: { id: "u" } } as never;

  it("keeps a row for its time to live, and forgets it when emptied", async () => {
    const cache = new SessionCache(200);
    try {
      cache.set("a", row, cache.mark());
      expect(cache.get("a")).toBe(row);
      cache.clear();
      expect(cache.get("a")).toBeUndefined();
      cache.set("a", row, cache.mark());
      await sleep(300);
      expect(cache.get("a")).toBeUndefined();
    } finally {
      cache.close();
    }
  });

  it("drops a row read before the cache was emptied (a read in flight while a sign-out or role change committed)", () => {
    const cache = new SessionCache();
    try {
      const mark = cache.mark();
      // … the SELECT is in flight; the NOTIFY of a role change empties the cache …
      cache.clear();
      // … and the row the SELECT returns may be the old one: not kept.
      cache.set("a", row, mark);
      expect(cache.get("a")).toBeUndefined();
      cache.set("a", row, cache.mark());
      expect(cache.get("a")).toBe(row);
    } finally {
      cache.close();
    }
  });
});
