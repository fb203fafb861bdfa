import { and, eq } from "drizzle-orm";
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { SmsPurpose } from "../../shared/enums.js";
import { SMS_MAX_LENGTH } from "../../shared/sms.js";
import { type Config, twilioConfigured } from "../config.js";
import type { ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { notify } from "../db/notify.js";
import { smsLogs } from "../db/schema/index.js";

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
  if (queued) await wakeDispatchers(ctx.db);
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
  // 1,000 rows of 17 parameters stay far below PostgreSQL's 65,535 parameters per statement.
  for (let offset = 0; offset < input.messages.length; offset += 1000) {
    await ctx.db.insert(smsLogs).values(
      input.messages.slice(offset, offset + 1000).map((sms) => {
        const queued = sms.skipReason === null;
        return {
          direction: "outbound" as const,
          toNumber: sms.to,
          fromNumber: from,
          body: sms.body.slice(0, SMS_MAX_LENGTH),
          purpose: "incident" as const,
          customerId: sms.customerId,
          userId: input.userId,
          incidentId: input.incidentId,
          incidentMessageId: input.incidentMessageId,
          status: queued ? ("queued" as const) : ("skipped" as const),
          reason: sms.skipReason,
          nextAttemptAt: queued ? (input.notBefore ?? now) : null,
          createdAt: now,
          updatedAt: now,
        };
      }),
    );
  }
  if (input.messages.some((sms) => sms.skipReason === null)) await wakeDispatchers(ctx.db);
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
    .returning({ id: smsLogs.id });
  return rows.length;
}

/** Wakes every instance's dispatcher (on commit, when called inside a transaction). */
export async function wakeDispatchers(db: Executor): Promise<void> {
  await notify(db, SMS_OUTBOX_CHANNEL);
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
