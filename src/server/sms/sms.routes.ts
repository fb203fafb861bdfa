import { z } from "zod";
import { ZQuietHours, ZQuietHoursSetting } from "../../shared/incident-messages.js";
import { ZProblem } from "../../shared/problem.js";
import {
  TEMPLATE_PURPOSES,
  ZSendSms,
  ZSmsLog,
  ZSmsLogListQuery,
  ZSmsLogPage,
  ZSmsStatus,
  ZSmsStatusQuery,
  ZSmsTemplate,
  ZUpdateSmsTemplate,
} from "../../shared/sms.js";
import { actorOf, currentUser } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { readQuietHours, updateQuietHours } from "./sms.quiet-hours.js";
import { getSmsLog, getSmsStatus, listSmsLogs, retrySms, sendManualSms } from "./sms.service.js";
import { listSmsTemplates, resetSmsTemplate, updateSmsTemplate } from "./sms.templates.js";

const ZSmsId = z.object({ id: z.uuid("id must be an SMS id (UUID)") });
const ZPurpose = z.object({
  purpose: z.enum(TEMPLATE_PURPOSES, { error: `purpose must be one of ${TEMPLATE_PURPOSES.join(", ")}` }),
});
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };

export async function smsRoutes(app: App) {
  const { database } = app.deps;
  const ctx = serviceContext(app.deps);

  app.get(
    "/api/sms",
    {
      schema: {
        tags: ["sms"],
        summary: "The SMS log, newest first (filters: status, purpose, direction, ticket, customer, dates, text)",
        querystring: ZSmsLogListQuery,
        response: { 200: ZSmsLogPage, ...problems },
      },
    },
    async (request) => listSmsLogs(database.db, request.query),
  );

  app.post(
    "/api/sms",
    {
      schema: {
        tags: ["sms"],
        summary: "Text the ticket's customer (purpose manual); the row says queued, or skipped and why",
        body: ZSendSms,
        response: { 201: ZSmsLog, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await sendManualSms(ctx, actorOf(request), request.body)),
  );

  app.get(
    "/api/sms/status",
    {
      schema: {
        tags: ["sms"],
        summary:
          "Whether SMS can be sent (reason in words; admins also get the settings to set) and, with ticketId, whether the ticket's customer can be texted",
        querystring: ZSmsStatusQuery,
        response: { 200: ZSmsStatus, ...problems },
      },
    },
    async (request) =>
      getSmsStatus(ctx, { ticketId: request.query.ticketId, forAdmin: currentUser(request).role === "admin" }),
  );

  app.get(
    "/api/sms/templates",
    {
      schema: {
        tags: ["sms"],
        summary: "The message template of each purpose",
        response: { 200: z.object({ items: z.array(ZSmsTemplate) }), ...problems },
      },
    },
    async () => ({ items: await listSmsTemplates(database.db) }),
  );

  app.put(
    "/api/sms/templates/:purpose",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["sms"],
        summary: "Change a purpose's template (admins)",
        params: ZPurpose,
        body: ZUpdateSmsTemplate,
        response: { 200: ZSmsTemplate, ...problems },
      },
    },
    async (request) =>
      updateSmsTemplate(ctx, actorOf(request), { purpose: request.params.purpose, body: request.body.body }),
  );

  app.delete(
    "/api/sms/templates/:purpose",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["sms"],
        summary: "Restore a purpose's built-in template (admins)",
        params: ZPurpose,
        response: { 200: ZSmsTemplate, ...problems },
      },
    },
    async (request) => resetSmsTemplate(ctx, actorOf(request), { purpose: request.params.purpose }),
  );

  app.get(
    "/api/sms/quiet-hours",
    {
      schema: {
        tags: ["sms"],
        operationId: "getSmsQuietHours",
        summary: "SMS quiet hours in the ISP's time zone (incident messages wait for them to end)",
        response: { 200: ZQuietHoursSetting, ...problems },
      },
    },
    async () => readQuietHours(database.db, app.deps.config.TIME_ZONE),
  );

  app.put(
    "/api/sms/quiet-hours",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["sms"],
        operationId: "updateSmsQuietHours",
        summary: "Set the SMS quiet hours (start and end, HH:MM in the ISP's time zone; null for none) (admins)",
        body: ZQuietHours,
        response: { 200: ZQuietHoursSetting, ...problems },
      },
    },
    async (request) => updateQuietHours(ctx, actorOf(request), request.body),
  );

  app.get(
    "/api/sms/:id",
    {
      schema: { tags: ["sms"], summary: "One SMS log row", params: ZSmsId, response: { 200: ZSmsLog, ...problems } },
    },
    async (request) => getSmsLog(database.db, request.params.id),
  );

  app.post(
    "/api/sms/:id/retry",
    {
      config: { access: ["admin", "agent"] },
      schema: {
        tags: ["sms"],
        summary: "Queue a failed message again (admins and office agents)",
        params: ZSmsId,
        response: { 200: ZSmsLog, ...problems },
      },
    },
    async (request) => retrySms(ctx, actorOf(request), request.params.id),
  );
}
