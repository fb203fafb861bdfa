import { type SQL, sql } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import { TWILIO_ERROR_WORDS } from "../../shared/labels.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { type DatabaseHandle, type Executor, queryRows } from "../db/client.js";
import { OutboxDispatcher } from "../db/outbox-dispatcher.js";
import type { App } from "../deps.js";
import { smsChangeNotifySql } from "../live/live.publish.js";
import { recordWebhookEvent } from "../webhooks/webhooks.service.js";
import { SMS_OUTBOX_CHANNEL } from "./sms.outbox.js";
import { getSmsLog } from "./sms.service.js";
import { listTwilioMessages, sendTwilioMessage, type TwilioCredentials, twilioCredentials } from "./sms.twilio.js";

declare module "fastify" {
  interface FastifyInstance {
    /** Undefined when Twilio is not configured (nothing is ever queued then). */
    smsDispatcher?: SmsDispatcher;
  }
}

export interface SmsDispatcherOptions {
  /** How often the outbox is read when no NOTIFY arrives (a lost notification, a retry that falls due). */
  pollIntervalMs: number;
  /** Rows claimed per round; they are sent concurrently. */
  batchSize: number;
  /** A claimed row belongs to its instance this long; after that another instance may take it over. */
  leaseMs: number;
  sendTimeoutMs: number;
  /** Attempts in all, the first included; then the row is `failed`. */
  maxAttempts: number;
  /** The delay after the first failed attempt; it doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Messages per second, all instances together (SMS_RATE_PER_SECOND). */
  ratePerSecond: number;
}

/** 8 attempts: retries after about 30 s, 1, 2, 4, 8, 16 and 32 min (±20 % jitter) — about an hour in all. */
export const DEFAULT_DISPATCHER_OPTIONS: SmsDispatcherOptions = {
  pollIntervalMs: 5_000,
  batchSize: 25,
  leaseMs: 120_000,
  sendTimeoutMs: 15_000,
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 32 * 60_000,
  ratePerSecond: 1,
};

/** A send later than this after its slot (and than half a slot) takes a new slot instead (see deliver). */
const LATE_SLOT_MIN_MS = 25;

/** A claim takes the send slots of at most this far ahead, so one instance does not book the next minute. */
const RATE_HORIZON_MS = 1_000;

interface ClaimedSms {
  id: string;
  to_number: string | null;
  from_number: string | null;
  body: string;
  attempts: number;
  ticket_id: string | null;
  created_at: Date | string;
  /** `sending`: taken over from an instance whose lease ran out (it may have sent the message). */
  previous_status: "queued" | "sending";
  /** How long to wait after the claim before sending: the row's slot in the shared send rate. */
  delayMs: number;
  /** The slot on this process's monotonic clock (performance.now()), to tell a late send. */
  dueAt: number;
}

/**
 * What became of one attempt, for this instance's metrics (GET /metrics): `reason` is a short
 * word from a small set (`twilio_<code>` with Twilio's numeric error code), never free text.
 */
export type SmsOutcome = { kind: "sent" } | { kind: "failed" | "retrying"; reason: string };

/** The metrics reason of a Twilio refusal: its error code, else whether it may pass later. */
export function twilioFailureReason(result: { code: string | null; retryable: boolean }): string {
  if (result.code !== null) return /^\d{1,6}$/.test(result.code) ? `twilio_${result.code}` : "twilio_other";
  return result.retryable ? "twilio_unavailable" : "twilio_rejected";
}

/** Twilio's clock and ours may differ this much when comparing a message's creation time with the row's. */
const CLOCK_SKEW_MS = 10 * 60_000;

/** Registers the app's dispatcher: started when the app is ready, stopped (after in-flight sends) on close. */
export function registerSmsDispatcher(app: App): void {
  const credentials = twilioCredentials(app.deps.config);
  if (!credentials) return;
  const { config } = app.deps;
  const dispatcher = new SmsDispatcher(
    { database: app.deps.database, config, clock: app.deps.clock, credentials, log: app.log },
    {
      baseDelayMs: config.SMS_RETRY_BASE_SECONDS * 1000,
      leaseMs: config.SMS_LEASE_SECONDS * 1000,
      ratePerSecond: config.SMS_RATE_PER_SECOND,
    },
  );
  app.decorate("smsDispatcher", dispatcher);
  app.addHook("onReady", async () => {
    await dispatcher.start();
  });
  app.addHook("onClose", async () => {
    await dispatcher.stop();
  });
}

/**
 * Sends the outbox. Every app instance runs one; rows are claimed with FOR UPDATE SKIP LOCKED
 * and a lease, so instances never take the same row at once, and a row whose instance died
 * mid-send is taken over when the lease runs out (at-least-once: see docs/sms.md).
 */
export class SmsDispatcher extends OutboxDispatcher<ClaimedSms> {
  readonly options: SmsDispatcherOptions;

  constructor(
    private readonly deps: {
      database: DatabaseHandle;
      config: Config;
      clock: Clock;
      credentials: TwilioCredentials;
      log: FastifyBaseLogger;
    },
    options: Partial<SmsDispatcherOptions> = {},
  ) {
    super({ database: deps.database, channel: SMS_OUTBOX_CHANNEL, log: deps.log, name: "SMS dispatcher" });
    this.options = { ...DEFAULT_DISPATCHER_OPTIONS, ...options };
  }

  private readonly outcomeListeners = new Set<(outcome: SmsOutcome) => void>();

  /** Tells `listener` of every attempt's outcome on this instance (the metrics' counters); returns its removal. */
  onOutcome(listener: (outcome: SmsOutcome) => void): () => void {
    this.outcomeListeners.add(listener);
    return () => this.outcomeListeners.delete(listener);
  }

  private emit(outcome: SmsOutcome): void {
    for (const listener of this.outcomeListeners) listener(outcome);
  }

  /** Set by a claim that found every slot of the next second taken: when the next one frees. */
  private rateWaitMs: number | undefined;

  protected pollIntervalMs(): number {
    const wait = this.rateWaitMs;
    this.rateWaitMs = undefined;
    return wait === undefined ? this.options.pollIntervalMs : Math.min(this.options.pollIntervalMs, wait);
  }

  /**
   * Claims due rows and gives each a send slot of the rate all instances share. The slots come
   * from one row (sms_send_rate) locked for the claim, so claims of all instances queue on it and
   * consecutive messages are at least 1/rate apart, in the database's time (one clock for all
   * instances). The row's lock is held only for the claim, not while sending.
   */
  protected async claim(): Promise<ClaimedSms[]> {
    const now = this.deps.clock.now();
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    const intervalMs = 1000 / this.options.ratePerSecond;
    return this.deps.database.db.transaction(async (tx) => {
      const [bucket] = await queryRows<{ next_slot_at: Date | string; db_now: Date | string }>(
        tx,
        sql`select next_slot_at, clock_timestamp() as db_now from sms_send_rate where id = 1 for update`,
      );
      const dbNow = bucket ? new Date(bucket.db_now).getTime() : Date.now();
      const localNow = performance.now();
      const start = Math.max(bucket ? new Date(bucket.next_slot_at).getTime() : dbNow, dbNow);
      if (start - dbNow > RATE_HORIZON_MS) {
        this.rateWaitMs = start - dbNow - RATE_HORIZON_MS;
        return [];
      }
      const slots = Math.min(this.options.batchSize, Math.floor((dbNow + RATE_HORIZON_MS - start) / intervalMs) + 1);
      // The partial index sms_logs_outbox_idx serves the inner select. A row still `sending` whose
      // lease ran out belongs to an instance that died between claiming and recording: take it over.
      // Rows of an incident send (thousands at once) come after every other due row, so a ticket
      // notification or an automatic answer queued during a big send waits seconds, not hours.
      const rows = await queryRows<Omit<ClaimedSms, "delayMs">>(
        tx,
        sql`update sms_logs
            set status = 'sending', attempts = sms_logs.attempts + 1, next_attempt_at = ${leaseUntil}, updated_at = ${now}
            from (
              select id, status as previous_status from sms_logs
              where status in ('queued', 'sending') and next_attempt_at <= ${now}
              order by (incident_message_id is not null), next_attempt_at
              limit ${slots}
              for update skip locked
            ) claimed
            where sms_logs.id = claimed.id
            returning sms_logs.id, sms_logs.to_number, sms_logs.from_number, sms_logs.body, sms_logs.attempts,
              sms_logs.ticket_id, sms_logs.created_at, claimed.previous_status`,
      );
      if (rows.length === 0) return [];
      const nextSlot = new Date(start + rows.length * intervalMs);
      await tx.execute(sql`update sms_send_rate set next_slot_at = ${nextSlot} where id = 1`);
      return rows.map((row, index) => {
        const delayMs = Math.max(0, start + index * intervalMs - dbNow);
        return { ...row, delayMs, dueAt: localNow + delayMs };
      });
    });
  }

  protected async deliver(row: ClaimedSms): Promise<void> {
    const { config } = this.deps;
    if (row.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, row.delayMs));
    // Half a slot late (this process was held up: a busy event loop, a paused VM), the message
    // would leave together with the next ones, several in one slot while the other instances keep
    // to theirs: it gives its slot up and takes a new one instead, so bursts never add up above
    // the rate. What is lost is a little throughput during the hold-up, never the message.
    if (performance.now() - row.dueAt > Math.max(LATE_SLOT_MIN_MS, 500 / this.options.ratePerSecond)) {
      await this.releaseLateRow(row).catch((error) =>
        this.deps.log.error({ err: error, smsId: row.id }, "SMS dispatcher: giving a late slot back failed"),
      );
      return;
    }
    if (row.attempts > this.options.maxAttempts) {
      await this.recordFailure(row, {
        code: null,
        message: `Gave up after ${this.options.maxAttempts} attempts`,
        final: true,
        reason: "attempts_exhausted",
      });
      return;
    }
    if (!row.to_number) {
      await this.recordFailure(row, {
        code: null,
        message: "The message has no recipient number",
        final: true,
        reason: "no_recipient",
      });
      return;
    }
    const from = row.from_number ?? config.TWILIO_PHONE_NUMBER ?? "";
    try {
      if (row.previous_status === "sending" && (await this.settledByTwilio(row, row.to_number, from))) return;
    } catch (error) {
      // Recording failed (the database is away): the lease runs out and the check is made again.
      this.deps.log.error({ err: error, smsId: row.id }, "SMS dispatcher: recording the outcome failed");
      return;
    }
    const result = await sendTwilioMessage(
      this.deps.credentials,
      {
        to: row.to_number,
        from,
        body: row.body,
        statusCallback: config.PUBLIC_URL ? `${config.PUBLIC_URL}/webhooks/twilio/status` : undefined,
      },
      this.options.sendTimeoutMs,
    );
    try {
      if (result.ok) {
        await this.recordSent(row, result.sid);
        return;
      }
      const final = !result.retryable || row.attempts >= this.options.maxAttempts;
      const words = result.code ? TWILIO_ERROR_WORDS[result.code] : undefined;
      const message = words ? `${words}. ${result.message}` : result.message;
      await this.recordFailure(row, {
        code: result.code,
        message: final && result.retryable ? `Gave up after ${row.attempts} attempts. Last: ${message}` : message,
        final,
        retryAfterMs: result.retryAfterMs,
        reason: twilioFailureReason(result),
      });
    } catch (error) {
      // Sent but not recorded: the lease runs out and the row is sent again (at-least-once).
      this.deps.log.error({ err: error, smsId: row.id }, "SMS dispatcher: recording the outcome failed");
    }
  }

  /**
   * A row taken over from an expired lease: its instance may have died after Twilio accepted the
   * message and before recording `sent`. Twilio's API has no idempotency key for sending, so its
   * message list is asked first: a message to this number with this text, created since the row
   * was, and recorded on no other row, is this row's message — it is recorded, not sent again.
   * The lease makes the answer reliable: the takeover comes minutes after the crashed attempt.
   * Returns true when the row needs no sending now (recorded, or left for a later check).
   */
  private async settledByTwilio(row: ClaimedSms, to: string, from: string): Promise<boolean> {
    const { log, credentials, database } = this.deps;
    const listed = await listTwilioMessages(credentials, { to, from }, this.options.sendTimeoutMs);
    if (!listed.ok) {
      if (listed.retryable) {
        // Sending now could double the message; the row stays `sending` and is checked again.
        const retryAt = new Date(this.deps.clock.now().getTime() + this.backoffMs(row.attempts));
        const reason = `Attempt ${row.attempts}: could not check whether Twilio accepted an earlier attempt (${listed.message}). Checking again at ${retryAt.toISOString()}`;
        await this.record(
          row,
          sql`status = 'sending', reason = ${reason}, next_attempt_at = ${retryAt}, updated_at = ${this.deps.clock.now()}`,
        );
        return true;
      }
      log.warn(
        { smsId: row.id },
        `SMS dispatcher: could not check whether Twilio accepted an earlier attempt (${listed.message}); sending again, which may repeat the message`,
      );
      return false;
    }
    const since = new Date(row.created_at).getTime() - CLOCK_SKEW_MS;
    const candidates = listed.messages.filter(
      (m) => m.to === to && m.body === row.body && (m.dateCreated === null || m.dateCreated.getTime() >= since),
    );
    if (candidates.length === 0) return false;
    const recorded = await queryRows<{ provider_sid: string }>(
      database.db,
      sql`select provider_sid from sms_logs where provider_sid in (${sql.join(
        candidates.map((m) => sql`${m.sid}`),
        sql`, `,
      )})`,
    );
    const taken = new Set(recorded.map((r) => r.provider_sid));
    const match = candidates.find((m) => !taken.has(m.sid));
    if (!match) return false;
    log.warn(
      { smsId: row.id, sid: match.sid },
      "SMS dispatcher: Twilio had accepted this message before the instance sending it stopped; recorded it instead of sending it again",
    );
    await this.recordSent(row, match.sid);
    return true;
  }

  private async recordSent(row: ClaimedSms, sid: string): Promise<void> {
    this.emit({ kind: "sent" });
    const now = this.deps.clock.now();
    await this.record(
      row,
      sql`status = 'sent', provider_sid = ${sid}, reason = null, error_code = null, next_attempt_at = null, updated_at = ${now}`,
    );
  }

  private async recordFailure(
    row: ClaimedSms,
    failure: { code: string | null; message: string; final: boolean; retryAfterMs?: number | null; reason: string },
  ): Promise<void> {
    this.emit({ kind: failure.final ? "failed" : "retrying", reason: failure.reason });
    const now = this.deps.clock.now();
    const retryAt = failure.final
      ? null
      : new Date(now.getTime() + Math.max(this.backoffMs(row.attempts), failure.retryAfterMs ?? 0));
    const reason = failure.final
      ? failure.message
      : `Attempt ${row.attempts} failed: ${failure.message}. Retrying at ${retryAt?.toISOString()}`;
    const assignments = sql`status = ${failure.final ? "failed" : "queued"}, reason = ${reason}, error_code = ${failure.code},
          next_attempt_at = ${retryAt}, updated_at = ${now}`;
    if (!failure.final) {
      await this.record(row, assignments);
      return;
    }
    // Failed for good: the sms.failed webhook event commits with the row's new state.
    const { database, config, clock } = this.deps;
    await database.db.transaction(async (tx) => {
      if (await this.record(row, assignments, tx)) {
        await recordWebhookEvent({ db: tx, config, clock }, "sms.failed", await getSmsLog(tx, row.id));
      }
    });
  }

  /**
   * The row's outcome. It applies only to the attempt this instance claimed: after a lease
   * takeover the newer attempt owns the row. The ticket's timeline reads the row's state from
   * here (the dispatcher writes only its own table).
   */
  /**
   * Puts a claimed row back as it was (queued, or `sending` for a taken-over row, which must still
   * be checked against Twilio's list), due now: the next claim gives it a fresh slot.
   */
  private async releaseLateRow(row: ClaimedSms): Promise<void> {
    await this.record(
      row,
      sql`status = ${row.previous_status}, attempts = ${row.attempts - 1}, next_attempt_at = ${this.deps.clock.now()}, updated_at = ${this.deps.clock.now()}`,
    );
  }

  private async record(row: ClaimedSms, assignments: SQL, db: Executor = this.deps.database.db): Promise<boolean> {
    const updated = await queryRows<{ id: string }>(
      db,
      // The live stream hears of the new state in the same statement (at commit).
      sql`with updated as (
            update sms_logs set ${assignments}
            where id = ${row.id} and status = 'sending' and attempts = ${row.attempts}
            returning id, ticket_id, customer_id, incident_id)
          select id, ${smsChangeNotifySql("updated")} from updated`,
    );
    return updated.length > 0;
  }

  /** Exponential backoff with ±20 % jitter, so a burst of failures does not retry in lockstep. */
  backoffMs(attempt: number): number {
    const base = Math.min(this.options.baseDelayMs * 2 ** (attempt - 1), this.options.maxDelayMs);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** NOTIFY on commit wakes every instance at once; the poll is the fallback. */
}
