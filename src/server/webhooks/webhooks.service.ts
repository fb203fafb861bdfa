import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type {
  CreateWebhook,
  UpdateWebhook,
  Webhook,
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookEventType,
  WebhookList,
  WebhookWithSecret,
} from "../../shared/webhooks.js";
import { WEBHOOK_TEST_EVENT } from "../../shared/webhooks.js";
import { recordAudit } from "../audit/audit.service.js";
import { HOUR } from "../clock.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import { type Executor, queryRows } from "../db/client.js";
import { notify } from "../db/notify.js";
import { type OutboxState, type OutboxStateRow, toOutboxState } from "../db/outbox-dispatcher.js";
import { webhookAttempts, webhookDeliveries, webhookEndpoints, webhookEvents } from "../db/schema/index.js";
import { AppError, notFound } from "../http/errors.js";
import { decodeCursor, encodeCursor, ZCursorTimestamp } from "../http/pagination.js";
import { generateMessageId, generateWebhookSecret } from "./webhooks.signing.js";

/** The channel the webhook dispatchers LISTEN on; a NOTIFY in a transaction is delivered on commit only. */
export const WEBHOOK_OUTBOX_CHANNEL = "webhook_outbox";

/** How long the secret replaced by a rotation keeps signing. */
export const SECRET_OVERLAP_MS = 24 * HOUR;
/**
 * Replaced secrets that may sign at once beside the current one. Each rotation's old secret keeps
 * signing for its whole overlap (a receiver mid-rotation still verifies with it), so rotations
 * within a day add signatures; this bounds the header. A rotation that would push out a secret
 * still inside its overlap is refused (409) until the oldest one expires.
 */
export const MAX_PREVIOUS_SECRETS = 4;

type EndpointRow = typeof webhookEndpoints.$inferSelect;

/**
 * The delivery outbox's depth and age for GET /metrics: one statement over the rows the partial
 * index webhook_deliveries_outbox_idx holds (pending and sending).
 */
export async function readWebhookOutboxState(db: Executor, now: Date): Promise<OutboxState> {
  const [row] = await queryRows<OutboxStateRow>(
    db,
    sql`select count(*) filter (where status = 'pending') as waiting,
               count(*) filter (where status = 'sending') as in_flight,
               min(created_at) as oldest_created_at,
               min(next_attempt_at) filter (where status = 'pending' and next_attempt_at <= ${now}) as oldest_due_at
          from webhook_deliveries
         where status in ('pending', 'sending')`,
  );
  return toOutboxState(row);
}

export function toWebhook(row: EndpointRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events as WebhookEventType[],
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    failingSince: row.failingSince?.toISOString() ?? null,
    // The last of the replaced secrets to stop signing (they stop in the order they were replaced).
    previousSecretExpiresAt: row.previousSecrets.at(-1)?.expiresAt ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Queues `type` for every enabled endpoint that subscribes to it, in the caller's transaction:
 * the event and its outbox rows commit with the change that caused them, or not at all, and the
 * NOTIFY wakes the dispatchers at commit. `data` is the resource as the API returns it.
 */
export async function recordWebhookEvent(ctx: ServiceContext, type: WebhookEventType, data: unknown): Promise<void> {
  await recordWebhookEvents(ctx, type, async () => [data]);
}

/**
 * One event per item, for many changes at once (a CSV import): `load` reads the items only when
 * an endpoint subscribes, and the events and deliveries are written with one statement each.
 */
export async function recordWebhookEvents(
  ctx: ServiceContext,
  type: WebhookEventType,
  load: () => Promise<unknown[]>,
): Promise<void> {
  await inTransaction(ctx, async ({ db }) => {
    // Endpoints are few (an admin's list): a scan of the table is the cheapest read there is.
    const endpoints = await db
      .select({ id: webhookEndpoints.id })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.enabled, true), sql`${type} = any(${webhookEndpoints.events})`));
    if (endpoints.length === 0) return;
    const items = await load();
    if (items.length === 0) return;
    await queueEvents(
      ctx,
      db,
      type,
      items,
      endpoints.map((endpoint) => endpoint.id),
    );
  });
}

/** Writes the events and one pending delivery per event and endpoint; returns the deliveries' ids. */
async function queueEvents(
  ctx: ServiceContext,
  db: Executor,
  type: string,
  items: unknown[],
  endpointIds: string[],
): Promise<string[]> {
  const now = ctx.clock.now();
  const events = items.map((data) => ({
    id: generateMessageId(),
    type,
    body: JSON.stringify({ type, timestamp: now.toISOString(), data }),
    createdAt: now,
  }));
  await db.insert(webhookEvents).values(events);
  const rows = await db
    .insert(webhookDeliveries)
    .values(
      events.flatMap((event) =>
        endpointIds.map((endpointId) => ({
          endpointId,
          eventId: event.id,
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        })),
      ),
    )
    .returning({ id: webhookDeliveries.id });
  await notify(db, WEBHOOK_OUTBOX_CHANNEL);
  return rows.map((row) => row.id);
}

export async function listWebhooks(db: Executor): Promise<WebhookList> {
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
  return { items: rows.map(toWebhook) };
}

async function findEndpointRow(db: Executor, id: string, options: { lock?: boolean } = {}): Promise<EndpointRow> {
  const query = db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1);
  const [row] = options.lock ? await query.for("update") : await query;
  if (!row) throw notFound("webhook.not_found", "This webhook");
  return row;
}

export async function getWebhook(db: Executor, id: string): Promise<Webhook> {
  return toWebhook(await findEndpointRow(db, id));
}

export async function createWebhook(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateWebhook,
): Promise<WebhookWithSecret> {
  return inTransaction(ctx, async ({ db }) => {
    const now = ctx.clock.now();
    const secret = generateWebhookSecret();
    const [row] = await db
      .insert(webhookEndpoints)
      .values({
        url: input.url,
        description: input.description ?? "",
        events: input.events,
        secret,
        createdById: actor.id,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    await recordAudit(db, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "webhook.create",
      entityType: "webhook",
      entityId: row.id,
      data: { url: row.url, events: row.events },
      ip: actor.ip,
      at: now,
    });
    return { ...toWebhook(row), secret };
  });
}

/** Every delivery of the endpoint still waiting is given up, with the reason (redeliver brings one back). */
export async function failPendingDeliveries(
  db: Executor,
  endpointId: string,
  reason: string,
  now: Date,
): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: "failed", lastError: reason, nextAttemptAt: null, updatedAt: now })
    .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.status, "pending")));
}

export async function updateWebhook(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateWebhook,
): Promise<Webhook> {
  return inTransaction(ctx, async ({ db }) => {
    const existing = await findEndpointRow(db, id, { lock: true });
    const now = ctx.clock.now();
    const set: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: now };
    if (input.url !== undefined) set.url = input.url;
    if (input.events !== undefined) set.events = input.events;
    if (input.description !== undefined) set.description = input.description;
    if (input.enabled === true && !existing.enabled) {
      // A fresh start: the app's reason for disabling it and the failure run are history.
      Object.assign(set, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
    } else if (input.enabled === false && existing.enabled) {
      Object.assign(set, { enabled: false, disabledReason: null, disabledAt: now });
      await failPendingDeliveries(db, id, "Not sent: an admin disabled the endpoint", now);
    }
    const [row] = await db.update(webhookEndpoints).set(set).where(eq(webhookEndpoints.id, id)).returning();
    if (!row) throw notFound("webhook.not_found", "This webhook");
    await recordAudit(db, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "webhook.update",
      entityType: "webhook",
      entityId: id,
      data: { fields: Object.keys(input) },
      ip: actor.ip,
      at: now,
    });
    return toWebhook(row);
  });
}

export async function deleteWebhook(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  await inTransaction(ctx, async ({ db }) => {
    const existing = await findEndpointRow(db, id, { lock: true });
    // Its deliveries and their attempts go with it (cascade); the events stay for other endpoints.
    await db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    await recordAudit(db, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "webhook.delete",
      entityType: "webhook",
      entityId: id,
      data: { url: existing.url },
      ip: actor.ip,
      at: ctx.clock.now(),
    });
  });
}

/**
 * A new secret, shown once; the one it replaces keeps signing for 24 h beside it, and so do the
 * secrets of earlier rotations still inside their own 24 h (never dropped early: a receiver that
 * has not switched yet would reject every delivery). At most MAX_PREVIOUS_SECRETS at once.
 */
export async function rotateWebhookSecret(ctx: ServiceContext, actor: Actor, id: string): Promise<WebhookWithSecret> {
  return inTransaction(ctx, async ({ db }) => {
    const existing = await findEndpointRow(db, id, { lock: true });
    const now = ctx.clock.now();
    const stillSigning = liveSecrets(existing.previousSecrets, now);
    const oldest = stillSigning[0];
    if (stillSigning.length >= MAX_PREVIOUS_SECRETS && oldest) {
      throw new AppError(
        409,
        "webhook.rotation_limit",
        `This webhook already has ${stillSigning.length} replaced secrets that still sign (each for 24 hours after its rotation). Rotate again after ${oldest.expiresAt}, when the oldest one stops signing.`,
        { possibleAt: oldest.expiresAt },
        { "retry-after": String(Math.max(1, Math.ceil((Date.parse(oldest.expiresAt) - now.getTime()) / 1000))) },
      );
    }
    const secret = generateWebhookSecret();
    const [row] = await db
      .update(webhookEndpoints)
      .set({
        secret,
        previousSecrets: [
          ...stillSigning,
          { secret: existing.secret, expiresAt: new Date(now.getTime() + SECRET_OVERLAP_MS).toISOString() },
        ],
        updatedAt: now,
      })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    if (!row) throw notFound("webhook.not_found", "This webhook");
    await recordAudit(db, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "webhook.rotate_secret",
      entityType: "webhook",
      entityId: id,
      data: { previousSecretsSigning: stillSigning.length + 1 },
      ip: actor.ip,
      at: now,
    });
    return { ...toWebhook(row), secret };
  });
}

type PreviousSecret = { secret: string; expiresAt: string };

function liveSecrets(previous: readonly PreviousSecret[], now: Date): PreviousSecret[] {
  return previous.filter((entry) => Date.parse(entry.expiresAt) > now.getTime());
}

/** The secrets that sign now: the current one, then every replaced one still in its overlap, newest first. */
export function signingSecrets(
  row: { secret: string; previousSecrets: readonly PreviousSecret[] },
  now: Date,
): string[] {
  return [
    row.secret,
    ...liveSecrets(row.previousSecrets, now)
      .reverse()
      .map((entry) => entry.secret),
  ];
}

/** Rows deleted per statement by the retention purge, so no one delete holds locks for long. */
const PURGE_BATCH = 5_000;

/**
 * Housekeeping (src/server/maintenance.ts): the delivery log is kept `retentionDays` after a
 * delivery was delivered or given up (its last change), then deleted with its attempts; an event
 * older than that which no delivery refers to any more goes too. Pending and in-flight deliveries
 * are never touched, however old (a retry may still be due; redeliver makes a new row).
 */
export async function purgeOldWebhookDeliveries(
  db: Executor,
  now: Date,
  retentionDays: number,
): Promise<{ deliveries: number; events: number }> {
  const cutoff = new Date(now.getTime() - retentionDays * 24 * HOUR);
  let deliveries = 0;
  for (;;) {
    // webhook_deliveries_finished_idx serves the inner select; attempts go by cascade.
    const deleted = await queryRows<{ id: string }>(
      db,
      sql`delete from webhook_deliveries where id in (
            select id from webhook_deliveries
            where status in ('delivered', 'failed') and updated_at < ${cutoff}
            limit ${PURGE_BATCH}
          ) returning id`,
    );
    deliveries += deleted.length;
    if (deleted.length < PURGE_BATCH) break;
  }
  let events = 0;
  for (;;) {
    // webhook_events_created_at_idx finds the old events, webhook_deliveries_event_id_idx their deliveries.
    const deleted = await queryRows<{ id: string }>(
      db,
      sql`delete from webhook_events where id in (
            select ev.id from webhook_events ev
            where ev.created_at < ${cutoff}
              and not exists (select 1 from webhook_deliveries d where d.event_id = ev.id)
            limit ${PURGE_BATCH}
          ) returning id`,
    );
    events += deleted.length;
    if (deleted.length < PURGE_BATCH) break;
  }
  return { deliveries, events };
}

const deliveryColumns = {
  delivery: webhookDeliveries,
  eventType: webhookEvents.type,
  body: webhookEvents.body,
};

type DeliveryJoined = {
  delivery: typeof webhookDeliveries.$inferSelect;
  eventType: string;
  body: string;
};

async function toDeliveries(db: Executor, rows: DeliveryJoined[]): Promise<WebhookDelivery[]> {
  const ids = rows.map((row) => row.delivery.id);
  const attempts =
    ids.length === 0
      ? []
      : await db
          .select()
          .from(webhookAttempts)
          .where(inArray(webhookAttempts.deliveryId, ids))
          .orderBy(asc(webhookAttempts.deliveryId), asc(webhookAttempts.attempt));
  const byDelivery = new Map<string, WebhookAttempt[]>();
  for (const attempt of attempts) {
    const list = byDelivery.get(attempt.deliveryId) ?? [];
    list.push({
      attempt: attempt.attempt,
      at: attempt.at.toISOString(),
      durationMs: attempt.durationMs,
      url: attempt.url,
      requestHeaders: attempt.requestHeaders,
      responseStatus: attempt.responseStatus,
      responseBody: attempt.responseBody,
      error: attempt.error,
    });
    byDelivery.set(attempt.deliveryId, list);
  }
  return rows.map(({ delivery, eventType, body }) => ({
    id: delivery.id,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
    lastResponseStatus: delivery.lastResponseStatus,
    lastError: delivery.lastError,
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
    payload: body,
    attemptLog: byDelivery.get(delivery.id) ?? [],
  }));
}

/** The endpoint's delivery log, newest first, paged by a (createdAt, id) keyset. */
export async function listDeliveries(
  db: Executor,
  endpointId: string,
  query: { limit: number; cursor?: string },
): Promise<WebhookDeliveryPage> {
  await findEndpointRow(db, endpointId);
  const after = decodeCursor(query.cursor, z.tuple([ZCursorTimestamp, z.uuid()]));
  const rows = await db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        after
          ? sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(query.limit + 1);
  const items = await toDeliveries(db, rows.slice(0, query.limit));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt, last.id]) : null };
}

async function getDelivery(db: Executor, endpointId: string, id: string): Promise<WebhookDelivery> {
  const rows = await db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.endpointId, endpointId)))
    .limit(1);
  const [delivery] = await toDeliveries(db, rows);
  if (!delivery) throw notFound("webhook.delivery_not_found", "This delivery");
  return delivery;
}

/**
 * Sends a delivered or failed event again, as a new delivery with the same `webhook-id` (so a
 * receiver that already has it can tell), through the outbox like any other.
 */
export async function redeliverWebhook(
  ctx: ServiceContext,
  actor: Actor,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  return inTransaction(ctx, async ({ db }) => {
    const endpoint = await findEndpointRow(db, endpointId);
    const original = await getDelivery(db, endpointId, deliveryId);
    assertEnabled(endpoint);
    const now = ctx.clock.now();
    const [row] = await db
      .insert(webhookDeliveries)
      .values({ endpointId, eventId: original.eventId, nextAttemptAt: now, createdAt: now, updatedAt: now })
      .returning({ id: webhookDeliveries.id });
    if (!row) throw new Error("insert returned no row");
    await notify(db, WEBHOOK_OUTBOX_CHANNEL);
    await recordAudit(db, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "webhook.redeliver",
      entityType: "webhook",
      entityId: endpointId,
      data: { eventId: original.eventId, deliveryId: row.id },
      ip: actor.ip,
      at: now,
    });
    return getDelivery(db, endpointId, row.id);
  });
}

function assertEnabled(endpoint: EndpointRow): void {
  if (!endpoint.enabled) {
    throw new AppError(
      409,
      "webhook.disabled",
      "This webhook is disabled. Enable it first; deliveries to a disabled endpoint are not sent.",
    );
  }
}

/** A `webhook.test` event to this endpoint alone, whatever it subscribes to. */
export async function sendTestEvent(ctx: ServiceContext, actor: Actor, endpointId: string): Promise<WebhookDelivery> {
  return inTransaction(ctx, async ({ db }) => {
    const endpoint = await findEndpointRow(db, endpointId);
    assertEnabled(endpoint);
    const [deliveryId] = await queueEvents(
      ctx,
      db,
      WEBHOOK_TEST_EVENT,
      [{ webhookId: endpointId, message: "A test event sent from Uplink's Settings → Webhooks." }],
      [endpointId],
    );
    if (!deliveryId) throw new Error("queueing the test event returned no delivery");
    await recordAudit(db, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "webhook.test",
      entityType: "webhook",
      entityId: endpointId,
      ip: actor.ip,
      at: ctx.clock.now(),
    });
    return getDelivery(db, endpointId, deliveryId);
  });
}
