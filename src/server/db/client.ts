import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import { dumpPglite } from "./pglite-dump.js";
import { installRowMapping } from "./row-mapping.js";
import * as schema from "./schema/index.js";

installRowMapping();

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
  /**
   * The embedded database, in this thread or on its worker thread (pglite-worker.ts): LISTEN and
   * plain SQL. Undefined on a server.
   */
  embedded?: EmbeddedClient;
  /**
   * The PGlite instance when it runs in this thread (scripts, tests); undefined on a server and
   * when PGlite runs on a worker thread. For a dump, use `dumpSql`, which works in both.
   */
  pglite?: PGlite;
  /**
   * A plain-SQL dump of the embedded database by pg_dump (WebAssembly) with these arguments, such
   * as `["--no-owner", "--no-privileges"]`, while the app keeps using it (pglite-dump.ts); made
   * where PGlite runs. Undefined on a server (use pg_dump there).
   */
  dumpSql?(args: readonly string[]): Promise<string>;
}

/**
 * What the app asks of PGlite: the instance itself, or its proxy on a worker thread
 * (`PgliteThread`). PGlite's own signatures, so Drizzle's driver takes either.
 */
export interface EmbeddedClient {
  readonly closed: boolean;
  query: PGlite["query"];
  exec: PGlite["exec"];
  transaction: PGlite["transaction"];
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  dumpDataDir(compression?: "none" | "gzip" | "auto"): Promise<Blob>;
}

/**
 * Set while a transaction's callback runs. A query on the root database from inside it would
 * hang forever on PGlite (one connection, held by the transaction) and silently escape the
 * transaction on a server, so both drivers refuse it with an error that names the mistake.
 */
const transactionScope = new AsyncLocalStorage<TransactionScope>();

interface TransactionScope {
  /** The transaction the scope belongs to. */
  tx: unknown;
  /** NOTIFYs asked for in the transaction, sent together just before it commits. */
  notifications: Map<string, { channel: string; payload: string }>;
  /** Called once the transaction has committed (not after a rollback). */
  afterCommit: (() => void)[];
}

/**
 * PostgreSQL refuses a select list longer than 1,664 entries: a transaction with more
 * notifications (a deactivated technician's 600 tickets reassigned) sends them in several.
 */
const NOTIFICATIONS_PER_STATEMENT = 1_000;

/**
 * Keeps a NOTIFY for the end of transaction `tx` (false when `tx` is not the open transaction of
 * this call chain). PostgreSQL delivers a NOTIFY at commit whenever it was sent in the
 * transaction, so sending them together at the end changes nothing a listener sees and saves a
 * round trip each: a ticket's creation asked for three (the live stream twice, the SMS dispatcher
 * once). A repeat of the same channel and payload is sent once, as PostgreSQL delivers it once.
 */
export function deferNotification(tx: unknown, channel: string, payload: string): boolean {
  const scope = transactionScope.getStore();
  if (!scope || scope.tx !== tx) return false;
  scope.notifications.set(`${channel}\u0000${payload}`, { channel, payload });
  return true;
}

/**
 * Runs `callback` after transaction `tx` commits (at once when `tx` is not the open transaction
 * of this call chain): a cache forgets a changed value again once nobody can read the old one.
 */
export function afterCommit(tx: unknown, callback: () => void): void {
  const scope = transactionScope.getStore();
  if (scope && scope.tx === tx) scope.afterCommit.push(callback);
  else callback();
}

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
    transaction(async (tx) => {
      const scope: TransactionScope = { tx, notifications: new Map(), afterCommit: [] };
      const result = await transactionScope.run(scope, () => callback(tx));
      const calls = [...scope.notifications.values()].map(
        ({ channel, payload }) => sql`pg_notify(${channel}, ${payload})`,
      );
      for (let start = 0; start < calls.length; start += NOTIFICATIONS_PER_STATEMENT) {
        await tx.execute(sql`select ${sql.join(calls.slice(start, start + NOTIFICATIONS_PER_STATEMENT), sql`, `)}`);
      }
      return { result, afterCommit: scope.afterCommit };
    }, config).then(({ result, afterCommit }) => {
      for (const run of afterCommit) run();
      return result;
    })) as Database["transaction"];
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
  return embeddedHandle(client, {
    description: options.dataDir
      ? `embedded PostgreSQL (PGlite) in ${path.resolve(options.dataDir)}`
      : "embedded PostgreSQL (PGlite) in memory",
    pglite: client,
    dumpSql: (args) => dumpPglite(client, args),
    async close() {
      if (!client.closed) await client.close();
    },
  });
}

/** The handle over PGlite, in this thread or on a worker thread: the same guard and driver for both. */
export function embeddedHandle(
  client: EmbeddedClient,
  parts: Pick<DatabaseHandle, "description" | "pglite" | "close"> & {
    dumpSql(args: readonly string[]): Promise<string>;
  },
): DatabaseHandle {
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

  const db = guardTransactions(drizzlePglite(client as PGlite, { schema }) as unknown as Database);
  return {
    db,
    kind: "pglite",
    embedded: client,
    ...parts,
    async ping() {
      await client.query("select 1");
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
