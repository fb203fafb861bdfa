import { z } from "zod";
import { ZProblem } from "../../shared/problem.js";
import { ZApiTokenList, ZApiTokenListQuery, ZCreateApiToken, ZCreatedApiToken } from "../../shared/tokens.js";
import { actorOf, currentUser } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { createApiToken, listApiTokens, revokeApiToken, type TokenCaller } from "./tokens.service.js";

const ZTokenId = z.object({ id: z.uuid("id must be an API token id (UUID)") });
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 422: ZProblem };

/**
 * Settings → API tokens. Session-only: a token cannot mint, list or revoke tokens, so a leaked
 * token cannot make itself permanent. Every staff member manages their own; admins anyone's.
 * (Session-only routes ignore Idempotency-Key: the create answer holds the secret, never stored.)
 */
const tokenRoute = { sessionOnly: true } as const;

export async function tokensRoutes(app: App) {
  const { database } = app.deps;
  const ctx = serviceContext(app.deps);
  const callerOf = (request: Parameters<typeof actorOf>[0]): TokenCaller => ({
    actor: actorOf(request),
    role: currentUser(request).role,
  });

  app.get(
    "/api/tokens",
    {
      config: tokenRoute,
      schema: {
        tags: ["API tokens"],
        summary: "API tokens: your own; admins everyone's, or one staff member's with ?userId=",
        querystring: ZApiTokenListQuery,
        response: { 200: ZApiTokenList, ...problems },
      },
    },
    async (request) => ({ items: await listApiTokens(database.db, callerOf(request), request.query) }),
  );

  app.post(
    "/api/tokens",
    {
      config: tokenRoute,
      schema: {
        tags: ["API tokens"],
        summary:
          "Create an API token (for yourself; admins for anyone with userId). The answer's `token` is shown this once.",
        body: ZCreateApiToken,
        response: { 201: ZCreatedApiToken, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createApiToken(ctx, callerOf(request), request.body)),
  );

  app.delete(
    "/api/tokens/:id",
    {
      config: tokenRoute,
      schema: {
        tags: ["API tokens"],
        summary: "Revoke an API token: its next request gets 401",
        params: ZTokenId,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await revokeApiToken(ctx, callerOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
