import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Scheduled backups (owned by `backups/`, docs/operations.md): one row per BACKUP_SCHEDULE slot,
 * inserted by the instance that takes it. The primary key is the claim: every instance's
 * maintenance job tries to insert the slot it finds due, and only one insert succeeds, so one
 * instance backs up per slot. It also tells Settings → Backups how the last scheduled run went.
 * Backups taken by hand leave no row: their files are their record.
 */
export const backupRuns = pgTable("backup_runs", {
  /** The scheduled time this run is for (the claim). */
  slot: timestamp("slot", { withTimezone: true }).primaryKey(),
  /** Which process took it: host and pid. */
  instance: text("instance").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  finishedAt: timestamp("finished_at", { withTimezone: true }),
  /** The file written (under that instance's BACKUP_DIR); null while running or after a failure. */
  fileName: text("file_name"),
  error: text("error"),
});
