import { z } from "zod";

/**
 * Backups of the database (docs/operations.md): gzipped plain-SQL dumps under BACKUP_DIR, named
 * `uplink-<UTC time>.sql.gz` (`-2`, `-3` … when two start within one second). A name is the
 * backup's id: the API accepts only names of this shape, and serves only files it listed.
 */
export const BACKUP_NAME_PATTERN = /^uplink-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ)(?:-(\d{1,4}))?\.sql(?:\.gz)?$/;

export const ZBackupName = z.object({
  name: z
    .string()
    .max(60, "name is too long to be a backup's")
    .regex(BACKUP_NAME_PATTERN, "name must be a backup's file name, such as uplink-2026-11-24T02-00-00Z.sql.gz"),
});

export const ZBackup = z
  .object({
    name: z.string(),
    /** Bytes on disk (gzipped). */
    size: z.number().int().nonnegative(),
    /** When the backup was taken (from its name). */
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "Backup" });
export type Backup = z.infer<typeof ZBackup>;

/** The last scheduled run, from any instance: when it was due, and how it went. */
export const ZScheduledBackupRun = z.object({
  slot: z.iso.datetime(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
  name: z.string().nullable(),
  error: z.string().nullable(),
});
export type ScheduledBackupRun = z.infer<typeof ZScheduledBackupRun>;

export const ZBackupList = z
  .object({
    /** Newest first. */
    items: z.array(ZBackup),
    /** Where the files are, on the app's host. */
    directory: z.string(),
    database: z.enum(["embedded", "server"]),
    /** Whether this instance can take a backup (on a server database: pg_dump is installed). */
    available: z.boolean(),
    /** Why not, in words, when `available` is false. */
    unavailableReason: z.string().nullable(),
    schedule: z.object({
      /** BACKUP_SCHEDULE as in effect: `off`, `hourly` or `daily@HH:MM`. */
      spec: z.string(),
      /** The same in words ("every day at 02:00 (Europe/Berlin)"). */
      description: z.string(),
      /** BACKUP_KEEP: backups older than this many days are deleted (the newest one never). */
      keepDays: z.number().int(),
      nextAt: z.iso.datetime().nullable(),
      lastRun: ZScheduledBackupRun.nullable(),
    }),
  })
  .meta({ id: "BackupList" });
export type BackupList = z.infer<typeof ZBackupList>;

export const ZBackupCreated = ZBackup.extend({
  /** How long the dump took, in milliseconds. */
  durationMs: z.number().int().nonnegative(),
}).meta({ id: "BackupCreated" });
export type BackupCreated = z.infer<typeof ZBackupCreated>;
