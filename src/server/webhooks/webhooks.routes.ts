import { z } from "zod";
import { ZPageQuery } from "../../shared/pagination.js";
import { ZProblem } from "../../shared/problem.js";
import {
  ZCreateWebhook,
  ZUpdateWebhook,
  ZWebhook,
  ZWebhookDelivery,
  ZWebhookDeliveryPage,
  ZWebhookList,
  ZWebhookWithSecret,
} from "../../shared/webhooks.js";
import { actorOf } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  redeliverWebhook,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
} from "./webhooks.service.js";

const ZWebhookId = z.object({ id: z.uuid("id must be a webhook id (UUID)") });
const ZDeliveryParams = ZWebhookId.extend({ deliveryId: z.uuid("deliveryId must be a delivery id (UUID)") });
const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };
const admins = { access: ["admin"] as const };
/** Answers that hold a secret are never kept for Idempotency-Key replays (http/idempotency.ts). */
const adminsAnsweringSecrets = { ...admins, idempotency: false };
const tags = ["webhooks"];

/** Outbound webhooks (Standard Webhooks 1.0), admins only: docs/webhooks.md. */
export async function webhooksRoutes(app: App) {
  const { database } = app.deps;
  const ctx = serviceContext(app.deps);

  app.get(
    "/api/webhooks",
    {
      config: admins,
      schema: { tags, summary: "Webhook endpoints (admins)", response: { 200: ZWebhookList, ...problems } },
    },
    async () => listWebhooks(database.db),
  );

  app.post(
    "/api/webhooks",
    {
      config: adminsAnsweringSecrets,
      schema: {
        tags,
        summary: "Add a webhook endpoint (admins); the answer holds its secret, shown this once",
        body: ZCreateWebhook,
        response: { 201: ZWebhookWithSecret, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createWebhook(ctx, actorOf(request), request.body)),
  );

  app.get(
    "/api/webhooks/:id",
    {
      config: admins,
      schema: {
        tags,
        summary: "One webhook endpoint (admins)",
        params: ZWebhookId,
        response: { 200: ZWebhook, ...problems },
      },
    },
    async (request) => getWebhook(database.db, request.params.id),
  );

  app.patch(
    "/api/webhooks/:id",
    {
      config: admins,
      schema: {
        tags,
        summary: "Change, enable or disable a webhook endpoint (admins)",
        params: ZWebhookId,
        body: ZUpdateWebhook,
        response: { 200: ZWebhook, ...problems },
      },
    },
    async (request) => updateWebhook(ctx, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    "/api/webhooks/:id",
    {
      config: admins,
      schema: {
        tags,
        summary: "Delete a webhook endpoint and its delivery log (admins)",
        params: ZWebhookId,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteWebhook(ctx, actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/webhooks/:id/rotate-secret",
    {
      config: adminsAnsweringSecrets,
      schema: {
        tags,
        summary: "A new secret, shown this once; the old one keeps signing beside it for 24 h (admins)",
        params: ZWebhookId,
        response: { 200: ZWebhookWithSecret, ...problems },
      },
    },
    async (request) => rotateWebhookSecret(ctx, actorOf(request), request.params.id),
  );

  app.get(
    "/api/webhooks/:id/deliveries",
    {
      config: admins,
      schema: {
        tags,
        summary: "The endpoint's delivery log, newest first, with every attempt (admins)",
        params: ZWebhookId,
        querystring: ZPageQuery,
        response: { 200: ZWebhookDeliveryPage, ...problems },
      },
    },
    async (request) => listDeliveries(database.db, request.params.id, request.query),
  );

  app.post(
    "/api/webhooks/:id/deliveries/:deliveryId/redeliver",
    {
      config: admins,
      schema: {
        tags,
        summary: "Send a delivery's event again, with the same webhook-id (admins)",
        params: ZDeliveryParams,
        response: { 202: ZWebhookDelivery, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await redeliverWebhook(ctx, actorOf(request), request.params.id, request.params.deliveryId)),
  );

  app.post(
    "/api/webhooks/:id/test",
    {
      config: admins,
      schema: {
        tags,
        summary: "Queue a webhook.test event to this endpoint (admins)",
        params: ZWebhookId,
        response: { 202: ZWebhookDelivery, ...problems },
      },
    },
    async (request, reply) => reply.code(202).send(await sendTestEvent(ctx, actorOf(request), request.params.id)),
  );
}
