import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import pg from "pg";
import { inject } from "vitest";
import { type DatabaseHandle, openPglite, openPostgres } from "../../src/server/db/client.js";

export type DatabaseKind = "pglite" | "postgres";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplatePath: string;
    postgresTemplate: string | null;
    testDatabaseUrl: string | null;
    testRunId: number;
  }
}

/** The databases every API suite runs on: PGlite always, the server when TEST_DATABASE_URL is set. */
export function testDatabaseKinds(): DatabaseKind[] {
  return inject("testDatabaseUrl") ? ["pglite", "postgres"] : ["pglite"];
}

export function databaseUrlFor(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A name for a server test database that this run's clean-up, and only this run's, drops. */
export function testDatabaseName(): string {
  return `uplink_t_${inject("testRunId")}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

export interface TestDatabase {
  handle: DatabaseHandle;
  /** Connection string of the server database (undefined on PGlite). */
  url?: string;
  drop(): Promise<void>;
}

let templateBlob: Blob | undefined;

/**
 * A fresh, migrated database holding only the demo staff accounts: an in-memory PGlite loaded
 * from the template dump, or a server database cloned from the template database. Only what
 * this function created is ever dropped.
 */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    templateBlob ??= new Blob([await readFile(inject("pgliteTemplatePath"))]);
    const handle = await openPglite({ loadDataDir: templateBlob });
    return { handle, drop: () => handle.close() };
  }
  const base = inject("testDatabaseUrl");
  const template = inject("postgresTemplate");
  if (!base || !template) throw new Error("TEST_DATABASE_URL is not set");
  const name = testDatabaseName();
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database "${name}" template "${template}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrlFor(base, name);
  // A new connection to a just-created database can take seconds on a loaded CI machine.
  const handle = await openPostgres({ connectionString: url, poolSize: 5, connectionTimeoutMs: 30_000 });
  return {
    handle,
    url,
    async drop() {
      await handle.close().catch(() => {});
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
