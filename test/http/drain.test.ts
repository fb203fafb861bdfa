import { once } from "node:events";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw HTTP/1.1 client on one connection: what it reads until the server closes it. */
async function connect(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => {});
  return {
    send: (request: string) => socket.write(request),
    received: () => received,
    closed,
    destroy: () => socket.destroy(),
  };
}

const HEALTH = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/**
 * Closing a listening app (http/drain.ts): it stops listening first, serves a connection it had
 * accepted whose request arrives after the close began (a rolling restart hands a worker such
 * connections), and is not held up by idle kept-alive connections.
 */
describe.each(testDatabaseKinds())("closing a listening app (%s)", (kind) => {
  it("serves a request sent after the close began on a connection accepted before it, with Connection: close, and refuses new connections", async () => {
    const t = await createTestApp(kind);
    let closing: Promise<void> | undefined;
    try {
      await t.app.listen({ port: 0, host: "127.0.0.1" });
      const port = (t.app.server.address() as net.AddressInfo).port;
      const early = await connect(port);
      await sleep(100);
      closing = t.app.close();
      await sleep(300);
      await expect(connect(port)).rejects.toThrow(/ECONNREFUSED/);
      early.send(HEALTH);
      await early.closed;
      expect(early.received()).toMatch(/^HTTP\/1\.1 200 /);
      expect(early.received()).toMatch(/\r\nconnection: close\r\n/i);
      await closing;
    } finally {
      await (closing ?? t.app.close()).catch(() => {});
      await t.database.drop();
    }
  });

  it("closes an idle kept-alive connection without waiting for the grace period", async () => {
    const t = await createTestApp(kind);
    try {
      await t.app.listen({ port: 0, host: "127.0.0.1" });
      const port = (t.app.server.address() as net.AddressInfo).port;
      const kept = await connect(port);
      kept.send(HEALTH);
      while (!kept.received().includes("\r\n\r\n")) await sleep(10);
      expect(kept.received()).toMatch(/\r\nconnection: keep-alive\r\n/i);
      const started = performance.now();
      await t.app.close();
      // The grace (5 s) is only for connections that have not sent a request yet.
      expect(performance.now() - started).toBeLessThan(2_000);
      await kept.closed;
    } finally {
      await t.database.drop();
    }
  });
});
