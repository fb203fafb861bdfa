import { Writable } from "node:stream";
import type { LightMyRequestResponse } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, loggerOptions } from "../../src/server/app.js";
import type { App } from "../../src/server/deps.js";
import { ZProblem } from "../../src/shared/problem.js";
import { ApiError } from "../../src/web/app/api.js";
import { DEMO, problemOf, signIn, testConfig, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from "../support/databases.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function requestIdOf(response: LightMyRequestResponse): string {
  const id = response.headers["x-request-id"];
  expect(typeof id, `X-Request-Id on ${response.statusCode} ${response.body.slice(0, 100)}`).toBe("string");
  return id as string;
}

/** A problem+json answer names its request: `instance` is the header's id as a URN. */
function expectProblemInstance(response: LightMyRequestResponse) {
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(problemOf(response).instance).toBe(`urn:uplink:request:${requestIdOf(response)}`);
}

describe.each(testDatabaseKinds())("request ids (%s)", (kind) => {
  describe("without a trusted proxy", () => {
    const t = useTestApp(kind);

    it("gives every answer its own id: API, health, errors, web pages and unrouted answers", async () => {
      const { app } = t();
      const admin = await signIn(app, DEMO.admin);
      const answers = [
        await admin.get("/api/auth/me"),
        await app.inject({ method: "GET", url: "/healthz" }),
        await app.inject({ method: "GET", url: "/login" }),
        await app.inject({ method: "GET", url: "/favicon.svg" }),
        await app.inject({ method: "GET", url: "/api/customers" }),
        await admin.get("/api/nothing-here"),
        await admin.get("/api/tickets?sort=sideways"),
        await admin.post("/api/tickets", {}),
        // Unrouted: a broken % escape and an over-long path parameter never reach a route.
        await app.inject({ method: "GET", url: "/api/customers/%E0%A4%A" }),
        await admin.get(`/api/customers/${"a".repeat(300)}`),
      ];
      const ids = answers.map(requestIdOf);
      for (const id of ids) expect(id).toMatch(UUID);
      expect(new Set(ids).size).toBe(ids.length);
      for (const response of answers.filter((answer) => answer.statusCode >= 400 && answer.statusCode !== 503)) {
        if (response.headers["content-type"]?.toString().startsWith("application/problem+json")) {
          expectProblemInstance(response);
        }
      }
      expect(answers.map((answer) => answer.statusCode).slice(4)).toEqual([401, 404, 422, 422, 400, 414]);
    });

    it("lets the web app quote the id of a server-side failure as its reference", async () => {
      const response = await t().app.inject({ method: "GET", url: "/api/customers" });
      const id = requestIdOf(response);
      const answered = ZProblem.parse(problemOf(response));
      // A 4xx is the person's to fix: its message stays as the server wrote it.
      expect(new ApiError(401, answered).message).toBe(answered.detail);
      // A 5xx (the same problem shape, as the error handler writes it) names the request.
      const failure = new ApiError(500, { ...answered, status: 500, detail: "Something went wrong on our side." });
      expect(failure.message).toBe(`Something went wrong on our side. (Reference: ${id})`);
    });

    it("ignores an incoming X-Request-Id when no proxy is trusted", async () => {
      const response = await t().app.inject({
        method: "GET",
        url: "/api/customers",
        headers: { "x-request-id": "from-the-internet-1" },
      });
      expect(requestIdOf(response)).toMatch(UUID);
      expectProblemInstance(response);
    });
  });

  describe("behind a trusted proxy (TRUST_PROXY=10.0.0.0/8)", () => {
    const t = useTestApp(kind, { env: { TRUST_PROXY: "10.0.0.0/8" } });
    const from = (remoteAddress: string, id: string) =>
      t().app.inject({ method: "GET", url: "/api/customers", remoteAddress, headers: { "x-request-id": id } });

    it("honours the proxy's id, in the header and in problem+json", async () => {
      const id = "lb-7f3a.9c:01_X-2";
      const response = await from("10.1.2.3", id);
      expect(response.statusCode).toBe(401);
      expect(requestIdOf(response)).toBe(id);
      expectProblemInstance(response);
      const longest = "a".repeat(128);
      expect(requestIdOf(await from("10.1.2.3", longest))).toBe(longest);
    });

    it("replaces an id from an untrusted peer, or a malformed one", async () => {
      expect(requestIdOf(await from("192.0.2.7", "spoofed-by-a-client"))).toMatch(UUID);
      for (const bad of ["a".repeat(129), "two words", "semi;colon", "slash/", 'quote"', "é", "<script>"]) {
        const response = await from("10.1.2.3", bad);
        expect(requestIdOf(response), bad).toMatch(UUID);
        expectProblemInstance(response);
      }
      const repeated = await t().app.inject({
        method: "GET",
        url: "/healthz",
        remoteAddress: "10.1.2.3",
        headers: { "x-request-id": ["one", "two"] },
      });
      expect(requestIdOf(repeated)).toMatch(UUID);
    });
  });

  describe("in the log", () => {
    let database: TestDatabase;
    let app: App;
    const lines: Record<string, unknown>[] = [];

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      const sink = new Writable({
        write(chunk, _encoding, callback) {
          for (const text of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(text));
          callback();
        },
      });
      const logger = pino(loggerOptions("info") as pino.LoggerOptions, sink);
      app = await buildApp(
        {
          config: testConfig({ TRUST_PROXY: "127.0.0.1" }),
          database: database.handle,
          clock: new ManualClock(new Date()),
        },
        { logger },
      );
      await app.ready();
    }, 60_000);
    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    it("carries the request's id on every line of that request, errors included", async () => {
      const id = "trace-0001.request-id-test";
      const response = await app.inject({
        method: "POST",
        url: "/api/auth/login",
        headers: { "x-request-id": id },
        payload: { email: "nobody@isp.com", password: "wrong" },
      });
      expect(response.statusCode).toBe(401);
      expect(requestIdOf(response)).toBe(id);
      const broken = await app.inject({ method: "GET", url: "/api/customers/%E0%A4%A" });
      const brokenId = requestIdOf(broken);

      const mine = lines.filter((line) => line.reqId === id);
      expect(mine.map((line) => line.msg)).toEqual(expect.arrayContaining(["incoming request", "request completed"]));
      // Every line about this request (its URL in `req`, its answer in `res`) is one of its lines.
      const aboutIt = lines.filter(
        (line) =>
          (line.req as { url?: string } | undefined)?.url === "/api/auth/login" ||
          (line.res as { statusCode?: number } | undefined)?.statusCode === 401,
      );
      expect(aboutIt.length).toBeGreaterThanOrEqual(2);
      for (const line of aboutIt) expect(line.reqId).toBe(id);
      expect(lines.some((line) => line.reqId === brokenId && line.msg === "incoming request")).toBe(true);
      // No secret reached the log on the way.
      expect(JSON.stringify(lines)).not.toContain("wrong");
    });
  });
});
