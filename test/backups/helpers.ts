import { spawnSync } from "node:child_process";
import { sql } from "drizzle-orm";
import pg from "pg";
import { inject } from "vitest";
import { readBackupSql } from "../../src/server/backups/backups.restore.js";
import { type DatabaseHandle, type Executor, openPostgres, queryRows } from "../../src/server/db/client.js";
import { databaseUrlFor, testDatabaseName } from "../support/databases.js";

/** Every table outside PostgreSQL's own schemas (the app's and drizzle's migration log). */
async function tablesOf(db: Executor): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select format('%I.%I', table_schema, table_name) as name from information_schema.tables
         where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
         order by 1`,
  );
  return rows.map((row) => row.name);
}

/**
 * Each table's row count and a digest of all its rows (every column, as text, in a fixed order),
 * and each sequence's position: two databases with equal fingerprints hold the same data.
 */
export async function fingerprint(db: Executor): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of await tablesOf(db)) {
    const [row] = await queryRows<{ rows: string; digest: string | null }>(
      db,
      sql.raw(
        `select count(*)::text as rows, md5(string_agg(t::text, E'\\n' order by t::text)) as digest from ${table} t`,
      ),
    );
    result[table] = `${row?.rows} rows, ${row?.digest ?? "empty"}`;
  }
  const sequences = await queryRows<{ name: string }>(
    db,
    sql`select format('%I.%I', sequence_schema, sequence_name) as name from information_schema.sequences order by 1`,
  );
  for (const { name } of sequences) {
    const [row] = await queryRows<{ position: string }>(
      db,
      sql.raw(`select (case when is_called then last_value else last_value - 1 end)::text as position from ${name}`),
    );
    result[`sequence ${name}`] = row?.position ?? "";
  }
  return result;
}

/** A new server database with the backup loaded by the documented psql command; dropped by `drop`. */
export async function restoreIntoServer(file: string): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  const base = inject("testDatabaseUrl");
  if (!base) throw new Error("TEST_DATABASE_URL is not set");
  const name = testDatabaseName();
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = databaseUrlFor(base, name);
  const drop = async () => {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  };
  // docs/operations.md: gunzip -c <file> | psql --set ON_ERROR_STOP=1 --single-transaction …
  const restore = spawnSync("psql", ["--set", "ON_ERROR_STOP=1", "--single-transaction", "--quiet", "--dbname", url], {
    input: await readBackupSql(file),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (restore.status !== 0 || restore.stderr !== "") {
    await drop();
    throw new Error(`psql failed (${restore.status}): ${restore.stderr}`);
  }
  const handle = await openPostgres({ connectionString: url, poolSize: 2 });
  return {
    handle,
    async drop() {
      await handle.close();
      await drop();
    },
  };
}
