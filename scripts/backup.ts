/**
 * `npm run backup`: a gzipped plain-SQL dump of the database, `$BACKUP_DIR/uplink-<timestamp>.sql.gz`.
 * - Embedded (PGlite) while the app runs: the data directory is the app's, so the app takes the
 *   backup itself (POST /api/backups) with an admin API token of `admin` scope from UPLINK_TOKEN
 *   or `--token`, at UPLINK_URL or `--url` (default: this host's PORT).
 * - Embedded with the app stopped: dumps DATA_DIR directly (pg_dump compiled to WebAssembly).
 * - PostgreSQL server: runs the system's pg_dump (safe while the app runs); without one, prints
 *   the command to run.
 * `npm run backup -- --restore <file>` loads a backup into an empty DATA_DIR (embedded).
 * Restoring either dump: docs/operations.md.
 */
import path from "node:path";
import { RestoreRefusedError, restoreEmbeddedBackup } from "../src/server/backups/backups.restore.js";
import { backupDirOf, takeBackup } from "../src/server/backups/backups.service.js";
import { systemClock } from "../src/server/clock.js";
import { type Config, ConfigError, loadConfig, usesServerDatabase } from "../src/server/config.js";
import { DataDirInUseError, openDatabase } from "../src/server/db/open.js";
import { AppError } from "../src/server/http/errors.js";
import type { BackupCreated, BackupList } from "../src/shared/backups.js";

class BackupRefused extends Error {}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

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

/** Where the running app listens, seen from this host. */
function appUrl(config: Config): string {
  const given = option("--url") ?? process.env.UPLINK_URL;
  if (given) return given.replace(/\/+$/, "");
  const host = config.HOST === "0.0.0.0" ? "127.0.0.1" : config.HOST === "::" ? "[::1]" : config.HOST;
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${config.PORT}`;
}

/** Asks the running app for a backup: it alone may read its embedded database. */
async function backupThroughApp(config: Config, inUse: DataDirInUseError): Promise<void> {
  const token = option("--token") ?? process.env.UPLINK_TOKEN;
  if (!token) {
    throw new BackupRefused(
      [
        inUse.message.replace(/ The embedded database allows.*$/, ""),
        "The running app takes the backup itself when asked with an admin API token of scope admin",
        "(Settings → API tokens): UPLINK_TOKEN=upl_… npm run backup   (or: npm run backup -- --token upl_…).",
        "Or take one in the app: Settings → Backups → Back up now.",
      ].join("\n"),
    );
  }
  const base = appUrl(config);
  const call = async (method: "GET" | "POST", url: string) => {
    let response: Response;
    try {
      response = await fetch(`${base}${url}`, { method, headers: { authorization: `Bearer ${token}` } });
    } catch (error) {
      throw new BackupRefused(
        `Could not reach the running app at ${base} (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : error}). Set UPLINK_URL (or --url) to its address.`,
      );
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      const detail = typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`;
      throw new BackupRefused(`The app at ${base} refused the backup: ${detail}`);
    }
    return body;
  };
  const created = (await call("POST", "/api/backups")) as unknown as BackupCreated;
  const list = (await call("GET", "/api/backups")) as unknown as BackupList;
  console.log(
    `Backed up through the running app at ${base} to ${path.join(list.directory, created.name)} (${created.size} bytes in ${created.durationMs} ms)`,
  );
}

async function main() {
  const config = loadConfig();
  if (process.argv.includes("--restore")) {
    const dumpFile = option("--restore");
    if (!dumpFile) throw new BackupRefused("Usage: npm run backup -- --restore backups/uplink-<timestamp>.sql.gz");
    if (usesServerDatabase(config)) {
      throw new BackupRefused(
        "DATABASE_URL (or PGHOST/PGDATABASE) is set: restore a server database with psql, see docs/operations.md.",
      );
    }
    await restoreEmbeddedBackup(config, dumpFile);
    console.log(`Restored ${path.resolve(dumpFile)} into ${path.resolve(config.DATA_DIR)}`);
    return;
  }

  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase(config);
  } catch (error) {
    if (error instanceof DataDirInUseError) return backupThroughApp(config, error);
    throw error;
  }
  try {
    const backup = await takeBackup({ database, config, clock: systemClock });
    const target = usesServerDatabase(config) ? database.description : path.resolve(config.DATA_DIR);
    console.log(`Backed up ${target} to ${path.join(backupDirOf(config), backup.name)}`);
  } catch (error) {
    if (!(error instanceof AppError && error.code === "backup.unavailable")) throw error;
    // A server database without pg_dump on this host: the command to run where it is installed.
    const { url, hadPassword } = serverTarget(config);
    const file = path.join(backupDirOf(config), `uplink-${timestamp(new Date())}.sql.gz`);
    const target = url ? ` --dbname='${url}'` : " # connection from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE";
    console.log(`${error.message}\n`);
    console.log("Back the server up with pg_dump (safe while the app runs) where it is installed:\n");
    console.log(`  mkdir -p '${backupDirOf(config)}'`);
    console.log(`  pg_dump --no-owner --no-privileges${target} | gzip > '${file}'\n`);
    if (hadPassword) console.log("The password is left out: set PGPASSWORD or use ~/.pgpass.");
    console.log("Restore steps: docs/operations.md");
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  if (
    error instanceof ConfigError ||
    error instanceof DataDirInUseError ||
    error instanceof RestoreRefusedError ||
    error instanceof BackupRefused
  ) {
    console.error(error.message);
  } else {
    console.error("Backup failed:", error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
