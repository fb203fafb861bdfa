import { z } from "zod";
import { ZTicketConflict } from "../../shared/conflict.js";
import { ZPageQuery } from "../../shared/pagination.js";
import { ZProblem } from "../../shared/problem.js";
import {
  ZBulkTicketAction,
  ZBulkTicketResult,
  ZCommentList,
  ZCreateComment,
  ZCreatedComment,
  ZCreateTicket,
  ZSiteTickets,
  ZSlaHours,
  ZSlaSettingsPatch,
  ZSlaSettingsView,
  ZTicketDetail,
  ZTicketList,
  ZTicketListQuery,
  ZTimeline,
  ZUpdateTicket,
} from "../../shared/tickets.js";
import { actorOf, currentUser } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import { ZCustomerId } from "../customers/customers.schemas.js";
import type { App } from "../deps.js";
import { addComment, getTimeline, listComments } from "./tickets.comments.js";
import { listTickets } from "./tickets.queries.js";
import { bulkUpdateTickets, createTicket, getTicketDetail, updateTicket } from "./tickets.service.js";
import { getSiteTickets } from "./tickets.site.js";
import { readSlaHours, readSlaSettings, updateSlaHours, updateSlaSettings } from "./tickets.sla.js";

const ZTicketId = z.object({ id: z.uuid("id must be a ticket id (UUID)") });
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };

export async function ticketsRoutes(app: App) {
  const { database, clock } = app.deps;
  const db = database.db;
  const ctx = serviceContext(app.deps);

  app.get(
    "/api/tickets",
    {
      schema: {
        tags: ["tickets"],
        summary: "Ticket queue: filters, sorts, keyset pagination (count capped at 1,000)",
        querystring: ZTicketListQuery,
        response: { 200: ZTicketList, ...problems },
      },
    },
    async (request) =>
      listTickets(db, clock, request.query, {
        actorId: currentUser(request).id,
        defaultCountry: app.deps.config.DEFAULT_COUNTRY,
      }),
  );

  app.post(
    "/api/tickets",
    {
      schema: {
        tags: ["tickets"],
        summary: "Open a ticket (SLA due time from its priority; SMS to the customer and assignee)",
        body: ZCreateTicket,
        response: { 201: ZTicketDetail, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createTicket(ctx, actorOf(request), request.body)),
  );

  app.post(
    "/api/tickets/bulk",
    {
      schema: {
        tags: ["tickets"],
        summary: "Assign, change status or change priority of many tickets at once (all or nothing)",
        body: ZBulkTicketAction,
        response: { 200: ZBulkTicketResult, ...problems },
      },
    },
    async (request) => ({ items: await bulkUpdateTickets(ctx, actorOf(request), request.body) }),
  );

  app.get(
    "/api/tickets/sla-hours",
    {
      schema: {
        tags: ["tickets"],
        summary: "Resolution target per priority, in hours",
        response: { 200: ZSlaHours, ...problems },
      },
    },
    async () => readSlaHours(db),
  );

  app.put(
    "/api/tickets/sla-hours",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["tickets"],
        summary: "Change the resolution targets (admins); applies to new tickets and priority changes",
        body: ZSlaHours,
        response: { 200: ZSlaHours, ...problems },
      },
    },
    async (request) => updateSlaHours(ctx, actorOf(request), request.body),
  );

  app.get(
    "/api/tickets/sla-settings",
    {
      schema: {
        tags: ["tickets"],
        summary: "The SLA policy: resolution and first-response targets, business hours, holidays, time zone",
        response: { 200: ZSlaSettingsView, ...problems },
      },
    },
    async () => readSlaSettings(db, app.deps.config),
  );

  app.put(
    "/api/tickets/sla-settings",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["tickets"],
        summary:
          "Change the SLA policy (admins; the parts sent); applies to new tickets, priority changes and clocks stopped or restarted from now on",
        body: ZSlaSettingsPatch,
        response: { 200: ZSlaSettingsView, ...problems },
      },
    },
    async (request) => updateSlaSettings(ctx, actorOf(request), request.body),
  );

  app.get(
    "/api/tickets/:id",
    {
      schema: {
        tags: ["tickets"],
        summary: "One ticket with its customer card and assignee",
        params: ZTicketId,
        response: { 200: ZTicketDetail, ...problems },
      },
    },
    async (request) => getTicketDetail(db, clock, request.params.id),
  );

  app.patch(
    "/api/tickets/:id",
    {
      schema: {
        tags: ["tickets"],
        summary: "Change a ticket; a stale version gets 409 with the current ticket and what changed",
        params: ZTicketId,
        body: ZUpdateTicket,
        // A stale version's 409 carries the ticket as it is and what changed; other 409s are plain problems.
        response: { 200: ZTicketDetail, ...problems, 409: z.union([ZTicketConflict, ZProblem]) },
      },
    },
    async (request) => updateTicket(ctx, actorOf(request), request.params.id, request.body),
  );

  app.get(
    "/api/tickets/:id/comments",
    {
      schema: {
        tags: ["tickets"],
        summary: "A ticket's comments, oldest first",
        params: ZTicketId,
        querystring: ZPageQuery,
        response: { 200: ZCommentList, ...problems },
      },
    },
    async (request) => listComments(db, request.params.id, request.query),
  );

  app.post(
    "/api/tickets/:id/comments",
    {
      schema: {
        tags: ["tickets"],
        summary:
          "Add an internal note or a public reply; a public reply is also texted to the customer unless sendSms is false (the answer's sms says what became of it)",
        params: ZTicketId,
        body: ZCreateComment,
        response: { 201: ZCreatedComment, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addComment(ctx, actorOf(request), request.params.id, request.body)),
  );

  app.get(
    "/api/tickets/:id/timeline",
    {
      schema: {
        tags: ["tickets"],
        summary: "Comments and events as one list, newest last",
        params: ZTicketId,
        response: { 200: ZTimeline, ...problems },
      },
    },
    async (request) => ({ items: await getTimeline(db, request.params.id) }),
  );

  // Under the customer, whose site it reads; served here because the tickets feature owns the query.
  app.get(
    "/api/customers/:id/site-tickets",
    {
      schema: {
        tags: ["tickets"],
        summary:
          "Other customers' open tickets at this customer's network site (count, customers, the newest few): a problem at their site",
        params: ZCustomerId,
        response: { 200: ZSiteTickets, ...problems },
      },
    },
    async (request) => getSiteTickets(db, request.params.id),
  );
}
