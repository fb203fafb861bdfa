import { and, asc, eq, gt, sql } from "drizzle-orm";
import { z } from "zod";
import type { IncidentEventKind } from "../../shared/enums.js";
import type { IncidentTimeline } from "../../shared/incidents.js";
import type { Executor } from "../db/client.js";
import { incidentEvents, users } from "../db/schema/index.js";
import { decodeCursor, encodeCursor } from "../http/pagination.js";
import { publishLiveRows } from "../live/live.publish.js";

/** One entry of an incident's timeline. `changes.version` is the version the change made. */
export interface IncidentEventInput {
  incidentId: string;
  kind: IncidentEventKind;
  actorId: string | null;
  changes?: Record<string, unknown>;
  publicUpdate?: string | null;
  at: Date;
}

/** The only writer of `incident_events`. */
export async function recordIncidentEvents(db: Executor, events: IncidentEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const rows = await db
    .insert(incidentEvents)
    .values(
      events.map((event) => ({
        incidentId: event.incidentId,
        kind: event.kind,
        actorId: event.actorId,
        changes: event.changes ?? null,
        publicUpdate: event.publicUpdate ?? null,
        createdAt: event.at,
      })),
    )
    .returning({ id: incidentEvents.id });
  // Open incident pages and lists hear of it at commit (docs/live.md).
  await publishLiveRows(
    db,
    "ie",
    rows.map((row) => row.id),
  );
}

/** The timeline, oldest first, a page at a time (keyset on the entry's id). */
export async function getIncidentTimeline(
  db: Executor,
  incidentId: string,
  options: { limit: number; cursor?: string },
): Promise<IncidentTimeline> {
  const after = decodeCursor(options.cursor, z.tuple([z.number().int().min(0)]));
  const rows = await db
    .select({ event: incidentEvents, actorName: users.name })
    .from(incidentEvents)
    .leftJoin(users, eq(users.id, incidentEvents.actorId))
    .where(and(eq(incidentEvents.incidentId, incidentId), after ? gt(incidentEvents.id, after[0]) : undefined))
    .orderBy(asc(incidentEvents.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ event, actorName }) => ({
      id: event.id,
      kind: event.kind,
      actor: event.actorId ? { id: event.actorId, name: actorName ?? "" } : null,
      changes: event.changes ?? null,
      publicUpdate: event.publicUpdate,
      createdAt: event.createdAt.toISOString(),
    })),
    nextCursor: rows.length > options.limit && last ? encodeCursor([last.event.id]) : null,
  };
}

/** What changed an incident since the version an editor saw: the 409's "who changed what". */
export async function incidentChangesSince(db: Executor, incidentId: string, sinceVersion: number) {
  const rows = await db
    .select({ event: incidentEvents, actorName: users.name })
    .from(incidentEvents)
    .leftJoin(users, eq(users.id, incidentEvents.actorId))
    .where(
      and(
        eq(incidentEvents.incidentId, incidentId),
        sql`(${incidentEvents.changes}->>'version')::int > ${sinceVersion}`,
      ),
    )
    .orderBy(asc(incidentEvents.id));
  return rows.map(({ event, actorName }) => {
    const fields = (event.changes?.fields ?? {}) as Record<string, { from: unknown; to: unknown }>;
    const status = fields.status;
    return {
      kind: event.kind,
      fields: Object.keys(fields),
      from: status ? String(status.from) : null,
      to: status ? String(status.to) : null,
      by: event.actorId ? { id: event.actorId, name: actorName ?? "" } : null,
      at: event.createdAt.toISOString(),
    };
  });
}
