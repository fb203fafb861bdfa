import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import { usesServerDatabase } from "../config.js";
import { type DatabaseHandle, openPglite, openPostgres } from "./client.js";
import { openPgliteWorker } from "./pglite-worker.js";

export interface OpenOptions {
  /**
   * PGlite on a worker thread (the app server passes PGLITE_WORKER): queries run on another core
   * while this thread serves HTTP. Without it PGlite runs in this thread and `pglite` is set.
   */
  worker?: boolean;
}

/** Opens the database the configuration names: a PostgreSQL server, else PGlite under DATA_DIR. */
export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<DatabaseHandle> {
  if (usesServerDatabase(config)) {
    return openPostgres({ connectionString: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  }
  const release = lockDataDir(config.DATA_DIR);
  try {
    // Without PG_VERSION, PGlite would create a new, empty database over what is left.
    const hasFiles = existsSync(path.join(config.DATA_DIR, "global")) || existsSync(path.join(config.DATA_DIR, "base"));
    if (hasFiles && !existsSync(path.join(config.DATA_DIR, "PG_VERSION"))) {
      throw new DataDirDamagedError(damagedDataDirMessage(config.DATA_DIR, "PG_VERSION is missing"));
    }
    let handle: DatabaseHandle;
    try {
      handle = options.worker
        ? await openPgliteWorker({ dataDir: config.DATA_DIR })
        : await openPglite({ dataDir: config.DATA_DIR });
    } catch (error) {
      throw new DataDirDamagedError(damagedDataDirMessage(config.DATA_DIR, error));
    }
    const close = handle.close.bind(handle);
    return {
      ...handle,
      async close() {
        try {
          await close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
}

/** The embedded database's files cannot be read: what happened, and how to recover, in words. */
export class DataDirDamagedError extends Error {
  override name = "DataDirDamagedError";
}

export function damagedDataDirMessage(dataDir: string, cause: unknown): string {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return [
    `The embedded database in ${path.resolve(dataDir)} could not be opened (${reason}).`,
    "Its files are damaged, most likely by an unclean stop (power loss, a kernel crash, a full disk) or by",
    "a change made to them outside Uplink. Restore the latest backup into a new directory and start on it,",
    "keeping the damaged one aside:",
    "  DATA_DIR=./data-restored npm run backup -- --restore backups/uplink-<latest>.sql.gz",
    `  mv ${dataDir} ${dataDir}-damaged && mv ./data-restored ${dataDir} && npm start`,
    'Details: "Unclean stop and recovery" in docs/operations.md.',
  ].join("\n");
}

export const LOCK_FILE = "uplink.pid";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite is one process's database: a second process opening the same files (a second
 * `npm start`, or `npm run backup` while the app runs) would corrupt them. The first process
 * writes its pid into the data directory; others refuse to open it while that process lives.
 * A lock left by a crashed process is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        try {
          if (readFileSync(file, "utf8").trim() === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.on("exit", release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
      // Our own pid in the file is a lock from before a restart that reused the pid (containers
      // start the app with the same pid every time): it cannot be ours, we have not locked yet.
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new DataDirInUseError(
          `DATA_DIR ${path.resolve(dataDir)} is in use by process ${holder} (is Uplink running?). The embedded database allows one process at a time: stop that process first.`,
        );
      }
      unlinkSync(file);
    }
  }
  throw new DataDirInUseError(`Could not lock DATA_DIR ${path.resolve(dataDir)}.`);
}
