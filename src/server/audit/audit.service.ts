import type { Executor } from "../db/client.js";
import { auditLog } from "../db/schema/index.js";

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
  await db.insert(auditLog).values({
    actorId: entry.actorId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    data: entry.data,
    ip: entry.ip ?? null,
    tokenId: entry.tokenId ?? null,
    ...(entry.at ? { createdAt: entry.at } : {}),
  });
}
