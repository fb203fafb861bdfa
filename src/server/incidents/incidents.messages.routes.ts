import { z } from "zod";
import {
  ZCancelIncidentMessageResult,
  ZIncidentMessage,
  ZIncidentMessageInput,
  ZIncidentMessageList,
  ZIncidentMessagePreview,
} from "../../shared/incident-messages.js";
import { ZProblem } from "../../shared/problem.js";
import { actorOf } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import {
  cancelIncidentMessage,
  listIncidentMessages,
  previewIncidentMessage,
  sendIncidentMessage,
} from "./incidents.messages.js";

const ZIncidentId = z.object({ id: z.uuid("id must be an incident id (UUID)") });
const ZMessageParams = ZIncidentId.extend({ sendId: z.uuid("sendId must be an incident message id (UUID)") });
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };
const tags = ["incidents"];

/**
 * One message to everyone an incident affects (any staff role; more than 50 recipients needs an
 * admin or an agent, which the service checks once it knows the count).
 */
export async function incidentMessagesRoutes(app: App) {
  const ctx = serviceContext(app.deps);
  const db = app.deps.database.db;

  app.post(
    "/api/incidents/:id/messages/preview",
    {
      schema: {
        tags,
        operationId: "previewIncidentMessage",
        summary:
          "What a message to everyone affected would do: one rendered sample, recipients, segments, skipped with reasons, quiet hours",
        params: ZIncidentId,
        body: ZIncidentMessageInput,
        response: { 200: ZIncidentMessagePreview, ...problems },
      },
    },
    async (request) => previewIncidentMessage(ctx, request.params.id, request.body),
  );

  app.post(
    "/api/incidents/:id/messages",
    {
      schema: {
        tags,
        operationId: "sendIncidentMessage",
        summary:
          "Text everyone the incident affects (a template or a custom text): one SMS per distinct number, opted-out and invalid numbers skipped",
        params: ZIncidentId,
        body: ZIncidentMessageInput,
        response: { 201: ZIncidentMessage, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await sendIncidentMessage(ctx, actorOf(request), request.params.id, request.body)),
  );

  app.get(
    "/api/incidents/:id/messages",
    {
      schema: {
        tags,
        operationId: "listIncidentMessages",
        summary: "The incident's messages, newest first, each with its SMS counted by state",
        params: ZIncidentId,
        response: { 200: ZIncidentMessageList, ...problems },
      },
    },
    async (request) => ({ items: await listIncidentMessages(db, request.params.id) }),
  );

  app.post(
    "/api/incidents/:id/messages/:sendId/cancel",
    {
      schema: {
        tags,
        operationId: "cancelIncidentMessage",
        summary: "Stop what of a message is not yet sent: its queued SMS become cancelled (counted)",
        params: ZMessageParams,
        response: { 200: ZCancelIncidentMessageResult, ...problems },
      },
    },
    async (request) => cancelIncidentMessage(ctx, actorOf(request), request.params.id, request.params.sendId),
  );
}

/** The inbound-SMS handler app.ts hands the Twilio webhook: filing, then the incident's automatic answer. */
export { withIncidentAutoReply } from "./incidents.messages.js";
