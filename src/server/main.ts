import cluster from "node:cluster";
import pino from "pino";
import { buildApp, loggerOptions } from "./app.js";
import { issueSetupToken, SETUP_TOKEN_TTL_MS, setupLink } from "./auth/setup.service.js";
import { systemClock } from "./clock.js";
import { PREPARED_ENV, runPrimary, workerCount, workerIndex } from "./cluster.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import type { DatabaseHandle } from "./db/client.js";
import { scheduleMaintenance } from "./db/maintenance.js";
import { runMigrations } from "./db/migrate.js";
import { DataDirDamagedError, damagedDataDirMessage, openDatabase } from "./db/open.js";
import { seedDemoUsers } from "./db/seed.js";
import { maintenanceJobs } from "./maintenance.js";
import { hashPassword } from "./users/users.passwords.js";

async function main() {
  const startedAt = performance.now();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const workers = workerCount(config);
  const log = pino(loggerOptions(config.LOG_LEVEL) as pino.LoggerOptions).child(
    cluster.isWorker ? { worker: workerIndex() } : {},
  );
  if (cluster.isPrimary && workers > 1) {
    // Migrations, the demo accounts and the setup link once, here; then the workers serve.
    await prepareDatabase(config, log);
    runPrimary(config, workers, log);
    return;
  }
  // The first worker (or the only process) runs the maintenance schedule; the others serve only.
  const runsMaintenance = workerIndex() === 0;
  const prepared = process.env[PREPARED_ENV] === "true";

  const database = await openDatabase(config, { worker: config.PGLITE_WORKER });
  log.info(`Database: ${database.description}`);
  if (database.kind === "pglite") {
    log.warn(
      "Embedded PostgreSQL runs with fsync off: a power loss or kernel crash can lose the last moments of writes. Back up with `npm run backup`; use a PostgreSQL server (DATABASE_URL) for production at scale.",
    );
  }
  if (!prepared) await migrateAndSeed(database, config, log);

  const app = await buildApp({ config, database, clock: systemClock }, { logger: log });

  let stopping = false;
  let stopMaintenance = () => {};
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    stopMaintenance();
    log.info(`${signal}: finishing in-flight requests, then closing the database`);
    const force = setTimeout(() => {
      log.error("Shutdown took longer than 25 s; exiting");
      process.exit(1);
    }, 25_000);
    force.unref();
    try {
      await app.close();
      await database.close();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, "error during shutdown");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  await app.listen({ port: config.PORT, host: config.HOST });
  if (runsMaintenance) {
    stopMaintenance = scheduleMaintenance(maintenanceJobs({ database, clock: systemClock, config }), log);
  }
  if (!prepared) await printSetupLink(database, config, log);
  log.info(`Uplink ready in ${Math.round(performance.now() - startedAt)} ms`);
}

async function migrateAndSeed(database: DatabaseHandle, config: Config, log: pino.Logger) {
  try {
    await runMigrations(database);
  } catch (error) {
    // An embedded data directory that opens but cannot be queried is damaged, not out of date.
    if (database.kind === "pglite") throw new DataDirDamagedError(damagedDataDirMessage(config.DATA_DIR, error));
    throw error;
  }
  if (config.SEED_DEMO_USERS) await seedDemoUsers(database.db, hashPassword, log);
}

/** First run without demo accounts: no admin can sign in yet, so print a one-time setup link. */
async function printSetupLink(database: DatabaseHandle, config: Config, log: pino.Logger) {
  const setupToken = await issueSetupToken(database.db, systemClock);
  if (!setupToken) return;
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;
  const listening = `http://${host.includes(":") ? `[${host}]` : host}:${config.PORT}`;
  log.warn(
    `No admin account exists yet. Create the first admin within ${SETUP_TOKEN_TTL_MS / 3_600_000} hours at this one-time link (a restart prints a new one): ${setupLink(config.PUBLIC_URL ?? listening, setupToken)}`,
  );
}

/** The primary of several workers: the database made ready once, before any worker starts. */
async function prepareDatabase(config: Config, log: pino.Logger) {
  const database = await openDatabase(config);
  log.info(`Database: ${database.description}`);
  try {
    await migrateAndSeed(database, config, log);
    await printSetupLink(database, config, log);
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  console.error("Uplink failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
