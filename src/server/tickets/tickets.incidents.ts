import { and, eq, inArray } from "drizzle-orm";
import { OPEN_TICKET_STATUSES } from "../../shared/enums.js";
import type { Ticket } from "../../shared/tickets.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import { tickets } from "../db/schema/index.js";
import { notFound } from "../http/errors.js";
import { recordWebhookEvent } from "../webhooks/webhooks.service.js";
import { recordTicketEvents } from "./tickets.events.js";
import { findTicketRow, type TicketRow, toTicket } from "./tickets.service.js";

/**
 * Links a ticket to an incident, or unlinks it (`incident: null`), for `incidents/` in its
 * transaction: the column, the ticket's timeline entry, its ticket.updated webhook and the audit
 * row. Network-wide tickets (no customer) link too. The version stays: no edit form holds
 * `incidentId`, so a link cannot collide with anyone's edit. Returns the ticket before and after
 * (the same row when nothing changed).
 */
export async function setTicketIncident(
  ctx: ServiceContext,
  actor: Actor,
  ticketId: string,
  incident: { id: string; title: string } | null,
  previousTitle?: string,
): Promise<{ before: TicketRow; after: TicketRow }> {
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const existing = await findTicketRow(tx, ticketId, { lock: true });
    if (!existing) throw notFound("ticket.not_found", "This ticket");
    const to = incident?.id ?? null;
    if (existing.incidentId === to) return { before: existing, after: existing };
    const now = ctx.clock.now();
    const [row] = await tx
      .update(tickets)
      .set({ incidentId: to, updatedAt: now })
      .where(eq(tickets.id, ticketId))
      .returning();
    if (!row) throw notFound("ticket.not_found", "This ticket");
    const base = { ticketId, actorId: actor.id, at: now };
    await recordTicketEvents(tx, [
      ...(existing.incidentId
        ? [
            {
              ...base,
              kind: "incident_unlinked" as const,
              fromValue: existing.incidentId,
              data: { version: row.version, incidentId: existing.incidentId, title: previousTitle },
            },
          ]
        : []),
      ...(incident
        ? [
            {
              ...base,
              kind: "incident_linked" as const,
              toValue: incident.id,
              data: { version: row.version, incidentId: incident.id, title: incident.title, automatic: false },
            },
          ]
        : []),
    ]);
    await recordWebhookEvent(txCtx, "ticket.updated", {
      ...toTicket(row, now),
      changes: { incidentId: { from: existing.incidentId, to } },
    });
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: incident ? "ticket.incident_link" : "ticket.incident_unlink",
      entityType: "ticket",
      entityId: ticketId,
      data: { from: existing.incidentId, to },
      ip: actor.ip,
      at: now,
    });
    return { before: existing, after: row };
  });
}

/** An incident's open linked tickets, locked in id order (two resolves cannot deadlock). */
export async function lockOpenIncidentTickets(ctx: ServiceContext, incidentId: string): Promise<TicketRow[]> {
  return ctx.db
    .select()
    .from(tickets)
    .where(and(eq(tickets.incidentId, incidentId), inArray(tickets.status, [...OPEN_TICKET_STATUSES])))
    .orderBy(tickets.id)
    .for("update");
}

export const ticketOf = (row: TicketRow, ctx: ServiceContext): Ticket => toTicket(row, ctx.clock.now());
