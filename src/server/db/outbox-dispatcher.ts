import type { FastifyBaseLogger } from "fastify";
import type { DatabaseHandle } from "./client.js";
import { listen } from "./notify.js";

/**
 * The loop every outbox runs (SMS, webhooks): wake on the outbox's NOTIFY (and once the LISTEN
 * connection is back, for rows queued while it was down), otherwise poll; claim a batch, deliver
 * it, repeat until nothing is due. A feature supplies only how to claim and deliver its rows.
 * `stop()` lets the batch in flight finish.
 */
export abstract class OutboxDispatcher<Row> {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeRequested = false;
  private wakeUp: (() => void) | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  protected constructor(
    private readonly outbox: {
      database: DatabaseHandle;
      /** The NOTIFY channel its writers signal. */
      channel: string;
      log: FastifyBaseLogger;
      /** For the log: "SMS dispatcher". */
      name: string;
    },
  ) {}

  /** How long to sleep when nothing woke the dispatcher (and to wait before re-LISTENing). */
  protected abstract pollIntervalMs(): number;
  /** Claims the next due rows (FOR UPDATE SKIP LOCKED and a lease); none when nothing is due. */
  protected abstract claim(): Promise<Row[]>;
  /** Delivers one claimed row and records the outcome; must not throw for a delivery failure. */
  protected abstract deliver(row: Row): Promise<void>;

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unlisten = await listen(this.outbox.database, this.outbox.channel, () => this.wake(), {
      retryMs: this.pollIntervalMs(),
      log: this.outbox.log,
      // Rows queued while the connection was down: the poll would find them too, but sooner is better.
      onConnected: () => this.wake(),
    });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    await this.unlisten?.().catch(() => {});
  }

  /** Reads the outbox now (a NOTIFY arrived, an admin asked for a retry, a test moved the clock). */
  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  /** Delivers every due row, a batch at a time; how many were delivered. */
  async drain(): Promise<number> {
    let delivered = 0;
    while (this.running) {
      const batch = await this.claim();
      if (batch.length === 0) break;
      await Promise.all(batch.map((row) => this.deliver(row)));
      delivered += batch.length;
    }
    return delivered;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.wakeRequested = false;
      try {
        await this.drain();
      } catch (error) {
        // A database outage: the poll tries again; the rows stay in the outbox meanwhile.
        this.outbox.log.error({ err: error }, `${this.outbox.name}: reading the outbox failed`);
      }
      if (!this.running) break;
      if (this.wakeRequested) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollIntervalMs());
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }
}

/** An outbox as GET /metrics reports it: what waits, what is being delivered, and how old. */
export interface OutboxState {
  /** Rows waiting for their (next) attempt: `queued` SMS, `pending` webhook deliveries. */
  waiting: number;
  /** Rows claimed by a dispatcher and being delivered (`sending`). */
  inFlight: number;
  /** The creation time of the oldest row not yet delivered; null for an empty outbox. */
  oldestCreatedAt: Date | null;
  /** The oldest due time among waiting rows already due (a held or backed-off row is not due yet); null if none. */
  oldestDueAt: Date | null;
}

export interface OutboxStateRow {
  waiting: number | string;
  in_flight: number | string;
  oldest_created_at: Date | string | null;
  oldest_due_at: Date | string | null;
}

/** Reads the row of an outbox's state query (drivers differ in how they return counts and times). */
export function toOutboxState(row: OutboxStateRow | undefined): OutboxState {
  const time = (value: Date | string | null | undefined) => (value == null ? null : new Date(value));
  return {
    waiting: Number(row?.waiting ?? 0),
    inFlight: Number(row?.in_flight ?? 0),
    oldestCreatedAt: time(row?.oldest_created_at),
    oldestDueAt: time(row?.oldest_due_at),
  };
}
