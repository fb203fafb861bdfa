import { eq } from "drizzle-orm";
import type { TicketStatus } from "../../shared/enums.js";
import { TICKET_STATUS_WORDS } from "../../shared/labels.js";
import type { TemplatePurpose, TemplateValues } from "../../shared/sms.js";
import type { Actor, ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { customers, tickets, users } from "../db/schema/index.js";
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
  const body = await renderPurposeTemplate(ctx.db, "ticket_assigned", templateValues(ticket));
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

/** A staff member's own text to the ticket's customer (placeholders allowed). */
export async function queueManualSms(
  ctx: ServiceContext,
  actor: Actor,
  input: { ticket: TicketForSms; body: string },
): Promise<SmsLogRow> {
  return queueCustomerSms(ctx, actor, { ticket: input.ticket, purpose: "manual", template: input.body });
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

function templateValues(ticket: TicketForSms): TemplateValues {
  return {
    "customer.name": ticket.customer?.name ?? "customer",
    "ticket.number": ticket.number,
    "ticket.subject": ticket.subject,
    "ticket.status": TICKET_STATUS_WORDS[ticket.status],
    "technician.name": ticket.assignee?.name ?? "our technician",
  };
}

async function queueCustomerSms(
  ctx: ServiceContext,
  actor: Actor,
  input: { ticket: TicketForSms; purpose: TemplatePurpose; template?: string },
): Promise<SmsLogRow> {
  const { ticket } = input;
  const customer = ticket.customer;
  const body = await renderPurposeTemplate(ctx.db, input.purpose, templateValues(ticket), input.template);
  const recipient = customer ? checkNumber(customer.phone, "Customer", ctx.config) : null;
  let skipReason: string | null;
  if (!customer) skipReason = "The ticket has no customer";
  else if (customer.archived) skipReason = "The customer is archived";
  else if (customer.smsOptOut) skipReason = "The customer opted out of SMS (replied STOP)";
  else if (recipient && !recipient.ok) skipReason = recipient.reason;
  else skipReason = notConfiguredReason(ctx.config);
  return writeOutboundSms(ctx, {
    purpose: input.purpose,
    body,
    to: recipient?.number ?? customer?.phone ?? null,
    ticketId: ticket.id,
    customerId: customer?.id ?? null,
    userId: input.purpose === "manual" ? actor.id : null,
    skipReason,
  });
}
