import type { Executor } from "../db/client.js";
import { auditLog } from "../db/schema/index.js";
import { publishLiveRows } from "../live/live.publish.js";

export interface AuditEntry {
  actorId: string | null;
  action: string;
  entityType: string;
  entityId?: string | null;
  data?: Record<string, unknown>;
  ip?: string | null;
  /** The API token the change came through (`actor.tokenId`). */
  tokenId?: string | null;
  at?: Date;
}

/** Appends to the audit log; pass the transaction of the change so both commit together. */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  const [row] = await db
    .insert(auditLog)
    .values({
      actorId: entry.actorId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId ?? null,
      data: entry.data,
      ip: entry.ip ?? null,
      tokenId: entry.tokenId ?? null,
      ...(entry.at ? { createdAt: entry.at } : {}),
    })
    .returning({ id: auditLog.id });
  // The audit log is the customers' timeline: open customer pages and lists hear of a change at
  // commit, and a dropped live stream replays it from here (docs/live.md).
  if (row && LIVE_ENTITY_TYPES.has(entry.entityType)) await publishLiveRows(db, "al", [row.id]);
}

const LIVE_ENTITY_TYPES = new Set(["customer"]);
