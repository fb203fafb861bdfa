import type { ResolveIncident, ResolveIncidentResult } from "../../shared/incidents.js";
import type { Ticket } from "../../shared/tickets.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext, type ServicePorts } from "../context.js";
import { AppError, notFound } from "../http/errors.js";
import { addComment } from "../tickets/tickets.comments.js";
import { lockOpenIncidentTickets, setTicketIncident, ticketOf } from "../tickets/tickets.incidents.js";
import { applyTicketChange, findTicketRow } from "../tickets/tickets.service.js";
import { activeIncidentForCustomer } from "./incidents.affected.js";
import { recordIncidentEvents } from "./incidents.events.js";
import { sendIncidentMessage } from "./incidents.messages.js";
import { applyIncidentChange, findIncidentRow, getIncidentDetail, isClosedStatus } from "./incidents.service.js";

/** Links a ticket (a customer's or a network-wide one) to the incident; a ticket of another incident moves. */
export async function linkIncidentTicket(
  ctx: ServiceContext,
  actor: Actor,
  incidentId: string,
  ticketId: string,
): Promise<Ticket> {
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const incident = await findIncidentRow(tx, incidentId);
    if (!incident) throw notFound("incident.not_found", "This incident");
    const current = await findTicketRow(tx, ticketId);
    if (!current) throw notFound("ticket.not_found", "This ticket");
    const previous = current.incidentId ? await findIncidentRow(tx, current.incidentId) : undefined;
    const { before, after } = await setTicketIncident(
      txCtx,
      actor,
      ticketId,
      { id: incident.id, title: incident.title },
      previous?.title,
    );
    if (before !== after) {
      const now = ctx.clock.now();
      const link = { ticketId, ticketNumber: after.number, automatic: false };
      await recordIncidentEvents(tx, [
        ...(before.incidentId
          ? [
              {
                incidentId: before.incidentId,
                kind: "ticket_unlinked" as const,
                actorId: actor.id,
                changes: link,
                at: now,
              },
            ]
          : []),
        { incidentId, kind: "ticket_linked" as const, actorId: actor.id, changes: link, at: now },
      ]);
    }
    return ticketOf(after, txCtx);
  });
}

/** Unlinks a ticket from the incident; 404 when it is not linked to this one. */
export async function unlinkIncidentTicket(
  ctx: ServiceContext,
  actor: Actor,
  incidentId: string,
  ticketId: string,
): Promise<void> {
  await inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const incident = await findIncidentRow(tx, incidentId);
    if (!incident) throw notFound("incident.not_found", "This incident");
    const current = await findTicketRow(tx, ticketId, { lock: true });
    if (!current || current.incidentId !== incidentId) {
      throw notFound("incident.ticket_not_linked", "This ticket, linked to this incident,");
    }
    const { after } = await setTicketIncident(txCtx, actor, ticketId, null, incident.title);
    await recordIncidentEvents(tx, [
      {
        incidentId,
        kind: "ticket_unlinked",
        actorId: actor.id,
        changes: { ticketId, ticketNumber: after.number, automatic: false },
        at: ctx.clock.now(),
      },
    ]);
  });
}

/**
 * Resolves the incident and, when asked, every open linked ticket with one public comment and no
 * per-ticket status SMS (the incident's own message to its customers covers them). All in one
 * transaction. With `sendMessage`, the "Incident resolved" text to everyone affected is queued
 * after the status change, in the same transaction through the SMS outbox: when it is refused
 * (SMS not set up 409, a technician texting more than 50 customers 403, too long 422) nothing is
 * resolved. The comment is public: the status page shows it as the resolution update.
 */
export async function resolveIncident(
  ctx: ServiceContext,
  actor: Actor,
  incidentId: string,
  input: ResolveIncident,
): Promise<ResolveIncidentResult> {
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const existing = await findIncidentRow(tx, incidentId, { lock: true });
    if (!existing) throw notFound("incident.not_found", "This incident");
    if (isClosedStatus(existing.status)) {
      throw new AppError(
        409,
        "incident.closed",
        `This incident is already ${existing.status}. Reopen it (change its status) to resolve it again.`,
      );
    }
    const resolvedTicketIds: string[] = [];
    if (input.resolveTickets) {
      for (const row of await lockOpenIncidentTickets(txCtx, incidentId)) {
        if (input.comment) {
          await addComment(txCtx, actor, row.id, { body: input.comment, visibility: "public", sendSms: false });
        }
        // Re-read: the comment may have set the first response on the row.
        const current = (await findTicketRow(tx, row.id, { lock: true })) ?? row;
        await applyTicketChange(txCtx, actor, current, { status: "resolved" }, { statusSmsCoveredBy: { incidentId } });
        resolvedTicketIds.push(row.id);
      }
    }
    await applyIncidentChange(
      txCtx,
      actor,
      existing,
      { status: "resolved" },
      {
        statusEventKind: "resolved",
        statusEventExtra: { resolvedTicketIds, comment: input.comment ?? null },
        // The comment is public text (the tickets' customers read it): the status page shows it too.
        statusPublicUpdate: input.comment ?? null,
      },
    );
    if (input.sendMessage)
      await sendIncidentMessage(txCtx, actor, incidentId, { template: "incident_resolved", duringQuietHours: false });
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "incident.resolve",
      entityType: "incident",
      entityId: incidentId,
      data: { resolveTickets: input.resolveTickets, resolvedTicketIds },
      ip: actor.ip,
      at: ctx.clock.now(),
    });
    return { incident: await getIncidentDetail(tx, incidentId), resolvedTicketIds };
  });
}

/** What app.ts hands the tickets feature (ServicePorts): new tickets of affected customers join the active incident. */
export const incidentTicketPorts: ServicePorts = {
  activeIncidentForCustomer: (ctx, customerId) => activeIncidentForCustomer(ctx.db, customerId),
  async ticketAutoLinked(ctx, link) {
    await recordIncidentEvents(ctx.db, [
      {
        incidentId: link.incidentId,
        kind: "ticket_linked",
        // The ticket's creator acted, not on the incident: the system linked it.
        actorId: null,
        changes: { ticketId: link.ticketId, ticketNumber: link.ticketNumber, automatic: true },
        at: ctx.clock.now(),
      },
    ]);
  },
};
