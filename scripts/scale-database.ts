/**
 * The scratch database of the scale checks (scripts/*-scale-check.ts): dropped and created anew on
 * a PostgreSQL server, migrated and seeded with the demo accounts; `generate` runs bulk statements
 * on a client of its own (they run longer than the app pool's 30 s query timeout); `close` drops
 * the database unless the command line said `--keep`.
 *
 *   npx tsx scripts/<name>-scale-check.ts [postgres://postgres@127.0.0.1:5432/postgres] [--keep]
 */
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import { type DatabaseHandle, openPostgres } from "../src/server/db/client.js";
import { runMigrations } from "../src/server/db/migrate.js";
import { seedDemoUsers } from "../src/server/db/seed.js";
import { hashPassword } from "../src/server/users/users.passwords.js";

export interface ScaleDatabase {
  database: DatabaseHandle;
  /** The scratch database's address, for an app built on it. */
  url: string;
  /** A bulk statement on the bulk client. */
  generate(query: SQL): Promise<pg.QueryResult>;
  /** The bulk client itself, for EXPLAIN and ANALYZE. */
  bulk: pg.Client;
  /** "[  12 s] message", timed from the start. */
  log(message: string): void;
  close(): Promise<void>;
}

async function onServer(serverUrl: string, statement: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function openScaleDatabase(name: string): Promise<ScaleDatabase> {
  const args = process.argv.slice(2);
  const serverUrl = args.find((arg) => !arg.startsWith("--")) ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const keep = args.includes("--keep");
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const started = Date.now();
  const log = (message: string) =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

  await onServer(serverUrl, `drop database if exists ${name} with (force)`);
  await onServer(serverUrl, `create database ${name}`);
  const database = await openPostgres({ connectionString: url.toString(), poolSize: 5 });
  await runMigrations(database);
  await seedDemoUsers(database.db, hashPassword);
  const bulk = new pg.Client({ connectionString: url.toString() });
  await bulk.connect();
  const dialect = new PgDialect();
  return {
    database,
    url: url.toString(),
    bulk,
    log,
    generate(query) {
      const { sql: text, params } = dialect.sqlToQuery(query);
      return bulk.query(text, params);
    },
    async close() {
      await bulk.end().catch(() => {});
      await database.close();
      if (!keep) await onServer(serverUrl, `drop database if exists ${name} with (force)`);
      log(keep ? `kept ${name}` : `dropped ${name}`);
    },
  };
}
