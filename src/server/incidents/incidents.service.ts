import { and, asc, desc, eq, inArray, lte, notInArray, sql } from "drizzle-orm";
import { z } from "zod";
import {
  ACTIVE_INCIDENT_STATUSES,
  CLOSED_INCIDENT_STATUSES,
  type IncidentStatus,
  OPEN_TICKET_STATUSES,
} from "../../shared/enums.js";
import type {
  CreateIncident,
  Incident,
  IncidentDetail,
  IncidentList,
  IncidentListQuery,
  IncidentSite,
  UpdateIncident,
} from "../../shared/incidents.js";
import type { WebhookEventType } from "../../shared/webhooks.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, isTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { incidentSites, incidents, networkSites, servicePlans, tickets, users } from "../db/schema/index.js";
import { AppError, fieldError, notFound } from "../http/errors.js";
import { decodeCursor, encodeCursor, ZCursorTimestamp } from "../http/pagination.js";
import { notifyIncidentOpened } from "../notifications/notifications.service.js";
import { recordWebhookEvent } from "../webhooks/webhooks.service.js";
import { countAffectedCustomers } from "./incidents.affected.js";
import { incidentChangesSince, recordIncidentEvents } from "./incidents.events.js";
import { incidentMessageCounts } from "./incidents.messages.js";

export type IncidentRow = typeof incidents.$inferSelect;

export const isClosedStatus = (status: IncidentStatus) =>
  (CLOSED_INCIDENT_STATUSES as readonly string[]).includes(status);

export function toIncident(row: IncidentRow, siteIds: string[]): Incident {
  return {
    id: row.id,
    title: row.title,
    kind: row.kind,
    severity: row.severity,
    status: row.status,
    startsAt: row.startsAt.toISOString(),
    expectedEndAt: row.expectedEndAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    publicMessage: row.publicMessage,
    internalNotes: row.internalNotes,
    siteIds,
    planIds: row.planIds,
    connectionTypes: row.connectionTypes,
    cities: row.cities,
    postalCodes: row.postalCodes,
    version: row.version,
    createdById: row.createdById,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The sites of some incidents, by incident id, each list by site name. */
async function sitesOf(db: Executor, incidentIds: string[]): Promise<Map<string, IncidentSite[]>> {
  const bySite = new Map<string, IncidentSite[]>(incidentIds.map((id) => [id, []]));
  if (incidentIds.length === 0) return bySite;
  const rows = await db
    .select({
      incidentId: incidentSites.incidentId,
      id: networkSites.id,
      name: networkSites.name,
      publicName: networkSites.publicName,
    })
    .from(incidentSites)
    .innerJoin(networkSites, eq(networkSites.id, incidentSites.siteId))
    .where(inArray(incidentSites.incidentId, incidentIds))
    .orderBy(sql`lower(${networkSites.name})`, asc(networkSites.id));
  for (const { incidentId, ...site } of rows) bySite.get(incidentId)?.push(site);
  return bySite;
}

export async function findIncidentRow(db: Executor, id: string, options: { lock?: boolean } = {}) {
  const query = db.select().from(incidents).where(eq(incidents.id, id)).limit(1);
  const [row] = options.lock ? await query.for("update") : await query;
  return row;
}

/** The incident as the API returns it (webhooks carry the same). */
export async function getIncident(db: Executor, id: string): Promise<Incident> {
  const row = await findIncidentRow(db, id);
  if (!row) throw notFound("incident.not_found", "This incident");
  const sites = (await sitesOf(db, [id])).get(id) ?? [];
  return toIncident(
    row,
    sites.map((site) => site.id),
  );
}

/** The incident page: the incident, its sites, who opened it, affected customers, linked tickets and message counts. */
export async function getIncidentDetail(db: Executor, id: string): Promise<IncidentDetail> {
  const [found] = await db
    .select({ incident: incidents, createdBy: { id: users.id, name: users.name, active: users.active } })
    .from(incidents)
    .leftJoin(users, eq(users.id, incidents.createdById))
    .where(eq(incidents.id, id))
    .limit(1);
  if (!found) throw notFound("incident.not_found", "This incident");
  const readSites = () => sitesOf(db, [id]);
  const readAffected = () => countAffectedCustomers(db, id);
  const readTicketCounts = () =>
    db
      .select({
        total: sql<number>`count(*)::int`,
        open: sql<number>`(count(*) filter (where ${inArray(tickets.status, [...OPEN_TICKET_STATUSES])}))::int`,
      })
      .from(tickets)
      .where(eq(tickets.incidentId, id));
  const readMessageCounts = () => incidentMessageCounts(db, id);
  // Side by side on the pool's connections; one after another inside a caller's transaction, whose
  // one connection runs a query at a time.
  const [sites, affectedCustomerCount, [ticketCounts], messageCounts] = isTransaction(db)
    ? [await readSites(), await readAffected(), await readTicketCounts(), await readMessageCounts()]
    : await Promise.all([readSites(), readAffected(), readTicketCounts(), readMessageCounts()]);
  const siteList = sites.get(id) ?? [];
  return {
    ...toIncident(
      found.incident,
      siteList.map((site) => site.id),
    ),
    sites: siteList,
    createdBy: found.createdBy?.id ? found.createdBy : null,
    affectedCustomerCount,
    tickets: { open: Number(ticketCounts?.open ?? 0), total: Number(ticketCounts?.total ?? 0) },
    messageCounts,
  };
}

const STATE_STATUSES: Record<NonNullable<IncidentListQuery["state"]>, readonly IncidentStatus[]> = {
  active: ACTIVE_INCIDENT_STATUSES,
  scheduled: ["scheduled"],
  resolved: CLOSED_INCIDENT_STATUSES,
};

/** The incidents list, latest start first (keyset on starts_at, id). */
export async function listIncidents(db: Executor, query: IncidentListQuery): Promise<IncidentList> {
  const after = decodeCursor(query.cursor, z.tuple([ZCursorTimestamp, z.uuid()]));
  const rows = await db
    .select()
    .from(incidents)
    .where(
      and(
        query.state ? inArray(incidents.status, [...STATE_STATUSES[query.state]]) : undefined,
        after
          ? sql`(${incidents.startsAt}, ${incidents.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(incidents.startsAt), desc(incidents.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const sites = await sitesOf(
    db,
    page.map((row) => row.id),
  );
  const last = page.at(-1);
  return {
    items: page.map((row) => {
      const siteList = sites.get(row.id) ?? [];
      return {
        ...toIncident(
          row,
          siteList.map((site) => site.id),
        ),
        sites: siteList,
      };
    }),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.startsAt.toISOString(), last.id]) : null,
  };
}

/** Every site and plan an incident names must exist: a typo'd id would silently narrow to nobody. */
async function assertReferences(db: Executor, input: { siteIds?: string[]; planIds?: string[] | null }) {
  if (input.siteIds) {
    const found = await db
      .select({ id: networkSites.id })
      .from(networkSites)
      .where(inArray(networkSites.id, input.siteIds));
    if (found.length !== input.siteIds.length) {
      throw fieldError("incident.site_unknown", "siteIds", "Sites: one of these network sites does not exist");
    }
  }
  if (input.planIds && input.planIds.length > 0) {
    const found = await db
      .select({ id: servicePlans.id })
      .from(servicePlans)
      .where(inArray(servicePlans.id, input.planIds));
    if (found.length !== input.planIds.length) {
      throw fieldError("incident.plan_unknown", "planIds", "Plans: one of these service plans does not exist");
    }
  }
}

function assertEta(startsAt: Date, expectedEndAt: Date | null) {
  if (expectedEndAt && expectedEndAt.getTime() < startsAt.getTime()) {
    throw fieldError("incident.eta_before_start", "expectedEndAt", "Expected end: must not be before the start");
  }
}

/**
 * The moves a status may make by hand: a resolved or cancelled incident reopens as an active one
 * (never straight back to scheduled), and "scheduled" means a start still ahead.
 */
function assertStatusMove(from: IncidentStatus, to: IncidentStatus, startsAt: Date, now: Date) {
  if (to === "scheduled" && startsAt.getTime() <= now.getTime()) {
    throw fieldError(
      "incident.status_invalid",
      "status",
      "Status: only an incident whose start is still ahead can be scheduled; move the start first",
    );
  }
  if ((from === "resolved" || from === "cancelled") && to === "scheduled") {
    throw fieldError(
      "incident.status_invalid",
      "status",
      `Status: a ${from} incident reopens as investigating, identified or monitoring, not scheduled`,
    );
  }
}

async function emitIncidentWebhook(ctx: ServiceContext, type: WebhookEventType, data: unknown) {
  await recordWebhookEvent(ctx, type, data);
}

/**
 * Opens an incident: the row, its sites, the first timeline entry, incident.created, every
 * colleague's notification and the audit row.
 */
export async function createIncident(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateIncident,
): Promise<IncidentDetail> {
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const now = ctx.clock.now();
    const startsAt = input.startsAt ? new Date(input.startsAt) : now;
    const expectedEndAt = input.expectedEndAt ? new Date(input.expectedEndAt) : null;
    assertEta(startsAt, expectedEndAt);
    const status = input.status ?? (startsAt.getTime() > now.getTime() ? "scheduled" : "investigating");
    if (isClosedStatus(status)) {
      throw fieldError(
        "incident.status_closed",
        "status",
        "Status: open the incident first; resolve or cancel it once it is over",
      );
    }
    await assertReferences(tx, input);
    const [row] = await tx
      .insert(incidents)
      .values({
        title: input.title,
        kind: input.kind,
        severity: input.severity,
        status,
        startsAt,
        expectedEndAt,
        publicMessage: input.publicMessage ?? "",
        internalNotes: input.internalNotes ?? "",
        planIds: input.planIds ?? null,
        connectionTypes: input.connectionTypes ?? null,
        cities: input.cities ?? null,
        postalCodes: input.postalCodes ?? null,
        createdById: actor.id,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    await tx.insert(incidentSites).values(input.siteIds.map((siteId) => ({ incidentId: row.id, siteId })));
    await recordIncidentEvents(tx, [
      {
        incidentId: row.id,
        kind: "created",
        actorId: actor.id,
        changes: { version: row.version, status, siteIds: input.siteIds },
        publicUpdate: row.publicMessage || null,
        at: now,
      },
    ]);
    await emitIncidentWebhook(txCtx, "incident.created", toIncident(row, input.siteIds));
    await notifyIncidentOpened(txCtx, actor, row);
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "incident.create",
      entityType: "incident",
      entityId: row.id,
      data: { title: row.title, status },
      ip: actor.ip,
      at: now,
    });
    return getIncidentDetail(tx, row.id);
  });
}

type Change = Omit<UpdateIncident, "version">;
type FieldChanges = Record<string, { from: unknown; to: unknown }>;

const sameList = (a: readonly string[] | null, b: readonly string[] | null) =>
  JSON.stringify(a ? [...a].sort() : null) === JSON.stringify(b ? [...b].sort() : null);

/**
 * Applies a change to a locked incident row in the caller's transaction: the row (version + 1),
 * its sites, one timeline entry per kind of change (status, public update, other fields), the
 * incident.updated webhook (and incident.resolved when it resolves). Returns the row unchanged
 * when nothing differs. `eventKind` names the status entry (`activated` for the scheduler,
 * `resolved` for POST …/resolve).
 */
export async function applyIncidentChange(
  ctx: ServiceContext,
  actor: Actor,
  existing: IncidentRow,
  change: Change,
  options: {
    statusEventKind?: "status_changed" | "activated" | "resolved";
    statusEventExtra?: Record<string, unknown>;
    /** Public text published with the status entry (the comment of POST …/resolve). */
    statusPublicUpdate?: string | null;
  } = {},
): Promise<IncidentRow> {
  const tx = ctx.db;
  const now = ctx.clock.now();
  const version = existing.version + 1;
  const set: Partial<typeof incidents.$inferInsert> = {};
  const fields: FieldChanges = {};
  const currentSiteIds = (
    await tx.select({ id: incidentSites.siteId }).from(incidentSites).where(eq(incidentSites.incidentId, existing.id))
  ).map((site) => site.id);

  const scalar = <K extends "title" | "kind" | "severity" | "publicMessage">(key: K) => {
    const to: unknown = change[key];
    if (to !== undefined && to !== existing[key]) {
      set[key] = to as never;
      fields[key] = { from: existing[key], to };
    }
  };
  scalar("title");
  scalar("kind");
  scalar("severity");
  scalar("publicMessage");
  if (change.internalNotes !== undefined && change.internalNotes !== existing.internalNotes) {
    set.internalNotes = change.internalNotes;
    // The notes stay on the incident; the timeline only says that they changed.
    fields.internalNotes = { from: null, to: null };
  }
  const startsAt = change.startsAt !== undefined ? new Date(change.startsAt) : existing.startsAt;
  if (startsAt.getTime() !== existing.startsAt.getTime()) {
    set.startsAt = startsAt;
    fields.startsAt = { from: existing.startsAt.toISOString(), to: startsAt.toISOString() };
  }
  const expectedEndAt =
    change.expectedEndAt !== undefined
      ? change.expectedEndAt
        ? new Date(change.expectedEndAt)
        : null
      : existing.expectedEndAt;
  if ((expectedEndAt?.getTime() ?? null) !== (existing.expectedEndAt?.getTime() ?? null)) {
    set.expectedEndAt = expectedEndAt;
    fields.expectedEndAt = {
      from: existing.expectedEndAt?.toISOString() ?? null,
      to: expectedEndAt?.toISOString() ?? null,
    };
  }
  if (set.startsAt || "expectedEndAt" in set) assertEta(startsAt, expectedEndAt);
  for (const key of ["planIds", "connectionTypes", "cities", "postalCodes"] as const) {
    const to = change[key];
    if (to !== undefined && !sameList(to, existing[key])) {
      set[key] = to as never;
      fields[key] = { from: existing[key], to };
    }
  }
  const siteIdsChanged = change.siteIds !== undefined && !sameList(change.siteIds, currentSiteIds);
  if (siteIdsChanged) fields.siteIds = { from: currentSiteIds, to: change.siteIds };
  await assertReferences(tx, { siteIds: siteIdsChanged ? change.siteIds : undefined, planIds: set.planIds });

  const statusChanged = change.status !== undefined && change.status !== existing.status;
  if (statusChanged && change.status) {
    assertStatusMove(existing.status, change.status, startsAt, now);
    set.status = change.status;
    fields.status = { from: existing.status, to: change.status };
    // Resolved keeps its first moment; leaving resolved or cancelled (reopening) clears it.
    if (change.status === "resolved") set.resolvedAt = existing.resolvedAt ?? now;
    else set.resolvedAt = null;
  }
  if (Object.keys(fields).length === 0) return existing;

  const [row] = await tx
    .update(incidents)
    .set({ ...set, version, updatedAt: now })
    .where(eq(incidents.id, existing.id))
    .returning();
  if (!row) throw notFound("incident.not_found", "This incident");
  if (siteIdsChanged && change.siteIds) {
    await tx.delete(incidentSites).where(eq(incidentSites.incidentId, existing.id));
    await tx.insert(incidentSites).values(change.siteIds.map((siteId) => ({ incidentId: existing.id, siteId })));
  }

  const { status, publicMessage, ...others } = fields;
  const base = { incidentId: existing.id, actorId: actor.id, at: now };
  await recordIncidentEvents(tx, [
    ...(status
      ? [
          {
            ...base,
            kind: options.statusEventKind ?? ("status_changed" as const),
            changes: { version, fields: { status }, ...options.statusEventExtra },
            publicUpdate: options.statusPublicUpdate ?? null,
          },
        ]
      : []),
    ...(publicMessage
      ? [
          {
            ...base,
            kind: "public_update" as const,
            changes: { version, fields: { publicMessage } },
            publicUpdate: row.publicMessage,
          },
        ]
      : []),
    ...(Object.keys(others).length > 0
      ? [{ ...base, kind: "updated" as const, changes: { version, fields: others } }]
      : []),
  ]);

  const incident = toIncident(row, change.siteIds && siteIdsChanged ? change.siteIds : currentSiteIds);
  await emitIncidentWebhook(ctx, "incident.updated", { ...incident, changes: fields });
  if (status && row.status === "resolved") await emitIncidentWebhook(ctx, "incident.resolved", incident);
  return row;
}

/** PATCH: the changed fields on the version the editor saw; a stale version gets 409 with what changed. */
export async function updateIncident(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateIncident,
): Promise<IncidentDetail> {
  const { version, ...change } = input;
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const existing = await findIncidentRow(tx, id, { lock: true });
    if (!existing) throw notFound("incident.not_found", "This incident");
    if (existing.version !== version) {
      const changes = await incidentChangesSince(tx, id, version);
      const who = [...new Set(changes.map((c) => c.by?.name).filter(Boolean))].join(", ") || "Someone";
      throw new AppError(
        409,
        "incident.version_conflict",
        `${who} changed this incident after you opened it. Review the current values and apply your change again.`,
        { current: await getIncidentDetail(tx, id), changes },
      );
    }
    const row = await applyIncidentChange(txCtx, actor, existing, change);
    if (row !== existing) {
      await recordAudit(tx, {
        actorId: actor.id,
        tokenId: actor.tokenId,
        action: "incident.update",
        entityType: "incident",
        entityId: id,
        data: { fields: Object.keys(change) },
        ip: actor.ip,
        at: ctx.clock.now(),
      });
    }
    return getIncidentDetail(tx, id);
  });
}

/** The status a scheduled incident takes at its start: maintenance is planned, so its cause is known. */
export const activatedStatus = (row: Pick<IncidentRow, "kind">): IncidentStatus =>
  row.kind === "maintenance" ? "identified" : "investigating";

/**
 * Scheduled incidents whose start has come become active (the maintenance schedule runs this on
 * every instance; SKIP LOCKED lets two instances share the work without waiting on each other).
 */
export async function activateDueIncidents(ctx: ServiceContext, actor: Actor): Promise<number> {
  return inTransaction(ctx, async (txCtx) => {
    const due = await txCtx.db
      .select()
      .from(incidents)
      .where(and(eq(incidents.status, "scheduled"), lte(incidents.startsAt, ctx.clock.now())))
      .orderBy(incidents.id)
      .limit(100)
      .for("update", { skipLocked: true });
    for (const row of due) {
      await applyIncidentChange(txCtx, actor, row, { status: activatedStatus(row) }, { statusEventKind: "activated" });
    }
    return due.length;
  });
}

/** Incidents not over yet (for the status page and auto-linking); few at any time. */
export async function openIncidentRows(db: Executor) {
  return db
    .select()
    .from(incidents)
    .where(notInArray(incidents.status, [...CLOSED_INCIDENT_STATUSES]))
    .orderBy(asc(incidents.startsAt), asc(incidents.id));
}
