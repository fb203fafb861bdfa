import os from "node:os";
import path from "node:path";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { type Config, loadConfig } from "../../src/server/config.js";
import type { App } from "../../src/server/deps.js";
import { ManualClock } from "./clock.js";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./databases.js";
import { injectAnswer } from "./inject.js";

export interface TestApp {
  app: App;
  database: TestDatabase;
  clock: ManualClock;
  config: Config;
  close(): Promise<void>;
}

/**
 * A test configuration: the defaults, no Twilio, plus what a test overrides. SMS leave at up to
 * 1000 a second unless a test sets SMS_RATE_PER_SECOND (the rate's own tests do), so tests that
 * send a few messages do not wait a second for each.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: "test",
    SEED_DEMO_USERS: "false",
    LOG_LEVEL: "silent",
    SMS_RATE_PER_SECOND: "1000",
    // Backups a suite takes (POST /api/backups) go to the temporary directory, not ./backups.
    BACKUP_DIR: path.join(os.tmpdir(), "uplink-test-backups", String(process.pid)),
    ...overrides,
  });
}

export async function createTestApp(
  kind: DatabaseKind,
  options: { env?: Record<string, string>; clock?: ManualClock } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  const clock = options.clock ?? new ManualClock(new Date());
  const config = testConfig(options.env);
  const app = await buildApp({ config, database: database.handle, clock });
  await app.ready();
  return {
    app,
    database,
    clock,
    config,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/**
 * Registers a fresh app on a fresh database for the surrounding describe block and returns a
 * getter (the app exists only once beforeAll has run).
 */
export function useTestApp(kind: DatabaseKind, options: Parameters<typeof createTestApp>[1] = {}): () => TestApp {
  let current: TestApp | undefined;
  beforeAll(async () => {
    current = await createTestApp(kind, options);
  }, 60_000);
  afterAll(async () => {
    await current?.close();
  });
  return () => {
    if (!current) throw new Error("the test app is not ready");
    return current;
  };
}

/**
 * Like useTestApp, but a fresh app on a fresh database for every test of the block: for tests of
 * state the app keeps in memory (a cache), which requests of the tests before would otherwise
 * have filled. `options` is a function so each app gets its own clock.
 */
export function useTestAppPerTest(
  kind: DatabaseKind,
  options: () => Parameters<typeof createTestApp>[1] = () => ({}),
): () => TestApp {
  let current: TestApp | undefined;
  beforeEach(async () => {
    current = await createTestApp(kind, options());
  }, 60_000);
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error("the test app is not ready");
    return current;
  };
}

export const DEMO = {
  admin: { email: "admin@isp.com", password: "admin123" },
  john: { email: "john@isp.com", password: "tech123" },
  jane: { email: "jane@isp.com", password: "tech123" },
} as const;

type Body = InjectOptions["payload"];

/** A signed-in client: sends the session cookie and, on writes, the CSRF token. */
export interface Session {
  cookie: string;
  csrfToken: string;
  user: { id: string; name: string; email: string; role: "admin" | "agent" | "technician" };
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: Body): Promise<LightMyRequestResponse>;
  patch(url: string, body?: Body): Promise<LightMyRequestResponse>;
  put(url: string, body?: Body): Promise<LightMyRequestResponse>;
  delete(url: string, body?: Body): Promise<LightMyRequestResponse>;
}

export function sessionCookieFrom(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === "uplink_session");
  if (!cookie) throw new Error(`no session cookie in the response (${response.statusCode}: ${response.body})`);
  return `uplink_session=${cookie.value}`;
}

export async function signIn(app: App, credentials: { email: string; password: string }): Promise<Session> {
  const response = await app.inject({ method: "POST", url: "/api/auth/login", payload: credentials });
  if (response.statusCode !== 200) {
    throw new Error(`sign-in as ${credentials.email} failed: ${response.statusCode} ${response.body}`);
  }
  const { user, csrfToken } = response.json();
  return sessionFor(app, sessionCookieFrom(response), csrfToken, user);
}

export function sessionFor(app: App, cookie: string, csrfToken: string, user: Session["user"]): Session {
  // A GET of the live stream answers up to its first event (test/support/inject.ts).
  const request = (options: InjectOptions) =>
    injectAnswer(app, {
      ...options,
      headers: {
        cookie,
        ...(options.method && options.method !== "GET" ? { "x-csrf-token": csrfToken } : {}),
        ...options.headers,
      },
    });
  return {
    cookie,
    csrfToken,
    user,
    request,
    get: (url) => request({ method: "GET", url }),
    post: (url, payload) => request({ method: "POST", url, payload }),
    patch: (url, payload) => request({ method: "PATCH", url, payload }),
    put: (url, payload) => request({ method: "PUT", url, payload }),
    delete: (url, payload) => request({ method: "DELETE", url, payload }),
  };
}

/** Asserts the response is problem+json and returns its body. */
export function problemOf(response: LightMyRequestResponse) {
  const type = String(response.headers["content-type"] ?? "");
  if (!type.startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${type} (${response.statusCode}): ${response.body}`);
  }
  return response.json() as {
    status: number;
    code: string;
    title: string;
    detail: string;
    errors?: { field: string; message: string }[];
    [key: string]: unknown;
  };
}
