import { eq, sql } from "drizzle-orm";
import { TWILIO_ERROR_WORDS } from "../../shared/labels.js";
import { SMS_MAX_LENGTH } from "../../shared/sms.js";
import { inTransaction, type ServiceContext } from "../context.js";
import { queryRows } from "../db/client.js";
import { smsLogs } from "../db/schema/index.js";
import { publishSmsChange, smsChangeNotifySql } from "../live/live.publish.js";
import { recordWebhookEvent } from "../webhooks/webhooks.service.js";
import { getSmsLog } from "./sms.service.js";

export interface InboundSms {
  messageSid: string;
  from: string;
  to: string;
  body: string;
}

/** A received text as the rest of the app sees it: its sms_logs row id and what it said. */
export interface ReceivedSms {
  smsId: string;
  from: string;
  body: string;
}

/** What the text was filed under, for its sms_logs row. */
export interface InboundSmsFiling {
  customerId: string | null;
  ticketId: string | null;
  outcome: string;
}

/**
 * What the CRM does with a received text (comment, new ticket, opt-out), in the caller's
 * transaction. The SMS feature only receives and logs; the app passes the handler in (app.ts),
 * so sms/ depends on no feature that depends on it.
 */
export type InboundSmsHandler = (ctx: ServiceContext, sms: ReceivedSms) => Promise<InboundSmsFiling>;

/**
 * A text from a subscriber. The sms_logs row is inserted first with the MessageSid as its unique
 * provider SID, so a webhook Twilio delivers twice has its effect once (the second insert
 * conflicts); the handler's work and the row's filing commit with it.
 */
export async function receiveInboundSms(
  ctx: ServiceContext,
  sms: InboundSms,
  handle: InboundSmsHandler,
): Promise<string> {
  return inTransaction(ctx, async (tx) => {
    const now = ctx.clock.now();
    const [logged] = await tx.db
      .insert(smsLogs)
      .values({
        direction: "inbound",
        fromNumber: sms.from,
        toNumber: sms.to,
        body: sms.body.slice(0, SMS_MAX_LENGTH),
        purpose: "inbound",
        status: "received",
        providerSid: sms.messageSid,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: smsLogs.providerSid })
      .returning({ id: smsLogs.id });
    if (!logged) return "duplicate";
    const filing = await handle(tx, { smsId: logged.id, from: sms.from, body: sms.body });
    await tx.db
      .update(smsLogs)
      .set({ customerId: filing.customerId, ticketId: filing.ticketId })
      .where(eq(smsLogs.id, logged.id));
    await publishSmsChange(tx.db, { ticketId: filing.ticketId, customerId: filing.customerId });
    await recordWebhookEvent(tx, "sms.received", await getSmsLog(tx.db, logged.id));
    return filing.outcome;
  });
}

const RECEIPT_STATUSES = { sent: 2, delivered: 3, undelivered: 3, failed: 3 } as const;
type ReceiptStatus = keyof typeof RECEIPT_STATUSES;

export interface StatusCallback {
  messageSid: string;
  messageStatus: string;
  errorCode: string | null;
}

/**
 * A delivery receipt. Receipts arrive out of order and more than once; a row only moves forward
 * (queued → sending → sent → delivered/undelivered/failed), so a late `sent` after `delivered`
 * changes nothing, and a repeated receipt neither.
 */
export async function applyStatusCallback(ctx: ServiceContext, receipt: StatusCallback): Promise<boolean> {
  // Own keys only: a status named "constructor" or "hasOwnProperty" is unknown, not inherited.
  if (!Object.hasOwn(RECEIPT_STATUSES, receipt.messageStatus)) return false;
  const status = receipt.messageStatus as ReceiptStatus;
  const rank = RECEIPT_STATUSES[status];
  const failed = status === "failed" || status === "undelivered";
  const words =
    receipt.errorCode && Object.hasOwn(TWILIO_ERROR_WORDS, receipt.errorCode)
      ? TWILIO_ERROR_WORDS[receipt.errorCode]
      : undefined;
  const reason = failed
    ? `${words ?? "Twilio reported the message as not delivered"}${receipt.errorCode ? ` (error ${receipt.errorCode})` : ""}`
    : null;
  const now = ctx.clock.now();
  return inTransaction(ctx, async (tx) => {
    // One statement: the row moves forward or stays. The ticket's timeline reads the new state from the row.
    const updated = await queryRows<{ id: string }>(
      tx.db,
      sql`with updated as (
            update sms_logs
            set status = ${status}, updated_at = ${now},
                error_code = coalesce(${receipt.errorCode}, error_code),
                reason = coalesce(${reason}, reason), next_attempt_at = null
            where provider_sid = ${receipt.messageSid} and direction = 'outbound'
              and (case status when 'queued' then 0 when 'sending' then 1 when 'sent' then 2 else 3 end) < ${rank}
            returning id, ticket_id, customer_id, incident_id)
          select id, ${smsChangeNotifySql("updated")} from updated`,
    );
    // A failure receipt is final (rows only move forward): the sms.failed event, with the failed row.
    const [failedRow] = failed ? updated : [];
    if (failedRow) await recordWebhookEvent(tx, "sms.failed", await getSmsLog(tx.db, failedRow.id));
    return updated.length > 0;
  });
}
