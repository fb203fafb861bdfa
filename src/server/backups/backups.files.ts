import { createReadStream, createWriteStream } from "node:fs";
import { lstat, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { BACKUP_NAME_PATTERN, type Backup } from "../../shared/backups.js";

/**
 * The backup directory: gzipped dumps named `uplink-<UTC time>.sql.gz`. A file appears under its
 * name only once complete (written as `<name>.partial`, flushed to disk, then renamed), so a
 * listing, a download or a restore never sees half a backup. Files hold password hashes and
 * every subscriber's data: readable by the app's user only.
 */

const PARTIAL = ".partial";
const DAY_MS = 86_400_000;

const stamp = (date: Date) =>
  date
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/:/g, "-");

/** When a backup was taken, from its name (UTC, to the second). */
export function backupTime(name: string): Date | null {
  const match = BACKUP_NAME_PATTERN.exec(name);
  if (!match?.[1]) return null;
  const [date, time] = match[1].split("T");
  return new Date(`${date}T${time?.replace(/-/g, ":")}`);
}

/** Newest first: by time, then by the `-2`, `-3` suffix of backups taken within one second. */
function newestFirst(a: Backup, b: Backup): number {
  const suffix = (name: string) => Number(BACKUP_NAME_PATTERN.exec(name)?.[2] ?? 1);
  return b.createdAt.localeCompare(a.createdAt) || suffix(b.name) - suffix(a.name);
}

/** The complete backups in `dir`, newest first; nothing when it does not exist yet. */
export async function listBackupFiles(dir: string): Promise<Backup[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const backups: Backup[] = [];
  for (const name of names) {
    const createdAt = backupTime(name);
    if (!createdAt) continue;
    try {
      // lstat: a symbolic link named like a backup is not one (it could point anywhere).
      const info = await lstat(path.join(dir, name));
      if (info.isFile()) backups.push({ name, size: info.size, createdAt: createdAt.toISOString() });
    } catch {
      // deleted between the listing and the stat (retention on another request)
    }
  }
  return backups.sort(newestFirst);
}

/**
 * A backup to send: only a name the listing holds, so no name reaches the file system that did
 * not come out of it (no `..`, no other directory, no partial file). Undefined when unknown.
 */
export async function openBackupFile(
  dir: string,
  name: string,
): Promise<{ backup: Backup; stream: Readable } | undefined> {
  const backup = (await listBackupFiles(dir)).find((candidate) => candidate.name === name);
  if (!backup) return undefined;
  return { backup, stream: createReadStream(path.join(dir, backup.name)) };
}

/** A free name for a backup taken at `now`. */
export async function newBackupName(dir: string, now: Date): Promise<string> {
  const taken = new Set(await readdir(dir));
  const base = `uplink-${stamp(now)}`;
  for (let n = 1; ; n++) {
    const name = `${base}${n === 1 ? "" : `-${n}`}.sql.gz`;
    if (!taken.has(name) && !taken.has(name + PARTIAL)) return name;
  }
}

/**
 * Writes `source` gzipped to `dir/name` atomically: into `name.partial` (created exclusively),
 * flushed to disk, and once `finished` says the dump succeeded, renamed, and the directory entry
 * flushed too. On any failure the partial file is removed and nothing appears under the name.
 */
export async function writeBackupFile(
  dir: string,
  name: string,
  source: { stream: Readable; finished(): Promise<void>; cancel?(): void },
): Promise<Backup> {
  const target = path.join(dir, name);
  const partial = target + PARTIAL;
  try {
    // `wx`: never over another writer's file; `flush`: on disk before it is closed.
    await pipeline(source.stream, createGzip(), createWriteStream(partial, { flags: "wx", mode: 0o600, flush: true }));
    await source.finished();
  } catch (error) {
    source.cancel?.();
    await unlink(partial).catch(() => {});
    throw error;
  }
  await rename(partial, target);
  await syncDirectory(dir);
  const info = await stat(target);
  return { name, size: info.size, createdAt: (backupTime(name) ?? new Date()).toISOString() };
}

async function syncDirectory(dir: string) {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch {
    // some file systems cannot sync a directory; the rename stands either way
  } finally {
    await handle.close();
  }
}

/** Creates the directory (owner only) if it is missing. */
export async function ensureBackupDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/**
 * Retention: deletes backups taken more than `keepDays` days before `now`, never the newest one
 * (an app stopped for a month still has its last backup), and partial files a crash left behind
 * more than a day ago. Only files named like backups are touched. Returns the names deleted.
 */
export async function deleteOldBackupFiles(dir: string, now: Date, keepDays: number): Promise<string[]> {
  const cutoff = now.getTime() - keepDays * DAY_MS;
  const [newest, ...older] = await listBackupFiles(dir);
  const deleted: string[] = [];
  if (!newest) return deleted;
  for (const backup of older) {
    if (Date.parse(backup.createdAt) >= cutoff) continue;
    await unlink(path.join(dir, backup.name)).catch(() => {});
    deleted.push(backup.name);
  }
  for (const name of await readdir(dir)) {
    if (!name.endsWith(PARTIAL)) continue;
    const createdAt = backupTime(name.slice(0, -PARTIAL.length));
    if (createdAt && createdAt.getTime() < now.getTime() - DAY_MS) {
      await unlink(path.join(dir, name)).catch(() => {});
      deleted.push(name);
    }
  }
  return deleted;
}
