import { eq } from "drizzle-orm";
import type { TicketStatus } from "../../shared/enums.js";
import { TICKET_STATUS_WORDS } from "../../shared/labels.js";
import { firstNameOf, SMS_MAX_LENGTH, type TemplatePurpose, type TemplateValues } from "../../shared/sms.js";
import type { Config } from "../config.js";
import type { Actor, ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { customers, tickets, users } from "../db/schema/index.js";
import { fieldError } from "../http/errors.js";
import { checkNumber, notConfiguredReason, type SmsLogRow, writeOutboundSms } from "./sms.outbox.js";
import { renderPurposeTemplate } from "./sms.templates.js";

/**
 * The SMS the ticket workflow triggers (the seed's three, and a staff member's own text). The
 * caller hands over the ticket as it is after its change, so nothing is read twice; each writes
 * its sms_logs row (queued, or skipped with the reason) in the caller's transaction (outbox).
 */
export interface TicketForSms {
  id: string;
  number: string;
  subject: string;
  /** The status the message announces (the ticket's new one). */
  status: TicketStatus;
  customer: { id: string; name: string; phone: string | null; smsOptOut: boolean; archived: boolean } | null;
  assignee: { id: string; name: string; phone: string | null } | null;
}

export async function queueTicketCreatedSms(ctx: ServiceContext, actor: Actor, ticket: TicketForSms) {
  return queueCustomerSms(ctx, actor, { ticket, purpose: "ticket_created" });
}

export async function queueTicketStatusSms(ctx: ServiceContext, actor: Actor, ticket: TicketForSms) {
  return queueCustomerSms(ctx, actor, { ticket, purpose: "ticket_status" });
}

/** To the technician the ticket was just assigned to. */
export async function queueTicketAssignedSms(ctx: ServiceContext, _actor: Actor, ticket: TicketForSms) {
  const technician = ticket.assignee;
  const body = await renderPurposeTemplate(ctx, "ticket_assigned", templateValues(ticket));
  const recipient = technician ? checkNumber(technician.phone, "Technician", ctx.config) : null;
  const skipReason = !technician
    ? "The technician was not found"
    : recipient && !recipient.ok
      ? recipient.reason
      : notConfiguredReason(ctx.config);
  return writeOutboundSms(ctx, {
    purpose: "ticket_assigned",
    body,
    to: recipient?.number ?? technician?.phone ?? null,
    ticketId: ticket.id,
    customerId: ticket.customer?.id ?? null,
    userId: technician?.id ?? null,
    skipReason,
  });
}

/** Two GSM-7 segments. */
const MENTION_SMS_LENGTH = 306;

/**
 * To a technician who chose SMS for mentions (docs/notifications.md): who mentioned them on which
 * ticket, and the start of the note. Staff talking to staff: a fixed text, not a template, cut
 * to two SMS at most (the rest is on the ticket).
 */
export async function queueTicketMentionSms(
  ctx: ServiceContext,
  input: {
    ticket: { id: string; number: string; customerId: string | null };
    technician: { id: string; phone: string | null };
    authorName: string;
    note: string;
  },
): Promise<SmsLogRow> {
  const start = `${input.authorName} mentioned you on ${input.ticket.number}: `;
  const room = MENTION_SMS_LENGTH - start.length;
  const note = input.note.replace(/\s+/g, " ").trim();
  const body = start + (note.length > room ? `${note.slice(0, room - 1)}…` : note);
  const recipient = checkNumber(input.technician.phone, "Technician", ctx.config);
  return writeOutboundSms(ctx, {
    purpose: "ticket_mention",
    body,
    to: recipient.number ?? input.technician.phone,
    ticketId: input.ticket.id,
    customerId: input.ticket.customerId,
    userId: input.technician.id,
    skipReason: recipient.ok ? notConfiguredReason(ctx.config) : recipient.reason,
  });
}

/** A staff member's own text to the ticket's customer (placeholders allowed). */
export async function queueManualSms(
  ctx: ServiceContext,
  actor: Actor,
  input: { ticket: TicketForSms; body: string },
): Promise<SmsLogRow> {
  return queueCustomerSms(ctx, actor, { ticket: input.ticket, purpose: "manual", template: input.body });
}

/** The public reply being sent: the comment's id (the row links to it) and its text. */
export interface ReplyForSms {
  id: string;
  body: string;
}

/**
 * A staff member's public reply, to the ticket's customer (template `ticket_reply`), linked to
 * the comment. Skipped with the reason like any customer message. A reply whose message would be
 * longer than an SMS can carry is refused (422 on the comment's body) rather than cut off.
 */
export async function queueTicketReplySms(
  ctx: ServiceContext,
  actor: Actor,
  input: { ticket: TicketForSms; comment: ReplyForSms },
): Promise<SmsLogRow> {
  return queueCustomerSms(ctx, actor, {
    ticket: input.ticket,
    purpose: "ticket_reply",
    reply: input.comment,
  });
}

/**
 * Why a message to the ticket's customer would not go out now, in words; null when it would.
 * The same rules as the skip reasons of every customer message.
 */
export function customerSmsBlock(
  customer: TicketForSms["customer"],
  config: Config,
): { reason: string | null; to: string | null } {
  const recipient = customer ? checkNumber(customer.phone, "Customer", config) : null;
  const to = recipient?.number ?? customer?.phone ?? null;
  let reason: string | null;
  if (!customer) reason = "The ticket has no customer";
  else if (customer.archived) reason = "The customer is archived";
  else if (customer.smsOptOut) reason = "The customer opted out of SMS (replied STOP)";
  else if (recipient && !recipient.ok) reason = recipient.reason;
  else reason = notConfiguredReason(config);
  return { reason, to };
}

/**
 * A ticket as an SMS needs it, read in one query: for messages that start from a ticket id (a
 * manual text). Ticket changes build it from what they already hold instead.
 */
export async function loadTicketForSms(db: Executor, ticketId: string): Promise<TicketForSms | undefined> {
  const [row] = await db
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
      assigneeId: users.id,
      assigneeName: users.name,
      assigneePhone: users.phone,
    })
    .from(tickets)
    .leftJoin(customers, eq(customers.id, tickets.customerId))
    .leftJoin(users, eq(users.id, tickets.assigneeId))
    .where(eq(tickets.id, ticketId))
    .limit(1);
  if (!row) return undefined;
  return {
    id: row.id,
    number: row.number,
    subject: row.subject,
    status: row.status,
    customer:
      row.customerId && row.customerName !== null
        ? {
            id: row.customerId,
            name: row.customerName,
            phone: row.customerPhone,
            smsOptOut: row.customerOptOut ?? false,
            archived: row.customerDeletedAt !== null,
          }
        : null,
    assignee: row.assigneeId ? { id: row.assigneeId, name: row.assigneeName ?? "", phone: row.assigneePhone } : null,
  };
}

function templateValues(ticket: TicketForSms, reply?: ReplyForSms): TemplateValues {
  return {
    "customer.name": ticket.customer?.name ?? "customer",
    "customer.firstName": ticket.customer ? firstNameOf(ticket.customer.name) || "customer" : "customer",
    "ticket.number": ticket.number,
    "ticket.subject": ticket.subject,
    "ticket.status": TICKET_STATUS_WORDS[ticket.status],
    "technician.name": ticket.assignee?.name ?? "our technician",
    "reply.body": reply?.body ?? "",
  };
}

async function queueCustomerSms(
  ctx: ServiceContext,
  actor: Actor,
  input: { ticket: TicketForSms; purpose: TemplatePurpose; template?: string; reply?: ReplyForSms },
): Promise<SmsLogRow> {
  const { ticket } = input;
  const customer = ticket.customer;
  const body = await renderPurposeTemplate(ctx, input.purpose, templateValues(ticket, input.reply), input.template);
  if (input.reply && body.length >= SMS_MAX_LENGTH) {
    throw fieldError(
      "comment.sms_too_long",
      "body",
      `Comment: too long for an SMS (the message would be over ${SMS_MAX_LENGTH} characters); shorten it or untick "Also send as SMS"`,
    );
  }
  const { reason, to } = customerSmsBlock(customer, ctx.config);
  return writeOutboundSms(ctx, {
    purpose: input.purpose,
    body,
    to,
    ticketId: ticket.id,
    customerId: customer?.id ?? null,
    userId: input.purpose === "manual" ? actor.id : null,
    commentId: input.reply?.id ?? null,
    skipReason: reason,
  });
}
