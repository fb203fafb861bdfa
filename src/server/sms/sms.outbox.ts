import { and, eq, sql } from "drizzle-orm";
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { SmsPurpose } from "../../shared/enums.js";
import { SMS_MAX_LENGTH } from "../../shared/sms.js";
import { type Config, twilioConfigured } from "../config.js";
import type { ServiceContext } from "../context.js";
import { type Executor, queryRows } from "../db/client.js";
import { notify } from "../db/notify.js";
import { type OutboxState, type OutboxStateRow, toOutboxState } from "../db/outbox-dispatcher.js";
import { smsLogs } from "../db/schema/index.js";
import { publishSmsChange } from "../live/live.publish.js";

/**
 * The SMS outbox: `sms_logs` rows in `queued` state. A feature that wants a message sent writes
 * the row in its own transaction (so the change and its SMS commit together, or neither does);
 * the dispatcher of any instance sends it after commit.
 */

/** The channel the dispatchers LISTEN on; NOTIFY inside the transaction is delivered on commit only. */
export const SMS_OUTBOX_CHANNEL = "sms_outbox";

export type SmsLogRow = typeof smsLogs.$inferSelect;

export interface OutboundSms {
  purpose: SmsPurpose;
  body: string;
  to: string | null;
  ticketId: string | null;
  customerId: string | null;
  userId: string | null;
  /** The public reply (ticket comment) the message carries; absent for other messages. */
  commentId?: string | null;
  /** The incident the message is about (purpose incident). */
  incidentId?: string | null;
  /** Null: queue it for the dispatcher. */
  skipReason: string | null;
}

/** Writes the outbox row (queued, or skipped with the reason) and wakes the dispatchers once the caller commits. */
export async function writeOutboundSms(ctx: ServiceContext, sms: OutboundSms): Promise<SmsLogRow> {
  const now = ctx.clock.now();
  const queued = sms.skipReason === null;
  const [row] = await ctx.db
    .insert(smsLogs)
    .values({
      direction: "outbound",
      toNumber: sms.to,
      fromNumber: ctx.config.TWILIO_PHONE_NUMBER ?? null,
      body: sms.body.slice(0, SMS_MAX_LENGTH),
      purpose: sms.purpose,
      ticketId: sms.ticketId,
      customerId: sms.customerId,
      userId: sms.userId,
      commentId: sms.commentId ?? null,
      incidentId: sms.incidentId ?? null,
      status: queued ? "queued" : "skipped",
      reason: sms.skipReason,
      nextAttemptAt: queued ? now : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!row) throw new Error("inserting the SMS row returned nothing");
  // The dispatchers wake (a queued row) and the live stream hears of it, at commit (in a
  // transaction, in one statement with its other notifications).
  if (queued) await notify(ctx.db, SMS_OUTBOX_CHANNEL);
  await publishSmsChange(ctx.db, row);
  return row;
}

/** One message of an incident send: to one phone number, or skipped with the reason. */
export interface IncidentSms {
  to: string | null;
  body: string;
  customerId: string;
  skipReason: string | null;
}

/**
 * The rows of one message to everyone an incident affects, in the caller's transaction: a few
 * multi-row inserts, one NOTIFY. `notBefore` holds them (quiet hours): the dispatcher takes a row
 * only once its next attempt is due.
 */
export async function writeIncidentSmsBatch(
  ctx: ServiceContext,
  input: {
    incidentId: string;
    incidentMessageId: string;
    userId: string | null;
    notBefore: Date | null;
    messages: IncidentSms[];
  },
): Promise<void> {
  const now = ctx.clock.now();
  const from = ctx.config.TWILIO_PHONE_NUMBER ?? null;
  const nextAttemptAt = input.notBefore ?? now;
  // One statement for the whole send (20,000 rows in one round trip): the rows travel as one JSON
  // parameter and PostgreSQL unpacks them; building 20 multi-row VALUES statements of 17,000
  // parameters each cost more in the app than the inserts did in the database.
  for (let offset = 0; offset < input.messages.length; offset += 50_000) {
    const rows = input.messages.slice(offset, offset + 50_000).map((sms) => ({
      to_number: sms.to,
      body: sms.body.slice(0, SMS_MAX_LENGTH),
      customer_id: sms.customerId,
      reason: sms.skipReason,
    }));
    await ctx.db.execute(sql`
      insert into sms_logs (direction, to_number, from_number, body, purpose, customer_id, user_id, incident_id,
                            incident_message_id, status, reason, next_attempt_at, created_at, updated_at)
      select 'outbound', m.to_number, ${from}, m.body, 'incident', m.customer_id, ${input.userId}::uuid,
             ${input.incidentId}::uuid, ${input.incidentMessageId}::uuid,
             (case when m.reason is null then 'queued' else 'skipped' end)::sms_status, m.reason,
             case when m.reason is null then ${nextAttemptAt}::timestamptz end, ${now}::timestamptz, ${now}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
             as m(to_number text, body text, customer_id uuid, reason text)`);
  }
  if (input.messages.some((sms) => sms.skipReason === null)) await wakeDispatchers(ctx.db);
  await publishSmsChange(ctx.db, { incidentId: input.incidentId });
}

/**
 * Stops what of an incident send is not yet sent: rows still queued (not claimed by a
 * dispatcher) become cancelled. A row being claimed meanwhile is locked, and once the claim
 * commits it is `sending`, so the status check leaves it alone. Returns how many were cancelled.
 */
export async function cancelQueuedIncidentSms(ctx: ServiceContext, incidentMessageId: string): Promise<number> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .update(smsLogs)
    .set({ status: "cancelled", reason: "Cancelled before it was sent", nextAttemptAt: null, updatedAt: now })
    .where(and(eq(smsLogs.incidentMessageId, incidentMessageId), eq(smsLogs.status, "queued")))
    .returning({ id: smsLogs.id, incidentId: smsLogs.incidentId });
  if (rows[0]) await publishSmsChange(ctx.db, { incidentId: rows[0].incidentId });
  return rows.length;
}

/** Wakes every instance's dispatcher (on commit, when called inside a transaction). */
export async function wakeDispatchers(db: Executor): Promise<void> {
  await notify(db, SMS_OUTBOX_CHANNEL);
}

/**
 * The outbox's depth and age for GET /metrics: one statement over the rows the partial index
 * sms_logs_outbox_idx holds (queued and sending), never the whole log.
 */
export async function readSmsOutboxState(db: Executor, now: Date): Promise<OutboxState> {
  const [row] = await queryRows<OutboxStateRow>(
    db,
    sql`select count(*) filter (where status = 'queued') as waiting,
               count(*) filter (where status = 'sending') as in_flight,
               min(created_at) as oldest_created_at,
               min(next_attempt_at) filter (where status = 'queued' and next_attempt_at <= ${now}) as oldest_due_at
          from sms_logs
         where status in ('queued', 'sending')`,
  );
  return toOutboxState(row);
}

/** Why nothing can be sent at all, in words for any staff member; null when Twilio is configured. */
export const NOT_CONFIGURED_REASON = "SMS sending is not set up";

export function notConfiguredReason(config: Config): string | null {
  return twilioConfigured(config) ? null : NOT_CONFIGURED_REASON;
}

/** For admins only (the SMS-off banner): the settings that switch sending on, by name. */
export function notConfiguredAdminHint(config: Config): string | null {
  if (twilioConfigured(config)) return null;
  return "Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER (and PUBLIC_URL, for delivery receipts and replies) in the server's environment and restart it; docs/sms.md explains each.";
}

export type NumberCheck = { ok: true; number: string } | { ok: false; number: string | null; reason: string };

/** A number Twilio can text: valid, and not known to be a landline. */
export function checkNumber(phone: string | null, who: string, config: Config): NumberCheck {
  if (!phone || phone.trim() === "") return { ok: false, number: null, reason: `${who} has no phone number` };
  const parsed = parsePhoneNumberFromString(phone, config.DEFAULT_COUNTRY as CountryCode);
  if (!parsed?.isValid()) {
    return { ok: false, number: phone, reason: `${who} phone ${phone} is not a valid number` };
  }
  const type = parsed.getType();
  if (type === "FIXED_LINE" || type === "PREMIUM_RATE" || type === "SHARED_COST" || type === "VOICEMAIL") {
    return { ok: false, number: parsed.number, reason: `${who} phone ${parsed.number} is not a mobile number` };
  }
  return { ok: true, number: parsed.number };
}
