import fastifyCompress from "@fastify/compress";
import fastifyCookie from "@fastify/cookie";
import fastifyHelmet from "@fastify/helmet";
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions } from "fastify";
import { validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { attachmentsRoutes } from "./attachments/attachments.routes.js";
import { auditRoutes } from "./audit/audit.routes.js";
import { authRoutes } from "./auth/auth.routes.js";
import { registerGuard } from "./auth/guard.js";
import { sessionsRoutes } from "./auth/sessions.routes.js";
import { backupsRoutes } from "./backups/backups.routes.js";
import { mapTileSource } from "./config.js";
import { customersRoutes } from "./customers/customers.routes.js";
import { dashboardRoutes } from "./dashboard/dashboard.routes.js";
import { registerCacheInvalidation } from "./db/cache-invalidation.js";
import { createConfigCache } from "./db/config-cache.js";
import type { App, AppDeps } from "./deps.js";
import { healthRoutes } from "./health/health.routes.js";
import { stopAccepting, trackFreshConnections } from "./http/drain.js";
import { AppError } from "./http/errors.js";
import { registerIdempotency } from "./http/idempotency.js";
import { registerOpenApi } from "./http/openapi.js";
import { problem, registerProblemHandlers, sendProblem } from "./http/problem.js";
import { registerRequestId, requestIdGenerator } from "./http/request-id.js";
import { compiledSerializerCompiler } from "./http/serializer.js";
import { registerWeb } from "./http/web.js";
import { incidentLookupRoutes } from "./incidents/incidents.lookup.js";
import { incidentMessagesRoutes, withIncidentAutoReply } from "./incidents/incidents.messages.routes.js";
import { incidentsRoutes } from "./incidents/incidents.routes.js";
import { incidentSuggestionsRoutes } from "./incidents/incidents.suggestions.routes.js";
import { incidentTicketPorts } from "./incidents/incidents.tickets.js";
import { integrationsRoutes } from "./integrations/integrations.routes.js";
import { liveRoutes, registerLiveHub } from "./live/live.routes.js";
import { registerMetrics } from "./metrics/metrics.routes.js";
import { notificationsRoutes } from "./notifications/notifications.routes.js";
import { servicePlansRoutes } from "./plans/plans.routes.js";
import { sitesRoutes } from "./sites/sites.routes.js";
import { registerSmsDispatcher } from "./sms/sms.dispatcher.js";
import { smsRoutes } from "./sms/sms.routes.js";
import { smsWebhookRoutes } from "./sms/sms.webhooks.js";
import { ticketsRoutes } from "./tickets/tickets.routes.js";
import { fileInboundSms } from "./tickets/tickets.sms-replies.js";
import { tokensRoutes } from "./tokens/tokens.routes.js";
import { registerTwoFactor } from "./two-factor/two-factor.routes.js";
import { usersRoutes } from "./users/users.routes.js";
import { calendarFeedRoutes } from "./visits/visits.calendar.routes.js";
import { withVisitReplies } from "./visits/visits.reminders.js";
import { visitsRoutes } from "./visits/visits.routes.js";
import { registerWebhookDispatcher } from "./webhooks/webhooks.dispatcher.js";
import { webhooksRoutes } from "./webhooks/webhooks.routes.js";

export interface BuildAppOptions {
  /** The process's pino logger; tests leave it out and log nothing. */
  logger?: FastifyBaseLogger;
}

/** Headers for answers given before routing, where helmet does not run. */
const UNROUTED_RESPONSE_HEADERS = {
  "content-security-policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/** Pino settings: request ids, and no secrets in the log. */
export function loggerOptions(level: string): FastifyServerOptions["logger"] {
  return {
    level,
    redact: {
      paths: [
        "req.headers.cookie",
        "req.headers.authorization",
        'req.headers["x-csrf-token"]',
        'req.headers["x-twilio-signature"]',
        'res.headers["set-cookie"]',
        "*.password",
        "*.currentPassword",
        "*.newPassword",
        "*.token",
        "*.csrfToken",
      ],
      censor: "[redacted]",
    },
  };
}

/** How long a closing app waits for the connections it has accepted to send their request. */
const SHUTDOWN_GRACE_MS = 5_000;

/** Builds the whole app from its parts; main.ts and the tests share it. */
export async function buildApp(deps: AppDeps, options: BuildAppOptions = {}): Promise<App> {
  const trustProxy = parseTrustProxy(deps.config.TRUST_PROXY);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    trustProxy,
    bodyLimit: 1_048_576,
    // A trusted proxy's X-Request-Id, else a UUID (http/request-id.ts).
    requestIdHeader: false,
    genReqId: requestIdGenerator(trustProxy),
    routerOptions: { maxParamLength: 200 },
    // A request that reaches a closing app is served (with Connection: close) rather than refused
    // with a 503: in a rolling restart it was sent to this worker before it stopped listening.
    return503OnClosing: false,
    frameworkErrors: (error, _request, reply) => {
      // A malformed URL never reaches a route, so no hook (helmet's headers included) runs: answer
      // problem+json with the essential headers here, without echoing the URL back.
      const tooLong = error.code === "FST_ERR_MAX_PARAM_LENGTH";
      return sendProblem(
        reply,
        problem(
          tooLong ? 414 : 400,
          tooLong ? "request.path_too_long" : "request.bad_url",
          tooLong ? "A part of the address is too long." : "The address is not a valid URL (check its % escapes).",
        ),
        deps.config.PUBLIC_URL?.startsWith("https://")
          ? { ...UNROUTED_RESPONSE_HEADERS, "strict-transport-security": "max-age=31536000; includeSubDomains" }
          : UNROUTED_RESPONSE_HEADERS,
      );
    },
  }).withTypeProvider<ZodTypeProvider>();

  // The session and settings caches forget a change from any instance through one LISTEN.
  const cacheInvalidation = registerCacheInvalidation(app);
  // New tickets join an active incident through this port (context.ts: ServicePorts).
  app.decorate("deps", {
    ...deps,
    ports: { ...incidentTicketPorts, ...deps.ports },
    configCache: createConfigCache(cacheInvalidation),
  });
  app.setValidatorCompiler(validatorCompiler);
  // Answers are written by serialisers compiled from the response schemas; under tests each one is
  // also checked against zod's own serialisation (src/server/http/serializer.ts).
  app.setSerializerCompiler(compiledSerializerCompiler({ checked: deps.config.NODE_ENV === "test" }));
  registerProblemHandlers(app);
  registerRequestId(app);
  // GET /metrics and the hook counting every answer (before the routes it counts).
  registerMetrics(app);

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Mantine sets styles at run time (CSS variables, style props); scripts stay strict.
        styleSrc: ["'self'", "'unsafe-inline'"],
        // The incident map's tiles (MAP_TILE_URL), when the installation uses a tile server.
        imgSrc: ["'self'", "data:", "blob:", ...[mapTileSource(deps.config)].filter((source) => source !== null)],
        fontSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: deps.config.PUBLIC_URL?.startsWith("https://") ? undefined : false,
  });
  await app.register(fastifyCookie);
  // Idempotency-Key on POST /api/…: its onSend hook must see the JSON text, before compression.
  registerIdempotency(app);
  // API answers above 1 KB (JSON, problem+json, the CSV exports, streamed ones too) go out brotli-
  // or gzip-compressed to clients that accept it; before the routes, so it applies to all of them.
  // The built web files come precompressed (src/server/http/web.ts) and are left as they are.
  // Request bodies are not decompressed: no client of this API sends them compressed, so a
  // Content-Encoding on a request is not honoured (one less parser facing the internet).
  await app.register(fastifyCompress, {
    threshold: 1024,
    encodings: ["br", "gzip"],
    globalDecompression: false,
  });
  // Closing a listening app: stop taking connections first, and give those already accepted a
  // moment to send their request before Fastify closes the idle ones (http/drain.ts). Registered
  // before the other preClose hooks so it runs first.
  const freshConnections = trackFreshConnections(app.server);
  app.addHook("preClose", async () => {
    await stopAccepting(app.server, freshConnections, SHUTDOWN_GRACE_MS);
  });
  // API answers hold subscribers' personal data: no browser or proxy may keep a copy. A route
  // that can be cached says so itself.
  app.addHook("onRequest", async (request, reply) => {
    if (request.url.startsWith("/api/") && !request.url.startsWith("/api/docs"))
      reply.header("cache-control", "no-store");
  });
  registerGuard(app);
  // PostgreSQL text cannot hold NUL characters, nor its JSON (the audit log, ticket events) half of
  // a UTF-16 surrogate pair: refuse both up front with a 422, for every route.
  app.addHook("preValidation", async (request) => {
    const parts = [request.body, request.query, request.params];
    if (parts.some((part) => anyText(part, (text) => text.includes("\u0000")))) {
      throw new AppError(
        422,
        "request.nul_character",
        "Text may not contain NUL characters (\\u0000); remove them and try again.",
      );
    }
    if (parts.some((part) => anyText(part, (text) => LONE_SURROGATE.test(text)))) {
      throw new AppError(
        422,
        "request.broken_character",
        "Text holds a broken character (half of a UTF-16 surrogate pair, such as an emoji cut in two); remove it and try again.",
      );
    }
  });
  await registerOpenApi(app);

  await app.register(healthRoutes);
  await app.register(authRoutes);
  // Two-factor sign-in: its routes, and the check that sends those REQUIRE_2FA covers to set it up.
  await registerTwoFactor(app);
  await app.register(sessionsRoutes);
  await app.register(usersRoutes);
  await app.register(tokensRoutes);
  await app.register(servicePlansRoutes);
  await app.register(sitesRoutes);
  await app.register(customersRoutes);
  await app.register(ticketsRoutes);
  await app.register(attachmentsRoutes);
  await app.register(smsRoutes);
  // A received text is filed by the tickets feature: sms/ receives and logs, and knows no ticket code.
  // Then the incident's automatic answer, and a visit reminder's answer (1 confirms, 2 asks to change).
  await app.register(smsWebhookRoutes, { onInboundSms: withVisitReplies(withIncidentAutoReply(fileInboundSms)) });
  // Sends the SMS outbox from every instance: started on ready, stopped on close.
  registerSmsDispatcher(app);
  await app.register(dashboardRoutes);
  await app.register(webhooksRoutes);
  await app.register(incidentsRoutes);
  await app.register(visitsRoutes);
  await app.register(calendarFeedRoutes);
  await app.register(incidentSuggestionsRoutes);
  await app.register(integrationsRoutes);
  await app.register(incidentMessagesRoutes);
  await app.register(incidentLookupRoutes);
  await app.register(notificationsRoutes);
  await app.register(backupsRoutes);
  await app.register(auditRoutes);
  // Delivers the webhook outbox from every instance: started on ready, stopped on close.
  registerWebhookDispatcher(app);
  // The live event stream: one hub per instance, fed by NOTIFY from every instance.
  registerLiveHub(app);
  await app.register(liveRoutes);

  await registerWeb(app);
  return app;
}

/** An unpaired UTF-16 surrogate (in a u-mode pattern, a proper pair is one code point and does not match). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Whether any key or string in a parsed body, query or params passes the test. A loop, not recursion
 * (nor JSON.stringify): a body of arrays nested 500,000 deep must get its 4xx, not overflow the stack.
 */
function anyText(value: unknown, test: (text: string) => boolean): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current === "string") {
      if (test(current)) return true;
    } else if (current !== null && typeof current === "object") {
      for (const [key, member] of Object.entries(current)) {
        if (test(key)) return true;
        pending.push(member);
      }
    }
  }
  return false;
}

/** `TRUST_PROXY`: unset (trust no one: X-Forwarded-For is ignored), `true`, or addresses/CIDRs. */
function parseTrustProxy(value: string | undefined): boolean | string {
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  return value;
}
