/**
 * The live event stream (issue 17, "Performance and reliability"; docs/live.md): what 500 open
 * streams cost one app instance in memory, and how long an event takes to reach every client of
 * two instances on one PostgreSQL database while 50 writes a second happen, each event reaching
 * each client exactly once. The streams are real HTTP connections read as an EventSource reads
 * them; the app instances are `src/server/main.ts` processes, as in production.
 */

import http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { LIVE_READERS } from "../../src/server/live/live.sources.js";
import type { LiveReady, LiveTicketEvent } from "../../src/shared/live.js";
import { AppProcess, freePort, MemorySampler } from "./app-process.js";
import { type Account, openTarget, rows } from "./fixtures.js";
import { headersFor, type Session, signIn, signOut } from "./http.js";
import type { DatabaseTarget } from "./options.js";
import { type LatencySummary, round, summarize } from "./stats.js";

/** The issue's figures: 500 streams on one instance; two instances; 50 writes a second. */
export const LIVE_MEMORY_STREAMS = 500;
export const LIVE_INSTANCES = 2;
export const LIVE_CLIENTS_PER_INSTANCE = 100;
export const LIVE_WRITES_PER_SECOND = 50;
export const LIVE_WRITE_SECONDS = 30;
/** Tickets the writer changes, one write in flight per ticket (half get status changes, half comments). */
export const LIVE_TICKETS = 60;
/** Targets: memory added by 500 streams, p95 from a write to every client. */
export const LIVE_MEMORY_TARGET_BYTES = 50_000_000;
export const LIVE_P95_TARGET_MS = 1_000;
/** The description of the tickets the live measurement opens (closed again at its end). */
export const LIVE_TICKET_DESCRIPTION = "Opened by npm run bench (live stream).";

/** `process.memoryUsage()` of an app instance, after a full garbage collection. */
export interface MemoryFigures {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface LiveMemoryResult {
  streams: number;
  /** Signed-in sessions the streams are spread over. */
  sessions: number;
  /** From the first request to the last stream's `ready`, opened 25 at a time. */
  openSeconds: number;
  before: MemoryFigures;
  open: MemoryFigures;
  /** After every stream was closed again (what was not given back). */
  closed: MemoryFigures;
  addedRssBytes: number;
  addedHeapBytes: number;
  perStreamRssBytes: number;
  perStreamHeapBytes: number;
  /** One comment's event: streams that got it, and from the comment's answer to the last of them. */
  oneEvent: { delivered: number; fanOutMs: number | null };
}

export interface LiveWriteStats {
  planned: number;
  /** Answered 2xx. */
  ok: number;
  failed: number;
  /** Not sent: every ticket of the kind still had a write in flight (the app fell behind). */
  skipped: number;
  failures: string[];
  /** Writes answered per second over the writing time. */
  achievedPerSecond: number;
  byInstance: number[];
  latency: LatencySummary | null;
}

export interface LiveLatencyResult {
  instances: number;
  clients: number;
  clientsPerInstance: number[];
  ratePerSecond: number;
  seconds: number;
  writes: LiveWriteStats;
  /** `ticket_events` rows committed after the clients connected (the database's count). */
  events: number;
  deliveries: {
    expected: number;
    received: number;
    missing: number;
    duplicates: number;
    /** Clients that got every event exactly once. */
    clientsExact: number;
    examples: string[];
  };
  /** Arrival minus the event's `at`: the writing request's clock reading in its transaction, before commit. */
  fromWrite: LatencySummary | null;
  /** Arrival minus the moment the write's HTTP answer came back (negative: the event came first). */
  fromAnswer: LatencySummary | null;
  /** `fromWrite` by the instance the client is connected to. */
  fromWriteByInstance: (LatencySummary | null)[];
  /** From the last write's answer until every client had every event. */
  drainMs: number | null;
  /** CPU time each instance used over the writing time, as a share of one core. */
  cpu: { cpuMs: number; coreShare: number }[];
  /** The benchmark process (the clients' parsing and the writer), same measure. */
  benchCpu: { cpuMs: number; coreShare: number };
  /**
   * How late the benchmark's own event loop ran (ms): the 200 clients share its one thread, so an
   * event can wait here after it reached the client's socket; this is part of every latency above.
   */
  benchLoopDelayMs: { p50: number; p99: number; max: number };
  peakRssBytes: (number | null)[];
}

export interface LiveResult {
  memory: LiveMemoryResult | null;
  latency: LiveLatencyResult | null;
  /** EXPLAIN (ANALYZE, BUFFERS) of the stream's reads of ticket_events. */
  plans: { label: string; statement: string; plan: string }[];
  notes: string[];
  problems: string[];
}

const LOOP_RESOLUTION_MS = 5;

/** A ticket event's key, the first field of its data. */
const KEY = /^\{"key":"([^"]+)"/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One `GET /api/events` read over plain HTTP, parsed as EventSource parses it (blocks ending in a
 * blank line): every `ticket` event's key and arrival time (Date.now(), the clock of the writers'
 * `at`), the last `id:` (what EventSource would send back as Last-Event-ID).
 */
class StreamClient {
  readonly arrivals = new Map<string, number>();
  duplicates = 0;
  readonly duplicateKeys: string[] = [];
  lastEventId: string | undefined;
  ended = false;
  readonly ready: Promise<LiveReady>;
  private request: http.ClientRequest | undefined;

  constructor(
    origin: string,
    readonly instance: number,
    cookie: string,
    /** Every ticket event any client saw, by key: its ticket and `at`. */
    private readonly seen: Map<string, { ticketId: string; at: number }>,
  ) {
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready event from ${origin} within 60 s`)), 60_000);
      // One connection per stream, as each browser tab holds its own.
      const request = http.get(`${origin}/api/events`, {
        agent: false,
        headers: { accept: "text/event-stream", cookie, "user-agent": "uplink-bench" },
      });
      this.request = request;
      request.on("error", (error) => {
        this.ended = true;
        clearTimeout(timer);
        reject(error);
      });
      request.on("response", (response) => {
        if (response.statusCode !== 200) {
          clearTimeout(timer);
          reject(new Error(`GET /api/events on ${origin} answered ${response.statusCode}`));
          response.resume();
          return;
        }
        response.setEncoding("utf8");
        let buffer = "";
        response.on("data", (chunk: string) => {
          const now = Date.now();
          buffer += chunk;
          let end = buffer.indexOf("\n\n");
          while (end !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const ready = this.onBlock(block, now);
            if (ready) {
              clearTimeout(timer);
              resolve(ready);
            }
            end = buffer.indexOf("\n\n");
          }
        });
        response.on("close", () => {
          this.ended = true;
        });
      });
    });
  }

  private onBlock(block: string, now: number): LiveReady | undefined {
    let type = "message";
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("id: ")) this.lastEventId = line.slice(4);
      else if (line.startsWith("event: ")) type = line.slice(7);
      else if (line.startsWith("data: ")) data = line.slice(6);
    }
    if (type === "ready") return JSON.parse(data) as LiveReady;
    if (type !== "ticket") return undefined;
    // The clients share this process's one thread: the whole event is parsed once, by its first reader.
    const key = KEY.exec(data)?.[1] ?? (JSON.parse(data) as LiveTicketEvent).key;
    if (this.arrivals.has(key)) {
      this.duplicates++;
      if (this.duplicateKeys.length < 5) this.duplicateKeys.push(key);
      return undefined;
    }
    this.arrivals.set(key, now);
    if (!this.seen.has(key)) {
      const event = JSON.parse(data) as LiveTicketEvent;
      this.seen.set(key, { ticketId: event.ticketId, at: Date.parse(event.at) });
    }
    return undefined;
  }

  close(): void {
    this.request?.destroy();
  }
}

/** Opens `count` streams, `concurrency` at a time, spread round-robin over the origins and sessions. */
async function openStreams(
  count: number,
  origins: string[],
  sessions: Session[],
  seen: Map<string, { ticketId: string; at: number }>,
  concurrency = 25,
): Promise<StreamClient[]> {
  const clients: StreamClient[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const instance = n % origins.length;
      const session = sessions[n % sessions.length] as Session;
      const client = new StreamClient(origins[instance] as string, instance, session.cookie, seen);
      clients.push(client);
      await client.ready;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } catch (error) {
    for (const client of clients) client.close();
    throw error;
  }
  return clients;
}

/**
 * The Chrome DevTools protocol of an instance started with `--inspect`: a full garbage collection
 * and `process.memoryUsage()` from inside the app, which /proc cannot tell (the heap in use).
 */
class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (message) => {
      const reply = JSON.parse(String(message.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = reply.id === undefined ? undefined : this.pending.get(reply.id);
      if (!waiter || reply.id === undefined) return;
      this.pending.delete(reply.id);
      if (reply.error) waiter.reject(new Error(reply.error.message));
      else waiter.resolve(reply.result);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`the app's inspector on port ${port} lists no target`);
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)), { once: true });
    });
    return new Inspector(socket);
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Twice collected (the first run finalises what the second frees), then measured. */
  async memoryAfterGc(): Promise<MemoryFigures> {
    await this.call("HeapProfiler.collectGarbage");
    await sleep(250);
    await this.call("HeapProfiler.collectGarbage");
    const { result } = await this.call<{ result: { value: string } }>("Runtime.evaluate", {
      expression: "JSON.stringify(process.memoryUsage())",
      returnByValue: true,
    });
    return JSON.parse(result.value) as MemoryFigures;
  }

  close(): void {
    this.socket.close();
  }
}

async function api<T>(
  origin: string,
  session: Session,
  method: "GET" | "POST" | "PATCH",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T; text: string }> {
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: headersFor(session, body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the text says what went wrong
  }
  return { status: response.status, body: parsed as T, text };
}

interface LiveTicket {
  id: string;
  version: number;
  status: string;
}

interface WriteRecord {
  kind: "status" | "comment";
  ticketId: string;
  instance: number;
  sentAt: number;
  answeredAt: number;
  status: number;
}

/** Half the tickets get status changes (in progress ↔ waiting on the customer), the other half internal notes. */
async function writeOnce(origin: string, session: Session, kind: WriteRecord["kind"], ticket: LiveTicket, n: number) {
  if (kind === "status") {
    const to = ticket.status === "in_progress" ? "waiting_on_customer" : "in_progress";
    const answer = await api<{ version: number; status: string }>(
      origin,
      session,
      "PATCH",
      `/api/tickets/${ticket.id}`,
      {
        status: to,
        version: ticket.version,
      },
    );
    if (answer.status === 200) {
      ticket.version = answer.body.version;
      ticket.status = answer.body.status;
    }
    return answer;
  }
  return api(origin, session, "POST", `/api/tickets/${ticket.id}/comments`, {
    body: `Live stream benchmark note ${n}: line checked, levels normal.`,
    visibility: "internal",
  });
}

/**
 * An open loop: write n is due at n / rate seconds whatever the answers before it, through the
 * instances in turn (two writes each), on a ticket of its kind with no write in flight.
 */
async function runWriter(
  origins: string[],
  session: Session,
  tickets: LiveTicket[],
  rate: number,
  seconds: number,
): Promise<{ records: WriteRecord[]; stats: LiveWriteStats; lastAnswerAt: number }> {
  const idle: Record<WriteRecord["kind"], LiveTicket[]> = {
    status: tickets.filter((_, i) => i % 2 === 0),
    comment: tickets.filter((_, i) => i % 2 === 1),
  };
  const planned = rate * seconds;
  const records: WriteRecord[] = [];
  const failures: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let skipped = 0;
  let lastAnswerAt = 0;
  const started = performance.now();
  for (let n = 0; n < planned; n++) {
    const wait = started + (n * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const kind: WriteRecord["kind"] = n % 2 === 0 ? "status" : "comment";
    const ticket = idle[kind].shift();
    if (!ticket) {
      skipped++;
      continue;
    }
    const instance = Math.floor(n / 2) % origins.length;
    const record: WriteRecord = { kind, ticketId: ticket.id, instance, sentAt: Date.now(), answeredAt: 0, status: 0 };
    records.push(record);
    const write = writeOnce(origins[instance] as string, session, kind, ticket, n)
      .then(
        (answer) => {
          record.status = answer.status;
          if (answer.status < 200 || answer.status >= 300) {
            failures.push(`${kind} on instance ${instance + 1}: ${answer.status} ${answer.text.slice(0, 200)}`);
          }
        },
        (error: unknown) => {
          failures.push(`${kind} on instance ${instance + 1}: ${error instanceof Error ? error.message : error}`);
        },
      )
      .finally(() => {
        record.answeredAt = Date.now();
        lastAnswerAt = Math.max(lastAnswerAt, record.answeredAt);
        idle[kind].push(ticket);
        inFlight.delete(write);
      });
    inFlight.add(write);
  }
  await Promise.all([...inFlight]);
  const writingSeconds = (performance.now() - started) / 1000;
  const ok = records.filter((r) => r.status >= 200 && r.status < 300);
  return {
    records,
    lastAnswerAt,
    stats: {
      planned,
      ok: ok.length,
      failed: records.length - ok.length,
      skipped,
      failures: failures.slice(0, 5),
      achievedPerSecond: round(ok.length / writingSeconds),
      byInstance: origins.map((_, i) => ok.filter((r) => r.instance === i).length),
      latency: summarize(ok.map((r) => r.answeredAt - r.sentAt)),
    },
  };
}

/** 500 streams on one instance: its memory (after a full GC) before, with them open, and after closing them. */
async function measureMemory(
  app: AppProcess,
  inspector: Inspector,
  sessions: Session[],
  ticket: LiveTicket,
  log: (line: string) => void,
): Promise<LiveMemoryResult> {
  await sleep(2_000);
  const before = await inspector.memoryAfterGc();
  const seen = new Map<string, { ticketId: string; at: number }>();
  const opening = performance.now();
  const clients = await openStreams(LIVE_MEMORY_STREAMS, [app.origin], sessions, seen);
  const openSeconds = (performance.now() - opening) / 1000;
  try {
    // Let every stream's first writes and the hub's bookkeeping settle before measuring.
    await sleep(2_000);
    const open = await inspector.memoryAfterGc();
    log(
      `  ${LIVE_MEMORY_STREAMS} streams open in ${openSeconds.toFixed(1)} s: RSS ${mib(before.rss)} → ${mib(open.rss)}, ` +
        `heap used ${mib(before.heapUsed)} → ${mib(open.heapUsed)} (after a full GC)`,
    );
    // One event to all of them: every stream hears of it.
    const comment = await api(app.origin, sessions[0] as Session, "POST", `/api/tickets/${ticket.id}/comments`, {
      body: "Live stream benchmark: one note to every open stream.",
      visibility: "internal",
    });
    const answeredAt = Date.now();
    if (comment.status !== 201) throw new Error(`a comment answered ${comment.status}: ${comment.text.slice(0, 300)}`);
    const deadline = Date.now() + 15_000;
    const delivered = () => clients.filter((client) => client.arrivals.size > 0).length;
    while (delivered() < clients.length && Date.now() < deadline) await sleep(50);
    const last = Math.max(...clients.flatMap((client) => [...client.arrivals.values()]));
    const oneEvent = {
      delivered: delivered(),
      fanOutMs: Number.isFinite(last) && delivered() === clients.length ? last - answeredAt : null,
    };
    for (const client of clients) client.close();
    await sleep(2_000);
    const closed = await inspector.memoryAfterGc();
    return {
      streams: LIVE_MEMORY_STREAMS,
      sessions: sessions.length,
      openSeconds: round(openSeconds),
      before,
      open,
      closed,
      addedRssBytes: open.rss - before.rss,
      addedHeapBytes: open.heapUsed - before.heapUsed,
      perStreamRssBytes: Math.round((open.rss - before.rss) / LIVE_MEMORY_STREAMS),
      perStreamHeapBytes: Math.round((open.heapUsed - before.heapUsed) / LIVE_MEMORY_STREAMS),
      oneEvent,
    };
  } finally {
    for (const client of clients) client.close();
  }
}

/** Clients on both instances, the writer at `rate` for `seconds`, then every client's events checked against the table. */
async function measureLatency(
  target: DatabaseTarget,
  apps: AppProcess[],
  sessions: Session[],
  writer: Session,
  tickets: LiveTicket[],
  log: (line: string) => void,
): Promise<LiveLatencyResult> {
  const origins = apps.map((app) => app.origin);
  const { handle } = await openTarget(target, { LOG_LEVEL: "silent", SEED_DEMO_USERS: "false" });
  const seen = new Map<string, { ticketId: string; at: number }>();
  let clients: StreamClient[] = [];
  try {
    const maxId = async () =>
      Number((await rows<{ max: string | null }>(handle, "select max(id) as max from ticket_events"))[0]?.max ?? 0);
    const startId = await maxId();
    clients = await openStreams(LIVE_CLIENTS_PER_INSTANCE * apps.length, origins, sessions, seen);
    log(
      `  ${clients.length} clients connected (${LIVE_CLIENTS_PER_INSTANCE} per instance); writing ${LIVE_WRITES_PER_SECOND}/s for ${LIVE_WRITE_SECONDS} s…`,
    );
    const samplers = apps.map((app) => new MemorySampler(() => app.rss()));
    for (const sampler of samplers) sampler.start();
    const cpuBefore = apps.map((app) => app.cpuMs() ?? 0);
    const benchBefore = process.cpuUsage();
    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    loopDelay.enable();
    const wallStarted = performance.now();
    const { records, stats, lastAnswerAt } = await runWriter(
      origins,
      writer,
      tickets,
      LIVE_WRITES_PER_SECOND,
      LIVE_WRITE_SECONDS,
    );
    const wallMs = performance.now() - wallStarted;
    const cpuAfter = apps.map((app) => app.cpuMs() ?? 0);
    const benchUsage = process.cpuUsage(benchBefore);
    loopDelay.disable();
    for (const sampler of samplers) sampler.stop();

    // Every client must end up with every event committed since it connected, once.
    const expectedKeys = async () =>
      (await rows<{ id: string }>(handle, "select id from ticket_events where id > $1 order by id", [startId])).map(
        (row) => `te:${row.id}`,
      );
    let expected = await expectedKeys();
    let drainMs: number | null = null;
    const drainDeadline = Date.now() + 20_000;
    for (;;) {
      const complete = clients.every((client) => expected.every((key) => client.arrivals.has(key)));
      if (complete) {
        drainMs = Math.max(0, Date.now() - lastAnswerAt);
        break;
      }
      if (Date.now() > drainDeadline) break;
      await sleep(100);
      expected = await expectedKeys();
    }

    const expectedSet = new Set(expected);
    let received = 0;
    let missing = 0;
    let duplicates = 0;
    let clientsExact = 0;
    const examples: string[] = [];
    for (const [index, client] of clients.entries()) {
      const got = [...client.arrivals.keys()].filter((key) => expectedSet.has(key)).length;
      const lacking = expected.filter((key) => !client.arrivals.has(key));
      received += got;
      missing += lacking.length;
      duplicates += client.duplicates;
      if (lacking.length === 0 && client.duplicates === 0) clientsExact++;
      if (lacking.length > 0 && examples.length < 5) {
        examples.push(`client ${index + 1} (instance ${client.instance + 1}) lacks ${lacking.slice(0, 3).join(", ")}`);
      }
      if (client.duplicates > 0 && examples.length < 5) {
        examples.push(`client ${index + 1} got ${client.duplicateKeys.join(", ")} more than once`);
      }
    }

    // Latency: from the event's own `at`, and from its write's answer (the write on that ticket in flight at `at`).
    const writesByTicket = new Map<string, WriteRecord[]>();
    for (const record of records) {
      const list = writesByTicket.get(record.ticketId) ?? [];
      list.push(record);
      writesByTicket.set(record.ticketId, list);
    }
    const answerOf = new Map<string, number>();
    for (const key of expected) {
      const event = seen.get(key);
      if (!event) continue;
      const write = writesByTicket
        .get(event.ticketId)
        ?.find((r) => r.sentAt - 1 <= event.at && event.at <= r.answeredAt + 1 && r.status >= 200 && r.status < 300);
      if (write) answerOf.set(key, write.answeredAt);
    }
    const fromWrite: number[] = [];
    const fromAnswer: number[] = [];
    const byInstance: number[][] = apps.map(() => []);
    for (const client of clients) {
      for (const key of expected) {
        const arrived = client.arrivals.get(key);
        const event = seen.get(key);
        if (arrived === undefined || !event) continue;
        fromWrite.push(arrived - event.at);
        byInstance[client.instance]?.push(arrived - event.at);
        const answeredAt = answerOf.get(key);
        if (answeredAt !== undefined) fromAnswer.push(arrived - answeredAt);
      }
    }
    const share = (ms: number) => ({ cpuMs: Math.round(ms), coreShare: round(ms / wallMs) });
    return {
      instances: apps.length,
      clients: clients.length,
      clientsPerInstance: apps.map((_, i) => clients.filter((client) => client.instance === i).length),
      ratePerSecond: LIVE_WRITES_PER_SECOND,
      seconds: LIVE_WRITE_SECONDS,
      writes: stats,
      events: expected.length,
      deliveries: {
        expected: expected.length * clients.length,
        received,
        missing,
        duplicates,
        clientsExact,
        examples,
      },
      fromWrite: summarize(fromWrite),
      fromAnswer: summarize(fromAnswer),
      fromWriteByInstance: byInstance.map((values) => summarize(values)),
      drainMs,
      cpu: apps.map((_, i) => share((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0))),
      benchCpu: share((benchUsage.user + benchUsage.system) / 1000),
      // The histogram holds the nanoseconds between the timer's runs, its resolution included.
      benchLoopDelayMs: {
        p50: round(Math.max(0, loopDelay.percentile(50) / 1e6 - LOOP_RESOLUTION_MS)),
        p99: round(Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS)),
        max: round(Math.max(0, loopDelay.max / 1e6 - LOOP_RESOLUTION_MS)),
      },
      peakRssBytes: samplers.map((sampler) => sampler.peak()),
    };
  } finally {
    for (const client of clients) client.close();
    await handle.close();
  }
}

/**
 * The stream's reads of ticket_events as the hub sends them, explained on the benchmark's
 * database: a replay page (the 500 rows after a cursor, as a client that reconnects after missing
 * them reads) and the read of the rows a batch of NOTIFYs named.
 */
async function explainLiveReads(target: DatabaseTarget): Promise<LiveResult["plans"]> {
  const { handle } = await openTarget(target, { LOG_LEVEL: "silent", SEED_DEMO_USERS: "false" });
  try {
    const pool = handle.pool;
    if (!pool) return [];
    const [row] = await rows<{ max: string | null }>(handle, "select max(id) as max from ticket_events");
    const max = Number(row?.max ?? 0);
    // The statement the reader sends, as the pool receives it; then explained with its parameters.
    const recorded: { text: string; values: unknown[] }[] = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    pool.query = ((...args: unknown[]) => {
      // Drizzle sends (config, values); plain pg may carry the values in the config.
      const first = args[0] as string | { text: string; values?: unknown[] };
      const values = Array.isArray(args[1]) ? (args[1] as unknown[]) : undefined;
      if (typeof first === "string") recorded.push({ text: first, values: values ?? [] });
      else if (first && typeof first === "object" && "text" in first) {
        recorded.push({ text: first.text, values: values ?? first.values ?? [] });
      }
      return query(...args);
    }) as typeof pool.query;
    const reads: { label: string; run: () => Promise<unknown> }[] = [
      {
        label: `replay: the ${500} events after a cursor (Last-Event-ID), ticket_events with its ticket and actor`,
        run: () => LIVE_READERS.te.read(handle.db, { after: Math.max(0, max - 500), limit: 500 }),
      },
      {
        label: "live: the 10 rows a batch of NOTIFYs named",
        run: () => LIVE_READERS.te.read(handle.db, { ids: Array.from({ length: 10 }, (_, i) => max - i * 3) }),
      },
    ];
    const plans: LiveResult["plans"] = [];
    for (const read of reads) {
      recorded.length = 0;
      await read.run();
      const statement = recorded.at(-1);
      if (!statement) continue;
      const explained = await pool.query(`explain (analyze, buffers) ${statement.text}`, statement.values);
      plans.push({
        label: read.label,
        statement: statement.text.replace(/\s+/g, " ").trim(),
        plan: explained.rows.map((line: Record<string, unknown>) => String(Object.values(line)[0])).join("\n"),
      });
    }
    return plans;
  } finally {
    await handle.close();
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * The live scenario: one instance (with its inspector, for the heap) holds 500 streams; a second
 * instance joins, 100 clients connect to each, and a writer changes tickets through both at 50/s.
 * The tickets it writes on are opened for it and closed at the end.
 */
export async function measureLive(options: {
  target: DatabaseTarget;
  appEnv: NodeJS.ProcessEnv;
  admin: Account;
  accounts: Account[];
  log: (line: string) => void;
}): Promise<LiveResult> {
  const { target, appEnv, admin, log } = options;
  const notes: string[] = [];
  const problems: string[] = [];
  const apps: AppProcess[] = [];
  let inspector: Inspector | undefined;
  const sessions: Session[] = [];
  let writer: Session | undefined;
  const tickets: LiveTicket[] = [];
  let memory: LiveMemoryResult | null = null;
  let latency: LiveLatencyResult | null = null;
  let origin = "";
  try {
    const inspectPort = await freePort();
    const first = new AppProcess(appEnv, await freePort(), [`--inspect=127.0.0.1:${inspectPort}`]);
    apps.push(first);
    await first.waitUntilReady();
    origin = first.origin;
    log(`  instance 1 ready on ${origin} (pid ${first.pid}, inspector on ${inspectPort} for the heap figures)`);
    inspector = await Inspector.connect(inspectPort);

    // The streams ride on the demo staff's sessions (a few each, as tabs would); the writer is the admin.
    writer = await signIn(origin, admin);
    for (const account of options.accounts.length > 0 ? options.accounts : [admin]) {
      sessions.push(await signIn(origin, account));
    }
    for (let n = 0; n < LIVE_TICKETS; n++) {
      const created = await api<{ id: string; version: number; status: string }>(
        origin,
        writer,
        "POST",
        "/api/tickets",
        {
          subject: `Live stream benchmark ticket ${n + 1}`,
          description: LIVE_TICKET_DESCRIPTION,
          category: "other",
        },
      );
      if (created.status !== 201) {
        throw new Error(`opening a ticket answered ${created.status}: ${created.text.slice(0, 300)}`);
      }
      tickets.push({ id: created.body.id, version: created.body.version, status: created.body.status });
    }

    log(`  memory: opening ${LIVE_MEMORY_STREAMS} streams on instance 1 over ${sessions.length} sessions…`);
    memory = await measureMemory(first, inspector, sessions, tickets[1] as LiveTicket, log);
    inspector.close();
    inspector = undefined;
    log(
      `  ${LIVE_MEMORY_STREAMS} streams added ${mib(memory.addedRssBytes)} RSS (${(memory.perStreamRssBytes / 1024).toFixed(1)} KiB each), ` +
        `${mib(memory.addedHeapBytes)} heap; one event reached ${memory.oneEvent.delivered} of them, the last ` +
        `${memory.oneEvent.fanOutMs ?? "—"} ms after the write's answer; ${mib(memory.closed.rss)} RSS after closing them`,
    );
    if (memory.oneEvent.delivered < LIVE_MEMORY_STREAMS) {
      problems.push(`one event reached only ${memory.oneEvent.delivered} of ${LIVE_MEMORY_STREAMS} streams`);
    }

    const second = new AppProcess(appEnv, await freePort());
    apps.push(second);
    await second.waitUntilReady();
    log(`  instance 2 ready on ${second.origin} (pid ${second.pid})`);
    latency = await measureLatency(target, apps, sessions, writer, tickets, log);
    const d = latency.deliveries;
    log(
      `  ${latency.writes.ok} writes (${latency.writes.achievedPerSecond}/s, ${latency.writes.failed} failed, ${latency.writes.skipped} skipped); ` +
        `${latency.events} events × ${latency.clients} clients: ${d.received} of ${d.expected} delivered, ${d.missing} missing, ${d.duplicates} twice`,
    );
    log(
      `  from the write's clock reading to each client: p50 ${latency.fromWrite?.p50 ?? "—"} ms, p95 ${latency.fromWrite?.p95 ?? "—"} ms, ` +
        `p99 ${latency.fromWrite?.p99 ?? "—"} ms, max ${latency.fromWrite?.max ?? "—"} ms; from its answer p95 ${latency.fromAnswer?.p95 ?? "—"} ms; ` +
        `instances' CPU ${latency.cpu.map((c) => `${Math.round(c.coreShare * 100)} %`).join(" / ")} of a core, ` +
        `the benchmark's ${Math.round(latency.benchCpu.coreShare * 100)} % (its event loop late by p99 ${latency.benchLoopDelayMs.p99} ms)`,
    );
    if (d.missing > 0 || d.duplicates > 0) {
      problems.push(
        `events not delivered exactly once: ${d.missing} missing, ${d.duplicates} twice (${d.examples.join("; ")})`,
      );
    }
    if (latency.writes.failed > 0)
      problems.push(`${latency.writes.failed} writes failed: ${latency.writes.failures.join("; ")}`);
    if (latency.writes.skipped > 0) {
      notes.push(
        `${latency.writes.skipped} writes were not sent: every ticket of their kind still had one in flight (the instances fell behind)`,
      );
    }
  } finally {
    inspector?.close();
    if (writer) {
      // Closed, so they leave the open queues of later runs.
      for (const ticket of tickets) {
        const current = await api<{ version: number }>(origin, writer, "GET", `/api/tickets/${ticket.id}`).catch(
          () => null,
        );
        const closed = await api(origin, writer, "PATCH", `/api/tickets/${ticket.id}`, {
          status: "closed",
          version: current?.body?.version ?? ticket.version,
        }).catch(() => null);
        if (closed?.status !== 200) problems.push(`closing benchmark ticket ${ticket.id} answered ${closed?.status}`);
      }
    }
    for (const session of [...sessions, ...(writer ? [writer] : [])]) await signOut(origin, session).catch(() => {});
    for (const app of apps) {
      const stopped = await app.stop();
      if (stopped.code !== 0) problems.push(`an app instance exited with code ${stopped.code} on SIGTERM`);
    }
  }
  log("  EXPLAIN ANALYZE of the stream's reads of ticket_events…");
  const plans = await explainLiveReads(target);
  return { memory, latency, plans, notes, problems };
}
