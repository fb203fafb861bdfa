import { z } from "zod";
import { ZNamedListQuery } from "../../shared/pagination.js";
import { ZCreateServicePlan, ZServicePlan, ZServicePlanList, ZUpdateServicePlan } from "../../shared/plans.js";
import { ZProblem } from "../../shared/problem.js";
import { actorOf } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import {
  createServicePlan,
  deleteServicePlan,
  findServicePlan,
  listServicePlans,
  updateServicePlan,
} from "./plans.service.js";

const ZPlanId = z.object({ id: z.uuid("id must be a service plan id (UUID)") });
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };

export async function servicePlansRoutes(app: App) {
  const { database } = app.deps;
  const ctx = serviceContext(app.deps);

  app.get(
    "/api/service-plans",
    {
      schema: {
        tags: ["service plans"],
        summary: "Service plans (everyone picks from them)",
        querystring: ZNamedListQuery,
        response: { 200: ZServicePlanList, ...problems },
      },
    },
    async (request) => listServicePlans(database.db, request.query),
  );

  app.get(
    "/api/service-plans/:id",
    {
      schema: {
        tags: ["service plans"],
        summary: "One service plan",
        params: ZPlanId,
        response: { 200: ZServicePlan, ...problems },
      },
    },
    async (request) => findServicePlan(database.db, request.params.id),
  );

  app.post(
    "/api/service-plans",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["service plans"],
        summary: "Create a service plan (admins)",
        body: ZCreateServicePlan,
        response: { 201: ZServicePlan, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createServicePlan(ctx, actorOf(request), request.body)),
  );

  app.patch(
    "/api/service-plans/:id",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["service plans"],
        summary: "Change or deactivate a service plan (admins)",
        params: ZPlanId,
        body: ZUpdateServicePlan,
        response: { 200: ZServicePlan, ...problems },
      },
    },
    async (request) => updateServicePlan(ctx, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    "/api/service-plans/:id",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["service plans"],
        summary: "Delete an unused service plan (admins); a plan in use gets 409",
        params: ZPlanId,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteServicePlan(ctx, actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
