import { and, desc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { AuditEntry, AuditFilter, AuditList, AuditListQuery, AuditVia } from "../../shared/audit.js";
import type { Executor } from "../db/client.js";
import { apiTokens, auditLog, customers, incidents, tickets, users } from "../db/schema/index.js";
import { decodeCursor, encodeCursor, ZCursorTimestamp } from "../http/pagination.js";

/**
 * The audit log on screen (Settings → Audit log, admins; docs/audit.md): newest first, keyset on
 * (created_at, id), each filter an equality or a time range that the indexes of audit_log serve
 * (the plans at 2,000,000 rows are in docs/benchmarks.md).
 */
export async function listAuditEntries(db: Executor, query: AuditListQuery): Promise<AuditList> {
  const after = decodeCursor(query.cursor, z.tuple([ZCursorTimestamp, z.number().int().min(0)]));
  const rows = await selectEntries(db, query, after, query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: await withRecords(db, page),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.at, last.id]) : null,
  };
}

/** The filtered log, page by page (the CSV export), newest first. */
export async function* auditEntryPages(db: Executor, filter: AuditFilter, pageSize: number) {
  let after: [string, number] | undefined;
  for (;;) {
    const rows = await selectEntries(db, filter, after, pageSize);
    if (rows.length > 0) yield await withRecords(db, rows);
    const last = rows.at(-1);
    if (rows.length < pageSize || !last) return;
    after = [last.at, last.id];
  }
}

interface EntryRow extends Omit<AuditEntry, "record" | "at"> {
  /** created_at as PostgreSQL's text (microseconds kept, for the cursor). */
  at: string;
  atIso: Date;
}

/**
 * The log's query for a filter, a keyset position and a page size (scripts/audit-scale-check.ts
 * prints its plans).
 */
export function auditEntriesQuery(
  db: Executor,
  filter: AuditFilter,
  after: [string, number] | undefined,
  limit: number,
) {
  const conditions: (SQL | undefined)[] = [
    filter.actorId ? eq(auditLog.actorId, filter.actorId) : undefined,
    filter.entityType ? eq(auditLog.entityType, filter.entityType) : undefined,
    filter.entityId ? eq(auditLog.entityId, filter.entityId) : undefined,
    filter.action ? eq(auditLog.action, filter.action) : undefined,
    filter.from ? gte(auditLog.createdAt, new Date(filter.from)) : undefined,
    filter.to ? lt(auditLog.createdAt, new Date(filter.to)) : undefined,
    after ? sql`(${auditLog.createdAt}, ${auditLog.id}) < (${after[0]}::timestamptz, ${after[1]})` : undefined,
  ];
  return db
    .select({
      id: auditLog.id,
      at: sql<string>`${auditLog.createdAt}::text`,
      atIso: auditLog.createdAt,
      actorId: auditLog.actorId,
      actorName: users.name,
      actorEmail: users.email,
      tokenId: auditLog.tokenId,
      tokenName: apiTokens.name,
      ip: auditLog.ip,
      action: auditLog.action,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      data: auditLog.data,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .leftJoin(apiTokens, eq(apiTokens.id, auditLog.tokenId))
    .where(and(...conditions))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(limit);
}

async function selectEntries(
  db: Executor,
  filter: AuditFilter,
  after: [string, number] | undefined,
  limit: number,
): Promise<EntryRow[]> {
  return auditEntriesQuery(db, filter, after, limit).then((rows) =>
    rows.map((row) => ({
      id: row.id,
      at: row.at,
      atIso: row.atIso,
      actor:
        row.actorId && row.actorName !== null
          ? { id: row.actorId, name: row.actorName, email: row.actorEmail ?? "" }
          : null,
      via: viaOf(row),
      token: row.tokenId ? { id: row.tokenId, name: row.tokenName ?? "(deleted token)" } : null,
      ip: row.ip,
      action: row.action,
      entityType: row.entityType,
      entityId: row.entityId,
      data: row.data ?? null,
    })),
  );
}

function viaOf(row: { tokenId: string | null; actorId: string | null; action: string }): AuditVia {
  if (row.tokenId) return "token";
  if (row.action === "auth.login_failed" || row.action === "auth.login") return "sign_in";
  if (!row.actorId) return "system";
  return "session";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Names each entry's record as people know it (account number and name, ticket number and
 * subject, …): one query per kind of record on the page, by primary key.
 */
async function withRecords(db: Executor, rows: EntryRow[]): Promise<AuditEntry[]> {
  const idsOf = (type: string) => [
    ...new Set(
      rows
        .filter((row) => row.entityType === type && row.entityId && UUID.test(row.entityId))
        .map((r) => r.entityId as string),
    ),
  ];
  const customerIds = idsOf("customer");
  const ticketIds = idsOf("ticket");
  const incidentIds = idsOf("incident");
  const userIds = idsOf("user");
  const [customerRows, ticketRows, incidentRows, userRows] = await Promise.all([
    customerIds.length
      ? db
          .select({ id: customers.id, label: sql<string>`${customers.accountNumber} || ' ' || ${customers.name}` })
          .from(customers)
          .where(inArray(customers.id, customerIds))
      : [],
    ticketIds.length
      ? db
          .select({ id: tickets.id, label: sql<string>`${tickets.number} || ' ' || ${tickets.subject}` })
          .from(tickets)
          .where(inArray(tickets.id, ticketIds))
      : [],
    incidentIds.length
      ? db
          .select({ id: incidents.id, label: incidents.title })
          .from(incidents)
          .where(inArray(incidents.id, incidentIds))
      : [],
    userIds.length ? db.select({ id: users.id, label: users.name }).from(users).where(inArray(users.id, userIds)) : [],
  ]);
  const labels = new Map<string, string>();
  for (const [type, found] of [
    ["customer", customerRows],
    ["ticket", ticketRows],
    ["incident", incidentRows],
    ["user", userRows],
  ] as const) {
    for (const row of found) labels.set(`${type}:${row.id}`, row.label);
  }
  return rows.map(({ atIso, ...row }) => ({
    ...row,
    at: atIso.toISOString(),
    record: row.entityId ? (labels.get(`${row.entityType}:${row.entityId}`) ?? null) : null,
  }));
}
