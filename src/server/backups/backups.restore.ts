import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import type { Config } from "../config.js";
import { openDatabase } from "../db/open.js";

/** Restoring was refused, with what to do instead (the script prints it as it is). */
export class RestoreRefusedError extends Error {
  override name = "RestoreRefusedError";
}

/** A backup's SQL text: gunzipped when it is a `.sql.gz` (or any gzip file), as it is otherwise. */
export async function readBackupSql(file: string): Promise<string> {
  const bytes = await readFile(file);
  const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (gzipped ? await promisify(gunzip)(bytes) : bytes).toString("utf8");
}

/**
 * Loads a backup (either database's, gzipped or not) into a new, empty embedded data directory,
 * never over existing data. The app must not run on that directory (its lock says so).
 */
export async function restoreEmbeddedBackup(config: Config, file: string): Promise<void> {
  const dataDir = path.resolve(config.DATA_DIR);
  if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
    throw new RestoreRefusedError(
      `DATA_DIR ${dataDir} is not empty: restore into a new directory (DATA_DIR=./data-restored) and point the app at it, or move the old one aside first.`,
    );
  }
  const text = await readBackupSql(file);
  const database = await openDatabase(config);
  try {
    if (!database.pglite) throw new Error("the embedded database did not open in this process");
    await database.pglite.exec(text);
    // The dump empties search_path for its own session; the data directory keeps no such setting.
    await database.pglite.exec("RESET search_path");
  } finally {
    await database.close();
  }
}
