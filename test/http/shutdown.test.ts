import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startMain } from "../config/main-process.js";

/** Sends the headers and half the body now; the rest when `finish` is called. Resolves with the raw answer. */
function slowLogin(port: number, body: string) {
  const socket = net.connect(port, "127.0.0.1");
  let answer = "";
  socket.on("data", (chunk) => {
    answer += chunk;
  });
  const done = new Promise<string>((resolve, reject) => {
    socket.on("end", () => resolve(answer));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
  const half = Math.floor(body.length / 2);
  const started = new Promise<void>((resolve) =>
    socket.on("connect", () => {
      socket.write(
        `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`,
        // Written is not yet parsed: give the server time to take the request in, or SIGTERM
        // can arrive first and Fastify answers this "new" request 503 (seen on a loaded machine).
        () => setTimeout(resolve, 500),
      );
    }),
  );
  return {
    started,
    finish: () => socket.write(body.slice(half)),
    done,
  };
}

describe("the server process (main.ts)", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "uplink-main-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts on PGlite, seeds, and on SIGTERM finishes the in-flight request, refuses new ones and exits 0", async () => {
    const port = await freePort();
    const main = startMain({ PORT: String(port), HOST: "127.0.0.1", DATA_DIR: path.join(dataDir, "one") });
    try {
      await main.waitFor("Uplink ready in");
      const { stdout } = main.output();
      expect(stdout).toContain("Database: embedded PostgreSQL (PGlite) in");
      expect(stdout).toContain("fsync off");
      expect(stdout).toContain("Created the demo accounts");

      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "admin@isp.com", password: "admin123" }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers.get("set-cookie") ?? "";
      const token = /uplink_session=([^;]+)/.exec(cookie)?.[1] ?? "";
      expect(token.length).toBeGreaterThan(20);

      const slow = slowLogin(port, JSON.stringify({ email: "admin@isp.com", password: "admin123" }));
      await slow.started;
      main.child.kill("SIGTERM");
      await main.waitFor("SIGTERM: finishing in-flight requests");
      // New connections are refused while the in-flight request is still open. (A new TCP
      // connection: fetch would reuse the sign-in's kept-alive one, which is served until it idles.)
      // The log line comes just before the app closes its listening socket, so a probe sent at once
      // may still get in: probe until refused, within 2 s, the slow request still unanswered.
      const probe = () =>
        new Promise<string>((resolve, reject) => {
          const socket = net.connect(port, "127.0.0.1", () => {
            socket.destroy();
            resolve("connected");
          });
          socket.on("error", reject);
        });
      const refusedBy = Date.now() + 2_000;
      let refusal: unknown;
      while (refusal === undefined && Date.now() < refusedBy) {
        refusal = await probe().then(
          () => new Promise((resolve) => setTimeout(() => resolve(undefined), 50)),
          (error: unknown) => error,
        );
      }
      // Refused, or reset: a probe that reached the listen queue just as the socket closed is reset
      // by the kernel, never served (seen once in CI on a loaded machine).
      expect(String(refusal)).toMatch(/ECONNREFUSED|ECONNRESET/);
      slow.finish();
      const answer = await slow.done;
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toContain('"csrfToken"');
      expect(await main.exited).toBe(0);

      // Request ids in the log; passwords and tokens never.
      const log = main.output().stdout;
      expect(log).toMatch(/"reqId":"[0-9a-f-]{36}"/);
      expect(log).not.toContain("admin123");
      expect(log).not.toContain(token);
    } finally {
      main.child.kill("SIGKILL");
    }
  }, 400_000);

  it("reopens the same data directory without seeding again, and SIGINT stops it too", async () => {
    const port = await freePort();
    const main = startMain({ PORT: String(port), HOST: "127.0.0.1", DATA_DIR: path.join(dataDir, "one") });
    try {
      await main.waitFor("Uplink ready in");
      expect(main.output().stdout).not.toContain("Created the demo accounts");
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(await ready.json()).toEqual({ status: "ready", database: "pglite" });
      main.child.kill("SIGINT");
      expect(await main.exited).toBe(0);
    } finally {
      main.child.kill("SIGKILL");
    }
  }, 400_000);

  it("creates no demo accounts with SEED_DEMO_USERS=false", async () => {
    const port = await freePort();
    const main = startMain({
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: path.join(dataDir, "two"),
      SEED_DEMO_USERS: "false",
    });
    try {
      await main.waitFor("Uplink ready in");
      expect(main.output().stdout).not.toContain("Created the demo accounts");
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "admin@isp.com", password: "admin123" }),
      });
      expect(login.status).toBe(401);
      main.child.kill("SIGTERM");
      expect(await main.exited).toBe(0);
    } finally {
      main.child.kill("SIGKILL");
    }
  }, 400_000);
});
