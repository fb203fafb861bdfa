import { randomBytes, randomUUID } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import type { CapturedRequest, CapturedStatement } from "./capture.js";
import type { ErrorTally, LoadResult } from "./load.js";
import { round, summarize } from "./stats.js";

type RunStatement = (statement: CapturedStatement, values: unknown[]) => Promise<unknown[][]>;

/** Where recorded statements are replayed: a pg pool (server) or PGlite in this process (embedded). */
export interface RawDatabase {
  description: string;
  query: RunStatement;
  /** One connection for the statements of a recorded transaction. */
  transaction(run: (query: RunStatement) => Promise<void>): Promise<void>;
}

const rowsOf = (result: { rows?: unknown[] }) =>
  (result.rows ?? []).map((row) => (Array.isArray(row) ? row : Object.values(row as Record<string, unknown>)));

/** Plain pg: the statements as recorded (with drizzle's row mode and type parsers), nothing else. */
export function pgRawDatabase(pool: pg.Pool): RawDatabase {
  const config = (statement: CapturedStatement, values: unknown[]) =>
    ({ ...statement.options, text: statement.text, values }) as pg.QueryConfig;
  return {
    description: `pg Pool of ${pool.options.max} connections, same process as the load loop`,
    query: async (statement, values) => rowsOf(await pool.query(config(statement, values))),
    async transaction(run) {
      const client = await pool.connect();
      try {
        // A recorded transaction holds its own begin and commit.
        await run(async (statement, values) => rowsOf(await client.query(config(statement, values))));
        client.release();
      } catch (error) {
        await client.query("rollback").catch(() => {});
        client.release();
        throw error;
      }
    },
  };
}

/** PGlite in this process: no wire protocol; one connection, so concurrent requests queue. */
export function pgliteRawDatabase(pglite: PGlite): RawDatabase {
  return {
    description: "PGlite in the benchmark's process (no wire protocol; one connection)",
    query: async (statement, values) =>
      rowsOf(await pglite.query(statement.text, values, statement.options as Parameters<PGlite["query"]>[2])),
    async transaction(run) {
      await pglite.transaction(async (tx) => {
        await run(async (statement, values) =>
          rowsOf(await tx.query(statement.text, values, statement.options as Parameters<PGlite["query"]>[2])),
        );
      });
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A new value of the same kind as a recorded fresh one. */
function freshLike(value: string, shiftMs: number): string {
  if (UUID.test(value)) return randomUUID();
  if (TIMESTAMP.test(value)) {
    const time = Date.parse(value);
    if (!Number.isNaN(time)) return new Date(time + shiftMs).toISOString();
  }
  if (/^[0-9a-f]+$/.test(value))
    return randomBytes(Math.ceil(value.length / 2))
      .toString("hex")
      .slice(0, value.length);
  const bytes = randomBytes(value.length);
  return Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]).join("");
}

/**
 * One replayed request: the recorded units wave by wave (units of a wave side by side), each value
 * that was fresh made fresh again, and values the database returned earlier in the request (a new
 * ticket's id) carried into later statements in place of the recorded ones.
 */
export async function replayOnce(request: CapturedRequest, database: RawDatabase): Promise<void> {
  const carried = new Map<string, string>();
  const shiftMs = Date.now() - request.capturedAt;
  const valuesFor = (statement: CapturedStatement) =>
    statement.values.map((value, i) => {
      if (value instanceof Date) return statement.fresh[i] ? new Date(value.getTime() + shiftMs) : value;
      if (typeof value !== "string") return value;
      const known = carried.get(value);
      if (known !== undefined) return known;
      const json = value.startsWith("{") || value.startsWith("[");
      if (statement.fresh[i] && !json) {
        const made = freshLike(value, shiftMs);
        carried.set(value, made);
        return made;
      }
      // JSON (event data, audit details) keeps its shape; ids and numbers made earlier in the request are swapped in.
      if (json && carried.size > 0) {
        let text = value;
        for (const [from, to] of carried) if (from.length >= 6) text = text.replaceAll(from, to);
        return text;
      }
      return value;
    });
  const learn = (recorded: unknown[][], replayed: unknown[][]) => {
    for (let r = 0; r < Math.min(recorded.length, replayed.length); r++) {
      const before = recorded[r] ?? [];
      const now = replayed[r] ?? [];
      for (let c = 0; c < before.length; c++) {
        const a = before[c];
        const b = now[c];
        if (typeof a === "string" && typeof b === "string" && a !== b && a.length >= 6 && !carried.has(a)) {
          carried.set(a, b);
        }
      }
    }
  };
  const run = async (query: RunStatement, statement: CapturedStatement) => {
    learn(statement.rows, await query(statement, valuesFor(statement)));
  };
  for (const wave of request.waves) {
    await Promise.all(
      wave.map(async (index) => {
        const unit = request.units[index];
        if (!unit) return;
        if (unit.transaction) {
          await database.transaction(async (query) => {
            for (const statement of unit.statements) await run(query, statement);
          });
        } else {
          for (const statement of unit.statements) await run(database.query, statement);
        }
      }),
    );
  }
}

/** The same closed loop as the HTTP load: `connections` clients, each replaying request after request. */
export async function replayLoad(
  requests: CapturedRequest[],
  database: RawDatabase,
  connections: number,
  durationSeconds: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: ErrorTally = { total: 0, byStatus: {}, socketErrors: 0, timeouts: 0, samples: [] };
  let next = 0;
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  const client = async () => {
    while (performance.now() < deadline && errors.total < 1000) {
      const request = requests[next++ % requests.length];
      if (!request) return;
      const begun = performance.now();
      try {
        await replayOnce(request, database);
        latencies.push(performance.now() - begun);
      } catch (error) {
        errors.total++;
        const message = error instanceof Error ? error.message : String(error);
        errors.byStatus.sql = (errors.byStatus.sql ?? 0) + 1;
        if (errors.samples.length < 5) errors.samples.push(`SQL error: ${message.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  const seconds = (performance.now() - started) / 1000;
  return {
    connections,
    seconds: round(seconds),
    ok: latencies.length,
    rps: round(latencies.length / seconds),
    latency: summarize(latencies),
    errors,
  };
}

/** EXPLAIN (ANALYZE, BUFFERS) of each read a request sends, with its recorded parameters. */
export async function explainReads(
  request: CapturedRequest,
  database: RawDatabase,
): Promise<{ statement: number; plan: string }[]> {
  const plans: { statement: number; plan: string }[] = [];
  const statements = request.units.flatMap((unit) => unit.statements);
  for (const [index, statement] of statements.entries()) {
    const text = statement.text.trim();
    if (!/^(select|with)\b/i.test(text) || /\b(insert|update|delete)\b/i.test(text) || /for update/i.test(text))
      continue;
    const explained = { ...statement, text: `explain (analyze, buffers) ${text}`, options: {} };
    try {
      const rows = await database.query(explained, statement.values);
      plans.push({ statement: index, plan: rows.map((row) => String(row[0])).join("\n") });
    } catch (error) {
      plans.push({ statement: index, plan: `EXPLAIN failed: ${error instanceof Error ? error.message : error}` });
    }
  }
  return plans;
}
