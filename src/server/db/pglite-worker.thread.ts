/**
 * The embedded database's own thread: it owns PGlite (and so the data directory) and answers the
 * app thread's messages (pglite-worker.ts), so that PostgreSQL's work and the parsing of its
 * results run on a second core while the app thread does HTTP, validation and JSON.
 *
 * Started by `new Worker(...)` on this .ts file with tsx's loader, as the app itself runs.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, type QueryOptions, type Results, type Transaction } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { dumpPglite } from "./pglite-dump.js";
import type { ThreadReply, ThreadRequest, ThreadStart, WireError } from "./pglite-worker.js";

const port = parentPort;
if (!port) throw new Error("pglite-worker.thread.ts runs as a worker thread only");

const start = workerData as ThreadStart;
/** Keeps a value as PostgreSQL's text; the app thread applies its own parser to it. */
const asText = (value: string) => value;

/** Open transactions by id: each holds PGlite's one connection until the app thread ends it. */
const transactions = new Map<number, { tx: Transaction; end: (commit: boolean) => void }>();
let nextTransaction = 1;
/** The channels listened to, with the function that stops each. */
const listening = new Map<string, () => Promise<void>>();

/** Every field a PostgreSQL error carries, so the app thread's copy reads like the original. */
const ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
  "query",
] as const;

function wireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { message: String(error), name: "Error", fields: {} };
  const fields: Record<string, string> = {};
  const source = error as unknown as Record<string, unknown>;
  for (const field of ERROR_FIELDS) {
    if (typeof source[field] === "string") fields[field] = source[field];
  }
  const length = typeof source.length === "number" ? source.length : undefined;
  return { message: error.message, name: error.name, stack: error.stack, fields, length };
}

function queryOptions(request: { rowMode?: "array" | "object"; textTypes?: number[]; blob?: Blob }): QueryOptions {
  const options: QueryOptions = {};
  if (request.rowMode) options.rowMode = request.rowMode;
  if (request.textTypes && request.textTypes.length > 0) {
    options.parsers = Object.fromEntries(request.textTypes.map((type) => [type, asText]));
  }
  if (request.blob) options.blob = request.blob;
  return options;
}

/** The connection a request runs on: its transaction's, or PGlite's own (queued behind any transaction). */
function on(txId: number | undefined): Pick<Transaction, "query" | "exec"> {
  if (txId === undefined) return pglite;
  const open = transactions.get(txId);
  if (!open) throw new Error(`transaction ${txId} is not open (it was committed or rolled back)`);
  return open.tx;
}

/** Opens a transaction and resolves with its id once BEGIN ran; COMMIT or ROLLBACK come with `end`. */
function begin(): Promise<number> {
  return new Promise((began, failed) => {
    const id = nextTransaction++;
    const outcome = pglite
      .transaction(async (tx) => {
        const commit = await new Promise<boolean>((end) => {
          transactions.set(id, { tx, end });
          began(id);
        });
        transactions.delete(id);
        if (!commit && !tx.closed) await tx.rollback();
      })
      .then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    outcomes.set(id, outcome);
    // BEGIN failed: the callback never ran (once it ran, `began` settled the promise already).
    outcome.then((result) => {
      if (!result.ok) failed(result.error);
    });
  });
}
const outcomes = new Map<number, Promise<{ ok: true } | { ok: false; error: unknown }>>();

async function end(txId: number, commit: boolean): Promise<null> {
  const open = transactions.get(txId);
  const outcome = outcomes.get(txId);
  outcomes.delete(txId);
  if (!open || !outcome) throw new Error(`transaction ${txId} is not open (it was committed or rolled back)`);
  open.end(commit);
  const result = await outcome;
  if (!result.ok) throw result.error;
  return null;
}

async function answer(request: ThreadRequest): Promise<unknown> {
  switch (request.op) {
    case "query": {
      const result: Results = await on(request.tx).query(request.text, request.params, queryOptions(request));
      return result;
    }
    case "exec":
      return on(request.tx).exec(request.text, queryOptions(request));
    case "begin":
      return begin();
    case "end":
      return end(request.tx, request.commit);
    case "listen": {
      if (listening.has(request.channel)) return null;
      const stop = await pglite.listen(request.channel, (payload) =>
        post({ notify: request.channel, payload } satisfies ThreadReply),
      );
      listening.set(request.channel, stop);
      return null;
    }
    case "unlisten": {
      const stop = listening.get(request.channel);
      listening.delete(request.channel);
      if (stop) await stop();
      return null;
    }
    case "dumpSql":
      return dumpPglite(pglite, request.args);
    case "dumpDataDir":
      return (await pglite.dumpDataDir(request.compression)).arrayBuffer();
    case "close":
      // Transactions the app thread left open are rolled back: closing waits for none of them.
      for (const open of transactions.values()) open.end(false);
      await Promise.allSettled(outcomes.values());
      if (!pglite.closed) await pglite.close();
      return null;
  }
}

function post(message: ThreadReply): void {
  port?.postMessage(message);
}

let pglite: PGlite;
try {
  pglite = await PGlite.create({
    dataDir: start.dataDir,
    loadDataDir: start.loadDataDir,
    extensions: { pg_trgm },
  });
} catch (error) {
  // The app thread rejects its open() with this and terminates the thread.
  post({ id: 0, error: wireError(error) });
  throw error;
}

port.on("message", (request: ThreadRequest) => {
  answer(request).then(
    (result) => post({ id: request.id, result }),
    (error: unknown) => post({ id: request.id, error: wireError(error) }),
  );
});
post({ id: 0, result: "ready" });
