import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { ZSessionInfo } from "../../shared/auth.js";
import { ZProblem } from "../../shared/problem.js";
import {
  PENDING_LOGIN_COOKIE,
  type TwoFactorPolicy,
  ZAddPasskey,
  ZConfirmTotp,
  ZFactorAdded,
  ZPasskeyAdded,
  ZPasskeySignIn,
  ZPasswordConfirmation,
  ZRecoveryCodes,
  ZSecondFactorCode,
  ZTotpSetup,
  ZTwoFactorPolicySetting,
  ZTwoFactorStatus,
  ZUpdateTwoFactorPolicy,
  ZWebAuthnOptions,
} from "../../shared/two-factor.js";
import { setSessionCookie } from "../auth/auth.routes.js";
import { sessionInfoOf } from "../auth/auth.service.js";
import { actorOf, effectiveAccess } from "../auth/guard.js";
import type { SessionUser } from "../auth/sessions.service.js";
import type { Config } from "../config.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { AppError } from "../http/errors.js";
import { clearPendingLoginCookie } from "./two-factor.cookies.js";
import {
  completeSecondStepWithCode,
  completeSecondStepWithPasskey,
  secondStepPasskeyOptions,
  signInWithPasskey,
} from "./two-factor.login.js";
import { passkeyRegistrationOptions, passkeySignInOptions, type RelyingParty } from "./two-factor.passkeys.js";
import { hasSecondFactor, policyCovers, readTwoFactorPolicy, updateTwoFactorPolicy } from "./two-factor.policy.js";
import {
  addPasskey,
  confirmTotp,
  deletePasskey,
  disableTotp,
  regenerateRecoveryCodes,
  resetTwoFactor,
  startTotpSetup,
  twoFactorStatus,
} from "./two-factor.service.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Open to a signed-in person who must set up two-factor sign-in and has not yet (REQUIRE_2FA):
     * the routes of setting it up. Every other signed-in route answers 403 auth.two_factor_required.
     */
    twoFactorEnrolment?: boolean;
  }
}

/**
 * Where passkeys are bound: PUBLIC_URL's host and origin; without it (development), the host the
 * request came to, which the browser checks against the page's own origin anyway.
 */
export function relyingParty(config: Config, request: FastifyRequest): RelyingParty {
  if (config.PUBLIC_URL) {
    const url = new URL(config.PUBLIC_URL);
    return { id: url.hostname, origin: url.origin, name: "Uplink" };
  }
  return { id: request.hostname, origin: `${request.protocol}://${request.host}`, name: "Uplink" };
}

/** How long the policy read for the per-request check is reused: a change on another instance shows within it. */
const POLICY_CACHE_MS = 10_000;

/**
 * Two-factor sign-in: the second step of a sign-in, password-less passkeys, one's own factors, the
 * admins' policy and reset; and the check that sends a person the policy covers to set one up.
 */
export async function registerTwoFactor(app: App) {
  const { database, clock, config } = app.deps;
  let cached: { policy: TwoFactorPolicy; until: number } | undefined;
  const currentPolicy = async () => {
    const now = Date.now();
    if (!cached || cached.until <= now) {
      cached = { policy: (await readTwoFactorPolicy(database.db, config)).policy, until: now + POLICY_CACHE_MS };
    }
    return cached.policy;
  };

  // After the guard's check (registered before): a signed-in person whom the policy covers and who
  // has no second factor may only set one up, read who they are, and sign out.
  app.addHook("onRequest", async (request) => {
    const session = request.session;
    const url = request.routeOptions.url;
    if (!session || url === undefined || !url.startsWith("/api/") || url.startsWith("/api/docs")) return;
    const routeConfig = request.routeOptions.config;
    if (effectiveAccess(url, routeConfig?.access) === "public" || routeConfig?.twoFactorEnrolment) return;
    if (!policyCovers(await currentPolicy(), session.user.role)) return;
    if (await hasSecondFactor(database.db, session.user.id)) return;
    throw new AppError(
      403,
      "auth.two_factor_required",
      "Two-factor sign-in is required for your account: set up an authenticator app or a passkey (Profile → Two-factor sign-in) to continue.",
    );
  });

  await app.register(async (routes: App) => {
    const ctx = serviceContext(app.deps);
    const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };
    const signInProblems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 422: ZProblem, 429: ZProblem };
    const signedIn = (reply: FastifyReply, user: SessionUser, session: { token: string; csrfToken: string }) => {
      clearPendingLoginCookie(reply);
      setSessionCookie(reply, config, session.token);
      return sessionInfoOf(app.deps, user, session.csrfToken);
    };
    const meta = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers["user-agent"] });

    // --- The second step of a sign-in (after POST /api/auth/login answered 202) ---

    routes.post(
      "/api/auth/login/second-factor",
      {
        config: { access: "public", sessionOnly: true },
        schema: {
          tags: ["auth"],
          operationId: "completeSignInWithCode",
          summary:
            "The second step of a sign-in: a code from the authenticator app (`totp`) or a recovery code (`recovery_code`, spent). Needs the pending sign-in cookie the password step set; wrong codes count toward the sign-in limit",
          body: ZSecondFactorCode,
          response: { 200: ZSessionInfo, ...signInProblems },
        },
      },
      async (request, reply) => {
        const { user, session } = await completeSecondStepWithCode(
          database.db,
          clock,
          request.cookies[PENDING_LOGIN_COOKIE],
          request.body,
          meta(request),
        );
        return signedIn(reply, user, session);
      },
    );

    routes.post(
      "/api/auth/login/second-factor/passkey-options",
      {
        config: { access: "public", sessionOnly: true },
        schema: {
          tags: ["auth"],
          operationId: "startSecondFactorPasskey",
          summary:
            "The second step with a passkey: the WebAuthn request options (a single-use challenge, the person's passkeys) for navigator.credentials.get()",
          response: { 200: ZWebAuthnOptions, ...signInProblems },
        },
      },
      async (request) =>
        secondStepPasskeyOptions(
          database.db,
          clock,
          relyingParty(config, request),
          request.cookies[PENDING_LOGIN_COOKIE],
        ),
    );

    routes.post(
      "/api/auth/login/second-factor/passkey",
      {
        config: { access: "public", sessionOnly: true },
        schema: {
          tags: ["auth"],
          operationId: "completeSignInWithPasskey",
          summary: "The second step with a passkey: the browser's signed answer to the challenge",
          body: ZPasskeySignIn,
          response: { 200: ZSessionInfo, ...signInProblems },
        },
      },
      async (request, reply) => {
        const { user, session } = await completeSecondStepWithPasskey(
          database.db,
          clock,
          relyingParty(config, request),
          request.cookies[PENDING_LOGIN_COOKIE],
          request.body.response,
          meta(request),
        );
        return signedIn(reply, user, session);
      },
    );

    routes.post(
      "/api/auth/login/passkey-options",
      {
        config: { access: "public", sessionOnly: true },
        schema: {
          tags: ["auth"],
          operationId: "startPasskeySignIn",
          summary:
            "Password-less sign-in with a passkey: WebAuthn request options (a single-use challenge; the browser offers the passkeys it holds for this site)",
          response: { 200: ZWebAuthnOptions, ...signInProblems },
        },
      },
      async (request) => passkeySignInOptions(database.db, clock, relyingParty(config, request), null),
    );

    routes.post(
      "/api/auth/login/passkey",
      {
        config: { access: "public", sessionOnly: true },
        schema: {
          tags: ["auth"],
          operationId: "signInWithPasskey",
          summary:
            "Password-less sign-in: a passkey's signed answer (the authenticator verified the person: PIN or biometrics) makes a session",
          body: ZPasskeySignIn,
          response: { 200: ZSessionInfo, ...signInProblems },
        },
      },
      async (request, reply) => {
        const { user, session } = await signInWithPasskey(
          database.db,
          clock,
          relyingParty(config, request),
          request.body.response,
          meta(request),
        );
        return signedIn(reply, user, session);
      },
    );

    // --- One's own second factors (Profile → Two-factor sign-in) ---

    routes.get(
      "/api/auth/two-factor",
      {
        config: { sessionOnly: true, twoFactorEnrolment: true },
        schema: {
          tags: ["auth"],
          operationId: "getTwoFactorStatus",
          summary:
            "Your second factors: the authenticator app, passkeys, recovery codes left, and whether the policy requires one",
          response: { 200: ZTwoFactorStatus, ...problems },
        },
      },
      async (request) => twoFactorStatus(ctx, actorOf(request)),
    );

    routes.post(
      "/api/auth/two-factor/totp",
      {
        config: { sessionOnly: true, twoFactorEnrolment: true },
        schema: {
          tags: ["auth"],
          operationId: "startTotpSetup",
          summary: "Set up an authenticator app: a new secret (QR code and text), in use once a first code confirms it",
          response: { 200: ZTotpSetup, ...problems },
        },
      },
      async (request) => startTotpSetup(ctx, actorOf(request)),
    );

    routes.post(
      "/api/auth/two-factor/totp/confirm",
      {
        config: { sessionOnly: true, twoFactorEnrolment: true },
        schema: {
          tags: ["auth"],
          operationId: "confirmTotp",
          summary:
            "Confirm the authenticator app with its current code; with it the first second factor, the answer holds the 10 recovery codes (shown this once)",
          body: ZConfirmTotp,
          response: { 200: ZFactorAdded, ...problems },
        },
      },
      async (request) => confirmTotp(ctx, actorOf(request), request.body.code),
    );

    routes.delete(
      "/api/auth/two-factor/totp",
      {
        config: { sessionOnly: true },
        schema: {
          tags: ["auth"],
          operationId: "disableTotp",
          summary:
            "Remove the authenticator app (your password again); with no second factor left, the recovery codes go too",
          body: ZPasswordConfirmation,
          response: { 204: z.null(), ...problems },
        },
      },
      async (request, reply) => {
        await disableTotp(ctx, actorOf(request), request.body);
        return reply.code(204).send(null);
      },
    );

    routes.post(
      "/api/auth/two-factor/recovery-codes",
      {
        config: { sessionOnly: true },
        schema: {
          tags: ["auth"],
          operationId: "regenerateRecoveryCodes",
          summary: "Ten new recovery codes (your password again), shown this once; the old ones stop working",
          body: ZPasswordConfirmation,
          response: { 200: ZRecoveryCodes, ...problems },
        },
      },
      async (request) => regenerateRecoveryCodes(ctx, actorOf(request), request.body),
    );

    routes.post(
      "/api/auth/two-factor/passkeys/options",
      {
        config: { sessionOnly: true, twoFactorEnrolment: true },
        schema: {
          tags: ["auth"],
          operationId: "startPasskeyRegistration",
          summary:
            "Add a passkey: the WebAuthn creation options (a single-use challenge) for navigator.credentials.create()",
          response: { 200: ZWebAuthnOptions, ...problems },
        },
      },
      async (request) => {
        const user = request.session?.user;
        if (!user) throw new AppError(401, "auth.required", "Sign in to continue.");
        return passkeyRegistrationOptions(database.db, clock, relyingParty(config, request), user);
      },
    );

    routes.post(
      "/api/auth/two-factor/passkeys",
      {
        config: { sessionOnly: true, twoFactorEnrolment: true },
        schema: {
          tags: ["auth"],
          operationId: "addPasskey",
          summary:
            "Add a passkey: its name and the browser's answer; with it the first second factor, the answer holds the 10 recovery codes (shown this once)",
          body: ZAddPasskey,
          response: { 201: ZPasskeyAdded, ...problems },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await addPasskey(ctx, actorOf(request), relyingParty(config, request), request.body)),
    );

    routes.delete(
      "/api/auth/two-factor/passkeys/:id",
      {
        config: { sessionOnly: true },
        schema: {
          tags: ["auth"],
          operationId: "deletePasskey",
          summary: "Remove one of your passkeys (your password again)",
          params: z.object({ id: z.uuid("id must be a passkey id (UUID)") }),
          body: ZPasswordConfirmation,
          response: { 204: z.null(), ...problems },
        },
      },
      async (request, reply) => {
        await deletePasskey(ctx, actorOf(request), request.params.id, request.body);
        return reply.code(204).send(null);
      },
    );

    // --- Admins: the policy, and resetting a staff member's second factor ---

    routes.get(
      "/api/auth/two-factor/policy",
      {
        config: { access: ["admin"], sessionOnly: true },
        schema: {
          tags: ["auth"],
          operationId: "getTwoFactorPolicy",
          summary: "Who must use two-factor sign-in (off, admins, all), and whether REQUIRE_2FA decides it (admins)",
          response: { 200: ZTwoFactorPolicySetting, ...problems },
        },
      },
      async () => readTwoFactorPolicy(database.db, config),
    );

    routes.put(
      "/api/auth/two-factor/policy",
      {
        config: { access: ["admin"], sessionOnly: true },
        schema: {
          tags: ["auth"],
          operationId: "setTwoFactorPolicy",
          summary:
            "Require two-factor sign-in for nobody, admins or everyone (admins); those covered without one set it up at their next request. 409 while REQUIRE_2FA decides",
          body: ZUpdateTwoFactorPolicy,
          response: { 200: ZTwoFactorPolicySetting, ...problems },
        },
      },
      async (request) => {
        const setting = await updateTwoFactorPolicy(ctx, actorOf(request), request.body.policy);
        cached = undefined;
        return setting;
      },
    );

    routes.post(
      "/api/users/:id/two-factor/reset",
      {
        config: { access: ["admin"], sessionOnly: true },
        schema: {
          tags: ["users"],
          operationId: "resetTwoFactor",
          summary:
            "Reset a staff member's second factor (a lost phone): removes their authenticator app, passkeys and recovery codes and signs them out everywhere (admins; audited)",
          params: z.object({ id: z.uuid("id must be a user id (UUID)") }),
          response: { 204: z.null(), ...problems },
        },
      },
      async (request, reply) => {
        await resetTwoFactor(ctx, actorOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  });
}
