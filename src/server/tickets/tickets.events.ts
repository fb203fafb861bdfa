import type { TicketEventKind } from "../../shared/enums.js";
import type { Executor } from "../db/client.js";
import { ticketEvents } from "../db/schema/index.js";
import { publishLiveRows } from "../live/live.publish.js";

/** One entry of a ticket's timeline (and of the dashboard's recent activity). */
export interface TicketEvent {
  ticketId: string;
  kind: TicketEventKind;
  actorId: string | null;
  fromValue?: string | null;
  toValue?: string | null;
  data?: Record<string, unknown>;
  at: Date;
}

/**
 * The only writer of `ticket_events`. Another feature records a ticket's event through this, in
 * its own transaction (an incident linking a ticket, a customer's opt-out noted on their ticket).
 */
export async function recordTicketEvents(db: Executor, events: TicketEvent | TicketEvent[]): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  const rows = await db
    .insert(ticketEvents)
    .values(
      list.map((event) => ({
        ticketId: event.ticketId,
        kind: event.kind,
        actorId: event.actorId,
        fromValue: event.fromValue ?? null,
        toValue: event.toValue ?? null,
        data: event.data,
        createdAt: event.at,
      })),
    )
    .returning({ id: ticketEvents.id });
  // Every open ticket page, queue and dashboard hears of it at commit (docs/live.md).
  await publishLiveRows(
    db,
    "te",
    rows.map((row) => row.id),
  );
}
