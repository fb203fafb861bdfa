import { pipeline, Readable } from "node:stream";
import { stringify } from "csv-stringify";
import { type AuditEntry, type AuditFilter, auditChanges, auditValueText } from "../../shared/audit.js";
import { protectCell } from "../customers/customers.csv.js";
import type { Executor } from "../db/client.js";
import { auditEntryPages } from "./audit.query.js";

const PAGE = 1000;

export const AUDIT_CSV_COLUMNS = [
  "id",
  "at",
  "actor",
  "actor_email",
  "via",
  "token",
  "ip",
  "action",
  "record_type",
  "record_id",
  "record",
  "changes",
  "data",
] as const;

/**
 * The filtered audit log as CSV, newest first, read a keyset page at a time so a year of it never
 * sits in memory; the stream's back-pressure paces the reads. Every text cell that a person could
 * have typed is guarded against spreadsheet formulas (a name such as `=HYPERLINK(…)`).
 */
export function exportAuditCsv(db: Executor, filter: AuditFilter): Readable {
  async function* rows() {
    yield [...AUDIT_CSV_COLUMNS];
    for await (const page of auditEntryPages(db, filter, PAGE)) {
      for (const entry of page) yield toCsvRow(entry);
    }
  }
  // The callback only swallows the error pipeline already passed on to the last stream, which
  // ends the download short instead of crashing the process.
  return pipeline(Readable.from(rows()), stringify(), () => {});
}

function toCsvRow(entry: AuditEntry): string[] {
  const changes = auditChanges(entry.data)
    .map((change) => `${change.field}: ${auditValueText(change.from)} → ${auditValueText(change.to)}`)
    .join("; ");
  return [
    String(entry.id),
    entry.at,
    protectCell(entry.actor?.name ?? ""),
    protectCell(entry.actor?.email ?? ""),
    entry.via,
    protectCell(entry.token?.name ?? ""),
    entry.ip ?? "",
    entry.action,
    entry.entityType,
    protectCell(entry.entityId ?? ""),
    protectCell(entry.record ?? ""),
    protectCell(changes),
    protectCell(entry.data ? JSON.stringify(entry.data) : ""),
  ];
}
