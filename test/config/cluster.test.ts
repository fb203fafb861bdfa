import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { databaseUrlFor, testDatabaseName } from "../support/databases.js";
import { freePort, type MainProcess, startMain } from "./main-process.js";

/**
 * WEB_CONCURRENCY (src/server/cluster.ts): the real app process on a server database with two
 * worker processes behind one port; a dead worker replaced, a rolling restart on SIGHUP without a
 * failed request, SIGTERM stopping all of them; one process on the embedded database.
 */

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on its own connection (no keep-alive): each may go to either worker. */
function call(
  port: number,
  method: string,
  url: string,
  options: { cookie?: string; csrf?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: url,
        agent: false,
        headers: {
          ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}),
          ...(options.cookie ? { cookie: options.cookie } : {}),
          ...(options.csrf ? { "x-csrf-token": options.csrf } : {}),
        },
        timeout: options.timeoutMs ?? 30_000,
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", reject);
    request.end(payload);
  });
}

interface Client {
  cookie: string;
  csrf: string;
  userId: string;
}

async function signIn(port: number, email: string, password: string): Promise<Client> {
  const answer = await call(port, "POST", "/api/auth/login", { body: { email, password } });
  if (answer.status !== 200) throw new Error(`sign-in as ${email}: ${answer.status} ${answer.body}`);
  const setCookie = [answer.headers["set-cookie"] ?? []].flat().join("; ");
  const token = /uplink_session=([^;]+)/.exec(setCookie)?.[1];
  const { csrfToken, user } = JSON.parse(answer.body);
  return { cookie: `uplink_session=${token}`, csrf: csrfToken, userId: user.id };
}

const as = (client: Client) => ({ cookie: client.cookie, csrf: client.csrf });

/**
 * The pids of a process's app worker children (running src/server/main.ts): the primary may have
 * other short-lived children (a helper process of a library) that are not workers.
 */
function childPids(pid: number): number[] {
  try {
    return execFileSync("ps", ["--ppid", String(pid), "-o", "pid=,args="], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.includes("src/server/main.ts"))
      .map((line) => Number.parseInt(line.trim(), 10))
      .filter((child) => Number.isInteger(child));
  } catch {
    // ps exits 1 when there are none.
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => T | undefined | false, withinMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - started > withinMs) throw new Error(`${what}: not within ${withinMs} ms`);
    await sleep(100);
  }
}

const countOf = (text: string, needle: string) => text.split(needle).length - 1;

/** The JSON log lines containing `text`. */
const logLines = (stdout: string, text: string) =>
  stdout
    .split("\n")
    .filter((line) => line.includes(text))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const serverUrl = inject("testDatabaseUrl");

// Worker processes need a server database (the embedded one is one process's): skipped without TEST_DATABASE_URL.
describe.skipIf(!serverUrl)("WEB_CONCURRENCY=2 on a server database (skipped without TEST_DATABASE_URL)", () => {
  let main: MainProcess;
  let port: number;
  let databaseName: string;
  let admin: Client;

  beforeAll(async () => {
    // An empty database: the primary migrates and seeds it before any worker starts.
    databaseName = testDatabaseName();
    const client = new pg.Client({ connectionString: serverUrl as string });
    await client.connect();
    await client.query(`create database "${databaseName}"`);
    await client.end();
    port = await freePort();
    main = startMain({
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrlFor(serverUrl as string, databaseName),
      DATABASE_POOL_SIZE: "6",
      WEB_CONCURRENCY: "2",
      LOG_LEVEL: "info",
    });
    await main.waitFor("2 app workers listening", 300_000);
    admin = await signIn(port, "admin@isp.com", "admin123");
  }, 400_000);

  afterAll(async () => {
    if (main && main.child.exitCode === null) {
      for (const pid of childPids(main.child.pid as number)) process.kill(pid, "SIGKILL");
      main.child.kill("SIGKILL");
    }
    const client = new pg.Client({ connectionString: serverUrl as string });
    await client.connect();
    await client.query(`drop database if exists "${databaseName}" with (force)`);
    await client.end();
  }, 60_000);

  it("runs two worker processes under the primary, which migrated and seeded once; each worker answers /readyz and signed-in requests", async () => {
    const primary = main.child.pid as number;
    expect(childPids(primary)).toHaveLength(2);
    const { stdout } = main.output();
    expect(stdout).toContain("pool of 3 each");
    // The primary migrated and seeded (the workers start with UPLINK_PREPARED and skip both).
    expect(countOf(stdout, "Created the demo accounts")).toBe(1);
    expect(logLines(stdout, "Created the demo accounts")[0]).not.toHaveProperty("worker");
    const ready = logLines(stdout, "Uplink ready in");
    expect(ready.map((line) => line.worker).sort()).toEqual([0, 1]);
    // The primary opened the database once; each worker once.
    const opened = logLines(stdout, '"Database: ');
    expect(opened.filter((line) => line.worker === undefined)).toHaveLength(1);
    expect(opened.filter((line) => line.worker !== undefined)).toHaveLength(2);

    for (let round = 0; round < 6; round++) {
      const readyz = await call(port, "GET", "/readyz");
      expect(readyz.status).toBe(200);
      expect(JSON.parse(readyz.body)).toMatchObject({ status: "ready" });
      const users = await call(port, "GET", "/api/users", as(admin));
      expect(users.status).toBe(200);
      expect(JSON.parse(users.body).items.length).toBeGreaterThan(0);
    }
  }, 120_000);

  it("ends a session and applies a demotion on every worker within 1 s (the NOTIFY across processes)", async () => {
    const email = `cluster-${Date.now()}@isp.test`;
    const created = await call(port, "POST", "/api/users", {
      ...as(admin),
      body: { name: "Cluster Admin", email, role: "admin", password: "cluster-password-1" },
    });
    expect(created.status).toBe(201);
    const staffId = JSON.parse(created.body).id as string;
    const adminOnly = `/api/users/${staffId}/sessions`;

    // Each request may go to either worker: several, so both have read (and cached) the session.
    const demoted = await signIn(port, email, "cluster-password-1");
    for (let round = 0; round < 6; round++) expect((await call(port, "GET", adminOnly, as(demoted))).status).toBe(200);
    expect((await call(port, "PATCH", `/api/users/${staffId}`, { ...as(admin), body: { role: "agent" } })).status).toBe(
      200,
    );
    await sleep(1_000);
    const afterDemotion = await Promise.all(
      Array.from({ length: 6 }, () => call(port, "GET", adminOnly, as(demoted)).then((answer) => answer.status)),
    );
    expect(afterDemotion).toEqual([403, 403, 403, 403, 403, 403]);

    const session = await signIn(port, email, "cluster-password-1");
    for (let round = 0; round < 6; round++)
      expect((await call(port, "GET", "/api/auth/me", as(session))).status).toBe(200);
    expect((await call(port, "POST", "/api/auth/logout", as(session))).status).toBe(204);
    await sleep(1_000);
    const afterSignOut = await Promise.all(
      Array.from({ length: 6 }, () => call(port, "GET", "/api/auth/me", as(session)).then((answer) => answer.status)),
    );
    expect(afterSignOut).toEqual([401, 401, 401, 401, 401, 401]);
  }, 120_000);

  it("keeps answering when a worker is killed (SIGKILL) and starts a replacement", async () => {
    const primary = main.child.pid as number;
    const before = childPids(primary);
    expect(before).toHaveLength(2);
    const victim = before[0] as number;
    process.kill(victim, "SIGKILL");

    // A request already on the dead worker's connection may fail once; a retry goes to the other.
    for (let round = 0; round < 10; round++) {
      let answer: Answer;
      try {
        answer = await call(port, "GET", "/api/users", as(admin));
      } catch {
        answer = await call(port, "GET", "/api/users", as(admin));
      }
      expect(answer.status).toBe(200);
    }
    const after = await until(
      "a replacement worker",
      () => {
        const now = childPids(primary);
        return now.length === 2 && !now.includes(victim) && now;
      },
      20_000,
    );
    expect(after).toContain(before[1]);
    await main.waitFor("app worker exited; starting another", 10_000);
    // The replacement serves too: every request of a round answers.
    await until("the replacement listening", () => countOf(main.output().stdout, "Uplink ready in") >= 3, 60_000);
    for (let round = 0; round < 6; round++) expect((await call(port, "GET", "/readyz")).status).toBe(200);
  }, 180_000);

  it("restarts both workers one at a time on SIGHUP while a loop of requests gets no failure", async () => {
    const primary = main.child.pid as number;
    const before = childPids(primary);
    expect(before).toHaveLength(2);
    const failures: string[] = [];
    let answered = 0;
    let stop = false;
    let hupAt = Number.NaN;
    const loop = async () => {
      while (!stop) {
        const started = Date.now();
        // When, relative to the SIGHUP, and how long: a reset and a stall are different faults.
        const when = () => `(sent ${started - hupAt} ms after SIGHUP, failed after ${Date.now() - started} ms)`;
        try {
          // 60 s: a machine loaded by other suites can stall a worker for seconds; a request the
          // restart lost would never be answered.
          const answer = await call(port, "GET", "/api/users", { ...as(admin), timeoutMs: 60_000 });
          if (answer.status === 200) answered += 1;
          else failures.push(`${answer.status} ${answer.body.slice(0, 200)} ${when()}`);
        } catch (error) {
          failures.push(`${String(error)} ${when()}`);
        }
      }
    };
    const loops = Array.from({ length: 6 }, () => loop());
    await sleep(300);
    const restartsBefore = countOf(main.output().stdout, "app workers restarted");
    hupAt = Date.now();
    main.child.kill("SIGHUP");
    await until(
      "the rolling restart",
      () => countOf(main.output().stdout, "app workers restarted") > restartsBefore,
      120_000,
    );
    await sleep(500);
    stop = true;
    await Promise.all(loops);
    // On a failure, what the primary and the workers logged says which process had the request.
    expect(failures, main.output().stdout.split("\n").slice(-60).join("\n")).toEqual([]);
    expect(answered).toBeGreaterThan(10);
    const after = await until(
      "the old workers gone",
      () => childPids(primary).length === 2 && childPids(primary),
      30_000,
    );
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    for (const pid of before) expect(alive(pid)).toBe(false);
  }, 240_000);

  it("stops the primary and every worker on SIGTERM, exit code 0", async () => {
    const primary = main.child.pid as number;
    const workers = childPids(primary);
    expect(workers).toHaveLength(2);
    main.child.kill("SIGTERM");
    expect(await main.exited).toBe(0);
    await until("no worker left", () => workers.every((pid) => !alive(pid)), 10_000);
    await expect(call(port, "GET", "/healthz")).rejects.toThrow();
  }, 60_000);
});

describe("WEB_CONCURRENCY=2 on the embedded database", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "uplink-cluster-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("still runs one process (its data directory is one process's)", async () => {
    const port = await freePort();
    const main = startMain({
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: path.join(dataDir, "data"),
      WEB_CONCURRENCY: "2",
    });
    try {
      await main.waitFor("Uplink ready in");
      expect(childPids(main.child.pid as number)).toEqual([]);
      const { stdout } = main.output();
      expect(stdout).not.toContain("app workers listening");
      expect(countOf(stdout, "Uplink ready in")).toBe(1);
      expect(logLines(stdout, "Uplink ready in")[0]).not.toHaveProperty("worker");
      const ready = await call(port, "GET", "/readyz");
      expect(JSON.parse(ready.body)).toEqual({ status: "ready", database: "pglite" });
      main.child.kill("SIGTERM");
      expect(await main.exited).toBe(0);
    } finally {
      main.child.kill("SIGKILL");
    }
  }, 400_000);
});
