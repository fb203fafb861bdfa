import { STATUS_CODES } from "node:http";
import type { RouteOptions } from "fastify";
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT } from "../../shared/webhooks.js";
import { type Access, effectiveAccess, type TokenAccess, tokenAccessFor } from "../auth/guard.js";
import type { App } from "../deps.js";

/**
 * What the OpenAPI document says beyond the route schemas, derived in one place from what the
 * routes declare to the guard (`config.access`, `config.sessionOnly`), so the document cannot
 * drift from what the server enforces: each operation's security, the problem+json errors it can
 * answer, operationId, tag descriptions, form and CSV bodies, comma-list parameters and the
 * outbound webhook events.
 */

/** What a route declared that its schema does not carry. */
export interface RouteFacts {
  access: Access;
  /** What an API token needs here: a scope, or "session" (tokens refused). */
  bearerNeeds: TokenAccess;
  /** Whether a POST honours Idempotency-Key (http/idempotency.ts). */
  idempotency: boolean;
  /** The route's own body limit in bytes, when it differs from the app's (1 MiB). */
  bodyLimit?: number;
}

/** "/api/tickets/:id" → "/api/tickets/{id}", as the document names paths. */
export const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

export function recordRouteFacts(facts: Map<string, RouteFacts>, _app: App, route: RouteOptions): void {
  for (const method of [route.method].flat()) {
    const access = effectiveAccess(route.url, route.config?.access);
    const tokenAccess = tokenAccessFor(method, access, route.config?.sessionOnly);
    facts.set(`${method} ${openApiPath(route.url)}`, {
      access,
      bearerNeeds: tokenAccess,
      idempotency:
        method === "POST" &&
        route.url.startsWith("/api/") &&
        route.config?.idempotency !== false &&
        !route.config?.sessionOnly,
      ...(route.bodyLimit === undefined ? {} : { bodyLimit: route.bodyLimit }),
    });
  }
}

/**
 * Stable operationIds: client generators name their functions after them, so they never follow a
 * path or summary rewording. A route missing here gets one made from its method and path.
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  "GET /healthz": "checkHealth",
  "GET /readyz": "checkReadiness",
  "POST /api/auth/login": "signIn",
  "POST /api/auth/logout": "signOut",
  "GET /api/auth/me": "getSession",
  "GET /api/setup": "getSetupStatus",
  "POST /api/setup": "completeSetup",
  "GET /api/users": "listUsers",
  "POST /api/users": "createUser",
  "PATCH /api/users/me": "updateOwnProfile",
  "GET /api/users/{id}": "getUser",
  "PATCH /api/users/{id}": "updateUser",
  "GET /api/tokens": "listApiTokens",
  "POST /api/tokens": "createApiToken",
  "DELETE /api/tokens/{id}": "revokeApiToken",
  "GET /api/service-plans": "listServicePlans",
  "POST /api/service-plans": "createServicePlan",
  "GET /api/service-plans/{id}": "getServicePlan",
  "PATCH /api/service-plans/{id}": "updateServicePlan",
  "DELETE /api/service-plans/{id}": "deleteServicePlan",
  "GET /api/sites": "listSites",
  "POST /api/sites": "createSite",
  "GET /api/sites/{id}": "getSite",
  "PATCH /api/sites/{id}": "updateSite",
  "DELETE /api/sites/{id}": "deleteSite",
  "GET /api/customers": "listCustomers",
  "POST /api/customers": "createCustomer",
  "GET /api/customers/export.csv": "exportCustomersCsv",
  "POST /api/customers/import": "importCustomersCsv",
  "GET /api/customers/{id}": "getCustomer",
  "PATCH /api/customers/{id}": "updateCustomer",
  "DELETE /api/customers/{id}": "archiveCustomer",
  "POST /api/customers/{id}/restore": "restoreCustomer",
  "GET /api/customers/{id}/site-tickets": "getCustomerSiteTickets",
  "GET /api/customers/{id}/incidents": "listCustomerIncidents",
  "GET /api/tickets": "listTickets",
  "POST /api/tickets": "createTicket",
  "POST /api/tickets/bulk": "bulkUpdateTickets",
  "GET /api/tickets/sla-hours": "getSlaHours",
  "PUT /api/tickets/sla-hours": "setSlaHours",
  "GET /api/tickets/sla-settings": "getSlaSettings",
  "PUT /api/tickets/sla-settings": "updateSlaSettings",
  "GET /api/tickets/{id}": "getTicket",
  "PATCH /api/tickets/{id}": "updateTicket",
  "GET /api/tickets/{id}/comments": "listTicketComments",
  "POST /api/tickets/{id}/comments": "createTicketComment",
  "GET /api/tickets/{id}/timeline": "getTicketTimeline",
  "GET /api/sms": "listSms",
  "POST /api/sms": "sendSms",
  "GET /api/sms/status": "getSmsStatus",
  "GET /api/sms/quiet-hours": "getSmsQuietHours",
  "GET /api/sms/templates": "listSmsTemplates",
  "PUT /api/sms/templates/{purpose}": "setSmsTemplate",
  "DELETE /api/sms/templates/{purpose}": "resetSmsTemplate",
  "GET /api/sms/{id}": "getSms",
  "POST /api/sms/{id}/retry": "retrySms",
  "POST /webhooks/twilio/status": "receiveTwilioStatus",
  "POST /webhooks/twilio/inbound": "receiveTwilioMessage",
  "GET /api/dashboard": "getDashboard",
  "GET /api/webhooks": "listWebhooks",
  "POST /api/webhooks": "createWebhook",
  "GET /api/webhooks/{id}": "getWebhook",
  "PATCH /api/webhooks/{id}": "updateWebhook",
  "DELETE /api/webhooks/{id}": "deleteWebhook",
  "POST /api/webhooks/{id}/rotate-secret": "rotateWebhookSecret",
  "GET /api/webhooks/{id}/deliveries": "listWebhookDeliveries",
  "POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver": "redeliverWebhookDelivery",
  "POST /api/webhooks/{id}/test": "sendWebhookTestEvent",
};

const camel = (words: string[]) =>
  words
    .flatMap((word) => word.split(/[^A-Za-z0-9]+/))
    .filter(Boolean)
    .map((word, i) => (i === 0 ? word.toLowerCase() : word[0]?.toUpperCase() + word.slice(1).toLowerCase()))
    .join("");

/**
 * The operationId of a route that neither declares one (`schema.operationId`) nor is in
 * OPERATION_IDS: "GET /api/incidents/{id}" → "getIncidentsById". Unique, but not pretty: name it.
 */
export const fallbackOperationId = (method: string, path: string) => {
  const parts = path.split("/").filter((part) => part && part !== "api");
  const last = parts.at(-1) ?? "";
  const by = last.startsWith("{") ? ["by", last.slice(1, -1)] : [];
  return camel([method, ...parts.filter((part) => !part.startsWith("{")), ...by]);
};

/** The features, in the order a reader meets them. */
export const OPENAPI_TAGS = [
  {
    name: "auth",
    description:
      "Signing in and out (with a second step when two-factor sign-in is set up, or a passkey alone), the session and its CSRF token, one's own second factors, first-run setup.",
  },
  { name: "users", description: "Staff accounts (admins manage them) and one's own profile and password." },
  {
    name: "API tokens",
    description: "Personal API tokens for integrations (Bearer upl_…): managed from a signed-in session only.",
  },
  { name: "customers", description: "Subscribers: search, create, edit, archive and restore, CSV import and export." },
  {
    name: "tickets",
    description: "Trouble tickets: the queue, changes with version checks, comments, timeline and the SLA policy.",
  },
  { name: "sms", description: "The SMS log and outbox, manual texts, templates, and Twilio's signed callbacks." },
  { name: "service plans", description: "The plans customers subscribe to." },
  { name: "network sites", description: "Towers, POPs, OLTs and cabinets customers hang off." },
  { name: "dashboard", description: "Counts and charts for the start page." },
  {
    name: "webhooks",
    description:
      "Outbound Standard Webhooks: endpoints, secrets and the delivery log (admins); the events themselves are under `webhooks`.",
  },
  {
    name: "incidents",
    description: "Outages and planned maintenance on network sites: who they affect, linked tickets, messages.",
  },
  {
    name: "notifications",
    description:
      "Your bell: what you were told (assignments, replies, SLA targets, mentions, incidents, visits) and how.",
  },
  {
    name: "live",
    description:
      "The live event stream (Server-Sent Events) every screen updates from, and presence: who is viewing or editing a ticket or customer.",
  },
  {
    name: "audit",
    description: "The audit log (admins): who did what to which record, when, from where; filters and CSV export.",
  },
  { name: "status page", description: "The public status page: incidents without customer data." },
  {
    name: "integrations",
    description: "Alerts from monitoring (Prometheus Alertmanager, others) that open incidents.",
  },
  {
    name: "backups",
    description:
      "Backups of the whole database while the app runs (admins): gzipped SQL dumps under BACKUP_DIR, listed, taken now and downloaded.",
  },
  { name: "health", description: "Liveness and readiness for load balancers and monitoring." },
];

type Json = Record<string, unknown>;
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Json[];
  requestBody?: { content?: Record<string, Json> };
  responses?: Record<string, Json>;
  security?: Record<string, string[]>[];
};
type Document = {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Json>; responses?: Record<string, Json> };
  tags?: { name: string; description?: string }[];
  webhooks?: Record<string, Json>;
};

const PROBLEM = "application/problem+json";
const problemRef = { $ref: "#/components/schemas/Problem" };

const example = (status: number, code: string, detail: string, extra: Json = {}) => ({
  type: "about:blank",
  title: STATUS_CODES[status],
  status,
  detail,
  code,
  ...extra,
});

const retryAfter = {
  "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer", minimum: 1 } },
};

/** One shared response per error status: when each happens, with an example body. */
const ERROR_RESPONSES: Record<string, { name: string; description: string; example: Json; headers?: Json }> = {
  400: {
    name: "BadRequest",
    description:
      "The request could not be read: a body that is not valid JSON, an address with a broken % escape, or an Idempotency-Key that is not 1–255 printable characters.",
    example: example(400, "request.fst_err_ctp_invalid_json_body", "The request body is not valid JSON."),
  },
  401: {
    name: "Unauthorized",
    description:
      "No valid session (sign in), or an API token that is unknown, revoked, expired or whose owner is deactivated (with WWW-Authenticate).",
    example: example(401, "auth.required", "Sign in to continue: your session is missing or has expired."),
    headers: {
      "WWW-Authenticate": {
        description: "Sent when an API token was refused.",
        schema: { type: "string" },
      },
    },
  },
  403: {
    name: "Forbidden",
    description:
      "The caller may not do this: their role, the API token's scopes (`token.insufficient_scope`), an API token on a session-only route (`token.session_only`), or a missing or wrong X-CSRF-Token on a session's write (`auth.csrf_invalid`).",
    example: example(403, "auth.forbidden", "Only admin accounts can do this."),
  },
  404: {
    name: "NotFound",
    description: "Nothing has that id (or it is not visible to the caller).",
    example: example(404, "ticket.not_found", "Ticket was not found. It may have been removed, or the link is wrong."),
  },
  409: {
    name: "Conflict",
    description:
      "The request conflicts with the current state: a stale `version`, a value that must be unique, a record still in use, or the same Idempotency-Key still in flight.",
    example: example(
      409,
      "idempotency.in_flight",
      "A request with this Idempotency-Key is still being processed. Wait for its answer, then retry.",
    ),
  },
  413: {
    name: "ContentTooLarge",
    description: "The body is larger than the route accepts (1 MiB unless the operation says otherwise).",
    example: example(413, "request.fst_err_ctp_body_too_large", "Request body is too large"),
  },
  415: {
    name: "UnsupportedMediaType",
    description: "The body's Content-Type is not one this operation reads (see its request body).",
    example: example(415, "request.fst_err_ctp_invalid_media_type", "Unsupported Media Type"),
  },
  422: {
    name: "UnprocessableContent",
    description:
      "The request was read but is not acceptable: `errors` lists each field and what is wrong with it (`request.invalid`), or a rule of the API refused it; also an Idempotency-Key reused with another request, and text holding NUL characters.",
    example: example(422, "request.invalid", "Some fields need attention: subject: Subject is required", {
      errors: [{ field: "subject", message: "Subject is required" }],
    }),
  },
  429: {
    name: "TooManyRequests",
    description:
      "Too many requests: an API token over its per-minute limit, or too many sign-in attempts. Retry-After says when to try again.",
    example: example(
      429,
      "token.rate_limited",
      "This API token made more than 600 requests this minute. Try again in 12 seconds.",
      { retryAfterSeconds: 12 },
    ),
    headers: {
      ...retryAfter,
      RateLimit: {
        description: 'Requests left in the window of an API token (IETF draft): `"token";r=0;t=12`.',
        schema: { type: "string" },
      },
    },
  },
  503: {
    name: "ServiceUnavailable",
    description: "The database is not reachable right now; retry after Retry-After seconds.",
    example: example(
      503,
      "service.database_unavailable",
      "The database is not reachable right now. Try again in a few seconds.",
    ),
    headers: retryAfter,
  },
};

const SAFE = new Set(["get", "head", "options"]);

/** The error statuses an operation can answer, from what the guard, parsers and hooks do. */
function derivedErrorStatuses(method: string, path: string, operation: Operation, facts: RouteFacts | undefined) {
  const statuses = new Set<number>();
  const api = path.startsWith("/api/");
  const hasParams = path.includes("{");
  const hasBody = operation.requestBody !== undefined;
  // Every route's input passes the NUL / broken-character check (app.ts), query strings included.
  statuses.add(422);
  // A body that is not valid JSON (or empty with a JSON Content-Type); a path segment with a broken escape.
  if ((!SAFE.has(method) && !path.startsWith("/webhooks/")) || hasParams) statuses.add(400);
  if (hasParams) statuses.add(404);
  if (hasBody) {
    statuses.add(413);
    statuses.add(415);
  }
  // Even /healthz: with a session cookie, the guard looks the session up in the database.
  statuses.add(503);
  if (path.startsWith("/webhooks/twilio/")) statuses.add(403);
  if (api) {
    // Any Authorization: Bearer is checked, even on public routes, and counted against its limit.
    statuses.add(401);
    statuses.add(429);
    const publicRead = facts?.access === "public" && SAFE.has(method) && facts.bearerNeeds !== "session";
    if (!publicRead) statuses.add(403);
  }
  if (facts?.idempotency) {
    statuses.add(400);
    statuses.add(409);
  }
  return statuses;
}

/** Who may call an operation and how, as the guard enforces it. */
function securityOf(method: string, path: string, facts: RouteFacts | undefined): Record<string, string[]>[] {
  if (path.startsWith("/webhooks/twilio/")) return [{ twilioSignature: [] }];
  if (!facts || facts.access === "public") {
    // Public, but these two read the session when there is one.
    if (path === "/api/auth/me") return [{ session: [] }];
    if (path === "/api/auth/logout") return [{}, { session: [], csrf: [] }];
    return [];
  }
  const session: Record<string, string[]> = SAFE.has(method) ? { session: [] } : { session: [], csrf: [] };
  if (facts.bearerNeeds === "session") return [session];
  // The scope a token needs is in the description: Spectral (like OpenAPI 3.0) allows scope
  // names in a requirement only for OAuth2 and OpenID Connect schemes.
  return [session, { bearer: [] }];
}

const ROLE_WORDS: Record<string, string> = { admin: "admins", agent: "office agents", technician: "technicians" };

function accessText(method: string, path: string, facts: RouteFacts | undefined): string {
  if (path.startsWith("/webhooks/twilio/"))
    return "Called by Twilio: a form post (application/x-www-form-urlencoded, at most 64 KiB) signed with X-Twilio-Signature; anything unsigned gets 403 and changes nothing. Answers empty TwiML.";
  if (!facts || facts.access === "public") {
    if (path === "/api/auth/me") return "Needs the session cookie; without one, 401.";
    return "Public: no sign-in needed.";
  }
  const who =
    facts.access === "user"
      ? "Any signed-in staff member."
      : `Only ${facts.access.map((role) => ROLE_WORDS[role] ?? role).join(" and ")}.`;
  const session = SAFE.has(method)
    ? "With a session: the cookie."
    : "With a session: the cookie and the X-CSRF-Token header.";
  const token =
    facts.bearerNeeds === "session"
      ? "API tokens are refused (403 token.session_only): this needs a signed-in session."
      : `With an API token: \`Authorization: Bearer upl_…\` with the \`${facts.bearerNeeds}\` scope, no cookie or CSRF header.`;
  const idempotency = facts.idempotency
    ? " Honours Idempotency-Key: the same key and body within 24 h answer the first response again (Idempotent-Replayed: true) without a second effect."
    : "";
  const limit = facts.bodyLimit
    ? ` Bodies up to ${Math.round(facts.bodyLimit / 1_048_576)} MiB (larger ones get 413).`
    : "";
  return `${who} ${session} ${token}${idempotency}${limit}`;
}

const STYLE_NOTE = "A comma-separated list (`a,b`); repeating the parameter (`?x=a&x=b`) is read the same way.";

/** Rewrites the generated document to say what the server really does (see the file comment). */
export function describeOperations(doc: Document, facts: ReadonlyMap<string, RouteFacts>): Document {
  doc.components ??= {};
  const components = doc.components;
  components.schemas ??= {};
  const schemas = components.schemas;
  components.responses = {};
  for (const response of Object.values(ERROR_RESPONSES)) {
    components.responses[response.name] = {
      description: response.description,
      ...(response.headers ? { headers: response.headers } : {}),
      content: { [PROBLEM]: { schema: problemRef, example: response.example } },
    };
  }
  describeProblemSchema(schemas);

  // A copy: the options' list (OPENAPI_TAGS) stays as declared.
  const tags = [...(doc.tags ?? [])];
  doc.tags = tags;
  const knownTags = new Set(tags.map((tag) => tag.name));
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      const upper = method.toUpperCase();
      const routeFacts = facts.get(`${upper} ${path}`);
      // A route may name itself (schema.operationId); else the table, else a name from its path.
      operation.operationId ??= OPERATION_IDS[`${upper} ${path}`] ?? fallbackOperationId(upper, path);
      // A route with its own scheme (a monitor's shared secret) declares schema.security itself.
      operation.security ??= securityOf(method, path, routeFacts);
      const access = accessText(method, path, routeFacts);
      operation.description = operation.description ? `${operation.description}\n\n${access}` : access;
      for (const tag of operation.tags ?? []) {
        if (!knownTags.has(tag)) {
          knownTags.add(tag);
          tags.push({ name: tag });
        }
      }
      describeParameters(operation, routeFacts);
      describeBodies(path, operation);
      describeErrors(method, path, operation, routeFacts);
    }
  }
  doc.webhooks = webhookEvents(doc, schemas);
  pruneUnusedSchemas(doc);
  return doc;
}

function describeProblemSchema(schemas: Record<string, Json>) {
  const problem = schemas.Problem as { properties?: Record<string, Json>; description?: string } | undefined;
  if (!problem?.properties) return;
  problem.description =
    "RFC 9457 problem details (application/problem+json), with a stable dotted `code` and, for field errors, `errors`. Some problems carry more members (a 409's `current` resource, a 429's `retryAfterSeconds`, a 403's `requiredScope`).";
  const notes: Record<string, string> = {
    type: "Always `about:blank`: the status and `code` say what happened.",
    title: "The HTTP status's reason phrase.",
    status: "The HTTP status code.",
    detail: "What went wrong, in a sentence a person can act on.",
    code: "Stable machine-readable code, dotted by feature (`ticket.not_found`, `request.invalid`).",
    errors: "For field errors: each field (dotted path, `(request)` for the whole body) and its message.",
    instance:
      "This request's id as `urn:uplink:request:<id>` (also in the X-Request-Id header): the server's log lines of the request carry it as `reqId`.",
  };
  for (const [name, note] of Object.entries(notes)) {
    const property = problem.properties[name];
    if (property) property.description = note;
  }
}

function describeParameters(operation: Operation, facts: RouteFacts | undefined) {
  operation.parameters ??= [];
  const parameters = operation.parameters;
  for (const parameter of parameters) {
    const schema = parameter.schema as { type?: unknown } | undefined;
    if (parameter.in === "query" && schema?.type === "array") {
      parameter.style = "form";
      parameter.explode = false;
      parameter.description = parameter.description ? `${parameter.description} ${STYLE_NOTE}` : STYLE_NOTE;
    }
  }
  if (facts?.idempotency) {
    parameters.push({
      in: "header",
      name: "Idempotency-Key",
      required: false,
      description:
        "1–255 printable ASCII characters, unique per intended change (a UUID): a retry with the same key and body gets the first answer again; another body with it gets 422; while the first is in flight, 409.",
      schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7e]+$" },
    });
  }
  if (parameters.length === 0) delete operation.parameters;
}

function describeBodies(path: string, operation: Operation) {
  operation.responses ??= {};
  const responses = operation.responses;
  if (path.startsWith("/webhooks/twilio/")) {
    // Only form bodies are parsed there (sms.webhooks.ts); a JSON body gets 415.
    const content = operation.requestBody?.content;
    if (content?.["application/json"]) {
      content["application/x-www-form-urlencoded"] = content["application/json"];
      delete content["application/json"];
    }
    responses["200"] = {
      description: "Accepted: empty TwiML (no reply message).",
      content: {
        "text/xml": {
          schema: { type: "string" },
          example: '<?xml version="1.0" encoding="UTF-8"?><Response/>',
        },
      },
    };
  }
  if (path === "/api/events") {
    responses["200"] = {
      description:
        "Server-Sent Events, open until the client leaves, its session ends or its token is revoked: `ready` first, then `ticket`, `incident`, `customer`, `sms`, `notification` and `presence` events, each a JSON `data:` line (docs/live.md). Timeline events are followed by their `id:` (send it back as Last-Event-ID to resume); heartbeats are comment lines.",
      content: {
        "text/event-stream": {
          schema: { type: "string" },
          example:
            'retry: 2000\nid: v2.1834.12.9051.40\nevent: ready\ndata: {"streamId":"x1Yb.Qm3","replayed":0,"reset":true,"heartbeatMs":20000}\n\n',
        },
      },
    };
  }
  if (path.endsWith(".csv")) {
    responses["200"] = {
      description: "The rows as CSV (UTF-8, a header line first), as an attachment.",
      headers: { "Content-Disposition": { schema: { type: "string" }, description: "attachment; filename=…" } },
      content: { "text/csv": { schema: { type: "string" } } },
    };
  }
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 400 && response.description === "Default Response") {
      response.description = Number(status) === 204 ? "Done; no body." : "Success.";
    }
  }
}

function describeErrors(method: string, path: string, operation: Operation, facts: RouteFacts | undefined) {
  operation.responses ??= {};
  const responses = operation.responses;
  const statuses = derivedErrorStatuses(method, path, operation, facts);
  for (const status of Object.keys(responses)) {
    // The routes share one list of problem statuses; a read never conflicts, so a bare 409 there is dropped.
    const bare = (responses[status] as { content?: Record<string, { schema?: Json }> }).content?.["application/json"]
      ?.schema?.$ref;
    if (status === "409" && SAFE.has(method) && bare === problemRef.$ref) delete responses[status];
    else if (Number(status) >= 400) statuses.add(Number(status));
  }
  for (const status of statuses) {
    const shared = ERROR_RESPONSES[status];
    const declared = responses[status] as { content?: Record<string, { schema?: Json }> } | undefined;
    const schema = declared?.content?.["application/json"]?.schema;
    if (schema && schema.$ref !== problemRef.$ref) {
      // A route's own error shape (a 409 carrying the current record): keep it, as problem+json.
      responses[status] = {
        description: shared?.description ?? STATUS_CODES[status] ?? "Error",
        content: { [PROBLEM]: { schema } },
      };
    } else if (shared) {
      responses[status] = { $ref: `#/components/responses/${shared.name}` };
    } else {
      responses[status] = {
        description: STATUS_CODES[status] ?? "Error",
        content: { [PROBLEM]: { schema: problemRef } },
      };
    }
  }
  operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

const EVENT_SUMMARIES: Record<string, string> = {
  "ticket.created": "A ticket was opened",
  "ticket.updated": "A ticket's status, priority, assignee, customer, subject, category or description changed",
  "ticket.assigned": "A ticket's assignee changed",
  "ticket.status_changed": "A ticket's status changed",
  "ticket.commented": "A comment or internal note was added to a ticket",
  "customer.created": "A customer was created",
  "customer.updated": "A customer changed",
  "customer.archived": "A customer was archived",
  "customer.restored": "An archived customer was restored",
  "sms.received": "A text arrived from a subscriber",
  "sms.failed": "An outgoing text failed for good",
  "incident.created": "An incident was opened (or scheduled)",
  "incident.updated": "An incident changed: status, times, public message, sites or filter",
  "incident.resolved": "An incident was resolved",
  "visit.scheduled": "A technician's visit was scheduled",
  "visit.updated": "A visit changed: moved, reassigned, on the way, arrived, no access or cancelled",
  "visit.completed": "A visit was completed, with its report and equipment",
  [WEBHOOK_TEST_EVENT]: "An admin sent a test event",
};

/** The Standard Webhooks events Uplink sends (webhooks/, docs/webhooks.md), as OpenAPI 3.1 `webhooks`. */
function webhookEvents(doc: Document, schemas: Record<string, Json>): Record<string, Json> {
  // The SMS log row has no named schema of its own: take GET /api/sms/{id}'s answer.
  const smsSchema = (
    doc.paths?.["/api/sms/{id}"]?.get?.responses?.["200"] as { content?: Record<string, { schema?: Json }> } | undefined
  )?.content?.["application/json"]?.schema;
  if (smsSchema && !schemas.SmsLogEntry) schemas.SmsLogEntry = smsSchema;
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const changes = (required: boolean) => ({
    type: "object",
    properties: {
      changes: {
        type: "object",
        description: "Each changed field: its value before and after.",
        additionalProperties: {
          type: "object",
          properties: { from: {}, to: {} },
          required: ["from", "to"],
        },
      },
    },
    ...(required ? { required: ["changes"] } : {}),
  });
  const dataOf = (type: string): Json => {
    if (type === "ticket.created") return ref("Ticket");
    if (type.startsWith("ticket.") && type !== "ticket.commented") return { allOf: [ref("Ticket"), changes(true)] };
    if (type === "ticket.commented") return ref("TicketComment");
    if (type === "customer.updated") return { allOf: [ref("Customer"), changes(false)] };
    if (type.startsWith("customer.")) return ref("Customer");
    if (type.startsWith("sms.")) return smsSchema ? ref("SmsLogEntry") : { type: "object" };
    if (type === "incident.updated") return { allOf: [ref("Incident"), changes(true)] };
    if (type.startsWith("incident.")) return ref("Incident");
    if (type === "visit.updated") return { allOf: [ref("Visit"), changes(true)] };
    if (type.startsWith("visit.")) return ref("Visit");
    return {
      type: "object",
      properties: { webhookId: { type: "string", format: "uuid" }, message: { type: "string" } },
      required: ["webhookId", "message"],
    };
  };
  const header = (name: string, description: string, pattern: string) => ({
    in: "header",
    name,
    required: true,
    description,
    schema: { type: "string", pattern },
  });
  const events: Record<string, Json> = {};
  for (const type of [...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT]) {
    events[type] = {
      post: {
        operationId: camel(["on", ...type.split(/[._]/)]),
        tags: ["webhooks"],
        summary: EVENT_SUMMARIES[type] ?? type,
        description: `Sent to every enabled endpoint subscribed to \`${type}\`${type === WEBHOOK_TEST_EVENT ? " (only to the endpoint tested)" : ""}, signed per Standard Webhooks 1.0. Deduplicate on webhook-id: retries and redeliveries repeat it. docs/webhooks.md has the details.`,
        security: [],
        parameters: [
          header("webhook-id", "Unique per event (`msg_…`); the same on every retry and redelivery.", "^msg_"),
          header("webhook-timestamp", "Seconds since the epoch when this attempt was made.", "^[0-9]+$"),
          header(
            "webhook-signature",
            '`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the secret; two, space-separated, during a rotation\'s 24 h overlap.',
            "^v1,",
          ),
        ],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  type: { const: type },
                  timestamp: { type: "string", format: "date-time" },
                  data: dataOf(type),
                },
                required: ["type", "timestamp", "data"],
              },
            },
          },
        },
        responses: {
          "2XX": { description: "Received: any 2xx answer (within 10 s) ends the delivery." },
          "410": { description: "Gone: Uplink disables the endpoint and sends it nothing more." },
          default: {
            description:
              "Anything else, or no answer within 10 s, is retried with backoff for at least 24 h; an endpoint failing for 3 days is disabled.",
          },
        },
      },
    };
  }
  return events;
}

/** Drops component schemas nothing refers to (zod's registry lists every named schema, input forms too). */
function pruneUnusedSchemas(doc: Document) {
  const schemas = doc.components?.schemas ?? {};
  const reachable = new Set<string>();
  const pending: unknown[] = [doc.paths, doc.webhooks, doc.components?.responses];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) pending.push(...node);
    else if (node && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (key === "$ref" && typeof value === "string" && value.startsWith("#/components/schemas/")) {
          const name = value.slice("#/components/schemas/".length);
          if (!reachable.has(name)) {
            reachable.add(name);
            pending.push(schemas[name]);
          }
        } else pending.push(value);
      }
    }
  }
  for (const name of Object.keys(schemas)) if (!reachable.has(name)) delete schemas[name];
}
