import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { OutboxState } from "../db/outbox-dispatcher.js";
import type { SmsOutcome } from "../sms/sms.dispatcher.js";
import type { PoolState } from "./metrics.database.js";

/** What the gauges read at scrape time; each source fails on its own (a database away). */
export interface MetricsSources {
  pool(): PoolState;
  liveStreams(): number;
  smsOutbox(now: Date): Promise<OutboxState>;
  webhookOutbox(now: Date): Promise<OutboxState>;
  now(): Date;
  /** Where a source's failure is told (the app's log). */
  logError(error: unknown, source: string): void;
}

/** Latency buckets in seconds: most answers take milliseconds; CSV exports and imports take seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The route label of a request no route matched (404s, the web app's pages): never the raw URL. */
export const UNMATCHED_ROUTE = "unmatched";

let processRegistry: Registry | undefined;

/**
 * Process metrics (CPU, memory, event loop lag, GC, handles) belong to the process, not to one app:
 * collected once, however many apps a process builds (the tests build many).
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * One app's metrics (docs/operations.md lists them). Counters count what this instance did
 * (Prometheus adds instances up); gauges of shared state (the outboxes) say the same on every
 * instance, so dashboards take their max, not their sum.
 */
export class AppMetrics {
  readonly registry = new Registry();
  /** Children by label values: a request costs a map lookup, not prom-client's label hashing. */
  private readonly requestCounters = new Map<string, Counter.Internal>();
  private readonly durations = new Map<string, Histogram.Internal<"method" | "route">>();

  private readonly requests = new Counter({
    name: "uplink_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status code.",
    labelNames: ["method", "route", "status_code"] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "uplink_http_request_duration_seconds",
    help: "Time from a request's arrival to its answer's last byte, by method and route pattern.",
    labelNames: ["method", "route"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly poolConnections = new Gauge({
    name: "uplink_db_pool_connections",
    help: "Database connections of the app's pool, in use or idle (PGlite: its one connection).",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });
  private readonly poolWaiting = new Gauge({
    name: "uplink_db_pool_waiting",
    help: "Queries and transactions waiting for a database connection.",
    registers: [this.registry],
  });
  private readonly poolMax = new Gauge({
    name: "uplink_db_pool_max",
    help: "Connections the pool may open (DATABASE_POOL_SIZE; 1 on PGlite).",
    registers: [this.registry],
  });
  private readonly outboxRows = new Gauge({
    name: "uplink_outbox_messages",
    help: "Undelivered rows of an outbox (sms, webhook): waiting for an attempt, or being delivered (sending).",
    labelNames: ["outbox", "state"] as const,
    registers: [this.registry],
  });
  private readonly outboxOldestAge = new Gauge({
    name: "uplink_outbox_oldest_age_seconds",
    help: "Age of the oldest undelivered row of an outbox (0 when empty), retries and held messages included.",
    labelNames: ["outbox"] as const,
    registers: [this.registry],
  });
  private readonly outboxOverdue = new Gauge({
    name: "uplink_outbox_oldest_overdue_seconds",
    help: "How long the most overdue waiting row has been due (0 when none is): grows while no dispatcher sends.",
    labelNames: ["outbox"] as const,
    registers: [this.registry],
  });
  private readonly collectErrors = new Counter({
    name: "uplink_metrics_collect_errors_total",
    help: "Scrapes whose reading of a source failed (that source's gauges are left out of the scrape).",
    labelNames: ["source"] as const,
    registers: [this.registry],
  });
  private readonly smsSent = new Counter({
    name: "uplink_sms_sent_total",
    help: "SMS this instance handed to Twilio (accepted for delivery).",
    registers: [this.registry],
  });
  private readonly smsFailed = new Counter({
    name: "uplink_sms_failed_total",
    help: "SMS this instance gave up on, by reason (twilio_<error code>, twilio_rejected, twilio_unavailable, no_recipient, attempts_exhausted).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  private readonly smsRetried = new Counter({
    name: "uplink_sms_retried_total",
    help: "SMS attempts of this instance that failed and will be retried, by reason.",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  private readonly liveStreams = new Gauge({
    name: "uplink_live_streams",
    help: "Open live event streams (GET /api/events) on this instance.",
    registers: [this.registry],
  });

  constructor(private readonly sources: MetricsSources) {
    this.poolMax.set(0);
    this.smsSent.inc(0);
  }

  /** Counts one answered request: two map lookups and two increments (the hot path). */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${method} ${route}`;
    let duration = this.durations.get(key);
    if (!duration) {
      duration = this.duration.labels(method, route);
      this.durations.set(key, duration);
    }
    duration.observe(seconds);
    const countKey = `${key} ${statusCode}`;
    let counter = this.requestCounters.get(countKey);
    if (!counter) {
      counter = this.requests.labels(method, route, String(statusCode));
      this.requestCounters.set(countKey, counter);
    }
    counter.inc();
  }

  recordSms(outcome: SmsOutcome): void {
    if (outcome.kind === "sent") this.smsSent.inc();
    else (outcome.kind === "failed" ? this.smsFailed : this.smsRetried).inc({ reason: outcome.reason });
  }

  /** The scrape's text: the gauges read now, then this app's metrics and the process's. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    await this.refresh();
    const [app, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return { contentType: this.registry.contentType, text: `${app.trimEnd()}\n${process}` };
  }

  private async refresh(): Promise<void> {
    const { sources } = this;
    const pool = sources.pool();
    this.poolConnections.set({ state: "in_use" }, pool.inUse);
    this.poolConnections.set({ state: "idle" }, pool.idle);
    this.poolWaiting.set(pool.waiting);
    this.poolMax.set(pool.max);
    this.liveStreams.set(sources.liveStreams());
    const now = sources.now();
    await Promise.all([
      this.refreshOutbox("sms", () => sources.smsOutbox(now), now),
      this.refreshOutbox("webhook", () => sources.webhookOutbox(now), now),
    ]);
  }

  private async refreshOutbox(outbox: "sms" | "webhook", read: () => Promise<OutboxState>, now: Date) {
    try {
      const state = await read();
      const since = (time: Date | null) => (time ? Math.max(0, (now.getTime() - time.getTime()) / 1000) : 0);
      this.outboxRows.set({ outbox, state: "waiting" }, state.waiting);
      this.outboxRows.set({ outbox, state: "sending" }, state.inFlight);
      this.outboxOldestAge.set({ outbox }, since(state.oldestCreatedAt));
      this.outboxOverdue.set({ outbox }, since(state.oldestDueAt));
    } catch (error) {
      this.sources.logError(error, `${outbox}_outbox`);
      // A stale depth would look healthy: the outbox's gauges are left out until it answers again.
      for (const state of ["waiting", "sending"]) this.outboxRows.remove({ outbox, state });
      this.outboxOldestAge.remove({ outbox });
      this.outboxOverdue.remove({ outbox });
      this.collectErrors.inc({ source: `${outbox}_outbox` });
    }
  }
}
