import { safeEqual } from "../auth/tokens.js";
import type { App } from "../deps.js";
import { AppError } from "../http/errors.js";
import { problem, sendProblem } from "../http/problem.js";
import { readSmsOutboxState } from "../sms/sms.outbox.js";
import { readWebhookOutboxState } from "../webhooks/webhooks.service.js";
import { poolStateReader } from "./metrics.database.js";
import { AppMetrics, UNMATCHED_ROUTE } from "./metrics.registry.js";

declare module "fastify" {
  interface FastifyInstance {
    /** This instance's Prometheus metrics (GET /metrics, docs/operations.md). */
    metrics: AppMetrics;
  }
}

/**
 * GET /metrics for Prometheus, and the hook that counts every answer. Outside /api and outside the
 * guard's sessions and API tokens: its one credential is METRICS_TOKEN as a bearer token (compared
 * in constant time); while that is unset the route answers 404 like any unknown path. Registered
 * before the feature routes, so the hook sees all of them.
 */
export function registerMetrics(app: App): void {
  const { database, clock, config } = app.deps;
  const metrics = new AppMetrics({
    pool: poolStateReader(database),
    liveStreams: () => app.liveHub?.streamCount ?? 0,
    smsOutbox: (now) => readSmsOutboxState(database.db, now),
    webhookOutbox: (now) => readWebhookOutboxState(database.db, now),
    now: () => clock.now(),
    logError: (error, source) => app.log.warn({ err: error }, `metrics: reading ${source} failed`),
  });
  app.decorate("metrics", metrics);

  // The route pattern, never the URL (ids would make a series each); 404s and pages share one.
  app.addHook("onResponse", (request, reply, done) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  // The SMS dispatcher exists once the app is built (and only with Twilio configured).
  app.addHook("onReady", async () => {
    app.smsDispatcher?.onOutcome((outcome) => metrics.recordSms(outcome));
  });

  app.get("/metrics", { config: { access: "public" }, schema: { hide: true } }, async (request, reply) => {
    const expected = config.METRICS_TOKEN;
    if (expected === undefined) {
      return sendProblem(
        reply,
        problem(404, "route.not_found", "There is no GET /metrics. See /api/docs for the API."),
      );
    }
    const presented = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? "")?.[1];
    if (presented === undefined || !safeEqual(presented, expected)) {
      throw new AppError(
        401,
        "metrics.unauthorized",
        "GET /metrics needs Authorization: Bearer with the server's METRICS_TOKEN.",
        {},
        { "www-authenticate": 'Bearer realm="uplink-metrics"' },
      );
    }
    const { contentType, text } = await metrics.scrape();
    return reply.header("cache-control", "no-store").type(contentType).send(text);
  });
}
