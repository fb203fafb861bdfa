import type { ServerResponse } from "node:http";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveHub } from "../../src/server/live/live.hub.js";
import { DEMO, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";

/** A client socket: `reads` decides whether it takes what is written (a phone asleep does not). */
function clientSocket(reads: boolean) {
  const received: string[] = [];
  const socket = new Writable({
    highWaterMark: 64,
    write(chunk, _encoding, done) {
      received.push(String(chunk));
      if (reads) done();
      // A client that does not read never acknowledges: what is written stays unsent.
    },
  });
  return { socket, received };
}

/**
 * Per-stream backpressure (docs/live.md): a stream whose client stops reading is closed once its
 * unsent bytes pass the limit (here 2 KB instead of 256 KB), and resumes later from its cursor; the
 * other streams go on. A hub of its own on the test app's database, so the limit can be small.
 */
describe.each(testDatabaseKinds())("Live stream backpressure (%s)", (kind) => {
  const s = useTestApp(kind);
  let hub: LiveHub;
  let admin: Session;

  beforeAll(async () => {
    hub = new LiveHub({
      database: s().database.handle,
      clock: s().clock,
      log: s().app.log,
      heartbeatMs: 60_000,
      maxUnsentBytes: 2_048,
    });
    await hub.start();
    admin = await signIn(s().app, DEMO.admin);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it("ends at once a stream asked for after the hub stopped (a request in flight while the app closes)", async () => {
    const stopped = new LiveHub({
      database: s().database.handle,
      clock: s().clock,
      log: s().app.log,
      heartbeatMs: 60_000,
    });
    await stopped.start();
    await stopped.stop();
    const client = clientSocket(true);
    const base = { userId: admin.user.id, userName: admin.user.name, sessionId: null, tokenId: null };
    const stream = await stopped.open({ ...base, response: client.socket as unknown as ServerResponse }, undefined);
    expect(stream.closed).toBe(true);
    expect(stopped.streamCount).toBe(0);
    expect(client.received.join("")).toMatch(/^retry: \d+\n\n: closed: the server is shutting down\n\n$/);
  });

  it("closes the stream of a client that does not read, and keeps sending to one that does", async () => {
    const asleep = clientSocket(false);
    const awake = clientSocket(true);
    const base = { userId: admin.user.id, userName: admin.user.name, sessionId: null, tokenId: null };
    const stalled = await hub.open({ ...base, response: asleep.socket as unknown as ServerResponse }, undefined);
    const reading = await hub.open({ ...base, response: awake.socket as unknown as ServerResponse }, undefined);
    expect(hub.streamCount).toBe(2);

    const tickets: string[] = [];
    for (let i = 0; i < 12 && !stalled.closed; i++) {
      const ticket = await makeTicket(admin, { subject: `Backpressure ${i} ${"x".repeat(150)}` });
      tickets.push(ticket.id);
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    expect(stalled.closed).toBe(true);
    expect(reading.closed).toBe(false);
    expect(hub.streamCount).toBe(1);
    // The reading client got every ticket's event.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const text = awake.received.join("");
    for (const id of tickets) expect(text).toContain(`"ticketId":"${id}"`);
    hub.close(reading, null);
  });
});
