import type { FastifyReply } from "fastify";
import { z } from "zod";
import { SESSION_COOKIE, ZLogin, ZSessionInfo, ZSetup, ZSetupStatus } from "../../shared/auth.js";
import { ZProblem } from "../../shared/problem.js";
import { ZSecondFactorRequired } from "../../shared/two-factor.js";
import type { Config } from "../config.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { AppError } from "../http/errors.js";
import { setPendingLoginCookie } from "../two-factor/two-factor.cookies.js";
import { sessionInfoOf, signIn, signOut } from "./auth.service.js";
import { ABSOLUTE_TIMEOUT_MS, type SessionUser } from "./sessions.service.js";
import { completeSetup, hasActiveAdmin } from "./setup.service.js";

/** The session cookie, as every sign-in sets it (password, second step, passkey, setup). */
export function setSessionCookie(reply: FastifyReply, config: Pick<Config, "PUBLIC_URL">, token: string) {
  reply.setCookie(SESSION_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: config.PUBLIC_URL?.startsWith("https://") ?? false,
    maxAge: ABSOLUTE_TIMEOUT_MS / 1000,
  });
}

export async function authRoutes(app: App) {
  const { config, database, clock } = app.deps;

  const sessionInfo = (user: SessionUser, csrfToken: string) => sessionInfoOf(app.deps, user, csrfToken);

  app.post(
    "/api/auth/login",
    {
      config: { access: "public", sessionOnly: true },
      schema: {
        tags: ["auth"],
        summary:
          "Sign in; sets the session cookie and returns the CSRF token. With two-factor sign-in set up: 202 and the ways to answer the second step (POST /api/auth/login/second-factor…), no session yet",
        body: ZLogin,
        response: { 200: ZSessionInfo, 202: ZSecondFactorRequired, 401: ZProblem, 429: ZProblem },
      },
    },
    async (request, reply) => {
      const result = await signIn(database.db, clock, request.body, {
        ip: request.ip,
        userAgent: request.headers["user-agent"],
      });
      if (result.kind === "second_factor") {
        // Password right, second factor set up: no session yet; the second step spends this cookie.
        setPendingLoginCookie(reply, config, result.token);
        return reply.code(202).send(result.answer);
      }
      setSessionCookie(reply, config, result.session.token);
      return sessionInfo(result.user, result.session.csrfToken);
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
      setSessionCookie(reply, config, session.token);
      return sessionInfo(user, session.csrfToken);
    },
  );
}
