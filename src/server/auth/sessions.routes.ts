import { z } from "zod";
import { ZProblem } from "../../shared/problem.js";
import { ZEndedSessions, ZSessionPublicId, ZStaffSessionList } from "../../shared/sessions.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { actorOf, currentUser } from "./guard.js";
import { endOtherUserSessions, endUserSession, listUserSessions } from "./sessions.manage.js";

const ZUserId = z.object({ id: z.uuid("id must be a user id (UUID)") });
const ZUserSessionId = z.object({
  id: z.uuid("id must be a user id (UUID)"),
  sessionId: ZSessionPublicId.shape.id,
});
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem };

/**
 * Where one is signed in (Profile) and, for admins, where any staff member is (Settings → Staff).
 * Session only: an API token can neither see nor end sessions, so a leaked token cannot sign its
 * owner out to hide what it does.
 */
const own = { sessionOnly: true } as const;
const admins = { sessionOnly: true, access: ["admin"] } as const;

export async function sessionsRoutes(app: App) {
  const ctx = serviceContext(app.deps);

  app.get(
    "/api/auth/sessions",
    {
      config: own,
      schema: {
        tags: ["auth"],
        operationId: "listOwnSessions",
        summary: "Where you're signed in: your live sessions, the current one marked, most recently used first",
        response: { 200: ZStaffSessionList, ...problems },
      },
    },
    async (request) => {
      const user = currentUser(request);
      return { items: await listUserSessions(ctx, user.id, request.session?.id) };
    },
  );

  app.delete(
    "/api/auth/sessions/:id",
    {
      config: own,
      schema: {
        tags: ["auth"],
        operationId: "endOwnSession",
        summary: "End one of your sessions: its next request gets 401 and its live stream closes",
        params: ZSessionPublicId,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await endUserSession(ctx, actorOf(request), currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/auth/sessions/end-others",
    {
      config: own,
      schema: {
        tags: ["auth"],
        operationId: "endOtherOwnSessions",
        summary: "Sign out all your other sessions; this one stays",
        response: { 200: ZEndedSessions, ...problems },
      },
    },
    async (request) => ({ ended: await endOtherUserSessions(ctx, actorOf(request), currentUser(request).id) }),
  );

  app.get(
    "/api/users/:id/sessions",
    {
      config: admins,
      schema: {
        tags: ["users"],
        operationId: "listUserSessions",
        summary: "Where a staff member is signed in (admins)",
        params: ZUserId,
        response: { 200: ZStaffSessionList, ...problems },
      },
    },
    async (request) => ({ items: await listUserSessions(ctx, request.params.id, request.session?.id) }),
  );

  app.delete(
    "/api/users/:id/sessions",
    {
      config: admins,
      schema: {
        tags: ["users"],
        operationId: "endUserSessions",
        summary: "Sign a staff member out everywhere (admins; your own current session stays)",
        params: ZUserId,
        response: { 200: ZEndedSessions, ...problems },
      },
    },
    async (request) => ({ ended: await endOtherUserSessions(ctx, actorOf(request), request.params.id) }),
  );

  app.delete(
    "/api/users/:id/sessions/:sessionId",
    {
      config: admins,
      schema: {
        tags: ["users"],
        operationId: "endUserSession",
        summary: "End one of a staff member's sessions (admins): its next request gets 401",
        params: ZUserSessionId,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await endUserSession(ctx, actorOf(request), request.params.id, request.params.sessionId);
      return reply.code(204).send(null);
    },
  );
}
