import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { type DatabaseHandle, openPostgres } from "../../src/server/db/client.js";
import type { App } from "../../src/server/deps.js";
import type {
  LiveCustomerEvent,
  LiveIncidentEvent,
  LivePresenceEvent,
  LiveReady,
  LiveSmsEvent,
  LiveTicketEvent,
} from "../../src/shared/live.js";
import { makeIncident } from "../incidents/helpers.js";
import { createTestApp, DEMO, problemOf, type Session, signIn, type TestApp, testConfig } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeSite } from "../support/factories/sites.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, signInAs } from "../support/factories/users.js";
import { listening, openEventStream, type SseClient } from "../support/sse.js";
import { makeToken } from "../support/tokens.js";

/**
 * The live stream (docs/live.md) with two app instances on one database: on the server each has its
 * own pool and LISTEN connection, as two processes would; on PGlite both share the embedded database
 * and its notifications. A change made through one instance reaches the streams of both.
 */
describe.each(testDatabaseKinds())("Live event stream (%s)", (kind) => {
  let first: TestApp;
  let second: App;
  let secondHandle: DatabaseHandle | undefined;
  let firstUrl: string;
  let secondUrl: string;
  let admin: Session;
  const streams: SseClient[] = [];
  const open = async (...args: Parameters<typeof openEventStream>) => {
    const stream = await openEventStream(...args);
    streams.push(stream);
    return stream;
  };

  beforeAll(async () => {
    first = await createTestApp(kind, { env: { LIVE_HEARTBEAT_SECONDS: "0.2" } });
    secondHandle = first.database.url
      ? await openPostgres({ connectionString: first.database.url, poolSize: 5 })
      : undefined;
    second = await buildApp({
      config: testConfig({ LIVE_HEARTBEAT_SECONDS: "0.2" }),
      database: secondHandle ?? first.database.handle,
      clock: first.clock,
    });
    await second.ready();
    firstUrl = await listening(first.app);
    secondUrl = await listening(second);
    admin = await signIn(first.app, DEMO.admin);
  }, 180_000);

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await second?.close();
    await secondHandle?.close();
    await first?.close();
  });

  it("refuses a stream without a valid session or token (401 problem+json); a read-only token is enough", async () => {
    const anonymous = await fetch(`${firstUrl}/api/events`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const forged = await fetch(`${firstUrl}/api/events`, {
      headers: { authorization: `Bearer upl_${"x".repeat(43)}` },
    });
    expect(forged.status).toBe(401);

    const token = await makeToken(admin, { scopes: ["read"] });
    const stream = await open(firstUrl, { token: token.token });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.headers.get("content-encoding")).toBeNull();
    expect(stream.headers.get("content-security-policy")).toContain("default-src 'self'");
    const ready = await stream.waitFor<LiveReady>("ready");
    expect(ready).toMatchObject({ replayed: 0, reset: true, heartbeatMs: 200 });
    expect(stream.lastEventId).toMatch(/^v2(\.\d+(-[0-9a-z]+)?){4}$/);
    // Heartbeats keep it open.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stream.comments.length).toBeGreaterThanOrEqual(1);
  });

  it("answers a HEAD with the stream's headers and ends it (no stream left open for a request without a body)", async () => {
    const anonymous = await fetch(`${firstUrl}/api/events`, { method: "HEAD" });
    expect(anonymous.status).toBe(401);
    const openStreams = first.app.liveHub.streamCount;
    const head = await fetch(`${firstUrl}/api/events`, {
      method: "HEAD",
      headers: { cookie: admin.cookie },
      signal: AbortSignal.timeout(5_000),
    });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(head.headers.get("x-accel-buffering")).toBe("no");
    expect(await head.text()).toBe("");
    expect(first.app.liveHub.streamCount).toBe(openStreams);
  });

  it("sends a ticket's changes made through the other instance to both instances' streams, with who and what", async () => {
    const onFirst = await open(firstUrl, { cookie: admin.cookie });
    const agent = await signIn(second, DEMO.john);
    const onSecond = await open(secondUrl, { cookie: agent.cookie });
    await onFirst.waitFor("ready");
    await onSecond.waitFor("ready");

    const customer = await makeCustomer(admin);
    const ticket = await makeTicket(agent, { customerId: customer.id });
    const changed = await agent.patch(`/api/tickets/${ticket.id}`, { status: "in_progress", version: ticket.version });
    expect(changed.statusCode).toBe(200);

    for (const stream of [onFirst, onSecond]) {
      const created = await stream.waitFor<LiveTicketEvent>(
        "ticket",
        (e) => e.ticketId === ticket.id && e.kind === "created",
      );
      expect(created).toMatchObject({
        ticketNumber: ticket.number,
        customerId: customer.id,
        actor: { id: agent.user.id, name: agent.user.name },
      });
      const status = await stream.waitFor<LiveTicketEvent>(
        "ticket",
        (e) => e.ticketId === ticket.id && e.kind === "status_changed",
      );
      expect(status).toMatchObject({ fields: ["status"], from: "open", to: "in_progress" });
      expect(status.key).toMatch(/^te:\d+$/);
    }
    // Each event once per stream.
    const keys = onFirst.of<LiveTicketEvent>("ticket").map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);

    // A customer's change and an incident reach them too; so does the SMS the ticket queued (a hint).
    const renamed = await admin.patch(`/api/customers/${customer.id}`, {
      name: "Renamed Live",
      version: customer.version,
    });
    expect(renamed.statusCode).toBe(200);
    await onSecond.waitFor<LiveCustomerEvent>(
      "customer",
      (e) => e.customerId === customer.id && e.action === "customer.update",
    );
    const site = await makeSite(admin);
    const incident = await makeIncident(admin, { siteIds: [site.id], title: "Live outage" });
    await onSecond.waitFor<LiveIncidentEvent>("incident", (e) => e.incidentId === incident.id && e.kind === "created");
    await onFirst.waitFor<LiveSmsEvent>("sms", (e) => e.ticketIds.includes(ticket.id));
  });

  it("replays what a dropped stream missed, once, from its Last-Event-ID (on another instance)", async () => {
    const stream = await open(firstUrl, { cookie: admin.cookie });
    await stream.waitFor("ready");
    const before = await makeTicket(admin, {});
    await stream.waitFor<LiveTicketEvent>("ticket", (e) => e.ticketId === before.id);
    const lastEventId = stream.lastEventId;
    stream.close();

    const missed = await makeTicket(admin, {});
    const note = await admin.post(`/api/tickets/${missed.id}/comments`, {
      body: "While you were away",
      visibility: "internal",
    });
    expect(note.statusCode).toBe(201);

    const resumed = await open(secondUrl, { cookie: admin.cookie }, { lastEventId });
    const ready = await resumed.waitFor<LiveReady>("ready");
    expect(ready.reset).toBe(false);
    const replayed = resumed.of<LiveTicketEvent>("ticket");
    expect(replayed.filter((e) => e.ticketId === missed.id).map((e) => e.kind)).toEqual(["created", "commented"]);
    expect(replayed.some((e) => e.ticketId === before.id)).toBe(false);
    expect(ready.replayed).toBe(replayed.length);
    // The replayed events come before `ready`, the live ones after it, none twice.
    const after = await makeTicket(admin, {});
    await resumed.waitFor<LiveTicketEvent>("ticket", (e) => e.ticketId === after.id);
    const keys = resumed.of<LiveTicketEvent>("ticket").map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);

    // Whatever a client sends as Last-Event-ID, the stream opens (afresh when it cannot read it).
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc
            .array(fc.oneof(fc.nat(), fc.constant(-1), fc.constant(1e20), fc.string({ maxLength: 4 })), {
              maxLength: 7,
            })
            .map((parts) => ["v1", ...parts].join(".")),
        ),
        async (lastEventId) => {
          const response = await admin.request({
            method: "GET",
            url: "/api/events",
            headers: { "last-event-id": lastEventId.replace(/[\r\n\0]/g, "") },
          });
          expect(response.statusCode, lastEventId).toBeLessThan(500);
          if (response.statusCode === 200) expect(response.body).toContain("event: ready");
        },
      ),
      { numRuns: 40 },
    );
    // An id it cannot read starts afresh and says so.
    const garbled = await open(firstUrl, { cookie: admin.cookie }, { lastEventId: "v9.nonsense" });
    expect(await garbled.waitFor<LiveReady>("ready")).toMatchObject({ reset: true, replayed: 0 });
  });

  // A transaction that took its id before another but commits after it: only the server database
  // runs two at once (PGlite serialises them, so there the case cannot arise).
  it.skipIf(kind === "pglite")(
    "replays a row that committed after a newer one was sent, once, when the stream dropped in between",
    async () => {
      const ticket = await makeTicket(admin, {});
      const stream = await open(firstUrl, { cookie: admin.cookie });
      await stream.waitFor("ready");
      const pool = secondHandle?.pool;
      if (!pool) throw new Error("the server database has a pool");
      // A slow writer: its timeline row has an id, and is not committed yet. (Written directly: the
      // tickets feature commits its own at once; this stands for a long transaction of it.)
      const slow = await pool.connect();
      try {
        await slow.query("begin");
        const inserted = await slow.query<{ id: string }>(
          `insert into ticket_events (ticket_id, kind, actor_id, from_value, to_value)
           values ($1, 'priority_changed', $2, 'normal', 'high') returning id`,
          [ticket.id, admin.user.id],
        );
        const lateId = Number(inserted.rows[0]?.id);
        await slow.query("select pg_notify('uplink_live', $1)", [`te:${lateId}`]);
        // A newer row (another ticket's: the slow one holds a lock on its own) commits first and
        // reaches the stream; then the stream drops.
        const other = await makeTicket(admin, {});
        const got = await stream.waitFor<LiveTicketEvent>("ticket", (e) => e.ticketId === other.id);
        expect(Number(got.key.slice(3))).toBeGreaterThan(lateId);
        const lastEventId = stream.lastEventId;
        stream.close();
        await slow.query("commit");

        const resumed = await open(secondUrl, { cookie: admin.cookie }, { lastEventId });
        await resumed.waitFor("ready");
        const replayed = resumed.of<LiveTicketEvent>("ticket");
        expect(replayed.filter((e) => e.ticketId === ticket.id).map((e) => e.key)).toEqual([`te:${lateId}`]);
        expect(replayed.some((e) => e.ticketId === other.id)).toBe(false);
      } finally {
        await slow.query("rollback").catch(() => {});
        slow.release();
      }
    },
  );

  it("closes a stream within a second of signing out, of revoking its token, and of deactivating its owner — on every instance", async () => {
    const staff = await makeStaff(admin, { role: "agent" });
    const session = await signInAs(first.app, staff);
    const other = await signInAs(first.app, staff);
    const onSecond = await open(secondUrl, { cookie: session.cookie });
    const otherStream = await open(firstUrl, { cookie: other.cookie });
    await onSecond.waitFor("ready");
    await otherStream.waitFor("ready");
    const signedOut = await session.post("/api/auth/logout");
    expect(signedOut.statusCode).toBeLessThan(300);
    const started = Date.now();
    await Promise.race([onSecond.ended, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    expect(onSecond.isEnded()).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(otherStream.isEnded()).toBe(false);
    // A stream of an ended session cannot be reopened.
    expect((await fetch(`${secondUrl}/api/events`, { headers: { cookie: session.cookie } })).status).toBe(401);

    const token = await makeToken(other, { scopes: ["read"] });
    const tokenStream = await open(firstUrl, { token: token.token });
    await tokenStream.waitFor("ready");
    expect((await other.request({ method: "DELETE", url: `/api/tokens/${token.id}` })).statusCode).toBe(204);
    await Promise.race([tokenStream.ended, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    expect(tokenStream.isEnded()).toBe(true);
    expect(otherStream.isEnded()).toBe(false);

    const deactivated = await admin.patch(`/api/users/${staff.id}`, { active: false });
    expect(deactivated.statusCode).toBe(200);
    await Promise.race([otherStream.ended, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    expect(otherStream.isEnded()).toBe(true);
  });

  it("shows who is viewing and editing a ticket on every instance, and forgets a closed stream's presence", async () => {
    const ticket = await makeTicket(admin, {});
    const resource = `ticket:${ticket.id}`;
    const jane = await signIn(second, DEMO.jane);
    const watcher = await open(firstUrl, { cookie: admin.cookie });
    const janeStream = await open(secondUrl, { cookie: jane.cookie });
    await watcher.waitFor("ready");
    const { streamId } = await janeStream.waitFor<LiveReady>("ready");

    const viewing = await jane.post("/api/presence", { resource, state: "viewing", streamId });
    expect(viewing.statusCode).toBe(204);
    const seen = await watcher.waitFor<LivePresenceEvent>(
      "presence",
      (e) => e.resource === resource && e.viewers.length === 1,
    );
    expect(seen.viewers[0]).toMatchObject({ userId: jane.user.id, name: jane.user.name, state: "viewing" });
    expect((await admin.get(`/api/presence?resource=${resource}`)).json().viewers).toHaveLength(1);

    expect((await jane.post("/api/presence", { resource, state: "editing", streamId })).statusCode).toBe(204);
    await watcher.waitFor<LivePresenceEvent>(
      "presence",
      (e) => e.resource === resource && e.viewers[0]?.state === "editing",
    );
    // A heartbeat report that changes nothing sends nothing.
    const count = watcher.of("presence").length;
    expect((await jane.post("/api/presence", { resource, state: "editing", streamId })).statusCode).toBe(204);

    janeStream.close();
    await watcher.waitFor<LivePresenceEvent>("presence", (e) => e.resource === resource && e.viewers.length === 0);
    expect(watcher.of("presence").length).toBe(count + 1);
    expect((await admin.get(`/api/presence?resource=${resource}`)).json().viewers).toEqual([]);

    const bad = await jane.post("/api/presence", { resource: "invoice:1", state: "viewing", streamId });
    expect(bad.statusCode).toBe(422);
    expect(problemOf(bad).errors?.[0]?.field).toBe("resource");
    expect((await jane.get("/api/presence?resource=ticket:nope")).statusCode).toBe(422);
  });

  it("ends the streams when the app closes, so the close does not hang", async () => {
    const third = await buildApp({
      config: testConfig(),
      database: secondHandle ?? first.database.handle,
      clock: first.clock,
    });
    await third.ready();
    const url = await listening(third);
    const session = await signIn(third, DEMO.admin);
    const stream = await open(url, { cookie: session.cookie });
    await stream.waitFor("ready");
    expect(third.liveHub.streamCount).toBe(1);
    const started = Date.now();
    await third.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    await stream.ended;
    expect(stream.comments.some((comment) => comment.includes("shutting down"))).toBe(true);
  });
});
