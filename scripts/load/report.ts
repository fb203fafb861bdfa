import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { formatDurationMs } from "./options.js";
import type { ActionSummary, ErrorKindSummary, LatencySummary } from "./stats.js";

export interface DatabaseInfo {
  postgres: string;
  /** From the demo generator's marker row, when the database was seeded with `npm run seed:demo`. */
  demoSize: string | null;
  counts: Record<string, number> | null;
}

export interface LoadReport {
  startedAt: string;
  finishedAt: string;
  note: string | null;
  /** false when the run was stopped early (Ctrl-C). */
  complete: boolean;
  settings: {
    users: number;
    admins: number;
    technicians: number;
    accountsCreated: number;
    durationS: number;
    rampUpS: number;
    thinkS: [number, number];
    seed: number;
    app: string;
  };
  machine: { cpus: number; cpuModel: string; memoryGb: number; os: string; node: string; postgres: string | null };
  database: DatabaseInfo | null;
  totals: LatencySummary & { requests: number; errors: number; conflicts: number; rps: number; elapsedS: number };
  actions: ActionSummary[];
  errors: ErrorKindSummary[];
  /** How often each action of the mix was chosen. */
  mix: Record<string, number>;
  notes: Record<string, number>;
  app: {
    pid: number | null;
    rssMb: { min: number; max: number } | null;
    cpuSeconds: number | null;
    exit: string | null;
  };
  /**
   * How busy the machine was: the 1/5/15-minute load averages just before the staff started and
   * at the end, and the CPU the load generator itself used (it shares the machine with the app).
   */
  conditions: { loadAverageBefore: number[]; loadAverageAfter: number[]; loadGeneratorCpuSeconds: number };
  progress: { atS: number; requests: number; rps: number; errors: number; conflicts: number; rssMb: number | null }[];
}

export async function readDatabaseInfo(databaseUrl: string): Promise<DatabaseInfo> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const version = await client.query<{ server_version: string }>("show server_version");
    const marker = await client
      .query<{ value: { size?: string; counts?: Record<string, number> } }>(
        "select value from settings where key = 'demo_data'",
      )
      .catch(() => ({ rows: [] }));
    const demo = marker.rows[0]?.value;
    return {
      postgres: `PostgreSQL ${version.rows[0]?.server_version ?? "unknown"}`,
      demoSize: demo?.size ?? null,
      counts: demo?.counts ?? null,
    };
  } finally {
    await client.end();
  }
}

export function loadAverage(): number[] {
  return os.loadavg().map((value) => Math.round(value * 100) / 100);
}

export function machineInfo(postgres: string | null): LoadReport["machine"] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres,
  };
}

const count = (value: number) => value.toLocaleString("en-US");
/** Tenths of a millisecond matter below 100 ms only. */
const ms = (value: number) => (value >= 100 ? String(Math.round(value)) : String(value));

export function defaultOutPath(startedAt: Date, database: DatabaseInfo | null): string {
  const date = startedAt.toISOString().slice(0, 10);
  return path.join("docs", "load", `${date}-${database?.demoSize ?? "custom"}.json`);
}

export function writeJson(file: string, report: LoadReport): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

export const RESULTS_START = "<!-- load-results:start -->";
export const RESULTS_END = "<!-- load-results:end -->";

/** The Markdown results section: what ran where, the totals, one row per action, the errors. */
export function resultsMarkdown(report: LoadReport, jsonLink: string): string {
  const { settings, machine, totals, database } = report;
  const lines: string[] = [];
  lines.push("## Latest results", "");
  lines.push("_Written by `npm run test:load`; the next run replaces this section._", "");
  if (report.note) lines.push(`> ${report.note}`, "");
  if (!report.complete) lines.push("> **Stopped early** (interrupted before the duration was up).", "");
  const size = database?.demoSize
    ? `demo size ${database.demoSize} (${count(database.counts?.customers ?? 0)} customers, ${count(database.counts?.tickets ?? 0)} tickets)`
    : "a database not made by the demo generator";
  lines.push(
    `- **When**: ${report.startedAt.slice(0, 16).replace("T", " ")} UTC, ${formatDurationMs(totals.elapsedS * 1000)} ` +
      `(ramp-up ${formatDurationMs(settings.rampUpS * 1000)}, think time ${settings.thinkS[0]}–${settings.thinkS[1]} s, seed ${settings.seed})`,
    `- **Who**: ${settings.users} simulated staff (${settings.technicians} technicians, ${settings.admins} admins), ` +
      `each signed in once with their own account`,
    `- **Where**: ${size}; ${machine.postgres ?? "PostgreSQL version unknown"}; app ${settings.app}`,
    `- **Machine**: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}`,
    `- **Raw figures**: [${path.basename(jsonLink)}](${jsonLink})`,
    "",
  );
  const rss = report.app.rssMb ? `${report.app.rssMb.min}–${report.app.rssMb.max} MB` : "not measured";
  const cpu =
    report.app.cpuSeconds !== null
      ? `${report.app.cpuSeconds} s (${(report.app.cpuSeconds / totals.elapsedS).toFixed(2)} cores on average)`
      : "not measured";
  lines.push(
    `**${count(totals.requests)} requests, ${totals.rps} per second, ${count(totals.errors)} errors, ` +
      `${count(totals.conflicts)} edit conflicts (409, re-read and retried). Latency p50 ${ms(totals.p50)} ms, ` +
      `p95 ${ms(totals.p95)} ms, p99 ${ms(totals.p99)} ms, max ${ms(totals.max)} ms.** App memory (RSS) ${rss}; ` +
      `app CPU ${cpu}.`,
    "",
  );
  const { conditions } = report;
  lines.push(
    `Machine load average (1 min) ${conditions.loadAverageBefore[0]} before the run and ` +
      `${conditions.loadAverageAfter[0]} at its end, on ${machine.cpus} cores; the load generator itself used ` +
      `${conditions.loadGeneratorCpuSeconds} s of CPU.`,
    "",
  );
  lines.push("| action | requests | per s | p50 ms | p95 ms | p99 ms | max ms | errors | 409 |");
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const a of report.actions) {
    lines.push(
      `| ${a.action} | ${count(a.count)} | ${a.rps} | ${ms(a.p50)} | ${ms(a.p95)} | ${ms(a.p99)} | ${ms(a.max)} | ` +
        `${a.errors} | ${a.conflicts} |`,
    );
  }
  lines.push(
    `| **all** | **${count(totals.requests)}** | **${totals.rps}** | **${ms(totals.p50)}** | **${ms(totals.p95)}** | ` +
      `**${ms(totals.p99)}** | **${ms(totals.max)}** | **${totals.errors}** | **${totals.conflicts}** |`,
    "",
  );
  if (report.errors.length === 0) {
    lines.push("Errors: none.", "");
  } else {
    lines.push("Errors by status and problem code (a sample of each in the JSON):", "");
    for (const error of report.errors) {
      const sample = error.samples[0];
      lines.push(
        `- \`${error.kind}\` × ${count(error.count)}${sample ? ` — e.g. ${sample.method} ${sample.path}` : ""}`,
      );
    }
    lines.push("");
  }
  const performed = Object.entries(report.mix);
  const actionCount = performed.reduce((sum, [, n]) => sum + n, 0);
  if (actionCount > 0) {
    lines.push(
      `The mix as performed: ${count(actionCount)} actions (${(totals.requests / actionCount).toFixed(2)} requests ` +
        `each on average): ${performed.map(([what, n]) => `${what} ${((100 * n) / actionCount).toFixed(1)}%`).join(", ")}.`,
      "",
    );
  }
  const notes = Object.entries(report.notes);
  if (notes.length > 0) {
    lines.push(`Not errors, for judging the mix: ${notes.map(([what, n]) => `${what}: ${count(n)}`).join("; ")}.`, "");
  }
  return lines.join("\n");
}

/** Replaces the marked results section of the Markdown file, or appends one; the rest is kept. */
export function updateDocs(file: string, section: string): void {
  const block = `${RESULTS_START}\n${section}\n${RESULTS_END}`;
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Load test\n";
  const start = current.indexOf(RESULTS_START);
  const end = current.indexOf(RESULTS_END);
  const next =
    start !== -1 && end > start
      ? `${current.slice(0, start)}${block}${current.slice(end + RESULTS_END.length)}`
      : `${current.trimEnd()}\n\n${block}\n`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, next);
}
