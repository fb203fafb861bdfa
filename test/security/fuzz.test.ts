import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { TwilioStandIn } from "../support/twilio-stand-in.js";
import { type FuzzRoute, fuzzCatalogue } from "./fuzz-catalogue.js";
import { buildFixture, createLoggedTestApp, FuzzRunner, prototypeShape } from "./fuzz-harness.js";
import {
  apiRequest,
  type FuzzFixture,
  fuzzRequest,
  nonApiRequest,
  pagingRequests,
  webhookRequest,
} from "./fuzz-requests.js";

/**
 * The fuzz suite: fast-check generates malformed and hostile requests to every route (every
 * /api route the app registers, the Twilio webhooks, paths outside the API), mostly as a
 * signed-in admin, some as a technician or anonymous, and every answer must hold:
 *   - never a 5xx;
 *   - every non-2xx answer is problem+json with a code, title and detail, leaking no internals;
 *   - a non-2xx answer changed nothing in the database (one fingerprint after every request);
 *   - a cursor a list handed out is accepted when followed;
 *   - no built-in prototype gained or lost a property.
 *
 * A sweep of a few requests per route comes first, then FUZZ_RUNS random ones (default 1,200 per
 * database). FUZZ_SEED (default random, printed) reproduces a run; fast-check prints the seed and
 * the shrunk request of a failure.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1200);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
/** Requests per route in the opening sweep (every route, whatever the random mix picks). */
const SWEEP_PER_ROUTE = 4;
/** About 60 ms a request with its fingerprint; room for a slow machine and for shrinking. */
const TIMEOUT_MS = 300_000 + RUNS * 250;

describe.each(testDatabaseKinds())("fuzzing every route on %s", (kind) => {
  let twilio: TwilioStandIn;
  let t: TestApp;
  let fixture: FuzzFixture;
  let routes: FuzzRoute[];
  let lastError: () => string | undefined;

  beforeAll(async () => {
    twilio = await new TwilioStandIn().start();
    // REQUIRE_2FA pinned off: a fuzzed PUT of the policy would otherwise send every persona (none
    // has a second factor) to enrolment, and the rest of the run would test nothing but that 403.
    ({ t, lastError } = await createLoggedTestApp(kind, { ...twilio.env(), REQUIRE_2FA: "off" }));
    fixture = await buildFixture(t);
    const openApi = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json();
    routes = fuzzCatalogue(t.app, openApi);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await twilio?.stop();
  });

  it(
    `sends ${RUNS} hostile requests: no 5xx, problem+json errors, and no 4xx changes the database`,
    async () => {
      const runner = await FuzzRunner.create(t, lastError);
      const prototypes = prototypeShape();
      const started = Date.now();
      console.info(`[fuzz ${kind}] seed ${SEED}, ${RUNS} runs, ${routes.length} API routes`);

      // First a sweep, so every route is hit whatever the random mix: a few requests for each.
      const sweep = [
        ...pagingRequests(routes, fixture),
        ...routes.flatMap((route) => fc.sample(apiRequest(route, fixture), { numRuns: SWEEP_PER_ROUTE, seed: SEED })),
        ...fc.sample(webhookRequest(fixture), { numRuns: 4 * SWEEP_PER_ROUTE, seed: SEED }),
        ...fc.sample(nonApiRequest(), { numRuns: 2 * SWEEP_PER_ROUTE, seed: SEED }),
      ];
      for (const request of sweep) {
        const { status, body, problems } = await runner.check(request);
        expect(
          problems,
          `seed ${SEED}: ${fc.stringify(request).slice(0, 2000)} → ${status}\n${body.slice(0, 600)}`,
        ).toEqual([]);
      }

      await fc.assert(
        fc.asyncProperty(fuzzRequest(routes, fixture), async (request) => {
          const { status, body, problems } = await runner.check(request);
          if (problems.length) {
            throw new Error(
              `${request.target} as ${request.persona} → ${status}: ${problems.join("; ")}\n${body.slice(0, 600)}`,
            );
          }
        }),
        {
          numRuns: RUNS,
          seed: SEED,
          // Shrinking replays requests; cap it so a failure is reported well inside the timeout.
          interruptAfterTimeLimit: TIMEOUT_MS - 60_000,
          markInterruptAsFailure: true,
        },
      );

      const { stats } = runner;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.info(
        `[fuzz ${kind}] ${stats.requests} requests (${stats.followedCursors} cursor follow-ups) in ${seconds} s; ` +
          `${JSON.stringify(stats.byStatus)} ${JSON.stringify(stats.byPersona)}; ${runner.signIns} sign-ins`,
      );
      expect(stats.requests).toBeGreaterThanOrEqual(RUNS + sweep.length);
      // Some requests must get through, or the fuzzer only tests the validators.
      expect(stats.byStatus["2xx"] ?? 0).toBeGreaterThan(RUNS / 20);
      const missed = routes.map((route) => `${route.method} ${route.pattern}`).filter((r) => !stats.targets.has(r));
      expect(missed, "every API route got requests").toEqual([]);
      expect(stats.followedCursors, "cursors followed").toBeGreaterThanOrEqual(pagingRequests(routes, fixture).length);
      for (const target of ["POST /webhooks/twilio/status", "POST /webhooks/twilio/inbound"]) {
        expect(stats.targets.has(target), target).toBe(true);
      }
      expect(prototypeShape()).toBe(prototypes);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
    TIMEOUT_MS,
  );
});
