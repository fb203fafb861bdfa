import type { PGlite, Transaction } from "@electric-sql/pglite";
import type pg from "pg";
import type { App } from "../../src/server/deps.js";
import { SESSION_COOKIE } from "../../src/shared/auth.js";
import type { Account } from "./fixtures.js";
import { headersFor, type Session } from "./http.js";
import type { RequestSpec } from "./scenarios.js";

/**
 * Records the SQL one request sends, as the driver receives it: text, parameters, the driver's
 * query options (row mode, type parsers) and the rows that came back. A second in-process app
 * answers the request (app.inject) on the same database; its pool (server) or PGlite instance is
 * wrapped so that calls made on behalf of the recorded request are written down. The app itself is
 * not changed: the wrappers pass every call through, and record only while a request is recorded.
 */
export interface CapturedStatement {
  text: string;
  values: unknown[];
  options: Record<string, unknown>;
  rows: unknown[][];
  /** Per parameter: a value made fresh for each request (ids, tokens, timestamps). */
  fresh: boolean[];
}

/** One pool checkout: a single query, or a transaction (the statements of one connection). */
export interface CapturedUnit {
  transaction: boolean;
  statements: CapturedStatement[];
  startedAt: number;
  endedAt: number;
}

export interface CapturedRequest {
  units: CapturedUnit[];
  /** Units sent together (Promise.all in the app), wave after wave. */
  waves: number[][];
  /** Wall-clock time of the recording: fresh timestamps are shifted by the time since. */
  capturedAt: number;
}

class Recording {
  readonly units: CapturedUnit[] = [];
  readonly capturedAt = Date.now();

  open(transaction: boolean): CapturedUnit {
    const unit: CapturedUnit = { transaction, statements: [], startedAt: performance.now(), endedAt: Infinity };
    this.units.push(unit);
    return unit;
  }
}

/**
 * The recording in progress. Requests are recorded one at a time with nothing else running in the
 * recording app (its SMS dispatcher is stopped meanwhile), so every call made while it is set
 * belongs to the request. (An AsyncLocalStorage would be neater, but app.inject does not carry
 * the caller's async context into the request.)
 */
let active: Recording | undefined;

type QueryArgs = [unknown, unknown?, unknown?];

function statementOf(first: unknown, second: unknown, third?: unknown): CapturedStatement {
  let text: string;
  let values: unknown[] = [];
  let options: Record<string, unknown> = {};
  if (typeof first === "string") {
    text = first;
    if (Array.isArray(second)) values = [...second];
    if (third && typeof third === "object") options = { ...(third as Record<string, unknown>) };
  } else {
    const {
      text: configText,
      values: configValues,
      ...rest
    } = first as {
      text: string;
      values?: unknown[];
    } & Record<string, unknown>;
    text = configText;
    values = [...((Array.isArray(second) ? second : configValues) ?? [])];
    options = rest;
  }
  return { text, values, options, rows: [], fresh: values.map(() => false) };
}

function rowsOf(result: unknown): unknown[][] {
  const rows = (result as { rows?: unknown[] } | null)?.rows ?? [];
  return rows.slice(0, 50).map((row) => (Array.isArray(row) ? row : Object.values(row as Record<string, unknown>)));
}

function settle<T>(promise: T, statement: CapturedStatement, unit?: CapturedUnit): T {
  if (!promise || typeof (promise as { then?: unknown }).then !== "function") return promise;
  return (promise as unknown as Promise<unknown>).then(
    (result) => {
      statement.rows = rowsOf(result);
      if (unit) unit.endedAt = performance.now();
      return result;
    },
    (error: unknown) => {
      if (unit) unit.endedAt = performance.now();
      throw error;
    },
  ) as T;
}

/** Wraps a server pool: pool.query is one unit; a client checked out with pool.connect() is another. */
export function instrumentPool(pool: pg.Pool): void {
  const query = pool.query as unknown as (...args: unknown[]) => unknown;
  pool.query = function (this: pg.Pool, ...args: unknown[]) {
    const recording = active;
    // pg-pool's own query() checks out with a callback: only the caller's call is a unit.
    if (!recording || args.some((arg) => typeof arg === "function")) return query.apply(this, args);
    const unit = recording.open(false);
    const statement = statementOf(args[0], args[1]);
    unit.statements.push(statement);
    return settle(query.apply(this, args), statement, unit);
  } as typeof pool.query;

  const connect = pool.connect as unknown as (...args: unknown[]) => Promise<pg.PoolClient>;
  pool.connect = function (this: pg.Pool, ...args: unknown[]) {
    const recording = active;
    if (!recording || args.length > 0) return connect.apply(this, args);
    const unit = recording.open(true);
    return connect.apply(this, []).then((client) => watchClient(client, unit));
  } as typeof pool.connect;
}

function watchClient(client: pg.PoolClient, unit: CapturedUnit): pg.PoolClient {
  const query = client.query as unknown as (...args: unknown[]) => unknown;
  const release = client.release;
  client.query = function (this: pg.PoolClient, ...args: unknown[]) {
    const statement = statementOf(args[0], args[1]);
    unit.statements.push(statement);
    return settle(query.apply(this, args), statement);
  } as typeof client.query;
  client.release = (...args: Parameters<pg.PoolClient["release"]>) => {
    unit.endedAt = performance.now();
    Reflect.deleteProperty(client, "query");
    client.release = release;
    return release.apply(client, args);
  };
  return client;
}

/** Wraps PGlite: query() is one unit; transaction() is another, with its statements. */
export function instrumentPglite(pglite: PGlite): void {
  const query = pglite.query.bind(pglite) as (...args: QueryArgs) => Promise<unknown>;
  pglite.query = ((...args: QueryArgs) => {
    const recording = active;
    if (!recording) return query(...args);
    const unit = recording.open(false);
    const statement = statementOf(args[0], args[1], args[2]);
    unit.statements.push(statement);
    return settle(query(...args), statement, unit);
  }) as PGlite["query"];

  const transaction = pglite.transaction.bind(pglite);
  pglite.transaction = (<T>(callback: (tx: Transaction) => Promise<T>) => {
    const recording = active;
    if (!recording) return transaction(callback);
    const unit = recording.open(true);
    return transaction(async (tx) => {
      // The transaction object is made for this one transaction: wrapping its query is local.
      const txQuery = tx.query.bind(tx) as (...args: QueryArgs) => Promise<unknown>;
      tx.query = ((...args: QueryArgs) => {
        const statement = statementOf(args[0], args[1], args[2]);
        unit.statements.push(statement);
        return settle(txQuery(...args), statement);
      }) as Transaction["query"];
      try {
        return await callback(tx);
      } finally {
        unit.endedAt = performance.now();
      }
    });
  }) as PGlite["transaction"];
}

async function record(run: () => Promise<{ statusCode: number; body: string }>, label: string) {
  const recording = new Recording();
  active = recording;
  let response: { statusCode: number; body: string };
  try {
    response = await run();
  } finally {
    active = undefined;
  }
  if (response.statusCode < 200 || response.statusCode >= 300) {
    throw new Error(`${label}: the in-process app answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
  }
  return recording;
}

export async function signInInProcess(app: App, account: Account): Promise<Session> {
  const response = await app.inject({
    method: "POST",
    url: "/api/auth/login",
    headers: headersFor(undefined, true),
    payload: JSON.stringify({ email: account.email, password: account.password }),
  });
  if (response.statusCode !== 200) {
    throw new Error(`Signing in as ${account.email} in process failed (${response.statusCode}): ${response.body}`);
  }
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`Signing in as ${account.email} in process set no cookie`);
  const { csrfToken } = response.json() as { csrfToken: string };
  return { email: account.email, cookie: `${SESSION_COOKIE}=${cookie.value}`, csrfToken };
}

function flatten(recording: Recording): CapturedStatement[] {
  return recording.units.flatMap((unit) => unit.statements);
}

/**
 * Records one request twice (after an unrecorded run): parameters that differ between the two recordings are made fresh for
 * every replayed request (a new id, token or timestamp), so replayed writes insert new rows as the
 * app does instead of colliding with the recorded ones.
 */
export async function captureRequest(
  app: App,
  spec: RequestSpec,
  session: Session | undefined,
  label: string,
): Promise<{ request: CapturedRequest; warning?: string }> {
  const inject = () =>
    app.inject({
      method: spec.method,
      url: spec.path,
      headers: headersFor(session, spec.body !== undefined),
      payload: spec.body === undefined ? undefined : JSON.stringify(spec.body),
    });
  // Once unrecorded first: what happens only now and then (a session's last-seen update, filling a
  // cache) happens here, and the two recordings show the request as it runs under load.
  const warm = await inject();
  if (warm.statusCode < 200 || warm.statusCode >= 300) {
    throw new Error(`${label}: the in-process app answered ${warm.statusCode}: ${warm.body.slice(0, 300)}`);
  }
  // A recording now and then sends a statement more (a settings cache refilled after its 5 s):
  // record again until two in a row send the same statements, as most requests do.
  const alike = (x: CapturedStatement[], y: CapturedStatement[]) =>
    x.length === y.length && x.every((statement, i) => statement.text === y[i]?.text);
  let first = await record(inject, label);
  let second = await record(inject, label);
  for (let attempt = 0; attempt < 5 && !alike(flatten(first), flatten(second)); attempt++) {
    first = second;
    second = await record(inject, label);
  }
  const a = flatten(first);
  const b = flatten(second);
  let warning: string | undefined;
  if (alike(a, b)) {
    a.forEach((statement, i) => {
      statement.fresh = statement.values.map((value, j) => !sameValue(value, b[i]?.values[j]));
    });
  } else {
    warning = `${label}: two recordings of the same request sent different statements (${a.length} and ${b.length}); replaying the first as recorded (a write that sends an id the app chose will collide with the recorded row and fail)`;
  }
  return { request: { units: first.units, waves: wavesOf(first.units), capturedAt: first.capturedAt }, warning };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a !== "object" || a === null) return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Units started before any unit of the current wave finished were sent together. */
function wavesOf(units: CapturedUnit[]): number[][] {
  const order = units.map((_, i) => i).sort((x, y) => (units[x]?.startedAt ?? 0) - (units[y]?.startedAt ?? 0));
  const waves: number[][] = [];
  let current: number[] = [];
  let firstEnd = Infinity;
  for (const index of order) {
    const unit = units[index];
    if (!unit) continue;
    if (current.length > 0 && unit.startedAt < firstEnd) {
      current.push(index);
      firstEnd = Math.min(firstEnd, unit.endedAt);
    } else {
      if (current.length > 0) waves.push(current);
      current = [index];
      firstEnd = unit.endedAt;
    }
  }
  if (current.length > 0) waves.push(current);
  return waves;
}
