import type { FastifyReply } from "fastify";
import { PENDING_LOGIN_COOKIE } from "../../shared/two-factor.js";
import type { Config } from "../config.js";
import { PENDING_LOGIN_TTL_MS } from "./two-factor.pending.js";

/** The pending sign-in's cookie rides only to the sign-in routes, for a few minutes. */
const PENDING_COOKIE_PATH = "/api/auth/login";

export function setPendingLoginCookie(reply: FastifyReply, config: Pick<Config, "PUBLIC_URL">, token: string) {
  reply.setCookie(PENDING_LOGIN_COOKIE, token, {
    path: PENDING_COOKIE_PATH,
    httpOnly: true,
    // Only this site's own pages may carry on a sign-in it started.
    sameSite: "strict",
    secure: config.PUBLIC_URL?.startsWith("https://") ?? false,
    maxAge: PENDING_LOGIN_TTL_MS / 1000,
  });
}

export function clearPendingLoginCookie(reply: FastifyReply) {
  reply.clearCookie(PENDING_LOGIN_COOKIE, { path: PENDING_COOKIE_PATH });
}
