import { sql } from "drizzle-orm";
import pg from "pg";
import { type DatabaseHandle, deferNotification, type Executor } from "./client.js";

/**
 * PostgreSQL's LISTEN/NOTIFY on either driver, behind one interface: the SMS dispatcher and the
 * live updates both wake on it. A NOTIFY sent inside a transaction is delivered on commit only,
 * and never for a rolled-back change.
 */
export async function notify(db: Executor, channel: string, payload = ""): Promise<void> {
  // Inside a transaction it is sent with the transaction's others, just before the commit.
  if (deferNotification(db, channel, payload)) return;
  await db.execute(sql`select pg_notify(${channel}, ${payload})`);
}

export interface ListenOptions {
  /** How long to wait before reconnecting a lost LISTEN connection (server database). */
  retryMs: number;
  /** Called once the listener is (re)connected: anything sent while it was down was missed. */
  onConnected?: () => void;
  log: { warn(details: object, message: string): void };
}

/** Stops listening (and gives the connection back). */
export type Unlisten = () => Promise<void>;

/**
 * Calls `onNotify` for every notification on `channel`, from this process or any other. On a
 * server the listener holds a connection of its own, outside the pool (the pool's connections stay
 * for queries however many listeners an instance runs: the SMS and webhook dispatchers, the live
 * stream), and reconnects by itself when it is lost; the caller's own poll covers the gap.
 */
export async function listen(
  database: DatabaseHandle,
  channel: string,
  onNotify: (payload: string) => void,
  options: ListenOptions,
): Promise<Unlisten> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  if (database.embedded) {
    const off = await database.embedded.listen(channel, (payload) => onNotify(payload));
    options.onConnected?.();
    return off;
  }
  const pool = database.pool;
  if (!pool) return async () => {};
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  const connect = async () => {
    try {
      client = new pg.Client(pool.options);
      await client.connect();
      client.on("notification", (message) => {
        if (message.channel === channel) onNotify(message.payload ?? "");
      });
      client.on("error", (error) => {
        options.log.warn({ err: error, channel }, "LISTEN connection lost; reconnecting");
        void client?.end().catch(() => {});
        client = undefined;
        if (!stopped) retry = setTimeout(() => void connect(), options.retryMs);
      });
      await client.query(`listen ${channel}`);
      options.onConnected?.();
    } catch (error) {
      options.log.warn({ err: error, channel }, "LISTEN failed; retrying");
      void client?.end().catch(() => {});
      client = undefined;
      if (!stopped) retry = setTimeout(() => void connect(), options.retryMs);
    }
  };
  await connect();
  const unlisten = async () => {
    stopped = true;
    removeCloseHook?.();
    clearTimeout(retry);
    if (!client) return;
    const listening = client;
    client = undefined;
    await listening.end().catch(() => {});
  };
  // Closing the database (a shutdown, or a test taking it away) must not wait on this connection.
  const removeCloseHook = database.beforeClose?.(unlisten);
  return unlisten;
}
