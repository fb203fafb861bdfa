import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import { usesServerDatabase } from "../config.js";
import { type DatabaseHandle, openPglite, openPostgres } from "./client.js";

/** Opens the database the configuration names: a PostgreSQL server, else PGlite under DATA_DIR. */
export async function openDatabase(config: Config): Promise<DatabaseHandle> {
  if (usesServerDatabase(config)) {
    return openPostgres({ connectionString: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  }
  const release = lockDataDir(config.DATA_DIR);
  try {
    const handle = await openPglite({ dataDir: config.DATA_DIR });
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
      if (Number.isInteger(holder) && isAlive(holder)) {
        throw new DataDirInUseError(
          `DATA_DIR ${path.resolve(dataDir)} is in use by process ${holder} (is Uplink running?). The embedded database allows one process at a time: stop that process first.`,
        );
      }
      unlinkSync(file);
    }
  }
  throw new DataDirInUseError(`Could not lock DATA_DIR ${path.resolve(dataDir)}.`);
}
