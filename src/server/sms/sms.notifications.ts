import { eq, sql } from "drizzle-orm";
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { SmsPurpose, TicketStatus } from "../../shared/enums.js";
import { TICKET_STATUS_WORDS } from "../../shared/labels.js";
import { SMS_MAX_LENGTH, type TemplatePurpose, type TemplateValues } from "../../shared/sms.js";
import type { Clock } from "../clock.js";
import { type Config, twilioConfigured } from "../config.js";
import type { Executor } from "../db/client.js";
import { customers, smsLogs, ticketEvents, tickets, users } from "../db/schema/index.js";
import { renderPurposeTemplate } from "./sms.templates.js";

/**
 * The SMS the ticket workflow triggers (the seed's three). Each writes its sms_logs row (queued,
 * or skipped with the reason) and a ticket_events row in the caller's transaction, so the ticket
 * change and its notification commit together (outbox).
 */
export interface SmsContext {
  config: Config;
  clock: Clock;
}

/** The channel the dispatchers LISTEN on; NOTIFY inside the transaction is delivered on commit only. */
export const SMS_OUTBOX_CHANNEL = "sms_outbox";

type SmsLogRow = typeof smsLogs.$inferSelect;

export async function queueTicketCreatedSms(
  tx: Executor,
  ctx: SmsContext,
  input: { ticketId: string; actorId: string | null },
): Promise<void> {
  const ticket = await loadTicketForSms(tx, input.ticketId);
  await queueCustomerSms(tx, ctx, { ticket, purpose: "ticket_created", actorId: input.actorId });
}

export async function queueTicketAssignedSms(
  tx: Executor,
  ctx: SmsContext,
  input: { ticketId: string; assigneeId: string; actorId: string | null },
): Promise<void> {
  const ticket = await loadTicketForSms(tx, input.ticketId);
  const [technician] = await tx
    .select({ id: users.id, name: users.name, phone: users.phone, active: users.active })
    .from(users)
    .where(eq(users.id, input.assigneeId))
    .limit(1);
  const values = templateValues(ticket, technician?.name);
  const body = await renderPurposeTemplate(tx, "ticket_assigned", values);
  const recipient = technician ? checkNumber(technician.phone, "Technician", ctx.config) : null;
  const skipReason = !technician
    ? "The technician was not found"
    : recipient && !recipient.ok
      ? recipient.reason
      : notConfiguredReason(ctx.config);
  await writeOutboundSms(tx, ctx, {
    purpose: "ticket_assigned",
    body,
    to: recipient?.number ?? technician?.phone ?? null,
    ticketId: ticket.id,
    customerId: ticket.customerId,
    userId: input.assigneeId,
    skipReason,
    actorId: input.actorId,
  });
}

export async function queueTicketStatusSms(
  tx: Executor,
  ctx: SmsContext,
  input: { ticketId: string; from: TicketStatus; to: TicketStatus; actorId: string | null },
): Promise<void> {
  const ticket = await loadTicketForSms(tx, input.ticketId);
  // The ticket row may already carry the new status; the event says which one the SMS announces.
  await queueCustomerSms(tx, ctx, {
    ticket: { ...ticket, status: input.to },
    purpose: "ticket_status",
    actorId: input.actorId,
  });
}

/** A staff member's own text to the ticket's customer (placeholders allowed). */
export async function queueManualSms(
  tx: Executor,
  ctx: SmsContext,
  input: { ticketId: string; body: string; actorId: string },
): Promise<SmsLogRow> {
  const ticket = await loadTicketForSms(tx, input.ticketId);
  return queueCustomerSms(tx, ctx, { ticket, purpose: "manual", actorId: input.actorId, template: input.body });
}

export interface TicketForSms {
  id: string;
  number: string;
  subject: string;
  status: TicketStatus;
  customerId: string | null;
  customerName: string | null;
  customerPhone: string | null;
  customerOptOut: boolean | null;
  customerDeleted: boolean;
  assigneeName: string | null;
}

export async function loadTicketForSms(tx: Executor, ticketId: string): Promise<TicketForSms> {
  const [row] = await tx
    .select({
      id: tickets.id,
      number: tickets.number,
      subject: tickets.subject,
      status: tickets.status,
      customerId: tickets.customerId,
      customerName: customers.name,
      customerPhone: customers.phone,
      customerOptOut: customers.smsOptOut,
      customerDeletedAt: customers.deletedAt,
      assigneeName: users.name,
    })
    .from(tickets)
    .leftJoin(customers, eq(customers.id, tickets.customerId))
    .leftJoin(users, eq(users.id, tickets.assigneeId))
    .where(eq(tickets.id, ticketId))
    .limit(1);
  if (!row) throw new Error(`ticket ${ticketId} does not exist (SMS notification)`);
  const { customerDeletedAt, ...rest } = row;
  return { ...rest, customerDeleted: customerDeletedAt !== null };
}

function templateValues(ticket: TicketForSms, technicianName?: string | null): TemplateValues {
  return {
    "customer.name": ticket.customerName ?? "customer",
    "ticket.number": ticket.number,
    "ticket.subject": ticket.subject,
    "ticket.status": TICKET_STATUS_WORDS[ticket.status],
    "technician.name": technicianName ?? ticket.assigneeName ?? "our technician",
  };
}

async function queueCustomerSms(
  tx: Executor,
  ctx: SmsContext,
  input: { ticket: TicketForSms; purpose: TemplatePurpose; actorId: string | null; template?: string },
): Promise<SmsLogRow> {
  const { ticket } = input;
  const values = templateValues(ticket);
  const body = await renderPurposeTemplate(tx, input.purpose, values, input.template);
  const recipient = ticket.customerId ? checkNumber(ticket.customerPhone, "Customer", ctx.config) : null;
  let skipReason: string | null;
  if (!ticket.customerId) skipReason = "The ticket has no customer";
  else if (ticket.customerDeleted) skipReason = "The customer is archived";
  else if (ticket.customerOptOut) skipReason = "The customer opted out of SMS (replied STOP)";
  else if (recipient && !recipient.ok) skipReason = recipient.reason;
  else skipReason = notConfiguredReason(ctx.config);
  return writeOutboundSms(tx, ctx, {
    purpose: input.purpose,
    body,
    to: recipient?.number ?? ticket.customerPhone,
    ticketId: ticket.id,
    customerId: ticket.customerId,
    userId: input.purpose === "manual" ? input.actorId : null,
    skipReason,
    actorId: input.actorId,
  });
}

function notConfiguredReason(config: Config): string | null {
  return twilioConfigured(config)
    ? null
    : "Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER)";
}

type NumberCheck = { ok: true; number: string } | { ok: false; number: string | null; reason: string };

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

interface OutboundSms {
  purpose: SmsPurpose;
  body: string;
  to: string | null;
  ticketId: string | null;
  customerId: string | null;
  userId: string | null;
  /** Null: queue it for the dispatcher. */
  skipReason: string | null;
  actorId: string | null;
}

/** Writes the outbox row and its timeline event, and wakes the dispatchers once the caller commits. */
export async function writeOutboundSms(tx: Executor, ctx: SmsContext, sms: OutboundSms): Promise<SmsLogRow> {
  const now = ctx.clock.now();
  const queued = sms.skipReason === null;
  const [row] = await tx
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
      status: queued ? "queued" : "skipped",
      reason: sms.skipReason,
      nextAttemptAt: queued ? now : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!row) throw new Error("inserting the SMS row returned nothing");
  if (sms.ticketId) {
    await tx.insert(ticketEvents).values({
      ticketId: sms.ticketId,
      kind: queued ? "sms_queued" : "sms_skipped",
      actorId: sms.actorId,
      toValue: sms.to,
      data: { smsId: row.id, purpose: sms.purpose, to: sms.to, ...(queued ? {} : { reason: sms.skipReason }) },
      createdAt: now,
    });
  }
  if (queued) await tx.execute(sql`select pg_notify(${SMS_OUTBOX_CHANNEL}, '')`);
  return row;
}
