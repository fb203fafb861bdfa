/**
 * Reuses the dashboard's expensive aggregates between requests while nothing they count has
 * changed. An entry is keyed by the viewer's time zone and stamped with the newest timeline event
 * id: every ticket change writes a timeline event in its own transaction, so a new stamp means
 * the numbers may have moved, from this instance or any other. Time alone also moves them (a
 * ticket becomes overdue, midnight starts a new day), hence the maximum age. Requests that arrive
 * while an entry is being computed wait for that computation instead of starting their own.
 */
export class DashboardCache<T> {
  readonly #entries = new Map<string, { stamp: string; computedAt: number; value: Promise<T> }>();

  constructor(
    private readonly maxAgeMs: number,
    /** Time zones are the only key; few are in use, but a client may send any valid one. */
    private readonly maxEntries = 64,
  ) {}

  get(key: string, stamp: string, nowMs: number, compute: () => Promise<T>): Promise<T> {
    const entry = this.#entries.get(key);
    const age = entry ? nowMs - entry.computedAt : Number.POSITIVE_INFINITY;
    if (entry && entry.stamp === stamp && age >= 0 && age < this.maxAgeMs) return entry.value;

    const value = compute();
    const fresh = { stamp, computedAt: nowMs, value };
    if (this.maxAgeMs <= 0) return value;
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, fresh);
    // A failed computation is not remembered: the next request tries again.
    value.catch(() => {
      if (this.#entries.get(key) === fresh) this.#entries.delete(key);
    });
    return value;
  }
}
