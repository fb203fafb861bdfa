import { z } from "zod";
import { ZMentionableList, ZMentionableQuery } from "../../shared/notifications.js";
import { ZNamedListQuery } from "../../shared/pagination.js";
import { ZProblem } from "../../shared/problem.js";
import { ZCreateUser, ZUpdateProfile, ZUpdateUser, ZUser, ZUserDetail, ZUserList } from "../../shared/users.js";
import { actorOf } from "../auth/guard.js";
import { endUserSessions, sessionUserChanged } from "../auth/sessions.service.js";
import { inTransaction, serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { AppError, fieldError, notFound } from "../http/errors.js";
import { countOpenTicketsAssignedTo, reassignOpenTickets } from "../tickets/tickets.reassign.js";
import { listMentionableStaff } from "./users.mentionable.js";
import { createUser, findUserById, listUsers, toUser, updateProfile, updateUser } from "./users.service.js";

const ZUserId = z.object({ id: z.uuid("id must be a user id (UUID)") });
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };

export async function usersRoutes(app: App) {
  const { database } = app.deps;
  const ctx = serviceContext(app.deps);

  app.get(
    "/api/users",
    {
      schema: {
        tags: ["users"],
        summary: "Staff accounts (everyone may list them, e.g. to assign tickets)",
        querystring: ZNamedListQuery,
        response: { 200: ZUserList, ...problems },
      },
    },
    async (request) => listUsers(database.db, request.query),
  );

  app.get(
    "/api/users/mentionable",
    {
      schema: {
        tags: ["users"],
        operationId: "listMentionableStaff",
        summary: "Active staff an internal note can @mention: name or handle (email before the @) matching q",
        querystring: ZMentionableQuery,
        response: { 200: ZMentionableList, ...problems },
      },
    },
    async (request) => listMentionableStaff(database.db, request.query),
  );

  app.post(
    "/api/users",
    {
      // Staff accounts carry passwords and roles: an API token that leaks must not be able to
      // make an admin with a known password or reset its owner's (see docs/security.md).
      config: { access: ["admin"], sessionOnly: true },
      schema: {
        tags: ["users"],
        summary: "Create a staff account (admins)",
        body: ZCreateUser,
        response: { 201: ZUser, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createUser(ctx, actorOf(request), request.body)),
  );

  app.patch(
    "/api/users/me",
    {
      // A leaked API token must not be able to change its owner's password.
      config: { sessionOnly: true },
      schema: {
        tags: ["users"],
        summary: "Change your own name, phone or password (the current password is required for a new one)",
        body: ZUpdateProfile,
        response: { 200: ZUser, ...problems },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const user = await updateProfile(ctx, actor, request.body, endUserSessions);
      // After the commit: signed-in requests see the new name and password state at once.
      await sessionUserChanged(ctx.db, user.id);
      return user;
    },
  );

  app.get(
    "/api/users/:id",
    {
      schema: {
        tags: ["users"],
        summary: "One staff account, with how many open tickets it holds (to confirm a deactivation)",
        params: ZUserId,
        response: { 200: ZUserDetail, ...problems },
      },
    },
    async (request) => {
      const row = await findUserById(database.db, request.params.id);
      if (!row) throw notFound("user.not_found", "This staff account");
      return { ...toUser(row), openTicketCount: await countOpenTicketsAssignedTo(database.db, row.id) };
    },
  );

  app.patch(
    "/api/users/:id",
    {
      config: { access: ["admin"], sessionOnly: true },
      schema: {
        tags: ["users"],
        summary:
          "Change a staff account: role, active flag, phone, password reset (admins). Deactivating someone who holds open tickets needs `reassignTo` (a staff id, or null for unassigned); without it: 409 user.has_open_tickets with the count",
        params: ZUserId,
        body: ZUpdateUser,
        response: { 200: ZUser, ...problems },
      },
    },
    async (request) => {
      const { reassignTo, ...change } = request.body;
      const { id } = request.params;
      const actor = actorOf(request);
      if (change.active !== false) {
        const user = await updateUser(ctx, actor, id, change, endUserSessions);
        // After the commit: a new role applies to the member's very next request, on every instance.
        await sessionUserChanged(ctx.db, id);
        return user;
      }
      // Deactivation: the open tickets move first (to an active colleague or to nobody), then the
      // account closes, in one transaction; tickets/ records each move on the ticket's timeline.
      return inTransaction(ctx, async (tx) => {
        const open = await countOpenTicketsAssignedTo(tx.db, id);
        if (open > 0 && reassignTo === undefined) {
          throw new AppError(
            409,
            "user.has_open_tickets",
            `This staff member holds ${open} open ticket${open === 1 ? "" : "s"}: choose who takes them over (a colleague, or unassigned) and deactivate again.`,
            { openTicketCount: open },
          );
        }
        if (open > 0 && reassignTo) await assertCanTakeOver(tx.db, id, reassignTo);
        if (open > 0 && reassignTo !== undefined) {
          await reassignOpenTickets(tx, actor, { fromUserId: id, toUserId: reassignTo });
        }
        return updateUser(tx, actor, id, change, endUserSessions);
      });
    },
  );
}

/** The colleague taking over a deactivated account's tickets: another, active account. */
async function assertCanTakeOver(db: Parameters<typeof findUserById>[0], fromUserId: string, toUserId: string) {
  if (toUserId === fromUserId) {
    throw fieldError("user.reassign_self", "reassignTo", "Reassign to: choose someone other than the person leaving");
  }
  const target = await findUserById(db, toUserId);
  if (!target) throw fieldError("user.reassign_unknown", "reassignTo", "Reassign to: no staff account has this id");
  if (!target.active) {
    throw fieldError(
      "user.reassign_inactive",
      "reassignTo",
      `Reassign to: ${target.name}'s account is deactivated; choose an active staff member`,
    );
  }
}
