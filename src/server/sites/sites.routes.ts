import { z } from "zod";
import { ZNamedListQuery } from "../../shared/pagination.js";
import { ZProblem } from "../../shared/problem.js";
import { ZCreateSite, ZSite, ZSiteList, ZUpdateSite } from "../../shared/sites.js";
import { actorOf } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { createSite, deleteSite, findSite, listSites, updateSite } from "./sites.service.js";

const ZSiteId = z.object({ id: z.uuid("id must be a network site id (UUID)") });
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };

export async function sitesRoutes(app: App) {
  const { database } = app.deps;
  const ctx = serviceContext(app.deps);

  app.get(
    "/api/sites",
    {
      schema: {
        tags: ["network sites"],
        summary: "Network sites: towers, POPs, OLTs, cabinets (everyone picks from them)",
        querystring: ZNamedListQuery,
        response: { 200: ZSiteList, ...problems },
      },
    },
    async (request) => listSites(database.db, request.query),
  );

  app.get(
    "/api/sites/:id",
    {
      schema: {
        tags: ["network sites"],
        summary: "One network site",
        params: ZSiteId,
        response: { 200: ZSite, ...problems },
      },
    },
    async (request) => findSite(database.db, request.params.id),
  );

  app.post(
    "/api/sites",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["network sites"],
        summary: "Create a network site (admins)",
        body: ZCreateSite,
        response: { 201: ZSite, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createSite(ctx, actorOf(request), request.body)),
  );

  app.patch(
    "/api/sites/:id",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["network sites"],
        summary: "Change or deactivate a network site (admins)",
        params: ZSiteId,
        body: ZUpdateSite,
        response: { 200: ZSite, ...problems },
      },
    },
    async (request) => updateSite(ctx, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    "/api/sites/:id",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["network sites"],
        summary: "Delete an unused network site (admins); a site in use gets 409",
        params: ZSiteId,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteSite(ctx, actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
