import type { DatabaseHandle, EmbeddedClient } from "../db/client.js";

/** The connections the app's queries wait for, as the pool gauges report them. */
export interface PoolState {
  /** Connections the app may hold at once (DATABASE_POOL_SIZE; 1 on PGlite). */
  max: number;
  /** Connections running a query or a transaction. */
  inUse: number;
  /** Open connections doing nothing. */
  idle: number;
  /** Queries and transactions waiting for a connection. */
  waiting: number;
}

/** Calls of one embedded database under way (running or queued behind the one running). */
const embeddedCalls = new WeakMap<EmbeddedClient, { active: number }>();

/**
 * Counts the calls under way on the embedded database. PGlite (in this thread or on its worker
 * thread) runs one query or transaction at a time and queues the rest where they cannot be seen,
 * so the queue is counted from outside: every query, exec and transaction (Drizzle uses these
 * three) is counted while it runs or waits. Once per client, however many apps are built on it.
 */
function countEmbeddedCalls(client: EmbeddedClient): { active: number } {
  const existing = embeddedCalls.get(client);
  if (existing) return existing;
  const calls = { active: 0 };
  embeddedCalls.set(client, calls);
  const counted =
    <Args extends unknown[], Result>(run: (...args: Args) => Promise<Result>) =>
    async (...args: Args): Promise<Result> => {
      calls.active++;
      try {
        return await run(...args);
      } finally {
        calls.active--;
      }
    };
  client.query = counted(client.query.bind(client)) as EmbeddedClient["query"];
  client.exec = counted(client.exec.bind(client)) as EmbeddedClient["exec"];
  client.transaction = counted(client.transaction.bind(client)) as EmbeddedClient["transaction"];
  return calls;
}

/**
 * How to read the pool's state at scrape time: the pg pool's own counts on a server (LISTEN
 * connections are outside it), the call queue on PGlite (one connection).
 */
export function poolStateReader(database: DatabaseHandle): () => PoolState {
  const { pool, embedded } = database;
  if (pool) {
    return () => {
      const inUse = pool.totalCount - pool.idleCount;
      return { max: pool.options.max ?? 10, inUse, idle: pool.idleCount, waiting: pool.waitingCount };
    };
  }
  if (embedded) {
    const calls = countEmbeddedCalls(embedded);
    return () => {
      const inUse = Math.min(calls.active, 1);
      return { max: 1, inUse, idle: 1 - inUse, waiting: Math.max(calls.active - 1, 0) };
    };
  }
  return () => ({ max: 0, inUse: 0, idle: 0, waiting: 0 });
}
