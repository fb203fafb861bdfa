import autocannon from "autocannon";
import { headersFor, type Session } from "./http.js";
import type { RequestSpec } from "./scenarios.js";
import { type LatencySummary, round, summarize } from "./stats.js";

export interface ErrorTally {
  /** Everything that was not a 2xx answer: other statuses, socket errors, timeouts. */
  total: number;
  byStatus: Record<string, number>;
  socketErrors: number;
  timeouts: number;
  /** The first few error answers, to say what went wrong. */
  samples: string[];
}

export interface LoadResult {
  connections: number;
  seconds: number;
  /** 2xx answers. */
  ok: number;
  /** 2xx answers per second. */
  rps: number;
  latency: LatencySummary | null;
  errors: ErrorTally;
}

export interface LoadOptions {
  origin: string;
  connections: number;
  /** Run this long… */
  durationSeconds?: number;
  /** …or until this many requests were answered. */
  amount?: number;
  /** Rotated across all connections, one after the other. */
  variants: RequestSpec[];
  session: Session | undefined;
}

/**
 * Keep-alive load with autocannon. Its own latency histogram counts whole milliseconds, too coarse
 * for sub-millisecond answers, so each response's exact time (from its `response` event) is kept
 * and summarised here instead.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const requests = options.variants.map((spec) => ({
    method: spec.method,
    path: spec.path,
    headers: headersFor(options.session, spec.body !== undefined),
    body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
  }));
  let next = 0;
  const latencies: number[] = [];
  const errors: ErrorTally = { total: 0, byStatus: {}, socketErrors: 0, timeouts: 0, samples: [] };

  const started = performance.now();
  const instance = autocannon({
    url: options.origin,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.durationSeconds ?? 10 }),
    timeout: 30,
    requests: [
      {
        setupRequest: (request) => {
          const chosen = requests[next++ % requests.length];
          return { ...request, ...chosen };
        },
        onResponse: (status, body) => {
          if (status >= 200 && status < 300) return;
          if (errors.samples.length < 5) errors.samples.push(`${status}: ${body.slice(0, 300)}`);
        },
      },
    ],
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
    if (status >= 200 && status < 300) latencies.push(responseTimeMs);
    else errors.byStatus[status] = (errors.byStatus[status] ?? 0) + 1;
  });
  instance.on("reqError", (error: Error) => {
    errors.socketErrors++;
    if (errors.samples.length < 5) errors.samples.push(`request error: ${error.message}`);
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  errors.timeouts = result.timeouts;
  errors.total = Object.values(errors.byStatus).reduce((sum, n) => sum + n, 0) + errors.socketErrors + errors.timeouts;
  return {
    connections: options.connections,
    seconds: round(seconds),
    ok: latencies.length,
    rps: round(latencies.length / seconds),
    latency: summarize(latencies),
    errors,
  };
}
