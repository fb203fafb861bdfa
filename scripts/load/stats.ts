/** What became of one request. */
export type Outcome = "ok" | "conflict" | "error";

export interface ErrorSample {
  action: string;
  method: string;
  path: string;
  status: number;
  body: string;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface ActionSummary extends LatencySummary {
  action: string;
  errors: number;
  conflicts: number;
  rps: number;
}

export interface ErrorKindSummary {
  /** Status and problem code, e.g. "500 internal" or "0 timeout". */
  kind: string;
  count: number;
  samples: ErrorSample[];
}

const SAMPLES_PER_KIND = 3;
const SAMPLE_BODY_CHARS = 600;

interface ActionStats {
  latencies: number[];
  errors: number;
  conflicts: number;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? 0;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

export function summarize(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50: round1(percentile(sorted, 0.5)),
    p95: round1(percentile(sorted, 0.95)),
    p99: round1(percentile(sorted, 0.99)),
    max: round1(sorted.at(-1) ?? 0),
    mean: round1(sorted.length === 0 ? 0 : total / sorted.length),
  };
}

/**
 * Every request's latency by action, its outcome, and a few bodies of each kind of error. All
 * latencies are kept (a 10-minute run of 200 staff is under a million numbers), so percentiles
 * are exact rather than bucketed.
 */
export class Recorder {
  private readonly byAction = new Map<string, ActionStats>();
  private readonly errorKinds = new Map<string, { count: number; samples: ErrorSample[] }>();
  private readonly notes = new Map<string, number>();
  private readonly performed = new Map<string, number>();
  requests = 0;
  errors = 0;
  conflicts = 0;

  record(action: string, latencyMs: number, outcome: Outcome): void {
    let stats = this.byAction.get(action);
    if (!stats) {
      stats = { latencies: [], errors: 0, conflicts: 0 };
      this.byAction.set(action, stats);
    }
    stats.latencies.push(latencyMs);
    this.requests++;
    if (outcome === "error") {
      stats.errors++;
      this.errors++;
    } else if (outcome === "conflict") {
      stats.conflicts++;
      this.conflicts++;
    }
  }

  recordError(code: string, sample: ErrorSample): void {
    const kind = `${sample.status} ${code}`;
    let entry = this.errorKinds.get(kind);
    if (!entry) {
      entry = { count: 0, samples: [] };
      this.errorKinds.set(kind, entry);
    }
    entry.count++;
    if (entry.samples.length < SAMPLES_PER_KIND) {
      entry.samples.push({ ...sample, body: sample.body.slice(0, SAMPLE_BODY_CHARS) });
    }
  }

  /** Counts what people chose to do (one action is one or more requests). */
  performedAction(action: string): void {
    this.performed.set(action, (this.performed.get(action) ?? 0) + 1);
  }

  performedSummary(): Record<string, number> {
    return Object.fromEntries([...this.performed.entries()].sort((a, b) => b[1] - a[1]));
  }

  /** Counts something worth knowing that is not an error (a search that found nothing). */
  note(what: string): void {
    this.notes.set(what, (this.notes.get(what) ?? 0) + 1);
  }

  actions(seconds: number): ActionSummary[] {
    return [...this.byAction.entries()]
      .map(([action, stats]) => ({
        action,
        ...summarize(stats.latencies),
        errors: stats.errors,
        conflicts: stats.conflicts,
        rps: round1(stats.latencies.length / seconds),
      }))
      .sort((a, b) => b.count - a.count);
  }

  overall(): LatencySummary {
    return summarize([...this.byAction.values()].flatMap((stats) => stats.latencies));
  }

  errorSummary(): ErrorKindSummary[] {
    return [...this.errorKinds.entries()]
      .map(([kind, entry]) => ({ kind, count: entry.count, samples: entry.samples }))
      .sort((a, b) => b.count - a.count);
  }

  noteSummary(): Record<string, number> {
    return Object.fromEntries([...this.notes.entries()].sort((a, b) => b[1] - a[1]));
  }
}
