import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import type { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import * as schema from "./schema/index.js";

export type Schema = typeof schema;
/** One database type for both drivers: services never know which one they run on. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction, or the database itself: what every writing service function takes. */
export type Executor = Database | Parameters<Parameters<Database["transaction"]>[0]>[0];

export type DatabaseKind = "pglite" | "postgres";

export interface DatabaseHandle {
  db: Database;
  kind: DatabaseKind;
  /** Human-readable target for the start-up log (never includes a password). */
  description: string;
  /** Runs a trivial query; rejects when the database is unreachable. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs `hook` at the start of `close()` (server): a LISTEN connection held for the app's life
   * gives itself back here, since closing a pool waits for every client it lent. Returns the
   * hook's removal.
   */
  beforeClose?(hook: () => Promise<void>): () => void;
  /** The pg pool (server) — for LISTEN/NOTIFY and advisory locks; undefined on PGlite. */
  pool?: pg.Pool;
  /** The PGlite instance — for dumps; undefined on a server. */
  pglite?: PGlite;
}

/**
 * Set while a transaction's callback runs. A query on the root database from inside it would
 * hang forever on PGlite (one connection, held by the transaction) and silently escape the
 * transaction on a server, so both drivers refuse it with an error that names the mistake.
 */
const transactionScope = new AsyncLocalStorage<true>();

export class QueryOutsideTransactionError extends Error {
  override name = "QueryOutsideTransactionError";
  constructor() {
    super(
      "A query used the root database while a transaction was open in the same call chain: pass the transaction (tx) down instead.",
    );
  }
}

function refuseInsideTransaction(): void {
  if (transactionScope.getStore()) throw new QueryOutsideTransactionError();
}

function guardTransactions(db: Database): Database {
  const transaction = db.transaction.bind(db);
  db.transaction = ((callback, config) =>
    transaction((tx) => transactionScope.run(true, () => callback(tx)), config)) as Database["transaction"];
  return db;
}

export interface PgliteOptions {
  /** Directory for the data files; omit for an in-memory database. */
  dataDir?: string;
  /** A dump of a data directory (from `dumpDataDir`) to start from: the test template. */
  loadDataDir?: Blob | File;
}

export async function openPglite(options: PgliteOptions): Promise<DatabaseHandle> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = await PGlite.create({
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    extensions: { pg_trgm },
  });
  const query = client.query.bind(client);
  const exec = client.exec.bind(client);
  client.query = ((...args: Parameters<typeof query>) => {
    refuseInsideTransaction();
    return query(...args);
  }) as typeof client.query;
  client.exec = ((...args: Parameters<typeof exec>) => {
    refuseInsideTransaction();
    return exec(...args);
  }) as typeof client.exec;

  const db = guardTransactions(drizzlePglite(client, { schema }) as unknown as Database);
  return {
    db,
    kind: "pglite",
    description: options.dataDir
      ? `embedded PostgreSQL (PGlite) in ${path.resolve(options.dataDir)}`
      : "embedded PostgreSQL (PGlite) in memory",
    pglite: client,
    async ping() {
      await client.query("select 1");
    },
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

export interface ServerOptions {
  connectionString?: string;
  poolSize: number;
  /** Fail fast instead of queueing forever when the server is down. */
  connectionTimeoutMs?: number;
}

export async function openPostgres(options: ServerOptions): Promise<DatabaseHandle> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    // A query that hangs longer than this is a bug or an outage; fail it so the request can answer.
    query_timeout: 30_000,
  });
  // Without a listener, an idle client losing its connection (server restart) crashes the process.
  pool.on("error", () => {});
  const query = pool.query.bind(pool);
  pool.query = ((...args: unknown[]) => {
    refuseInsideTransaction();
    return (query as (...a: unknown[]) => unknown)(...args);
  }) as typeof pool.query;

  const db = guardTransactions(drizzlePg(pool, { schema }) as unknown as Database);
  const closeHooks = new Set<() => Promise<void>>();
  const target = new URL(options.connectionString ?? "postgres://");
  const description = `PostgreSQL server ${target.hostname || process.env.PGHOST || "localhost"}:${target.port || process.env.PGPORT || 5432}/${target.pathname.slice(1) || process.env.PGDATABASE || ""}`;
  return {
    db,
    kind: "postgres",
    description,
    pool,
    async ping(timeoutMs = 2000) {
      const client = await pool.connect();
      try {
        await client.query({ text: "select 1", query_timeout: timeoutMs } as pg.QueryConfig);
      } finally {
        client.release();
      }
    },
    beforeClose(hook) {
      closeHooks.add(hook);
      return () => closeHooks.delete(hook);
    },
    async close() {
      await Promise.allSettled([...closeHooks].map((hook) => hook()));
      closeHooks.clear();
      await pool.end();
    },
  };
}

/** Plain-SQL rows from either driver. */
export async function queryRows<T>(db: Executor, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
