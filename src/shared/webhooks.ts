import { z } from "zod";

/**
 * Outbound webhooks (Standard Webhooks 1.0): what an endpoint can subscribe to, and the API's
 * shapes for endpoints and their delivery log. docs/webhooks.md describes each event's `data`.
 */
export const WEBHOOK_EVENT_TYPES = [
  "ticket.created",
  "ticket.updated",
  "ticket.assigned",
  "ticket.status_changed",
  "ticket.commented",
  "customer.created",
  "customer.updated",
  "customer.archived",
  "customer.restored",
  "sms.received",
  "sms.failed",
  "incident.created",
  "incident.updated",
  "incident.resolved",
  "visit.scheduled",
  "visit.updated",
  "visit.completed",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const ZWebhookEventType = z.enum(WEBHOOK_EVENT_TYPES, {
  error: `events must be among ${WEBHOOK_EVENT_TYPES.join(", ")}`,
});

/** Sent by "Send test event" to one endpoint, whatever it subscribes to. */
export const WEBHOOK_TEST_EVENT = "webhook.test";

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "sending", "delivered", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** Where a webhook may point: http(s), with a host, and no user name or password in it. */
export const ZWebhookUrl = z
  .string({ error: "URL is required" })
  .trim()
  .min(1, "URL is required")
  .max(2_000, "URL must be at most 2,000 characters")
  .superRefine((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "URL is not a valid address (such as https://example.com/hooks)" });
      return;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      ctx.addIssue({ code: "custom", message: "URL must start with https:// or http://" });
    } else if (url.username !== "" || url.password !== "") {
      ctx.addIssue({
        code: "custom",
        message: "URL may not contain a user name or password; the signature authenticates each delivery",
      });
    } else if (url.hostname === "") {
      ctx.addIssue({ code: "custom", message: "URL has no host" });
    }
  });

const ZEvents = z
  .array(ZWebhookEventType, { error: "events must be a list of event types" })
  .min(1, "Choose at least one event")
  .max(WEBHOOK_EVENT_TYPES.length, "events lists an event twice")
  .refine((events) => new Set(events).size === events.length, "events lists an event twice");

const ZDescription = z
  .string({ error: "Description must be text" })
  .trim()
  .max(500, "Description is at most 500 characters");

export const ZCreateWebhook = z
  .object({ url: ZWebhookUrl, events: ZEvents, description: ZDescription.optional() })
  .strict();
export type CreateWebhook = z.infer<typeof ZCreateWebhook>;

export const ZUpdateWebhook = z
  .object({
    url: ZWebhookUrl.optional(),
    events: ZEvents.optional(),
    description: ZDescription.optional(),
    enabled: z.boolean({ error: "enabled must be true or false" }).optional(),
  })
  .strict();
export type UpdateWebhook = z.infer<typeof ZUpdateWebhook>;

const timestamp = z.iso.datetime({ offset: true });

export const ZWebhook = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string(),
    events: z.array(ZWebhookEventType),
    enabled: z.boolean(),
    /** Why the app disabled it (410 Gone, or 3 days of failures); null when enabled or disabled by an admin. */
    disabledReason: z.string().nullable(),
    disabledAt: timestamp.nullable(),
    /** The first failure of the current run of failures; null after a success. */
    failingSince: timestamp.nullable(),
    /** Until then the secret replaced by the last rotation still signs (a second signature). */
    previousSecretExpiresAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Webhook" });
export type Webhook = z.infer<typeof ZWebhook>;

/** The answer to creating an endpoint or rotating its secret: the only time the secret is shown. */
export const ZWebhookWithSecret = ZWebhook.extend({
  secret: z.string().describe("whsec_ + base64 of 32 random bytes: keep it; it is never shown again"),
}).meta({ id: "WebhookWithSecret" });
export type WebhookWithSecret = z.infer<typeof ZWebhookWithSecret>;

export const ZWebhookList = z.object({ items: z.array(ZWebhook) });
export type WebhookList = z.infer<typeof ZWebhookList>;

export const ZWebhookAttempt = z.object({
  attempt: z.number().int(),
  at: timestamp,
  durationMs: z.number().int(),
  url: z.string(),
  /** The headers sent (webhook-id, webhook-timestamp, webhook-signature, content-type). */
  requestHeaders: z.record(z.string(), z.string()),
  /** Null when no answer came (timeout, refused address, network error). */
  responseStatus: z.number().int().nullable(),
  /** The first 1 KB of the answer's body. */
  responseBody: z.string().nullable(),
  error: z.string().nullable(),
});
export type WebhookAttempt = z.infer<typeof ZWebhookAttempt>;

export const ZWebhookDelivery = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    /** The `webhook-id` header: the same for every attempt and redelivery of one event. */
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: timestamp.nullable(),
    lastAttemptAt: timestamp.nullable(),
    lastResponseStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: timestamp.nullable(),
    createdAt: timestamp,
    /** The request body, as signed: `{type, timestamp, data}`. */
    payload: z.string(),
    attemptLog: z.array(ZWebhookAttempt),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDelivery = z.infer<typeof ZWebhookDelivery>;

export const ZWebhookDeliveryPage = z.object({ items: z.array(ZWebhookDelivery), nextCursor: z.string().nullable() });
export type WebhookDeliveryPage = z.infer<typeof ZWebhookDeliveryPage>;

/** Words for the settings page (no zod needed there, but this module is small). */
export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "ticket.created": "A ticket is opened",
  "ticket.updated": "A ticket changes (any field; the changes are listed)",
  "ticket.assigned": "A ticket is assigned or unassigned",
  "ticket.status_changed": "A ticket's status changes",
  "ticket.commented": "A comment is added to a ticket",
  "customer.created": "A customer is created (imports included)",
  "customer.updated": "A customer changes",
  "customer.archived": "A customer is archived",
  "customer.restored": "An archived customer is restored",
  "sms.received": "A text arrives from a subscriber",
  "sms.failed": "An outgoing text fails for good",
  "incident.created": "An incident is opened (or scheduled)",
  "incident.updated": "An incident changes (status, message, ETA, sites…; the changes are listed)",
  "incident.resolved": "An incident is resolved",
  "visit.scheduled": "A technician's visit is scheduled",
  "visit.updated":
    "A visit changes (moved, reassigned, on the way, arrived, no access, cancelled; the changes are listed)",
  "visit.completed": "A visit is completed (with the report and the equipment)",
};
