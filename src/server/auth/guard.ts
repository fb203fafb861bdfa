import type { FastifyReply, FastifyRequest } from "fastify";
import { CSRF_HEADER, SESSION_COOKIE } from "../../shared/auth.js";
import type { UserRole } from "../../shared/enums.js";
import type { Actor } from "../context.js";
import type { App } from "../deps.js";
import { AppError } from "../http/errors.js";
import { type ActiveSession, findSession } from "./sessions.service.js";
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
  }
  interface FastifyRequest {
    session: ActiveSession | null;
  }
  interface FastifyInstance {
    /**
     * Every route's access as the guard enforces it, keyed "METHOD /url": who may call what, in
     * one place, for reviewers and for the attack suite (test/security) that checks each entry.
     */
    routeAccess: ReadonlyMap<string, Access>;
  }
}

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
  app.decorate("routeAccess", routeAccess);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      routeAccess.set(`${method} ${route.url}`, effectiveAccess(route.url, route.config?.access));
    }
  });
  app.addHook("onRequest", async (request: FastifyRequest, _reply: FastifyReply) => {
    const { config: routeConfig } = request.routeOptions;
    // No route matched: the not-found handler answers 404 problem+json.
    const url = request.routeOptions.url;
    if (request.is404 || url === undefined) return;
    const access = effectiveAccess(url, routeConfig?.access);

    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      request.session = (await findSession(app.deps.database.db, app.deps.clock, token)) ?? null;
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
  if (!request.session) throw new AppError(401, "auth.required", "Sign in to continue.");
  return request.session.user;
}

/** The signed-in staff member making this request, as services record them. */
export function actorOf(request: FastifyRequest): Actor {
  return { id: currentUser(request).id, ip: request.ip, sessionId: request.session?.id };
}
