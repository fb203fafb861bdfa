/**
 * `npm run backup`: a plain-SQL dump of the database.
 * - Embedded (PGlite): dumps DATA_DIR with pg_dump compiled to WebAssembly into
 *   $BACKUP_DIR (default ./backups)/uplink-<timestamp>.sql. The app must be stopped: PGlite is
 *   one process's database, and the data directory's lock refuses a second opener.
 * - PostgreSQL server: prints the pg_dump command to run (pg_dump is the right tool there, and
 *   works while the app runs).
 * `npm run backup -- --restore <file.sql>` loads a dump into an empty DATA_DIR (embedded).
 * Restoring either dump: docs/operations.md.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pgDump } from "@electric-sql/pglite-tools/pg_dump";
import { type Config, ConfigError, loadConfig, usesServerDatabase } from "../src/server/config.js";
import { DataDirInUseError, openDatabase } from "../src/server/db/open.js";

const timestamp = (date: Date) =>
  date
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/:/g, "-");

/** A shell-safe rendering of the connection target, the password left to PGPASSWORD or ~/.pgpass. */
function serverTarget(config: Config): { url: string; hadPassword: boolean } {
  if (!config.DATABASE_URL) return { url: "", hadPassword: false };
  const url = new URL(config.DATABASE_URL);
  const hadPassword = url.password !== "";
  url.password = "";
  return { url: url.toString(), hadPassword };
}

/** Loads a dump into a new, empty embedded data directory (never over existing data). */
async function restore(config: Config, dumpFile: string) {
  const dataDir = path.resolve(config.DATA_DIR);
  if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
    throw new RestoreRefused(
      `DATA_DIR ${dataDir} is not empty: restore into a new directory (DATA_DIR=./data-restored) and point the app at it, or move the old one aside first.`,
    );
  }
  const text = await readFile(dumpFile, "utf8");
  const database = await openDatabase(config);
  try {
    await database.pglite?.exec(text);
    // The dump empties search_path for its own session; the data directory keeps no such setting.
    await database.pglite?.exec("RESET search_path");
  } finally {
    await database.close();
  }
  console.log(`Restored ${path.resolve(dumpFile)} into ${dataDir}`);
}

class RestoreRefused extends Error {}

async function main() {
  const config = loadConfig();
  const restoreIndex = process.argv.indexOf("--restore");
  if (restoreIndex !== -1) {
    const dumpFile = process.argv[restoreIndex + 1];
    if (!dumpFile) throw new RestoreRefused("Usage: npm run backup -- --restore backups/uplink-<timestamp>.sql");
    if (usesServerDatabase(config)) {
      throw new RestoreRefused(
        "DATABASE_URL (or PGHOST/PGDATABASE) is set: restore a server database with psql, see docs/operations.md.",
      );
    }
    await restore(config, dumpFile);
    return;
  }
  const backupDir = path.resolve(process.env.BACKUP_DIR || "backups");
  const file = path.join(backupDir, `uplink-${timestamp(new Date())}.sql`);

  if (usesServerDatabase(config)) {
    const { url, hadPassword } = serverTarget(config);
    const target = url ? ` --dbname='${url}'` : " # connection from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE";
    console.log("Uplink uses a PostgreSQL server: back it up with pg_dump (safe while the app runs):\n");
    console.log(`  mkdir -p '${backupDir}'`);
    console.log(`  pg_dump --no-owner --no-privileges --file='${file}'${target}\n`);
    if (hadPassword) console.log("The password is left out: set PGPASSWORD or use ~/.pgpass.");
    console.log("Restore steps: docs/operations.md");
    return;
  }

  const database = await openDatabase(config);
  try {
    if (!database.pglite) throw new Error("embedded database without a PGlite instance");
    const dump = await pgDump({ pg: database.pglite, args: ["--no-owner", "--no-privileges"] });
    // PGlite's pg_dump is version 18; this one setting is unknown to servers before 17 and only
    // restates the default, so dropping it lets the dump load into any PostgreSQL 13+ as well.
    const text = (await dump.text()).replace(/^SET transaction_timeout = 0;\n/m, "");
    await mkdir(backupDir, { recursive: true });
    await writeFile(file, text, { mode: 0o600 });
  } finally {
    await database.close();
  }
  console.log(`Backed up ${path.resolve(config.DATA_DIR)} to ${file}`);
}

main().catch((error) => {
  if (error instanceof ConfigError || error instanceof DataDirInUseError || error instanceof RestoreRefused) {
    console.error(error.message);
  } else {
    console.error("Backup failed:", error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
