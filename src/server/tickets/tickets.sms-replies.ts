import { and, desc, eq, inArray } from "drizzle-orm";
import { OPEN_TICKET_STATUSES } from "../../shared/enums.js";
import { type ServiceContext, SYSTEM_ACTOR } from "../context.js";
import { findCustomerByPhone, setSmsOptOut } from "../customers/customers.service.js";
import type { Executor } from "../db/client.js";
import { tickets } from "../db/schema/index.js";
import type { InboundSmsFiling, ReceivedSms } from "../sms/sms.inbound.js";
import { addComment } from "./tickets.comments.js";
import { recordTicketEvents } from "./tickets.events.js";
import { createTicket } from "./tickets.service.js";

/** Carrier and Twilio conventions: these words, alone, stop or restart messages to the sender. */
const OPT_OUT_WORDS = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"]);
const OPT_IN_WORDS = new Set(["START", "UNSTOP", "YES"]);

/**
 * What a subscriber's text does, in the transaction that logged it (sms/ passes it in): STOP and
 * START set the customer's opt-out; anything else becomes a public comment on their most recent
 * open ticket, or opens a ticket when none is open. It goes through the same services as a
 * person's work, so audit rows, the SLA and the customer's "ticket created" SMS apply alike.
 */
export async function fileInboundSms(ctx: ServiceContext, sms: ReceivedSms): Promise<InboundSmsFiling> {
  const actor = SYSTEM_ACTOR;
  const customer = await findCustomerByPhone(ctx.db, sms.from);
  const keyword = sms.body
    .trim()
    .replace(/[.!]+$/, "")
    .toUpperCase();
  const optOut = OPT_OUT_WORDS.has(keyword);
  const optIn = OPT_IN_WORDS.has(keyword);

  if (customer && (optOut || optIn)) {
    await setSmsOptOut(ctx, actor, customer.id, { optOut, keyword, from: sms.from, smsId: sms.smsId });
    const ticket = await findLatestTicket(ctx.db, customer.id, false);
    if (ticket) {
      await recordTicketEvents(ctx.db, {
        ticketId: ticket.id,
        kind: optOut ? "customer_opted_out" : "customer_opted_in",
        actorId: null,
        data: { smsId: sms.smsId, keyword, customerId: customer.id },
        at: ctx.clock.now(),
      });
    }
    return { customerId: customer.id, ticketId: ticket?.id ?? null, outcome: optOut ? "opted_out" : "opted_in" };
  }

  const open = customer ? await findLatestTicket(ctx.db, customer.id, true) : undefined;
  const ticketId =
    open?.id ??
    (
      await createTicket(
        ctx,
        actor,
        {
          customerId: customer?.id ?? null,
          subject: `SMS from ${customer?.name ?? sms.from}`,
          description: sms.body,
          category: "other",
          priority: "normal",
        },
        { source: "sms", smsId: sms.smsId },
      )
    ).id;
  await addComment(
    ctx,
    actor,
    ticketId,
    { body: sms.body, visibility: "public" },
    { source: "sms", smsId: sms.smsId, from: sms.from },
  );
  return { customerId: customer?.id ?? null, ticketId, outcome: open ? "commented" : "ticket_opened" };
}

async function findLatestTicket(db: Executor, customerId: string, openOnly: boolean) {
  const [row] = await db
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
