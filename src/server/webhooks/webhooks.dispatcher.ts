import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import { recordAudit } from "../audit/audit.service.js";
import { type Clock, HOUR } from "../clock.js";
import type { Config } from "../config.js";
import { type DatabaseHandle, type Executor, queryRows } from "../db/client.js";
import { OutboxDispatcher } from "../db/outbox-dispatcher.js";
import { webhookAttempts, webhookEndpoints } from "../db/schema/index.js";
import type { App } from "../deps.js";
import { notifyWebhookDisabled } from "../notifications/notifications.service.js";
import { AddressPolicy, type PostResult, WebhookClient } from "./webhooks.network.js";
import { failPendingDeliveries, signingSecrets, WEBHOOK_OUTBOX_CHANNEL } from "./webhooks.service.js";
import { webhookHeaders } from "./webhooks.signing.js";

declare module "fastify" {
  interface FastifyInstance {
    webhookDispatcher: WebhookDispatcher;
  }
}

export interface WebhookDispatcherOptions {
  /** How often the outbox is read when no NOTIFY arrives (a lost notification, a retry that falls due). */
  pollIntervalMs: number;
  /** Rows claimed per round; they are sent concurrently. */
  batchSize: number;
  timeoutMs: number;
  /** A claimed row belongs to its instance this long; after that another instance may take it over. */
  leaseMs: number;
  /** The delay after the first failed attempt; it doubles with each further one, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A delivery is retried until this long after it was queued (the last retry may fall later). */
  retryWindowMs: number;
  /** An endpoint whose every delivery failed for this long is disabled. */
  disableAfterMs: number;
}

/**
 * Retries after about 30 s, 1, 2, 4 … min, then every 6 h (±20 % jitter), for 24 h: about 14
 * attempts, the last one 24–30 h after the first.
 */
export function dispatcherOptions(config: Config): WebhookDispatcherOptions {
  const timeoutMs = config.WEBHOOK_TIMEOUT_SECONDS * 1000;
  return {
    pollIntervalMs: 5_000,
    batchSize: 50,
    timeoutMs,
    leaseMs: timeoutMs + 60_000,
    baseDelayMs: 30_000,
    maxDelayMs: 6 * HOUR,
    retryWindowMs: 24 * HOUR,
    disableAfterMs: 72 * HOUR,
  };
}

interface ClaimedDelivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number;
  created_at: Date | string;
  url: string;
  description: string;
  enabled: boolean;
  secret: string;
  previous_secrets: { secret: string; expiresAt: string }[];
  body: string;
}

type Outcome =
  | { kind: "delivered"; status: number }
  | { kind: "gone" }
  | { kind: "retry"; error: string; status: number | null; retryAt: Date }
  | { kind: "gave_up"; error: string; status: number | null };

/** Registers the app's dispatcher: started when the app is ready, stopped (after in-flight sends) on close. */
export function registerWebhookDispatcher(app: App): void {
  const { config, database, clock } = app.deps;
  const dispatcher = new WebhookDispatcher(
    {
      database,
      config,
      clock,
      log: app.log,
      client: new WebhookClient(new AddressPolicy(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS)),
    },
    dispatcherOptions(config),
  );
  app.decorate("webhookDispatcher", dispatcher);
  app.addHook("onReady", async () => {
    await dispatcher.start();
  });
  app.addHook("onClose", async () => {
    await dispatcher.stop();
  });
}

/**
 * Delivers the webhook outbox. Every app instance runs one; rows are claimed with FOR UPDATE SKIP
 * LOCKED and a lease, so instances never take the same row at once, and a row whose instance died
 * mid-send is taken over when the lease runs out (at-least-once; receivers deduplicate by
 * webhook-id, as Standard Webhooks expects).
 */
export class WebhookDispatcher extends OutboxDispatcher<ClaimedDelivery> {
  constructor(
    private readonly deps: {
      database: DatabaseHandle;
      config: Config;
      clock: Clock;
      log: FastifyBaseLogger;
      client: WebhookClient;
    },
    readonly options: WebhookDispatcherOptions,
  ) {
    super({ database: deps.database, channel: WEBHOOK_OUTBOX_CHANNEL, log: deps.log, name: "Webhook dispatcher" });
  }

  protected pollIntervalMs(): number {
    return this.options.pollIntervalMs;
  }

  /** Stops after the deliveries in flight, then closes the HTTP client's connections. */
  override async stop(): Promise<void> {
    await super.stop();
    this.deps.client.close();
  }

  protected async claim(): Promise<ClaimedDelivery[]> {
    const now = this.deps.clock.now();
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    // The partial index webhook_deliveries_outbox_idx serves the inner select. A row still
    // `sending` whose lease ran out belongs to an instance that died mid-send: take it over.
    return queryRows<ClaimedDelivery>(
      this.deps.database.db,
      sql`with claimed as (
            update webhook_deliveries d
            set status = 'sending', attempts = d.attempts + 1, next_attempt_at = ${leaseUntil}, updated_at = ${now}
            from (
              select id from webhook_deliveries
              where status in ('pending', 'sending') and next_attempt_at <= ${now}
              order by next_attempt_at
              limit ${this.options.batchSize}
              for update skip locked
            ) due
            where d.id = due.id
            returning d.id, d.endpoint_id, d.event_id, d.attempts, d.created_at
          )
          select claimed.*, e.url, e.description, e.enabled, e.secret, e.previous_secrets, ev.body
          from claimed
          join webhook_endpoints e on e.id = claimed.endpoint_id
          join webhook_events ev on ev.id = claimed.event_id`,
    );
  }

  protected async deliver(row: ClaimedDelivery): Promise<void> {
    try {
      if (!row.enabled) {
        await this.recordOutcome(row, { kind: "gave_up", error: "Not sent: the endpoint is disabled", status: null });
        return;
      }
      const secrets = signingSecrets(
        { secret: row.secret, previousSecrets: row.previous_secrets },
        this.deps.clock.now(),
      );
      // The receiver compares webhook-timestamp with its own clock (Standard Webhooks: ±5 min), so
      // it is the real time of this request, whatever the app's clock says about scheduling.
      const headers = webhookHeaders(secrets, row.event_id, Math.floor(Date.now() / 1000), row.body);
      const at = this.deps.clock.now();
      const started = performance.now();
      const result = await this.deps.client.post(row.url, headers, row.body, this.options.timeoutMs);
      const durationMs = Math.round(performance.now() - started);
      await this.recordOutcome(row, this.outcomeOf(row, result), {
        attempt: row.attempts,
        at,
        durationMs,
        url: row.url,
        requestHeaders: headers,
        responseStatus: result.ok ? result.response.status : null,
        responseBody: result.ok ? result.response.body : null,
        error: result.ok ? null : result.error,
      });
    } catch (error) {
      // Recording failed (the database is away): the lease runs out and the row is sent again.
      this.deps.log.error({ err: error, deliveryId: row.id }, "Webhook dispatcher: recording the outcome failed");
    }
  }

  private outcomeOf(row: ClaimedDelivery, result: PostResult): Outcome {
    const status = result.ok ? result.response.status : null;
    if (status !== null && status >= 200 && status < 300) return { kind: "delivered", status };
    if (status === 410) return { kind: "gone" };
    const error = result.ok ? `The endpoint answered ${status}` : `Attempt failed: ${result.error}`;
    const now = this.deps.clock.now();
    if (now.getTime() - new Date(row.created_at).getTime() >= this.options.retryWindowMs) {
      return { kind: "gave_up", error: `Gave up after ${row.attempts} attempts over 24 h. Last: ${error}`, status };
    }
    return { kind: "retry", error, status, retryAt: new Date(now.getTime() + this.backoffMs(row.attempts)) };
  }

  /**
   * The attempt, the delivery's new state and the endpoint's health, in one transaction. The
   * delivery's update applies only to the attempt this instance claimed: after a lease takeover
   * the newer attempt owns the row. An endpoint deleted while its delivery was in flight took the
   * delivery with it (cascade): there is nothing left to record, and that is no error.
   */
  private async recordOutcome(
    row: ClaimedDelivery,
    outcome: Outcome,
    attempt?: typeof webhookAttempts.$inferInsert extends infer A ? Omit<A, "deliveryId" | "id"> : never,
  ): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.database.db.transaction(async (tx) => {
      // The endpoint first, as deleteWebhook locks it (FOR UPDATE) before its cascade reaches the
      // delivery: taken in the other order, a delete racing this transaction would deadlock with
      // it. KEY SHARE lets other deliveries of the endpoint record at the same time, and this
      // transaction may still update the row itself (failing_since) without waiting on a delete.
      const [endpoint] = await tx
        .select({ id: webhookEndpoints.id })
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.id, row.endpoint_id))
        .for("key share");
      if (!endpoint) {
        this.deps.log.debug(
          { deliveryId: row.id, webhookId: row.endpoint_id },
          "Webhook endpoint deleted mid-delivery",
        );
        return;
      }
      if (attempt) await tx.insert(webhookAttempts).values({ ...attempt, deliveryId: row.id });
      const delivered = outcome.kind === "delivered";
      const status = delivered ? "delivered" : outcome.kind === "retry" ? "pending" : "failed";
      const responseStatus = outcome.kind === "gone" ? 410 : outcome.status;
      const error =
        outcome.kind === "gone"
          ? "The endpoint answered 410 Gone: it was disabled"
          : outcome.kind === "delivered"
            ? null
            : outcome.error;
      // A retry for an endpoint disabled meanwhile (410 or the 3-day rule on another delivery) is given up.
      const retryStatus = sql`case when (select enabled from webhook_endpoints where id = ${row.endpoint_id})
            then 'pending'::webhook_delivery_status else 'failed'::webhook_delivery_status end`;
      const owned = await queryRows<{ id: string }>(
        tx,
        sql`update webhook_deliveries
            set status = ${outcome.kind === "retry" ? retryStatus : sql`${status}::webhook_delivery_status`}, next_attempt_at = ${outcome.kind === "retry" ? outcome.retryAt : null},
                last_attempt_at = ${attempt ? now : sql`last_attempt_at`}, last_response_status = ${responseStatus},
                last_error = ${error}, delivered_at = ${delivered ? now : null}, updated_at = ${now}
            where id = ${row.id} and status = 'sending' and attempts = ${row.attempts}
            returning id`,
      );
      if (owned.length === 0 || !attempt) return;
      if (delivered) {
        await tx
          .update(webhookEndpoints)
          .set({ failingSince: null })
          .where(and(eq(webhookEndpoints.id, row.endpoint_id), isNotNull(webhookEndpoints.failingSince)));
        return;
      }
      if (outcome.kind === "gone") {
        await this.disable(
          tx,
          row,
          `Disabled on ${now.toISOString()}: the endpoint answered 410 Gone, which asks the sender to stop.`,
          now,
        );
        return;
      }
      await tx
        .update(webhookEndpoints)
        .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now})` })
        .where(eq(webhookEndpoints.id, row.endpoint_id));
      // The update above waited for any transaction that had just disabled the endpoint (410, or
      // the 3-day rule on another delivery), so this read sees it: a retry recorded for a disabled
      // endpoint is given up as its other deliveries were, not left pending for ever.
      const [state] = await tx
        .select({ since: webhookEndpoints.failingSince, enabled: webhookEndpoints.enabled })
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.id, row.endpoint_id));
      if (state && !state.enabled) {
        await failPendingDeliveries(tx, row.endpoint_id, "Not sent: the endpoint was disabled", now);
        return;
      }
      const since = state?.since;
      if (since && since.getTime() <= now.getTime() - this.options.disableAfterMs) {
        await this.disable(
          tx,
          row,
          `Disabled on ${now.toISOString()}: every delivery since ${since.toISOString()} failed (3 days). Last: ${
            attempt.error ? `Attempt failed: ${attempt.error}` : `The endpoint answered ${attempt.responseStatus}`
          }`,
          now,
        );
      }
    });
  }

  /**
   * Disables the endpoint with its reason: shown in Settings → Webhooks, logged, audited, and told
   * to every admin (a `webhook_disabled` notification). Only the transaction whose update disabled
   * it does the rest, so a disable racing another instance's (or a retry) tells the admins once.
   */
  private async disable(tx: Executor, row: ClaimedDelivery, reason: string, now: Date): Promise<void> {
    const [disabled] = await tx
      .update(webhookEndpoints)
      .set({ enabled: false, disabledReason: reason, disabledAt: now, updatedAt: now })
      .where(and(eq(webhookEndpoints.id, row.endpoint_id), eq(webhookEndpoints.enabled, true)))
      .returning({ id: webhookEndpoints.id });
    if (!disabled) return;
    await failPendingDeliveries(tx, row.endpoint_id, "Not sent: the endpoint was disabled", now);
    await notifyWebhookDisabled(
      { db: tx, clock: this.deps.clock, config: this.deps.config },
      { id: row.endpoint_id, url: row.url, description: row.description },
      reason,
    );
    await recordAudit(tx, {
      actorId: null,
      action: "webhook.disabled",
      entityType: "webhook",
      entityId: row.endpoint_id,
      data: { url: row.url, reason },
      at: now,
    });
    this.deps.log.warn({ webhookId: row.endpoint_id, url: row.url }, `Webhook endpoint disabled. ${reason}`);
  }

  /** Exponential backoff with ±20 % jitter, so a burst of failures does not retry in lockstep. */
  backoffMs(attempt: number): number {
    const base = Math.min(this.options.baseDelayMs * 2 ** (attempt - 1), this.options.maxDelayMs);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}
