import { z } from "zod";
import { ZNamedListQuery } from "../../shared/pagination.js";
import { ZProblem } from "../../shared/problem.js";
import { ZCreateUser, ZUpdateProfile, ZUpdateUser, ZUser, ZUserList } from "../../shared/users.js";
import { actorOf } from "../auth/guard.js";
import { endUserSessions } from "../auth/sessions.service.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { notFound } from "../http/errors.js";
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

  app.post(
    "/api/users",
    {
      config: { access: ["admin"] },
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
      schema: {
        tags: ["users"],
        summary: "Change your own name, phone or password (the current password is required for a new one)",
        body: ZUpdateProfile,
        response: { 200: ZUser, ...problems },
      },
    },
    async (request) => updateProfile(ctx, actorOf(request), request.body, endUserSessions),
  );

  app.get(
    "/api/users/:id",
    {
      schema: { tags: ["users"], summary: "One staff account", params: ZUserId, response: { 200: ZUser, ...problems } },
    },
    async (request) => {
      const row = await findUserById(database.db, request.params.id);
      if (!row) throw notFound("user.not_found", "This staff account");
      return toUser(row);
    },
  );

  app.patch(
    "/api/users/:id",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["users"],
        summary: "Change a staff account: role, active flag, phone, password reset (admins)",
        params: ZUserId,
        body: ZUpdateUser,
        response: { 200: ZUser, ...problems },
      },
    },
    async (request) => updateUser(ctx, actorOf(request), request.params.id, request.body, endUserSessions),
  );
}
