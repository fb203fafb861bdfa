import { sql } from "drizzle-orm";
import type {
  LiveCustomerEvent,
  LiveIncidentEvent,
  LiveNotificationEvent,
  LiveTicketEvent,
} from "../../shared/live.js";
import { type Executor, queryRows } from "../db/client.js";
import { notificationLiveSource } from "../notifications/notifications.live.js";
import type { LiveSource } from "./live.publish.js";

/** One event read from a timeline table, ready to send. */
export type LiveRow =
  | { source: LiveSource; id: number; type: "ticket"; userId: null; data: LiveTicketEvent }
  | { source: LiveSource; id: number; type: "incident"; userId: null; data: LiveIncidentEvent }
  | { source: LiveSource; id: number; type: "customer"; userId: null; data: LiveCustomerEvent }
  /** Only the stream of `userId` gets it. */
  | { source: LiveSource; id: number; type: "notification"; userId: string; data: LiveNotificationEvent };

/** Which rows to read: those a NOTIFY named, or those after a cursor (a replay). */
export type LiveSelection =
  | { ids: readonly number[] }
  | { range: readonly [number, number] }
  | { after: number; limit: number };

/** How the stream reads one timeline table. Reads only: the table's feature writes it. */
export interface LiveSourceReader {
  read(db: Executor, selection: LiveSelection): Promise<LiveRow[]>;
  /** The newest row's id (a fresh stream's cursor); 0 when the table is empty. */
  maxId(db: Executor): Promise<number>;
}

/** `where <column> …` for a selection, with the order and limit a replay needs. */
function selecting(column: string, selection: LiveSelection) {
  const id = sql.raw(column);
  if ("ids" in selection) return sql`${id} = any(${`{${selection.ids.join(",")}}`}::bigint[]) order by ${id}`;
  if ("range" in selection) return sql`${id} between ${selection.range[0]} and ${selection.range[1]} order by ${id}`;
  return sql`${id} > ${selection.after} order by ${id} limit ${selection.limit}`;
}

const iso = (value: Date | string) => new Date(value).toISOString();
const actorOf = (id: string | null, name: string | null) => (id && name !== null ? { id, name } : null);

/** The field a kind other than `updated` is about, for "what did they change". */
const FIELD_OF_KIND: Partial<Record<LiveTicketEvent["kind"], string>> = {
  status_changed: "status",
  assigned: "assigneeId",
  priority_changed: "priority",
};

const ticketEvents: LiveSourceReader = {
  async read(db, selection) {
    const rows = await queryRows<{
      id: string | number;
      ticket_id: string;
      number: string;
      customer_id: string | null;
      kind: LiveTicketEvent["kind"];
      actor_id: string | null;
      actor_name: string | null;
      from_value: string | null;
      to_value: string | null;
      fields: string[] | null;
      visit_id: string | null;
      created_at: Date | string;
    }>(
      db,
      sql`select e.id, e.ticket_id, t.number, t.customer_id, e.kind, e.actor_id, u.name as actor_name,
            e.from_value, e.to_value,
            case when jsonb_typeof(e.data->'fields') = 'array' then array(select jsonb_array_elements_text(e.data->'fields')) end as fields,
            e.data->>'visitId' as visit_id, e.created_at
          from ticket_events e
          join tickets t on t.id = e.ticket_id
          left join users u on u.id = e.actor_id
          where ${selecting("e.id", selection)}`,
    );
    return rows.map((row) => {
      const field = FIELD_OF_KIND[row.kind];
      return {
        source: "te",
        id: Number(row.id),
        type: "ticket",
        userId: null,
        data: {
          key: `te:${row.id}`,
          ticketId: row.ticket_id,
          ticketNumber: row.number,
          customerId: row.customer_id,
          kind: row.kind,
          actor: actorOf(row.actor_id, row.actor_name),
          fields: row.fields ?? (field ? [field] : []),
          from: row.from_value,
          to: row.to_value,
          visitId: row.visit_id && /^[0-9a-f-]{36}$/.test(row.visit_id) ? row.visit_id : null,
          at: iso(row.created_at),
        },
      } satisfies LiveRow;
    });
  },
  maxId: (db) => maxIdOf(db, "ticket_events"),
};

const incidentEvents: LiveSourceReader = {
  async read(db, selection) {
    const rows = await queryRows<{
      id: string | number;
      incident_id: string;
      kind: LiveIncidentEvent["kind"];
      actor_id: string | null;
      actor_name: string | null;
      created_at: Date | string;
    }>(
      db,
      sql`select e.id, e.incident_id, e.kind, e.actor_id, u.name as actor_name, e.created_at
          from incident_events e left join users u on u.id = e.actor_id
          where ${selecting("e.id", selection)}`,
    );
    return rows.map(
      (row) =>
        ({
          source: "ie",
          id: Number(row.id),
          type: "incident",
          userId: null,
          data: {
            key: `ie:${row.id}`,
            incidentId: row.incident_id,
            kind: row.kind,
            actor: actorOf(row.actor_id, row.actor_name),
            at: iso(row.created_at),
          },
        }) satisfies LiveRow,
    );
  },
  maxId: (db) => maxIdOf(db, "incident_events"),
};

/**
 * Customers' changes, from the audit log (the customers feature audits every change and publishes
 * its entries). A replay walks the log's primary key from the cursor: the entries since a dropped
 * stream, not the log.
 */
const customerChanges: LiveSourceReader = {
  async read(db, selection) {
    const rows = await queryRows<{
      id: string | number;
      entity_id: string | null;
      action: string;
      actor_id: string | null;
      actor_name: string | null;
      created_at: Date | string;
    }>(
      db,
      sql`select a.id, a.entity_id, a.action, a.actor_id, u.name as actor_name, a.created_at
          from audit_log a left join users u on u.id = a.actor_id
          where a.entity_type = 'customer' and ${selecting("a.id", selection)}`,
    );
    return rows.map(
      (row) =>
        ({
          source: "al",
          id: Number(row.id),
          type: "customer",
          userId: null,
          data: {
            key: `al:${row.id}`,
            customerId: row.entity_id && /^[0-9a-f-]{36}$/.test(row.entity_id) ? row.entity_id : null,
            action: row.action,
            actor: actorOf(row.actor_id, row.actor_name),
            at: iso(row.created_at),
          },
        }) satisfies LiveRow,
    );
  },
  maxId: (db) => maxIdOf(db, "audit_log"),
};

async function maxIdOf(db: Executor, table: string): Promise<number> {
  const [row] = await queryRows<{ max: string | number | null }>(
    db,
    sql`select max(id) as max from ${sql.identifier(table)}`,
  );
  return Number(row?.max ?? 0);
}

export const LIVE_READERS: Record<LiveSource, LiveSourceReader> = {
  te: ticketEvents,
  ie: incidentEvents,
  al: customerChanges,
  nt: notificationLiveSource,
};

export type { LiveNotificationEvent };
