import type { FastifyReply, FastifyRequest } from "fastify";
import { CSRF_HEADER, SESSION_COOKIE } from "../../shared/auth.js";
import type { UserRole } from "../../shared/enums.js";
import type { TokenScope } from "../../shared/tokens.js";
import type { Actor } from "../context.js";
import type { App } from "../deps.js";
import { AppError } from "../http/errors.js";
import { type AuthenticatedToken, countTokenRequest, findApiToken, RATE_WINDOW_MS } from "../tokens/tokens.service.js";
import { type ActiveSession, findSession, invalidatesSessions, SessionCache } from "./sessions.service.js";
import { safeEqual } from "./tokens.js";

/**
 * Who may call a route: `public` (anyone; still CSRF-checked when it rides on a session),
 * `user` (any signed-in staff), or a list of roles. Routes under /api default to `user`, so a
 * route that forgets to say is closed, not open.
 */
export type Access = "public" | "user" | readonly UserRole[];

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
    /**
     * Only a signed-in browser session may call this route, never an API token (sign-in and out,
     * setup, one's own password, creating and listing tokens): 403 `token.session_only`.
     */
    sessionOnly?: boolean;
  }
  interface FastifyRequest {
    session: ActiveSession | null;
    /** The API token of a request that came with `Authorization: Bearer upl_…` (then `session` is null). */
    apiToken: AuthenticatedToken | null;
  }
  interface FastifyInstance {
    /**
     * Every route's access as the guard enforces it, keyed "METHOD /url": who may call what, in
     * one place, for reviewers and for the attack suite (test/security) that checks each entry.
     */
    routeAccess: ReadonlyMap<string, Access>;
    /** Per route ("METHOD /url"), what an API token needs: a scope, nothing (public), or "session" (refused). */
    routeTokenAccess: ReadonlyMap<string, TokenAccess>;
    /** Sessions this instance read in the last few seconds (sessions.service.ts: SessionCache). */
    sessionCache: SessionCache;
  }
}

/** What an API token needs to call a route. */
export type TokenAccess = TokenScope | "any" | "session";

/**
 * `admin` for admin-only routes, `read` for GET and HEAD, `write` for the rest; public routes take
 * any valid token; session-only routes none.
 */
export function tokenAccessFor(method: string, access: Access, sessionOnly: boolean | undefined): TokenAccess {
  if (sessionOnly) return "session";
  if (access === "public") return "any";
  if (access !== "user" && access.every((role) => role === "admin")) return "admin";
  return SAFE_METHODS.has(method) ? "read" : "write";
}

const invalidToken = (detail: string) =>
  new AppError(
    401,
    "token.invalid",
    detail,
    {},
    { "www-authenticate": 'Bearer realm="uplink", error="invalid_token"' },
  );

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Sign-in starts a new session; a stale cookie must not block it. */
const CSRF_EXEMPT = new Set(["/api/auth/login"]);

/** What a route declared, else the default: `user` under /api (closed), `public` elsewhere. */
export function effectiveAccess(url: string, declared: Access | undefined): Access {
  return declared ?? (url.startsWith("/api") && !url.startsWith("/api/docs") ? "user" : "public");
}

export function registerGuard(app: App): void {
  app.decorateRequest("session", null);
  const routeAccess = new Map<string, Access>();
  app.decorateRequest("apiToken", null);
  app.decorate("routeAccess", routeAccess);
  const routeTokenAccess = new Map<string, TokenAccess>();
  app.decorate("routeTokenAccess", routeTokenAccess);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      const access = effectiveAccess(route.url, route.config?.access);
      routeAccess.set(`${method} ${route.url}`, access);
      routeTokenAccess.set(`${method} ${route.url}`, tokenAccessFor(method, access, route.config?.sessionOnly));
    }
  });
  const rateLimit = app.deps.config.API_TOKEN_RATE_LIMIT;
  // Sessions are reused for a few seconds; a session ended or a user changed on any instance
  // empties the cache on commit (NOTIFY on the live channel), and on this one at once.
  const sessionCache = new SessionCache();
  app.decorate("sessionCache", sessionCache);
  app.cacheInvalidation.add({
    onNotify: (payload) => {
      if (invalidatesSessions(payload)) sessionCache.clear();
    },
    // While the LISTEN connection is down, changes elsewhere could be missed: start afresh.
    onConnected: () => sessionCache.clear(),
  });
  app.addHook("onClose", async () => {
    sessionCache.close();
  });
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const { config: routeConfig } = request.routeOptions;
    // No route matched: the not-found handler answers 404 problem+json.
    const url = request.routeOptions.url;
    if (request.is404 || url === undefined) return;
    const access = effectiveAccess(url, routeConfig?.access);

    // An API token: the whole request rides on it, cookies are ignored (so no CSRF check: a
    // cross-site form or link cannot set an Authorization header).
    const bearer = /^Bearer(?: +(.*))?$/i.exec(request.headers.authorization ?? "");
    if (bearer && url.startsWith("/api") && !url.startsWith("/api/docs")) {
      const secret = bearer[1]?.trim() ?? "";
      const now = app.deps.clock.now();
      const apiToken = /^upl_[0-9A-Za-z]{43}$/.test(secret)
        ? await findApiToken(app.deps.database.db, now, secret)
        : undefined;
      if (!apiToken) {
        throw invalidToken("The API token is unknown, revoked or expired, or its owner's account is deactivated.");
      }
      const { count, windowStart } = await countTokenRequest(app.deps.database.db, now, apiToken.id, request.ip);
      const resetSeconds = Math.max(1, Math.ceil((windowStart.getTime() + RATE_WINDOW_MS - now.getTime()) / 1000));
      const rateHeaders = {
        "ratelimit-policy": `"token";q=${rateLimit};w=${RATE_WINDOW_MS / 1000}`,
        ratelimit: `"token";r=${Math.max(0, rateLimit - count)};t=${resetSeconds}`,
      };
      reply.headers(rateHeaders);
      if (count > rateLimit) {
        throw new AppError(
          429,
          "token.rate_limited",
          `This API token made more than ${rateLimit} requests this minute. Try again in ${resetSeconds} seconds.`,
          { retryAfterSeconds: resetSeconds },
          { ...rateHeaders, "retry-after": String(resetSeconds) },
        );
      }
      const needs = tokenAccessFor(request.method, access, routeConfig?.sessionOnly);
      if (needs === "session") {
        throw new AppError(
          403,
          "token.session_only",
          "API tokens cannot be used here: sign in to Uplink in a browser to do this (tokens, passwords and sign-in need a session).",
        );
      }
      if (needs !== "any" && !apiToken.scopes.includes(needs)) {
        throw new AppError(
          403,
          "token.insufficient_scope",
          `This API token lacks the "${needs}" scope this request needs (it has: ${apiToken.scopes.join(", ")}).`,
          { requiredScope: needs },
          { "www-authenticate": `Bearer realm="uplink", error="insufficient_scope", scope="${needs}"` },
        );
      }
      request.apiToken = apiToken;
      if (access !== "public" && access !== "user" && !access.includes(apiToken.user.role)) {
        throw new AppError(403, "auth.forbidden", `Only ${access.join(" or ")} accounts can do this.`);
      }
      return;
    }

    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      request.session = (await findSession(app.deps.database.db, app.deps.clock, token, sessionCache)) ?? null;
    }

    if (request.session && !SAFE_METHODS.has(request.method) && url.startsWith("/api") && !CSRF_EXEMPT.has(url)) {
      const header = request.headers[CSRF_HEADER];
      if (typeof header !== "string" || !safeEqual(header, request.session.csrfToken)) {
        throw new AppError(
          403,
          "auth.csrf_invalid",
          "This request is missing its CSRF token or the token is wrong. Reload the page and try again.",
        );
      }
    }

    if (access === "public") return;
    if (!request.session) {
      throw new AppError(401, "auth.required", "Sign in to continue: your session is missing or has expired.");
    }
    if (access !== "user" && !access.includes(request.session.user.role)) {
      throw new AppError(403, "auth.forbidden", `Only ${access.join(" or ")} accounts can do this.`);
    }
  });
}

/** The signed-in user of a route whose access is not `public`. */
export function currentUser(request: FastifyRequest) {
  if (request.apiToken) return request.apiToken.user;
  if (!request.session) throw new AppError(401, "auth.required", "Sign in to continue.");
  return request.session.user;
}

/** The signed-in staff member making this request, as services record them. */
export function actorOf(request: FastifyRequest): Actor {
  const user = currentUser(request);
  return {
    id: user.id,
    name: user.name,
    ip: request.ip,
    sessionId: request.session?.id,
    tokenId: request.apiToken?.id,
  };
}
