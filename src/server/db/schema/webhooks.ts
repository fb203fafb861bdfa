import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { WEBHOOK_DELIVERY_STATUSES } from "../../../shared/webhooks.js";
import { users } from "./users.js";

export const webhookDeliveryStatus = pgEnum("webhook_delivery_status", WEBHOOK_DELIVERY_STATUSES);

/** Where events are sent (owned by webhooks/). The secret signs; it is shown once, at creation or rotation. */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    /** Subscribed event types; recordWebhookEvent reads the (few) enabled endpoints with `type = any(events)`. */
    events: text("events").array().notNull(),
    enabled: boolean("enabled").notNull().default(true),
    secret: text("secret").notNull(),
    /**
     * The secrets replaced by rotations, each signing beside the current one until its `expiresAt`
     * (24 h after the rotation that replaced it), oldest first: a second rotation within a day keeps
     * the first one's secret, which receivers may still be verifying with.
     */
    previousSecrets: jsonb("previous_secrets")
      .$type<{ secret: string; expiresAt: string }[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    disabledReason: text("disabled_reason"),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    failingSince: timestamp("failing_since", { withTimezone: true }),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // FK index (deleting a user).
  (t) => [index("webhook_endpoints_created_by_id_idx").on(t.createdById)],
);

/** One event, as signed and sent: `body` is the exact JSON text, so every attempt sends the same bytes. */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    /** `msg_…`: the webhook-id header. */
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // The retention job deletes old events.
  (t) => [index("webhook_events_created_at_idx").on(t.createdAt)],
);

/** The webhook outbox: one row per event and endpoint, `pending` until delivered or given up. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventId: text("event_id")
      .notNull()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    status: webhookDeliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    lastResponseStatus: integer("last_response_status"),
    lastError: text("last_error"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The dispatcher claims due rows of the outbox.
    index("webhook_deliveries_outbox_idx").on(t.nextAttemptAt).where(sql`${t.status} in ('pending', 'sending')`),
    // FK index; an endpoint's delivery log, newest first.
    index("webhook_deliveries_endpoint_id_idx").on(t.endpointId, t.createdAt, t.id),
    // FK index (deleting old events).
    index("webhook_deliveries_event_id_idx").on(t.eventId),
    // The retention job deletes finished deliveries older than WEBHOOK_LOG_RETENTION_DAYS.
    index("webhook_deliveries_finished_idx").on(t.updatedAt).where(sql`${t.status} in ('delivered', 'failed')`),
  ],
);

/** Every attempt of a delivery: what was sent and what came back (the first 1 KB). */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    durationMs: integer("duration_ms").notNull(),
    url: text("url").notNull(),
    requestHeaders: jsonb("request_headers").$type<Record<string, string>>().notNull(),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    error: text("error"),
  },
  // FK index; a delivery's attempts in order (the delivery log).
  (t) => [index("webhook_attempts_delivery_id_idx").on(t.deliveryId, t.attempt)],
);
