/**
 * A progress line on stderr (stdout stays clean for the summary): rows done / total, rate and
 * ETA. Redrawn in place on a terminal; one line every few seconds when stderr is a file or pipe.
 */
export class Progress {
  private readonly startedAt = performance.now();
  private lastDraw = 0;
  private readonly tty: boolean;
  private rows = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  get rowsDone(): number {
    return this.rows;
  }

  /** `fraction` of the work done drives the ETA; `totalRows` is the (estimated) row count. */
  update(rowsDone: number, totalRows: number, fraction: number, phase: string, force = false): void {
    this.rows = rowsDone;
    if (this.quiet) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < (this.tty ? 200 : 5000)) return;
    this.lastDraw = now;
    const elapsed = (now - this.startedAt) / 1000;
    const rate = elapsed > 0 ? rowsDone / elapsed : 0;
    const eta = fraction > 0.01 ? (elapsed / fraction) * (1 - fraction) : Number.NaN;
    const width = 28;
    const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    const line =
      `[${bar}] ${(fraction * 100).toFixed(1).padStart(5)}%  ${formatCount(rowsDone)} / ~${formatCount(totalRows)} rows` +
      `  ${formatCount(Math.round(rate))} rows/s  elapsed ${formatDuration(elapsed)}  ETA ${Number.isNaN(eta) ? "--" : formatDuration(eta)}  ${phase}`;
    if (this.tty) this.stream.write(`\r${line}\u001b[K`);
    else this.stream.write(`${line}\n`);
  }

  /** A phase without a row count (index builds): one line with the time it took. */
  note(message: string): void {
    if (this.quiet) return;
    if (this.tty) this.stream.write(`\r\u001b[K${message}\n`);
    else this.stream.write(`${message}\n`);
  }

  finish(): void {
    if (!this.quiet && this.tty) this.stream.write("\n");
  }
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--";
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}
