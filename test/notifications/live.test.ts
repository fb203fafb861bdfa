import { afterAll, describe, expect, it } from "vitest";
import type { LiveNotificationEvent, LiveReady, LiveTicketEvent } from "../../src/shared/live.js";
import { DEMO, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician, signInAs } from "../support/factories/users.js";
import { listening, openEventStream, type SseClient } from "../support/sse.js";

/**
 * Notifications on the live stream (docs/live.md, docs/notifications.md): the `notification`
 * event reaches its person's streams only, at the commit that wrote it, and a stream resumed
 * with Last-Event-ID replays the ones it missed, once.
 */
describe.each(testDatabaseKinds())("notifications on the live stream (%s)", (kind) => {
  const t = useTestApp(kind);
  const streams: SseClient[] = [];
  afterAll(() => {
    for (const stream of streams) stream.close();
  });
  const open = async (...args: Parameters<typeof openEventStream>) => {
    const stream = await openEventStream(...args);
    streams.push(stream);
    expect(stream.status).toBe(200);
    await stream.waitFor<LiveReady>("ready");
    return stream;
  };

  it("sends each person their own notification, and replays missed ones once after a resume", async () => {
    const url = await listening(t().app);
    const admin = await signIn(t().app, DEMO.admin);
    const mine = await signInAs(t().app, await makeTechnician(admin));
    const other = await signInAs(t().app, await makeTechnician(admin));
    const myStream = await open(url, { cookie: mine.cookie });
    const otherStream = await open(url, { cookie: other.cookie });

    const ticket = await makeTicket(admin, { assigneeId: mine.user.id, subject: "Live assignment" });
    const event = await myStream.waitFor<LiveNotificationEvent>(
      "notification",
      (e) => e.link === `/tickets/${ticket.id}`,
    );
    const [stored] = (await mine.get("/api/notifications?limit=1")).json().items;
    expect(event).toEqual({
      key: `nt:${stored.id}`,
      id: stored.id,
      kind: "assigned",
      title: `Admin assigned ${ticket.number} to you`,
      body: "Live assignment",
      link: `/tickets/${ticket.id}`,
      at: stored.createdAt,
    });
    // The other stream heard of the ticket (everyone does), never of the notification.
    await otherStream.waitFor<LiveTicketEvent>("ticket", (e) => e.ticketId === ticket.id && e.kind === "assigned");
    expect(otherStream.of("notification")).toEqual([]);

    // Dropped; two more arrive meanwhile; resumed from the last id seen: both, once, in order.
    const lastSeen = myStream.lastEventId;
    myStream.close();
    const missed = [
      await makeTicket(admin, { assigneeId: mine.user.id, subject: "Missed one" }),
      await makeTicket(admin, { assigneeId: mine.user.id, subject: "Missed two" }),
    ];
    const resumed = await open(url, { cookie: mine.cookie }, { lastEventId: lastSeen });
    await resumed.waitFor<LiveNotificationEvent>("notification", (e) => e.body === "Missed two");
    const replayed = resumed.of<LiveNotificationEvent>("notification");
    expect(replayed.map((e) => e.body)).toEqual(["Missed one", "Missed two"]);
    expect(replayed.map((e) => e.link)).toEqual(missed.map((m) => `/tickets/${m.id}`));
    expect(otherStream.of("notification")).toEqual([]);
  });
});
