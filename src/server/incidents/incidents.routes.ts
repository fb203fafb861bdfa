import { z } from "zod";
import {
  MAP_CUSTOMER_LIMIT,
  ZCreateIncident,
  ZIncidentConflict,
  ZIncidentCustomerList,
  ZIncidentDetail,
  ZIncidentList,
  ZIncidentListQuery,
  ZIncidentMap,
  ZIncidentTimeline,
  ZLinkedTicket,
  ZLinkIncidentTicket,
  ZResolveIncident,
  ZResolveIncidentResult,
  ZStatusPage,
  ZUpdateIncident,
} from "../../shared/incidents.js";
import { ZPageQuery } from "../../shared/pagination.js";
import { ZProblem } from "../../shared/problem.js";
import { actorOf } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { notFound } from "../http/errors.js";
import { incidentMapData, listAffectedCustomers } from "./incidents.affected.js";
import { getIncidentTimeline } from "./incidents.events.js";
import {
  createIncident,
  findIncidentRow,
  getIncidentDetail,
  listIncidents,
  updateIncident,
} from "./incidents.service.js";
import { getStatusPage, renderStatusAtom, renderStatusHtml, STATUS_PAGE_CSP } from "./incidents.status-page.js";
import { linkIncidentTicket, resolveIncident, unlinkIncidentTicket } from "./incidents.tickets.js";

const ZIncidentId = z.object({ id: z.uuid("id must be an incident id (UUID)") });
const ZIncidentTicketParams = ZIncidentId.extend({ ticketId: z.uuid("ticketId must be a ticket id (UUID)") });
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };
const tags = ["incidents"];

/** Incidents under /api/incidents (any staff role) and the public status page (/status, .json, .atom). */
export async function incidentsRoutes(app: App) {
  const db = app.deps.database.db;
  const ctx = serviceContext(app.deps);

  app.get(
    "/api/incidents",
    {
      schema: {
        tags,
        operationId: "listIncidents",
        summary: "Incidents, latest start first; state=active|scheduled|resolved",
        querystring: ZIncidentListQuery,
        response: { 200: ZIncidentList, ...problems },
      },
    },
    async (request) => listIncidents(db, request.query),
  );

  app.post(
    "/api/incidents",
    {
      schema: {
        tags,
        operationId: "createIncident",
        summary: "Open an incident on one or more network sites (scheduled when it starts later)",
        body: ZCreateIncident,
        response: { 201: ZIncidentDetail, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createIncident(ctx, actorOf(request), request.body)),
  );

  app.get(
    "/api/incidents/:id",
    {
      schema: {
        tags,
        operationId: "getIncident",
        summary: "One incident with its sites, affected customer count and linked ticket counts",
        params: ZIncidentId,
        response: { 200: ZIncidentDetail, ...problems },
      },
    },
    async (request) => getIncidentDetail(db, request.params.id),
  );

  app.patch(
    "/api/incidents/:id",
    {
      schema: {
        tags,
        operationId: "updateIncident",
        summary: "Change an incident: only the changed fields, with the version you saw (409 when stale)",
        params: ZIncidentId,
        body: ZUpdateIncident,
        response: { 200: ZIncidentDetail, ...problems, 409: ZIncidentConflict.or(ZProblem) },
      },
    },
    async (request) => updateIncident(ctx, actorOf(request), request.params.id, request.body),
  );

  app.get(
    "/api/incidents/:id/timeline",
    {
      schema: {
        tags,
        operationId: "listIncidentTimeline",
        summary: "An incident's timeline, oldest first: every change and public update with its author",
        params: ZIncidentId,
        querystring: ZPageQuery,
        response: { 200: ZIncidentTimeline, ...problems },
      },
    },
    async (request) => {
      if (!(await findIncidentRow(db, request.params.id))) throw notFound("incident.not_found", "This incident");
      return getIncidentTimeline(db, request.params.id, request.query);
    },
  );

  app.get(
    "/api/incidents/:id/customers",
    {
      schema: {
        tags,
        operationId: "listIncidentCustomers",
        summary: "The customers the incident affects now, by name (phone, address, plan, open ticket)",
        params: ZIncidentId,
        querystring: ZPageQuery,
        response: { 200: ZIncidentCustomerList, ...problems },
      },
    },
    async (request) => {
      if (!(await findIncidentRow(db, request.params.id))) throw notFound("incident.not_found", "This incident");
      return listAffectedCustomers(db, request.params.id, request.query);
    },
  );

  app.get(
    "/api/incidents/:id/map",
    {
      schema: {
        tags,
        operationId: "getIncidentMap",
        summary: "The incident's sites and affected customers with coordinates, for its map",
        description: `Each site with its affected count, and the affected customers that have coordinates (a sample of at most ${MAP_CUSTOMER_LIMIT.toLocaleString("en-US")} by id when there are more; the totals say how many). \`tiles\` is the installation's tile server (MAP_TILE_URL), or null for markers on a blank background.`,
        params: ZIncidentId,
        response: { 200: ZIncidentMap, ...problems },
      },
    },
    async (request) => {
      if (!(await findIncidentRow(db, request.params.id))) throw notFound("incident.not_found", "This incident");
      const { MAP_TILE_URL, MAP_TILE_ATTRIBUTION } = app.deps.config;
      const tiles = MAP_TILE_URL === "none" ? null : { urlTemplate: MAP_TILE_URL, attribution: MAP_TILE_ATTRIBUTION };
      return incidentMapData(db, request.params.id, tiles);
    },
  );

  app.post(
    "/api/incidents/:id/tickets",
    {
      schema: {
        tags,
        operationId: "linkIncidentTicket",
        summary: "Link a ticket (a customer's or a network-wide one) to the incident",
        params: ZIncidentId,
        body: ZLinkIncidentTicket,
        response: { 200: ZLinkedTicket, ...problems },
      },
    },
    async (request) => linkIncidentTicket(ctx, actorOf(request), request.params.id, request.body.ticketId),
  );

  app.delete(
    "/api/incidents/:id/tickets/:ticketId",
    {
      schema: {
        tags,
        operationId: "unlinkIncidentTicket",
        summary: "Unlink a ticket from the incident",
        params: ZIncidentTicketParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await unlinkIncidentTicket(ctx, actorOf(request), request.params.id, request.params.ticketId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/incidents/:id/resolve",
    {
      schema: {
        tags,
        operationId: "resolveIncident",
        summary:
          "Resolve the incident; with resolveTickets, every open linked ticket too (one public comment, no per-ticket status SMS)",
        params: ZIncidentId,
        body: ZResolveIncident,
        response: { 200: ZResolveIncidentResult, ...problems },
      },
    },
    async (request) => resolveIncident(ctx, actorOf(request), request.params.id, request.body),
  );

  // The public status page: no sign-in, nothing but public text; caches may keep it 30 s.
  const publicPage = { access: "public" as const };
  // Never the request's Host header: a client picks it, and this answer is cached publicly.
  const feedBaseUrl = app.deps.config.PUBLIC_URL?.replace(/\/+$/, "") ?? "";

  app.get("/status", { config: publicPage, schema: { hide: true } }, async (_request, reply) => {
    const page = await getStatusPage(db, app.deps.clock);
    return reply
      .header("cache-control", "public, max-age=30")
      .header("content-security-policy", STATUS_PAGE_CSP)
      .type("text/html; charset=utf-8")
      .send(renderStatusHtml(page, { timeZone: app.deps.config.TIME_ZONE }));
  });

  app.get(
    "/status.json",
    {
      config: publicPage,
      schema: {
        tags: ["status page"],
        operationId: "getStatusPage",
        summary: "The public status page as JSON: active, scheduled and the last 30 days' incidents",
        response: { 200: ZStatusPage },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", "public, max-age=30");
      return getStatusPage(db, app.deps.clock);
    },
  );

  app.get("/status.atom", { config: publicPage, schema: { hide: true } }, async (_request, reply) => {
    const page = await getStatusPage(db, app.deps.clock);
    return reply
      .header("cache-control", "public, max-age=30")
      .header("content-security-policy", "default-src 'none'; frame-ancestors 'none'")
      .type("application/atom+xml; charset=utf-8")
      .send(renderStatusAtom(page, { baseUrl: feedBaseUrl }));
  });
}
