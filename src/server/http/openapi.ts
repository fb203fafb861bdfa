import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import type { App } from "../deps.js";
import { describeOperations, OPENAPI_TAGS, type RouteFacts, recordRouteFacts } from "./openapi.operations.js";

/** The OpenAPI document is generated from the same zod schemas that validate requests. */
export async function registerOpenApi(app: App) {
  // What each route declared beyond its schemas (access, body limit, Idempotency-Key), keyed
  // "METHOD /path/{param}": read while the document is built, by describeOperations.
  const routeFacts = new Map<string, RouteFacts>();
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Uplink API",
        description:
          "CRM and ticketing for Internet Service Providers. Sign in with POST /api/auth/login; send the session cookie and, on every state-changing request, the X-CSRF-Token header with the token it returned. Integrations use an API token instead (Authorization: Bearer upl_…). POST requests honour Idempotency-Key. Errors are application/problem+json (RFC 9457).",
        version: "0.1.0",
        license: { name: "AGPL-3.0-or-later", identifier: "AGPL-3.0-or-later" },
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "uplink_session" },
          csrf: { type: "apiKey", in: "header", name: "X-CSRF-Token" },
          twilioSignature: {
            type: "apiKey",
            in: "header",
            name: "X-Twilio-Signature",
            description:
              "Twilio's HMAC-SHA1 of PUBLIC_URL + path and the sorted form fields, keyed with TWILIO_AUTH_TOKEN: anything else gets 403.",
          },
          bearer: {
            type: "http",
            scheme: "bearer",
            description:
              "An API token (`upl_…`, Settings → API tokens) in `Authorization: Bearer`: no cookie, no CSRF header. Scopes: read (GET), write (other methods), admin (admin-only routes). Sign-in, setup, one's own profile and the token routes need a session.",
          },
        },
      },
      // The default; every operation declares its own (openapi.operations.ts).
      security: [{ session: [], csrf: [] }, { bearer: [] }],
      tags: OPENAPI_TAGS,
    },
    transform: (input) => {
      recordRouteFacts(routeFacts, app, input.route);
      return jsonSchemaTransform(input);
    },
    transformObject: (input) =>
      describeOperations(jsonSchemaTransformObject(input) as Parameters<typeof describeOperations>[0], routeFacts),
    // The SPA fallback and static files are not part of the API.
    hiddenTag: "hidden",
  });

  app.get("/api/openapi.json", { config: { access: "public" }, schema: { hide: true } }, async () => app.swagger());

  await app.register(fastifySwaggerUi, {
    routePrefix: "/api/docs",
    staticCSP: true,
    // swagger-ui's own policy (hashes for its inline bootstrap) with three fixes: framing and
    // <base> forbidden like the rest of the app, and no upgrade-insecure-requests, which would break
    // the page on a plain-http LAN install by rewriting its same-origin requests to https.
    transformStaticCSP: (header) =>
      header
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace("base-uri 'self'", "base-uri 'none'")
        .replace(/\s*upgrade-insecure-requests;?/, ""),
    uiConfig: { url: "/api/openapi.json", docExpansion: "list", deepLinking: false },
    uiHooks: {},
  });
}
