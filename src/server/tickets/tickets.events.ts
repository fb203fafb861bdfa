import { getTableColumns, sql } from "drizzle-orm";
import type { TicketEventKind } from "../../shared/enums.js";
import type { Executor } from "../db/client.js";
import { ticketEvents, tickets } from "../db/schema/index.js";
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
 * Writes `ticket_events` (with `insertTicketWithEvents` below, for a new ticket's first entries;
 * nothing else does). Another feature records a ticket's event through this, in its own
 * transaction (an incident linking a ticket, a customer's opt-out noted on their ticket).
 */
export async function recordTicketEvents(db: Executor, events: TicketEvent | TicketEvent[]): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  const rows = await db.insert(ticketEvents).values(list.map(eventRow)).returning({ id: ticketEvents.id });
  // Every open ticket page, queue and dashboard hears of it at commit (docs/live.md).
  await publishLiveRows(
    db,
    "te",
    rows.map((row) => row.id),
  );
}

function eventRow(event: TicketEvent): typeof ticketEvents.$inferInsert {
  return {
    ticketId: event.ticketId,
    kind: event.kind,
    actorId: event.actorId,
    fromValue: event.fromValue ?? null,
    toValue: event.toValue ?? null,
    data: event.data,
    createdAt: event.at,
  };
}

const TICKET_COLUMNS = getTableColumns(tickets);

/**
 * A new ticket and its first timeline entries in one statement (two data-modifying CTEs and a
 * select of what they returned): a round trip fewer on every ticket creation, the hottest write
 * (docs/benchmarks.md). The caller picks the ticket's id, so the events need not wait for it;
 * the events' foreign key is checked at the end of the statement, when the ticket is there.
 */
export async function insertTicketWithEvents(
  db: Executor,
  ticket: typeof tickets.$inferInsert & { id: string },
  events: readonly [TicketEvent, ...TicketEvent[]],
): Promise<typeof tickets.$inferSelect> {
  const insertedTicket = db.$with("inserted_ticket").as(db.insert(tickets).values(ticket).returning());
  const insertedEvents = db
    .$with("inserted_events")
    .as(db.insert(ticketEvents).values(events.map(eventRow)).returning({ id: ticketEvents.id }));
  const selection = Object.fromEntries(
    Object.keys(TICKET_COLUMNS).map((key) => [key, insertedTicket[key as keyof typeof TICKET_COLUMNS]]),
  ) as unknown as typeof TICKET_COLUMNS;
  const [row] = await db
    .with(insertedTicket, insertedEvents)
    .select({
      ...selection,
      eventIds: sql<number[]>`array(select ${sql.identifier("id")} from ${insertedEvents})`.mapWith((ids: unknown) =>
        (ids as (string | number)[]).map(Number),
      ),
    })
    .from(insertedTicket);
  if (!row) throw new Error("insert returned no row");
  const { eventIds, ...inserted } = row;
  await publishLiveRows(db, "te", eventIds);
  return inserted as typeof tickets.$inferSelect;
}
