import { z } from "zod";
import { ZProblem } from "../../shared/problem.js";
import {
  type VisitDetail,
  ZCreateVisit,
  ZMyDay,
  ZUnscheduledQuery,
  ZUnscheduledTickets,
  ZUpdateVisit,
  ZVisitArrived,
  ZVisitCancel,
  ZVisitComplete,
  ZVisitDetail,
  ZVisitEnRoute,
  ZVisitList,
  ZVisitListQuery,
  ZVisitNoAccess,
  ZVisitsToday,
} from "../../shared/visits.js";
import { actorOf, currentUser } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import {
  createVisit,
  getVisit,
  listVisits,
  myDay,
  updateVisit,
  visitArrived,
  visitCancel,
  visitComplete,
  visitEnRoute,
  visitNoAccess,
  visitsToday,
} from "./visits.service.js";
import { findUnscheduledTickets } from "./visits.unscheduled.js";

const ZVisitId = z.object({ id: z.uuid("id must be a visit id (UUID)") });
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };
const tags = ["visits"];

/**
 * Technicians' visits on tickets (docs/field-work.md). Any staff role reads them; the office
 * plans anyone's, a technician their own; each step is the visit's technician's (or the office's).
 */
export async function visitsRoutes(app: App) {
  const db = app.deps.database.db;
  const ctx = serviceContext(app.deps);
  const roleOf = (request: Parameters<typeof currentUser>[0]) => currentUser(request).role;

  app.get(
    "/api/visits",
    {
      schema: {
        tags,
        operationId: "listVisits",
        summary:
          "Visits of a window (from and to, at most 62 days), a ticket, a customer, or those whose customer asked to change them, by start",
        querystring: ZVisitListQuery,
        response: { 200: ZVisitList, ...problems },
      },
    },
    async (request) => ({ items: await listVisits(db, request.query) }),
  );

  app.get(
    "/api/visits/my-day",
    {
      schema: {
        tags,
        operationId: "getMyDay",
        summary: "The signed-in technician's day: today's visits in order, tomorrow's, and open tickets with no visit",
        response: { 200: ZMyDay, ...problems },
      },
    },
    async (request) => myDay(ctx, currentUser(request).id),
  );

  app.get(
    "/api/visits/today",
    {
      schema: {
        tags,
        operationId: "countTodaysVisits",
        summary: "Today's visits (the ISP's day) by state, and how many customers asked to move theirs",
        response: { 200: ZVisitsToday, ...problems },
      },
    },
    async () => visitsToday(ctx),
  );

  app.get(
    "/api/visits/unscheduled",
    {
      // The dispatch board's side panel; a technician's own unscheduled work is on My day.
      config: { access: ["admin", "agent"] },
      schema: {
        tags,
        operationId: "listUnscheduledTickets",
        summary:
          "Open tickets that need a visit and have none ahead (a rebook, a field category, or held by a technician), most urgent first",
        querystring: ZUnscheduledQuery,
        response: { 200: ZUnscheduledTickets, ...problems },
      },
    },
    async (request) => findUnscheduledTickets(ctx, request.query),
  );

  app.post(
    "/api/visits",
    {
      schema: {
        tags,
        operationId: "createVisit",
        summary: "Schedule a visit on a ticket (409 visit.double_booked unless allowOverlap)",
        body: ZCreateVisit,
        response: { 201: ZVisitDetail, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createVisit(ctx, actorOf(request), roleOf(request), request.body)),
  );

  app.get(
    "/api/visits/:id",
    {
      schema: {
        tags,
        operationId: "getVisit",
        summary: "One visit with its ticket and the customer's address and connection",
        params: ZVisitId,
        response: { 200: ZVisitDetail, ...problems },
      },
    },
    async (request) => getVisit(db, request.params.id),
  );

  app.patch(
    "/api/visits/:id",
    {
      schema: {
        tags,
        operationId: "updateVisit",
        summary: "Move or reassign a scheduled visit: the changed fields with the version you saw",
        params: ZVisitId,
        body: ZUpdateVisit,
        response: { 200: ZVisitDetail, ...problems },
      },
    },
    async (request) => updateVisit(ctx, actorOf(request), roleOf(request), request.params.id, request.body),
  );

  const step = <T extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    body: T,
    run: (
      request: { params: { id: string }; body: z.output<T> },
      actor: ReturnType<typeof actorOf>,
      role: ReturnType<typeof roleOf>,
    ) => Promise<VisitDetail>,
  ) =>
    app.post(
      `/api/visits/:id/${path}`,
      { schema: { tags, operationId, summary, params: ZVisitId, body, response: { 200: ZVisitDetail, ...problems } } },
      async (request) =>
        run(request as unknown as { params: { id: string }; body: z.output<T> }, actorOf(request), roleOf(request)),
    );

  step(
    "en-route",
    "visitEnRoute",
    "On my way: the ETA in minutes; the customer gets the technician_en_route SMS",
    ZVisitEnRoute,
    (request, actor, role) => visitEnRoute(ctx, actor, role, request.params.id, request.body),
  );
  step(
    "arrived",
    "visitArrived",
    "Arrived: the check-in time and, if shared, the phone's position",
    ZVisitArrived,
    (request, actor, role) => visitArrived(ctx, actor, role, request.params.id, request.body),
  );
  step(
    "complete",
    "visitComplete",
    "Done: the report, the equipment now at the customer, the ticket's new status",
    ZVisitComplete,
    (request, actor, role) => visitComplete(ctx, actor, role, request.params.id, request.body),
  );
  step(
    "no-access",
    "visitNoAccess",
    "Couldn't get in: the customer gets the visit_missed SMS asking them to reply to rebook",
    ZVisitNoAccess,
    (request, actor, role) => visitNoAccess(ctx, actor, role, request.params.id, request.body),
  );
  step("cancel", "cancelVisit", "Cancel a visit that has not happened", ZVisitCancel, (request, actor, role) =>
    visitCancel(ctx, actor, role, request.params.id, request.body),
  );
}
