import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { OPEN_TICKET_STATUSES } from "../../shared/enums.js";
import { TWILIO_ERROR_WORDS } from "../../shared/labels.js";
import { SMS_MAX_LENGTH } from "../../shared/sms.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Database, type Executor, queryRows } from "../db/client.js";
import { customers, smsLogs, ticketComments, ticketEvents, tickets } from "../db/schema/index.js";
import { dueTimeFor, readSlaHours } from "../tickets/tickets.sla.js";
import { queueTicketCreatedSms, type SmsContext } from "./sms.notifications.js";

/** Carrier and Twilio conventions: these words, alone, stop or restart messages to the sender. */
const OPT_OUT_WORDS = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"]);
const OPT_IN_WORDS = new Set(["START", "UNSTOP", "YES"]);

export interface InboundSms {
  messageSid: string;
  from: string;
  to: string;
  body: string;
}

export type InboundOutcome = "duplicate" | "opted_out" | "opted_in" | "commented" | "ticket_opened";

/**
 * A text from a subscriber. The sms_logs row is inserted first with the MessageSid as its unique
 * provider SID, so a webhook Twilio delivers twice has its effect once (the second insert conflicts).
 */
export async function receiveInboundSms(db: Database, ctx: SmsContext, sms: InboundSms): Promise<InboundOutcome> {
  return db.transaction(async (tx) => {
    const now = ctx.clock.now();
    const [logged] = await tx
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

    const customer = await findCustomerByPhone(tx, sms.from);
    const keyword = sms.body
      .trim()
      .replace(/[.!]+$/, "")
      .toUpperCase();
    const optOut = OPT_OUT_WORDS.has(keyword);
    const optIn = OPT_IN_WORDS.has(keyword);

    if (customer && (optOut || optIn)) {
      const ticket = await findLatestTicket(tx, customer.id, false);
      await tx
        .update(customers)
        .set({ smsOptOut: optOut, updatedAt: now, version: sql`${customers.version} + 1` })
        .where(eq(customers.id, customer.id));
      await tx
        .update(smsLogs)
        .set({ customerId: customer.id, ticketId: ticket?.id ?? null })
        .where(eq(smsLogs.id, logged.id));
      if (ticket) {
        await tx.insert(ticketEvents).values({
          ticketId: ticket.id,
          kind: optOut ? "customer_opted_out" : "customer_opted_in",
          data: { smsId: logged.id, keyword, customerId: customer.id },
          createdAt: now,
        });
      }
      await recordAudit(tx, {
        actorId: null,
        action: optOut ? "customer.sms_opted_out" : "customer.sms_opted_in",
        entityType: "customer",
        entityId: customer.id,
        data: { keyword, from: sms.from, smsId: logged.id },
        at: now,
      });
      return optOut ? "opted_out" : "opted_in";
    }

    const openTicket = customer ? await findLatestTicket(tx, customer.id, true) : undefined;
    let ticketId: string;
    let outcome: InboundOutcome;
    if (openTicket) {
      ticketId = openTicket.id;
      outcome = "commented";
      await tx.update(tickets).set({ updatedAt: now }).where(eq(tickets.id, ticketId));
    } else {
      const [created] = await tx
        .insert(tickets)
        .values({
          customerId: customer?.id ?? null,
          subject: `SMS from ${customer?.name ?? sms.from}`,
          description: sms.body,
          category: "other",
          priority: "normal",
          status: "open",
          dueAt: dueTimeFor(now, "normal", await readSlaHours(tx)),
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: tickets.id, version: tickets.version });
      if (!created) throw new Error("inserting the ticket returned nothing");
      ticketId = created.id;
      outcome = "ticket_opened";
      await tx.insert(ticketEvents).values({
        ticketId,
        kind: "created",
        toValue: "open",
        data: { version: created.version, priority: "normal", category: "other", source: "sms", smsId: logged.id },
        createdAt: now,
      });
    }
    const [comment] = await tx
      .insert(ticketComments)
      .values({ ticketId, authorId: null, body: sms.body, visibility: "public", source: "sms", createdAt: now })
      .returning({ id: ticketComments.id });
    await tx.insert(ticketEvents).values({
      ticketId,
      kind: "sms_received",
      fromValue: sms.from,
      data: { smsId: logged.id, commentId: comment?.id, from: sms.from },
      createdAt: now,
    });
    await tx
      .update(smsLogs)
      .set({ customerId: customer?.id ?? null, ticketId })
      .where(eq(smsLogs.id, logged.id));
    // The seed's "ticket created → customer" applies to tickets a text opened, too.
    if (outcome === "ticket_opened") await queueTicketCreatedSms(tx, ctx, { ticketId, actorId: null });
    return outcome;
  });
}

async function findCustomerByPhone(tx: Executor, phone: string) {
  // Several customers may share a number (a household); the most recently active one wins.
  const [row] = await tx
    .select({ id: customers.id, name: customers.name })
    .from(customers)
    .where(and(eq(customers.phone, phone), isNull(customers.deletedAt)))
    .orderBy(desc(customers.updatedAt))
    .limit(1);
  return row;
}

async function findLatestTicket(tx: Executor, customerId: string, openOnly: boolean) {
  const [row] = await tx
    .select({ id: tickets.id })
    .from(tickets)
    .where(
      and(
        eq(tickets.customerId, customerId),
        openOnly ? inArray(tickets.status, [...OPEN_TICKET_STATUSES]) : undefined,
      ),
    )
    .orderBy(desc(tickets.updatedAt))
    .limit(1);
  return row;
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
export async function applyStatusCallback(db: Database, ctx: SmsContext, receipt: StatusCallback): Promise<boolean> {
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
  return db.transaction(async (tx) => {
    const now = ctx.clock.now();
    const [updated] = await queryRows<{ id: string; ticket_id: string | null; to_number: string | null }>(
      tx,
      sql`update sms_logs
          set status = ${status}, updated_at = ${now},
              error_code = coalesce(${receipt.errorCode}, error_code),
              reason = coalesce(${reason}, reason), next_attempt_at = null
          where provider_sid = ${receipt.messageSid} and direction = 'outbound'
            and (case status when 'queued' then 0 when 'sending' then 1 when 'sent' then 2 else 3 end) < ${rank}
          returning id, ticket_id, to_number`,
    );
    if (!updated) return false;
    if (updated.ticket_id && status !== "sent") {
      await tx.insert(ticketEvents).values({
        ticketId: updated.ticket_id,
        kind: status === "delivered" ? "sms_delivered" : "sms_failed",
        toValue: updated.to_number,
        data: { smsId: updated.id, to: updated.to_number, status, errorCode: receipt.errorCode, reason },
        createdAt: now,
      });
    }
    return true;
  });
}
