import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { desc, eq } from "drizzle-orm";
import type { BackupCreated, BackupList, ScheduledBackupRun } from "../../shared/backups.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { DatabaseHandle } from "../db/client.js";
import type { MaintenanceJob } from "../db/maintenance.js";
import { backupRuns } from "../db/schema/index.js";
import { AppError } from "../http/errors.js";
import { DUMP_ARGS, type DumpSource, dumpServerDatabase, serverDumpUnavailable } from "./backups.dump.js";
import {
  deleteOldBackupFiles,
  ensureBackupDir,
  listBackupFiles,
  newBackupName,
  openBackupFile,
  writeBackupFile,
} from "./backups.files.js";
import {
  BACKUP_SLOT_GRACE_MS,
  backupScheduleSpec,
  describeBackupSchedule,
  latestBackupSlot,
  nextBackupSlot,
  parseBackupSchedule,
} from "./backups.schedule.js";

/** What the backup service works with: the running app's database, its configuration and clock. */
export interface BackupDeps {
  database: DatabaseHandle;
  config: Config;
  clock: Clock;
}

/** How often each instance checks whether a scheduled backup is due. */
export const BACKUP_CHECK_INTERVAL_MS = 60_000;

export const backupDirOf = (config: Pick<Config, "BACKUP_DIR">) => path.resolve(config.BACKUP_DIR);

/** The backup each database is taking now: one at a time per database (a second dump would only wait). */
const running = new WeakMap<DatabaseHandle, Promise<BackupCreated>>();

async function dumpSource(database: DatabaseHandle): Promise<DumpSource> {
  if (database.kind === "pglite") {
    // Where PGlite runs (this thread or its worker thread), holding its transaction lock:
    // db/pglite-dump.ts says why the dump is consistent and leaves the session as it was.
    if (!database.dumpSql) throw new Error("the embedded database handle cannot dump");
    // PGlite's pg_dump is version 18; this one setting is unknown to servers before 17 and only
    // restates the default, so dropping it lets the dump load into any PostgreSQL 13+ as well.
    const text = (await database.dumpSql(DUMP_ARGS)).replace(/^SET transaction_timeout = 0;\n/m, "");
    return { stream: Readable.from([Buffer.from(text, "utf8")]), finished: async () => {}, cancel: () => {} };
  }
  if (!database.pool) throw new Error("a server database without a connection pool");
  const unavailable = await serverDumpUnavailable();
  if (unavailable) throw new AppError(409, "backup.unavailable", unavailable);
  return dumpServerDatabase(database.pool);
}

async function runBackup(deps: BackupDeps): Promise<BackupCreated> {
  const dir = backupDirOf(deps.config);
  await ensureBackupDir(dir);
  const started = performance.now();
  const name = await newBackupName(dir, deps.clock.now());
  const backup = await writeBackupFile(dir, name, await dumpSource(deps.database));
  const durationMs = Math.round(performance.now() - started);
  await deleteOldBackupFiles(dir, deps.clock.now(), deps.config.BACKUP_KEEP);
  return { ...backup, durationMs };
}

/**
 * Takes a backup now ("Back up now", `npm run backup` against a running app): a gzipped SQL dump
 * under BACKUP_DIR, then the retention (BACKUP_KEEP). 409 while another one is being taken.
 */
export async function takeBackup(deps: BackupDeps): Promise<BackupCreated> {
  if (running.has(deps.database)) {
    throw new AppError(409, "backup.in_progress", "A backup is being taken right now. Wait for it to finish.");
  }
  return takeOrJoinBackup(deps).catch(async (error: unknown) => {
    // pg_dump's own failure to connect would be an unexplained 500: say the database is away.
    if (
      !(error instanceof AppError) &&
      !(await deps.database.ping().then(
        () => true,
        () => false,
      ))
    ) {
      throw new AppError(
        503,
        "service.database_unavailable",
        "The database is not reachable right now, so no backup can be taken. Try again in a few seconds.",
        {},
        { "retry-after": "5" },
      );
    }
    throw error;
  });
}

/** Takes a backup, or waits for the one being taken (the scheduled job: that one serves its slot). */
function takeOrJoinBackup(deps: BackupDeps): Promise<BackupCreated> {
  const current = running.get(deps.database);
  if (current) return current;
  const backup = runBackup(deps).finally(() => running.delete(deps.database));
  running.set(deps.database, backup);
  return backup;
}

/** The backups on this instance's disk, the schedule, and how its last run went. */
export async function listBackups(deps: BackupDeps): Promise<BackupList> {
  const dir = backupDirOf(deps.config);
  const spec = backupScheduleSpec(deps.config, deps.database.kind);
  const schedule = parseBackupSchedule(spec);
  const now = deps.clock.now();
  const [last] = await deps.database.db.select().from(backupRuns).orderBy(desc(backupRuns.slot)).limit(1);
  const lastRun: ScheduledBackupRun | null = last
    ? {
        slot: last.slot.toISOString(),
        startedAt: last.startedAt.toISOString(),
        finishedAt: last.finishedAt?.toISOString() ?? null,
        name: last.fileName,
        error: last.error,
      }
    : null;
  const unavailableReason = deps.database.kind === "postgres" ? await serverDumpUnavailable() : null;
  return {
    items: await listBackupFiles(dir),
    directory: dir,
    database: deps.database.kind === "pglite" ? "embedded" : "server",
    available: unavailableReason === null,
    unavailableReason,
    schedule: {
      spec,
      description: describeBackupSchedule(schedule, deps.config.TIME_ZONE),
      keepDays: deps.config.BACKUP_KEEP,
      nextAt: nextBackupSlot(schedule, now, deps.config.TIME_ZONE)?.toISOString() ?? null,
      lastRun,
    },
  };
}

/** A backup file to download, by a name from the listing; 404 otherwise. */
export async function openBackup(deps: Pick<BackupDeps, "config">, name: string) {
  const found = await openBackupFile(backupDirOf(deps.config), name);
  if (!found) {
    throw new AppError(
      404,
      "backup.not_found",
      `There is no backup named ${name}. It may have been deleted by the retention (BACKUP_KEEP).`,
    );
  }
  return found;
}

/**
 * The scheduled backup, from every instance's maintenance schedule: the instance whose insert of
 * the due slot into backup_runs succeeds takes it; the others find the slot taken. A slot more
 * than BACKUP_SLOT_GRACE_MS past is skipped (the app was stopped then).
 */
export async function runScheduledBackup(deps: BackupDeps): Promise<string | undefined> {
  const schedule = parseBackupSchedule(backupScheduleSpec(deps.config, deps.database.kind));
  const now = deps.clock.now();
  const slot = latestBackupSlot(schedule, now, deps.config.TIME_ZONE);
  if (!slot || now.getTime() - slot.getTime() > BACKUP_SLOT_GRACE_MS) return undefined;
  const claimed = await deps.database.db
    .insert(backupRuns)
    .values({ slot, instance: `${os.hostname()}:${process.pid}`, startedAt: now })
    .onConflictDoNothing()
    .returning({ slot: backupRuns.slot });
  if (claimed.length === 0) return undefined;
  try {
    const backup = await takeOrJoinBackup(deps);
    await deps.database.db
      .update(backupRuns)
      .set({ finishedAt: deps.clock.now(), fileName: backup.name })
      .where(eq(backupRuns.slot, slot));
    return `${backup.name} written (${backup.size} bytes in ${backup.durationMs} ms)`;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await deps.database.db
      .update(backupRuns)
      .set({ finishedAt: deps.clock.now(), error: message.slice(0, 2000) })
      .where(eq(backupRuns.slot, slot));
    throw error;
  }
}

/** The scheduled backup as a maintenance job; none when BACKUP_SCHEDULE is off. */
export function scheduledBackupJob(deps: BackupDeps): MaintenanceJob[] {
  const spec = backupScheduleSpec(deps.config, deps.database.kind);
  if (parseBackupSchedule(spec).kind === "off") return [];
  return [
    {
      name: "scheduled backup",
      firstAfterMs: 90_000,
      everyMs: BACKUP_CHECK_INTERVAL_MS,
      run: () => runScheduledBackup(deps),
    },
  ];
}
