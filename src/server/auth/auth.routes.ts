import type { FastifyReply } from "fastify";
import { z } from "zod";
import { SESSION_COOKIE, ZLogin, ZSessionInfo, ZSetup, ZSetupStatus } from "../../shared/auth.js";
import { ZProblem } from "../../shared/problem.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { AppError } from "../http/errors.js";
import { sessionInfoOf, signIn, signOut } from "./auth.service.js";
import { ABSOLUTE_TIMEOUT_MS, type SessionUser } from "./sessions.service.js";
import { completeSetup, hasActiveAdmin } from "./setup.service.js";

export async function authRoutes(app: App) {
  const { config, database, clock } = app.deps;
  const secureCookie = config.PUBLIC_URL?.startsWith("https://") ?? false;

  const setSessionCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: secureCookie,
      maxAge: ABSOLUTE_TIMEOUT_MS / 1000,
    });

  const sessionInfo = (user: SessionUser, csrfToken: string) => sessionInfoOf(app.deps, user, csrfToken);

  app.post(
    "/api/auth/login",
    {
      config: { access: "public", sessionOnly: true },
      schema: {
        tags: ["auth"],
        summary: "Sign in; sets the session cookie and returns the CSRF token",
        body: ZLogin,
        response: { 200: ZSessionInfo, 401: ZProblem, 429: ZProblem },
      },
    },
    async (request, reply) => {
      const { user, session } = await signIn(database.db, clock, request.body, {
        ip: request.ip,
        userAgent: request.headers["user-agent"],
      });
      setSessionCookie(reply, session.token);
      return sessionInfo(user, session.csrfToken);
    },
  );

  app.post(
    "/api/auth/logout",
    {
      config: { access: "public", sessionOnly: true },
      schema: { tags: ["auth"], summary: "Sign out: ends the session", response: { 204: z.null() } },
    },
    async (request, reply) => {
      if (request.session) {
        await signOut(database.db, request.session.id, request.session.user.id, { ip: request.ip });
      }
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/auth/me",
    {
      config: { access: "public", sessionOnly: true },
      schema: {
        tags: ["auth"],
        summary: "The signed-in user and the CSRF token, or 401",
        response: { 200: ZSessionInfo, 401: ZProblem },
      },
    },
    async (request) => {
      if (!request.session) {
        throw new AppError(401, "auth.required", "Sign in to continue: your session is missing or has expired.");
      }
      return sessionInfo(request.session.user, request.session.csrfToken);
    },
  );

  app.get(
    "/api/setup",
    {
      config: { access: "public", sessionOnly: true },
      schema: {
        tags: ["auth"],
        summary: "Whether first-run setup is still needed (no active admin yet): the sign-in page says so",
        response: { 200: ZSetupStatus },
      },
    },
    async () => ({ needed: !(await hasActiveAdmin(database.db)) }),
  );

  app.post(
    "/api/setup",
    {
      config: { access: "public", sessionOnly: true },
      schema: {
        tags: ["auth"],
        summary:
          "First-run setup: creates the first admin with the one-time token from the server log, and signs them in",
        body: ZSetup,
        response: { 200: ZSessionInfo, 403: ZProblem, 409: ZProblem, 422: ZProblem, 429: ZProblem },
      },
    },
    async (request, reply) => {
      const { user, session } = await completeSetup(serviceContext(app.deps), request.body, {
        ip: request.ip,
        userAgent: request.headers["user-agent"],
      });
      setSessionCookie(reply, session.token);
      return sessionInfo(user, session.csrfToken);
    },
  );
}
