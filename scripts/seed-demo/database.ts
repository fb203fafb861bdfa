import type { DatabaseHandle, DatabaseKind } from "../../src/server/db/client.js";

/** Index builds on millions of rows outlast the app's 30 s per-query guard. */
const LONG_QUERY_TIMEOUT_MS = 6 * 3_600_000;

/**
 * One connection for the whole load: the generator runs in a single transaction, so an
 * interrupted run (Ctrl-C, crash) rolls back and leaves the database as it was. Statements run
 * one after another in the order they were issued; the caller may go on generating rows while
 * earlier ones are still running.
 */
export interface Connection {
  kind: DatabaseKind;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** `COPY table (columns) FROM STDIN` with a payload in COPY's text format. */
  copy(table: string, columns: readonly string[], payload: string): Promise<void>;
  release(): Promise<void>;
}

/** The wire-protocol side of COPY FROM STDIN for node-postgres (its "submittable" query interface). */
class CopyFromStdin {
  readonly query_timeout = LONG_QUERY_TIMEOUT_MS;
  callback?: (error: Error | null) => void;
  private settled = false;

  constructor(
    readonly text: string,
    private readonly payload: Buffer,
  ) {}

  submit(connection: { query(text: string): void }) {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }) {
    connection.sendCopyFromChunk(this.payload);
    connection.endCopyFrom();
  }
  handleCommandComplete() {}
  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}
  handleReadyForQuery() {
    this.settle(null);
  }
  handleError(error: Error) {
    this.settle(error);
  }
  private settle(error: Error | null) {
    if (this.settled) return;
    this.settled = true;
    this.callback?.(error);
  }
}

const copyStatement = (table: string, columns: readonly string[], source: string) =>
  `copy ${table} (${columns.join(", ")}) from ${source}`;

export async function connect(handle: DatabaseHandle): Promise<Connection> {
  let tail: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(run: () => Promise<T>): Promise<T> => {
    const next = tail.then(run);
    tail = next.catch(() => {});
    return next;
  };
  if (handle.kind === "postgres") {
    if (!handle.pool) throw new Error("server database without a pool");
    const client = await handle.pool.connect();
    return {
      kind: "postgres",
      query<T>(text: string, params: unknown[] = []) {
        return inOrder(async () => {
          const result = await client.query({ text, values: params, query_timeout: LONG_QUERY_TIMEOUT_MS } as never);
          return (result as unknown as { rows: T[] }).rows;
        });
      },
      copy(table, columns, payload) {
        return inOrder(
          () =>
            new Promise<void>((resolve, reject) => {
              const copy = new CopyFromStdin(copyStatement(table, columns, "stdin"), Buffer.from(payload, "utf8"));
              copy.callback = (error) => (error ? reject(error) : resolve());
              client.query(copy as never);
            }),
        );
      },
      async release() {
        await tail;
        client.release();
      },
    };
  }
  const pglite = handle.pglite;
  if (!pglite) throw new Error("embedded database without its PGlite instance");
  return {
    kind: "pglite",
    query<T>(text: string, params: unknown[] = []) {
      return inOrder(async () => (await pglite.query<T>(text, params)).rows);
    },
    copy(table, columns, payload) {
      // PGlite reads COPY input from the blob it is handed as the virtual file /dev/blob.
      return inOrder(async () => {
        await pglite.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob([payload]) });
      });
    },
    async release() {
      await tail;
    },
  };
}

export type ColumnKind = "text" | "number" | "boolean" | "timestamp";

export interface Column {
  name: string;
  /** How a JS value becomes COPY text; the database casts it to the column type (enum, inet, jsonb…). */
  kind: ColumnKind;
}

// COPY's text format: tab between columns, \N for null, backslash escapes in text.
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
const escapeText = (value: string) =>
  NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string) : value;

/**
 * Rows of one table as COPY text, sent with one `COPY … FROM STDIN` per batch: the fastest way
 * into PostgreSQL, and no value is ever spliced into SQL. Timestamps arrive as epoch milliseconds.
 */
export class CopyBatch {
  private lines: string[] = [];
  private readonly names: string[];
  private readonly kinds: ColumnKind[];

  constructor(
    readonly table: string,
    columns: readonly Column[],
  ) {
    this.names = columns.map((c) => c.name);
    this.kinds = columns.map((c) => c.kind);
  }

  add(row: readonly unknown[]): void {
    if (row.length !== this.kinds.length) {
      throw new Error(`${this.table}: a row has ${row.length} values for ${this.kinds.length} columns`);
    }
    let line = "";
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      if (i > 0) line += "\t";
      if (value === null || value === undefined) {
        line += "\\N";
        continue;
      }
      switch (this.kinds[i]) {
        case "timestamp":
          line += new Date(value as number).toISOString();
          break;
        case "boolean":
          line += value ? "t" : "f";
          break;
        case "number":
          line += String(value);
          break;
        default:
          line += escapeText(String(value));
      }
    }
    this.lines.push(line);
  }

  get size(): number {
    return this.lines.length;
  }

  /** Sends the rows collected so far (the caller may await later) and starts a new batch. */
  flush(connection: Connection): Promise<number> {
    const rows = this.lines.length;
    if (rows === 0) return Promise.resolve(0);
    const payload = `${this.lines.join("\n")}\n`;
    this.lines = [];
    return connection.copy(this.table, this.names, payload).then(() => rows);
  }
}

/** The tables the generator owns: everything in them is replaced on each run. */
export const DEMO_TABLES = [
  "service_plans",
  "network_sites",
  "customers",
  "tickets",
  "ticket_comments",
  "ticket_events",
  "sms_logs",
] as const;

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface SavedIndex {
  name: string;
  definition: string;
}
interface SavedForeignKey {
  table: string;
  name: string;
  definition: string;
}

/**
 * Bulk loads build secondary indexes and check foreign keys once, at the end, the way
 * pg_restore does: far faster than maintaining them row by row. The definitions come from the
 * catalog, so indexes other features add later are kept too; primary keys and constraint
 * indexes stay in place. All of this happens inside the load's transaction.
 */
export async function dropSecondaryIndexesAndForeignKeys(connection: Connection) {
  const indexes = await connection.query<SavedIndex>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
       from pg_index i
       join pg_class t on t.oid = i.indrelid
      where t.relnamespace = current_schema()::regnamespace
        and t.relname = any($1::text[])
        and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
      order by t.relname, name`,
    [DEMO_TABLES],
  );
  const foreignKeys = await connection.query<SavedForeignKey>(
    `select k.conrelid::regclass::text as table, k.conname as name, pg_get_constraintdef(k.oid) as definition
       from pg_constraint k
       join pg_class t on t.oid = k.conrelid
      where k.contype = 'f'
        and t.relnamespace = current_schema()::regnamespace
        and t.relname = any($1::text[])
      order by t.relname, k.conname`,
    [DEMO_TABLES],
  );
  // Identifiers and definitions below come from the catalog (quoted by regclass/quoteIdent), never from input.
  for (const fk of foreignKeys)
    await connection.query(`alter table ${fk.table} drop constraint ${quoteIdent(fk.name)}`);
  for (const index of indexes) await connection.query(`drop index ${index.name}`);
  return { indexes, foreignKeys };
}

export async function restoreIndexesAndForeignKeys(
  connection: Connection,
  saved: Awaited<ReturnType<typeof dropSecondaryIndexesAndForeignKeys>>,
  onStep: (label: string, seconds: number) => void,
): Promise<void> {
  for (const index of saved.indexes) {
    const started = performance.now();
    await connection.query(index.definition);
    onStep(`index ${index.name}`, (performance.now() - started) / 1000);
  }
  for (const fk of saved.foreignKeys) {
    const started = performance.now();
    await connection.query(`alter table ${fk.table} add constraint ${quoteIdent(fk.name)} ${fk.definition}`);
    onStep(`foreign key ${fk.name}`, (performance.now() - started) / 1000);
  }
}
