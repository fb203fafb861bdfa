import path from "node:path";
import { Worker } from "node:worker_threads";
import { messages, type QueryOptions, type Results, type Transaction } from "@electric-sql/pglite";
import { type DatabaseHandle, type EmbeddedClient, embeddedHandle, type PgliteOptions } from "./client.js";

/**
 * PGlite on a worker thread (pglite-worker.thread.ts), behind the part of PGlite's interface the
 * app and Drizzle's driver use. PostgreSQL runs single-threaded in WebAssembly: in the app's
 * thread, every query's execution and the parsing of its rows stop HTTP, validation and JSON for
 * everyone else, and one core does all of it. Here the app thread only posts a message and reads
 * the answer, so both cores work.
 */

/** What the thread is started with (its `workerData`). */
export interface ThreadStart {
  dataDir?: string;
  loadDataDir?: Blob;
}

interface QueryShape {
  tx?: number;
  rowMode?: "array" | "object";
  /** Types the thread leaves as PostgreSQL's text: the caller's parsers for them run here. */
  textTypes?: number[];
  blob?: Blob;
}

type ThreadCall =
  | ({ op: "query"; text: string; params: unknown[] } & QueryShape)
  | ({ op: "exec"; text: string } & QueryShape)
  | { op: "begin" }
  | { op: "end"; tx: number; commit: boolean }
  | { op: "listen"; channel: string; tx?: number }
  | { op: "unlisten"; channel: string }
  | { op: "dumpSql"; args: readonly string[] }
  | { op: "dumpDataDir"; compression?: "none" | "gzip" | "auto" }
  | { op: "close" };

export type ThreadRequest = ThreadCall & { id: number };

/** A PostgreSQL error's fields, carried across the thread boundary (an Error's own fields are not). */
export interface WireError {
  message: string;
  name: string;
  stack?: string;
  length?: number;
  fields: Record<string, string>;
}

export type ThreadReply =
  | { id: number; result: unknown }
  | { id: number; error: WireError }
  | { notify: string; payload: string };

const THREAD_FILE = new URL("./pglite-worker.thread.ts", import.meta.url);

/**
 * The thread is TypeScript like the app: under `npm start` (tsx) it inherits tsx's loader with the
 * process's options; elsewhere (vitest runs its own transform, which a thread does not get) it is
 * given tsx's loader.
 */
function threadExecArgv(): string[] {
  if (process.execArgv.some((option) => option.includes("tsx"))) return process.execArgv;
  return [...process.execArgv, "--import", import.meta.resolve("tsx")];
}

/** The database thread stopped (it crashed, or the database was closed) while a call needed it. */
export class DatabaseThreadStoppedError extends Error {
  override name = "DatabaseThreadStoppedError";
}

/** Rebuilds the thread's error here, as PGlite would have thrown it in this thread. */
function fromWire(wire: WireError, params?: unknown[]): Error {
  if (wire.name !== "error" || !wire.fields.code) {
    const error = new Error(wire.message);
    error.name = wire.name;
    return error;
  }
  const error = new messages.DatabaseError(wire.message, wire.length ?? 0, "error");
  Object.assign(error, wire.fields);
  if (params) Object.assign(error, { params });
  return error;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  params?: unknown[];
}

export class PgliteThread implements EmbeddedClient {
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private nextId = 1;
  private stopped: Error | undefined;
  #closed = false;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (reply: ThreadReply) => this.receive(reply));
    worker.on("error", (error: Error) =>
      this.stop(new DatabaseThreadStoppedError(`The database thread failed: ${error.message}`)),
    );
    worker.on("exit", (code) =>
      this.stop(new DatabaseThreadStoppedError(`The database thread exited (code ${code}).`)),
    );
    // Like PGlite in this thread, an idle database keeps no process alive; a call in flight does.
    worker.unref();
  }

  /** Starts the thread and waits until PGlite has opened the data directory. */
  static async start(options: PgliteOptions): Promise<PgliteThread> {
    const start: ThreadStart = {
      dataDir: options.dataDir ? path.resolve(options.dataDir) : undefined,
      loadDataDir: options.loadDataDir,
    };
    const worker = new Worker(THREAD_FILE, { workerData: start, name: "pglite", execArgv: threadExecArgv() });
    const thread = new PgliteThread(worker);
    try {
      await thread.call(0, undefined);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return thread;
  }

  get closed(): boolean {
    return this.#closed;
  }

  query<T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    return this.runQuery<T>(text, params, options);
  }

  async exec(text: string, options?: QueryOptions): Promise<Array<Results>> {
    return (await this.request({ op: "exec", text, ...this.shape(options) })) as Array<Results>;
  }

  /**
   * BEGIN in the thread, the callback's statements on the transaction there, then COMMIT, or
   * ROLLBACK when it throws. Everything else waits meanwhile, as on PGlite's one connection.
   */
  async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    const id = (await this.request({ op: "begin" })) as number;
    let closed = false;
    const open = () => {
      if (closed) throw new Error("Transaction is closed");
    };
    const end = async (commit: boolean) => {
      closed = true;
      await this.request({ op: "end", tx: id, commit });
    };
    const tx: Transaction = {
      query: async <R>(text: string, params?: unknown[], options?: QueryOptions) => {
        open();
        return this.runQuery<R>(text, params ?? [], options, id);
      },
      sql: async <R>(strings: TemplateStringsArray, ...params: unknown[]) => {
        open();
        return this.runQuery<R>(
          strings.reduce((text, part, index) => `${text}$${index}${part}`),
          params,
          undefined,
          id,
        );
      },
      exec: async (text: string, options?: QueryOptions) => {
        open();
        return (await this.request({ op: "exec", text, ...this.shape(options), tx: id })) as Array<Results>;
      },
      rollback: async () => {
        open();
        await end(false);
      },
      listen: async (channel: string, onNotify: (payload: string) => void) => {
        open();
        return this.listen(channel, onNotify, id);
      },
      get closed() {
        return closed;
      },
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (error) {
      // The callback's error is the one to report; a failed ROLLBACK leaves nothing to add.
      if (!closed) await end(false).catch(() => {});
      throw error;
    }
    if (!closed) await end(true);
    return result;
  }

  async listen(channel: string, onNotify: (payload: string) => void, tx?: number): Promise<() => Promise<void>> {
    let callbacks = this.listeners.get(channel);
    if (!callbacks) {
      callbacks = new Set();
      this.listeners.set(channel, callbacks);
    }
    const first = callbacks.size === 0;
    callbacks.add(onNotify);
    if (first) {
      try {
        await this.request({ op: "listen", channel, tx });
      } catch (error) {
        callbacks.delete(onNotify);
        throw error;
      }
    }
    return () => this.unlisten(channel, onNotify);
  }

  async unlisten(channel: string, onNotify?: (payload: string) => void): Promise<void> {
    const callbacks = this.listeners.get(channel);
    if (!callbacks) return;
    if (onNotify) callbacks.delete(onNotify);
    else callbacks.clear();
    if (callbacks.size > 0) return;
    this.listeners.delete(channel);
    if (!this.stopped) await this.request({ op: "unlisten", channel });
  }

  /** A plain-SQL dump (pg_dump) made in the thread: the app thread keeps answering meanwhile. */
  async dumpSql(args: readonly string[]): Promise<string> {
    return (await this.request({ op: "dumpSql", args })) as string;
  }

  async dumpDataDir(compression?: "none" | "gzip" | "auto"): Promise<Blob> {
    return new Blob([(await this.request({ op: "dumpDataDir", compression })) as ArrayBuffer]);
  }

  /** Closes PGlite in the thread (its files consistent on disk), then ends the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (!this.stopped) await this.request({ op: "close" });
    } finally {
      this.listeners.clear();
      await this.worker.terminate();
    }
  }

  private shape(options: QueryOptions | undefined): QueryShape {
    if (!options) return {};
    if (options.serializers || options.onNotice) {
      throw new TypeError("serializers and onNotice are not supported on the database thread");
    }
    const shape: QueryShape = {};
    if (options.rowMode) shape.rowMode = options.rowMode;
    if (options.parsers) shape.textTypes = Object.keys(options.parsers).map(Number);
    if (options.blob) shape.blob = options.blob;
    return shape;
  }

  private async runQuery<T>(text: string, params: unknown[], options: QueryOptions | undefined, tx?: number) {
    const result = (await this.request(
      { op: "query", text, params, ...this.shape(options), tx },
      params,
    )) as Results<T>;
    const parsers = options?.parsers;
    if (parsers) applyParsers(result, parsers, options?.rowMode ?? "object");
    return result;
  }

  private request(call: ThreadCall, params?: unknown[]): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    if (this.#closed && call.op !== "close") {
      return Promise.reject(new DatabaseThreadStoppedError("The database is closed."));
    }
    const id = this.nextId++;
    const reply = this.call(id, params);
    // A value the thread cannot receive (a function, a symbol) fails here, as a rejected call.
    try {
      this.worker.postMessage({ ...call, id } satisfies ThreadRequest);
    } catch (error) {
      this.settle(id)?.reject(error as Error);
    }
    return reply;
  }

  private call(id: number, params: unknown[] | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject, params });
    });
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    return pending;
  }

  private receive(reply: ThreadReply): void {
    if ("notify" in reply) {
      for (const onNotify of this.listeners.get(reply.notify) ?? []) onNotify(reply.payload);
      return;
    }
    const pending = this.settle(reply.id);
    if (!pending) return;
    if ("error" in reply) pending.reject(fromWire(reply.error, pending.params));
    else pending.resolve(reply.result);
  }

  private stop(error: Error): void {
    this.stopped ??= error;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(this.stopped);
  }
}

/** The caller's parsers, applied here to the values the thread left as text. */
function applyParsers(
  result: Results<unknown>,
  parsers: NonNullable<QueryOptions["parsers"]>,
  rowMode: "array" | "object",
) {
  const columns = result.fields.flatMap((field, index) => {
    const parse = parsers[field.dataTypeID];
    return parse ? [{ key: rowMode === "array" ? index : field.name, parse }] : [];
  });
  if (columns.length === 0) return;
  for (const row of result.rows as Record<string | number, unknown>[]) {
    for (const { key, parse } of columns) {
      const value = row[key];
      if (typeof value === "string") row[key] = parse(value);
    }
  }
}

/** Opens PGlite on a worker thread: the same handle as `openPglite`, the work on another core. */
export async function openPgliteWorker(options: PgliteOptions): Promise<DatabaseHandle> {
  const thread = await PgliteThread.start(options);
  return embeddedHandle(thread, {
    description: options.dataDir
      ? `embedded PostgreSQL (PGlite) in ${path.resolve(options.dataDir)}, on a worker thread`
      : "embedded PostgreSQL (PGlite) in memory, on a worker thread",
    dumpSql: (args) => thread.dumpSql(args),
    close: () => thread.close(),
  });
}
