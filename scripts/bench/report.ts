import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { IncidentMessagesResult } from "./incident-messages.js";
import { LIVE_MEMORY_TARGET_BYTES, LIVE_P95_TARGET_MS, type LiveResult } from "./live.js";
import type { LoadResult } from "./load.js";
import type { ScenarioGroup, ScenarioId } from "./scenarios.js";
import type { SmsDispatchResult } from "./sms-dispatch.js";
import { formatKb, formatMiB, formatMs, formatRate } from "./stats.js";
import type { WebSize } from "./web-size.js";

export type DatabaseKindLabel = "embedded" | "server";

export interface TargetCheck {
  label: string;
  met: boolean;
}

export interface ScenarioRun {
  connections: number;
  app: (LoadResult & { cpuMsPerRequest: number | null; peakRssBytes: number | null }) | null;
  raw: LoadResult | null;
  /** App requests per second / raw SQL requests per second. */
  ratio: number | null;
  targets: TargetCheck[];
}

export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  group: ScenarioGroup;
  variants: number;
  writes: string | null;
  /** Problems found before or during the load (wrong answers, errors): loud in the report. */
  problems: string[];
  notes: string[];
  /** What one request (the first variant) sends, and the plans of its reads. */
  sql: {
    units: number;
    transactions: number;
    waves: number;
    statements: string[];
    plans: { statement: number; plan: string }[];
  } | null;
  runs: ScenarioRun[];
}

export interface BenchReport {
  generator: "npm run bench";
  date: string;
  git: { commit: string; dirty: boolean };
  machine: {
    cpus: number;
    cpuModel: string;
    ramBytes: number;
    os: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  node: string;
  database: {
    kind: DatabaseKindLabel;
    description: string;
    version: string;
    pglite: string | null;
    /** Where the app ran PGlite (PGLITE_WORKER); null on a server, absent in runs before it existed. */
    pgliteWorker?: boolean | null;
    poolSize: number | null;
  };
  /** App worker processes (WEB_CONCURRENCY; server database); absent in runs before it existed. */
  workers?: number;
  size: string;
  demoData: { seed: number; generatedAt: string; counts: Record<string, number> };
  rowCountsBefore: Record<string, number>;
  rowsAdded: Record<string, number> | null;
  options: { durationSeconds: number; warmupSeconds: number; connections: number[]; only: string[] | null };
  /** --note: why this run was taken. */
  note: string | null;
  app: {
    origin: string;
    startedByBench: boolean;
    startupMs: number | null;
    /** The app is started again for the write scenarios (after the raw replay of the reads). */
    restartsMs: number[];
    rssIdleBytes: number | null;
    rssPeakBytes: number | null;
    shutdown: { code: number | null; signal: string | null; ms: number } | null;
  };
  raw: { how: string } | null;
  scenarios: ScenarioResult[];
  smsDispatch: (SmsDispatchResult & { outboxDrainSeconds: number | null }) | null;
  /** An outage's message to ~20,000 customers on three instances (absent from reports before it existed). */
  incidentMessages?: IncidentMessagesResult | null;
  /** The live event stream: 500 streams' memory, latency on two instances (absent from reports before it existed). */
  live?: LiveResult | null;
  web: WebSize;
  /** Conditions that make the figures less comparable (said in the docs). */
  warnings: string[];
  errors: string[];
}

/**
 * Issue 15's targets for an incident's message (size L on a server): queued in under 2 s, the
 * incident's page under 100 ms (p95) while it is sent, and the configured rate across the
 * instances: never more in any second, no less on average (2 % for the windows' edges), none twice.
 */
export function incidentTargets(incident: IncidentMessagesResult): {
  queueing: TargetCheck;
  page: TargetCheck[];
  rate: TargetCheck | null;
} {
  const rate = incident.rate;
  return {
    queueing: { label: "< 2 s", met: incident.queueingMs.max < 2000 },
    page: incident.page.map((load) => ({ label: "p95 < 100 ms", met: (load.result.latency?.p95 ?? Infinity) < 100 })),
    rate: rate
      ? {
          label: `${incident.ratePerSecond}/s exactly, none twice`,
          met:
            rate.maxInAnySecond <= incident.ratePerSecond &&
            rate.meanPerWindow >= incident.ratePerSecond * 0.98 &&
            rate.numbersTwice === 0,
        }
      : null,
  };
}

/**
 * Issue 17's targets for the live stream (server database, any size: the stream reads by primary
 * key): 500 streams add less than 50 MB to one instance; an event reaches every client of two
 * instances within 1 s at p95 under 50 writes a second, each exactly once.
 */
export function liveTargets(live: LiveResult): {
  memory: TargetCheck | null;
  latency: TargetCheck | null;
  once: TargetCheck | null;
} {
  const latency = live.latency;
  return {
    memory: live.memory
      ? { label: "< 50 MB for 500 streams", met: live.memory.addedRssBytes < LIVE_MEMORY_TARGET_BYTES }
      : null,
    latency: latency?.fromWrite ? { label: "p95 < 1 s", met: latency.fromWrite.p95 < LIVE_P95_TARGET_MS } : null,
    once: latency
      ? {
          label: "every event to every client exactly once",
          met: latency.deliveries.missing === 0 && latency.deliveries.duplicates === 0,
        }
      : null,
  };
}

/**
 * Issue 18's targets (the app's own cost): on a server at size L, every hot read at 20 clients
 * ≥ 60 % of its raw SQL's throughput and ticket creation ≥ 70 % (its raw SQL itself ≥ 500/s); at 1
 * client, queues, customer searches and the ticket page p95 ≤ 10 ms, text search ≤ 20 ms. On the
 * embedded database at size S, every read p95 ≤ 150 ms at 20 clients and ≤ 15 ms at 1. Everywhere,
 * the app's CPU per read ≤ 1.5 ms (≤ 1.0 ms median: the summary) and per ticket creation ≤ 2.5 ms.
 */
export function targetsFor(
  size: string,
  kind: DatabaseKindLabel,
  group: ScenarioGroup,
  id: ScenarioId,
  run: ScenarioRun,
): TargetCheck[] {
  const app = run.app;
  if (!app?.latency) return [];
  const p95 = app.latency.p95;
  const read = isHotRead(group);
  const checks: TargetCheck[] = [];
  if (run.connections === 20 && app.cpuMsPerRequest !== null) {
    if (read) checks.push({ label: "CPU ≤ 1.5 ms/req", met: app.cpuMsPerRequest <= 1.5 });
    if (id === "ticket-create") checks.push({ label: "CPU ≤ 2.5 ms/req", met: app.cpuMsPerRequest <= 2.5 });
  }
  if (kind === "embedded" && size === "S" && read) {
    if (run.connections === 20) checks.push({ label: "p95 ≤ 150 ms", met: p95 <= 150 });
    if (run.connections === 1) checks.push({ label: "p95 ≤ 15 ms", met: p95 <= 15 });
  }
  if (kind !== "server" || size !== "L") return checks;
  if (run.connections === 20) {
    if (read && run.ratio !== null) checks.push({ label: "app ≥ 60% of raw", met: run.ratio >= 0.6 });
    if (id === "ticket-create") {
      if (run.ratio !== null) checks.push({ label: "app ≥ 70% of raw", met: run.ratio >= 0.7 });
      if (run.raw) checks.push({ label: "raw ≥ 500 req/s", met: run.raw.rps >= 500 });
    }
    if (group === "dashboard") checks.push({ label: "p95 ≤ 150 ms", met: p95 <= 150 });
  }
  if (run.connections === 1 && (group === "queue" || group === "customer-search" || group === "ticket-detail")) {
    const limit = id === "queue-search" ? 20 : 10;
    checks.push({ label: `p95 ≤ ${limit} ms`, met: p95 <= limit });
  }
  return checks;
}

/** The reads issue 18 sets CPU and throughput targets for: queues, searches, ticket page, dashboard. */
export function isHotRead(group: ScenarioGroup): boolean {
  return group === "queue" || group === "customer-search" || group === "ticket-detail" || group === "dashboard";
}

/** The median of the app's CPU per read at 20 clients, against issue 18's ≤ 1.0 ms. */
export function medianReadCpu(report: BenchReport): TargetCheck & { value: number | null } {
  const values = report.scenarios
    .filter((scenario) => isHotRead(scenario.group))
    .flatMap((scenario) => scenario.runs.filter((run) => run.connections === 20))
    .map((run) => run.app?.cpuMsPerRequest)
    .filter((value): value is number => typeof value === "number")
    .sort((a, b) => a - b);
  const value = values.length === 0 ? null : (values[Math.floor((values.length - 1) / 2)] ?? null);
  return { label: "median CPU per read ≤ 1.0 ms", met: value !== null && value <= 1.0, value };
}

export const WEB_TARGET_BYTES = 200_000;

export function defaultOutPath(size: string, kind: DatabaseKindLabel, workers = 1): string {
  return path.join("docs", "benchmarks", `${sectionKey(size, kind, workers)}.json`);
}

/** The docs section and JSON name of a run: `L-server`, or `L-server-2-workers` with WEB_CONCURRENCY=2. */
export function sectionKey(size: string, kind: DatabaseKindLabel, workers = 1): string {
  return workers > 1 ? `${size}-${kind}-${workers}-workers` : `${size}-${kind}`;
}

export function writeJson(file: string, report: BenchReport): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

const int = (n: number) => n.toLocaleString("en-US");

function errorCell(result: LoadResult | null): string {
  if (!result) return "—";
  if (result.errors.total === 0) return "0";
  const parts = Object.entries(result.errors.byStatus).map(([status, n]) => `${int(n)}×${status}`);
  if (result.errors.socketErrors) parts.push(`${int(result.errors.socketErrors)} socket`);
  if (result.errors.timeouts) parts.push(`${int(result.errors.timeouts)} timeout`);
  return `**${parts.join(", ")}**`;
}

export function markdownSection(report: BenchReport, jsonPath: string): string {
  const { machine, database } = report;
  const kindLabel = database.kind === "embedded" ? "embedded database (PGlite)" : "PostgreSQL server";
  const lines: string[] = [];
  const workers = report.workers ?? 1;
  lines.push(
    `### Size ${report.size}, ${kindLabel}${workers > 1 ? `, ${workers} app workers` : ""}: ${report.date.slice(0, 10)}`,
    "",
  );
  lines.push(
    `_Generated by \`npm run bench\` (${jsonPath} holds every number); the next run on this size and database replaces this section._`,
    "",
  );
  if (report.note) lines.push(`**${report.note.replace(/\.$/, "")}.**`, "");
  lines.push(
    `- **Machine**: ${machine.cpus} × ${machine.cpuModel}, ${(machine.ramBytes / 1024 ** 3).toFixed(0)} GiB RAM, ${machine.os}; ` +
      `load average ${machine.loadAverageAtStart[0]?.toFixed(1)} at the start, ${machine.loadAverageAtEnd[0]?.toFixed(1)} at the end ` +
      "(1 min; above the core count means other work competed for the CPU and the figures are upper bounds).",
    `- **Software**: Node.js ${report.node}; ${database.version}${database.pglite && !database.version.includes("PGlite") ? ` (PGlite ${database.pglite})` : ""}` +
      `${typeof database.pgliteWorker === "boolean" ? `, in the app ${database.pgliteWorker ? "on a worker thread" : "on its HTTP thread"} (PGLITE_WORKER=${database.pgliteWorker})` : ""}; ` +
      `commit ${report.git.commit.slice(0, 12)}${report.git.dirty ? " with uncommitted changes" : ""}.`,
    `- **Data**: demo size ${report.size} (seed ${report.demoData.seed}, generated ${report.demoData.generatedAt.slice(0, 10)}): ` +
      `${int(report.rowCountsBefore.customers ?? 0)} customers, ${int(report.rowCountsBefore.tickets ?? 0)} tickets, ` +
      `${int(report.rowCountsBefore.ticketComments ?? 0)} comments, ${int(report.rowCountsBefore.ticketEvents ?? 0)} events, ` +
      `${int(report.rowCountsBefore.smsLogs ?? 0)} SMS rows at the start.`,
    `- **Load**: autocannon, keep-alive, ${report.options.durationSeconds} s per measurement after ${report.options.warmupSeconds} s of warm-up, ` +
      `${report.options.connections.join(" and ")} concurrent clients; latencies in ms from each response's own timing; ` +
      "any non-2xx answer counts as an error.",
    `- **Raw SQL**: ${report.raw?.how ?? "not measured"}`,
    `- **App processes**: ${workers} (WEB_CONCURRENCY=${workers}${database.poolSize !== null ? `; DATABASE_POOL_SIZE ${database.poolSize} shared among them` : ""}); the app's CPU per request is summed over all of them.`,
    "",
  );
  const cpu = medianReadCpu(report);
  if (cpu.value !== null) {
    lines.push(
      `**The app's own cost (issue 18):** median CPU per hot read at 20 clients ${formatMs(cpu.value)} ms (target ${cpu.label.replace("median CPU per read ", "")}: ${cpu.met ? "met" : "**missed**"}); each run's targets are in the last column.`,
      "",
    );
  }

  const sms = report.smsDispatch;
  const web = report.web;
  lines.push("| what | figure |", "| --- | --- |");
  if (report.app.startupMs !== null) {
    const restarts = (report.app.restartsMs ?? []).map((ms) => `${(ms / 1000).toFixed(1)} s`).join(", ");
    lines.push(
      `| start-up (spawn → \`/readyz\` 200) | ${(report.app.startupMs / 1000).toFixed(1)} s${restarts ? ` (again for the write scenarios: ${restarts})` : ""} |`,
    );
  }
  if (report.app.rssIdleBytes !== null) {
    lines.push(
      `| memory of the app process (RSS), idle / peak under load | ${formatMiB(report.app.rssIdleBytes)} / ${formatMiB(report.app.rssPeakBytes)} |`,
    );
  }
  if (sms) {
    lines.push(
      `| SMS dispatch: ${int(sms.messages)} messages queued via \`POST /api/sms\` (20 clients) until the Twilio stand-in accepted all | ` +
        `${formatRate(sms.sentPerSecond)} msg/s end to end (${sms.endToEndSeconds} s; steady ${formatRate(sms.steadySentPerSecond)} msg/s); ` +
        `queued at ${formatRate(sms.queueing.rps)} req/s (p95 ${formatMs(sms.queueing.latency?.p95)} ms)` +
        `${sms.keptPace ? "; the dispatcher kept pace with the queueing, so its own limit is higher" : ""}` +
        `${sms.accepted < sms.messages ? `; **only ${int(sms.accepted)} accepted**` : ""}` +
        `${sms.duplicates ? `; ${int(sms.duplicates)} sent twice` : ""} |`,
    );
    if (sms.outboxDrainSeconds !== null) {
      lines.push(
        `| SMS outbox left by the ticket-create load, sent in | ${sms.outboxDrainSeconds.toFixed(1)} s after the load ended |`,
      );
    }
  }
  const incident = report.incidentMessages ?? null;
  if (incident) {
    const issue = report.size === "L" && database.kind === "server";
    const targets = incidentTargets(incident);
    const verdict = (check: TargetCheck | null | undefined) =>
      issue && check ? ` (target ${check.label}: ${check.met ? "met" : "**missed**"})` : "";
    lines.push(
      `| incident message (\`incident_started\`) to ${int(incident.affected)} affected customers on ${incident.sites} sites: ` +
        `\`POST /api/incidents/:id/messages\` queues every row in one transaction (${incident.sends.length} sends, fresh incidents) | ` +
        `median ${int(incident.queueingMs.median)} ms, max ${int(incident.queueingMs.max)} ms${verdict(targets.queueing)}; ` +
        `${int(incident.sends[0]?.recipients ?? 0)} to send, ${int((incident.sends[0]?.rows ?? 0) - (incident.sends[0]?.recipients ?? 0))} skipped |`,
    );
    incident.page.forEach((load, i) => {
      const l = load.result.latency;
      lines.push(
        `| ${load.label}, ${load.result.connections} client${load.result.connections === 1 ? "" : "s"} for ${incident.pageLoadSeconds} s while ${incident.instances} instances send | ` +
          `p50 ${formatMs(l?.p50)}, p95 ${formatMs(l?.p95)}, max ${formatMs(l?.max)} ms (${formatRate(load.result.rps)} req/s)${verdict(targets.page[i])}` +
          `${load.result.errors.total > 0 ? `; ${errorCell(load.result)}` : ""} |`,
      );
    });
    const rate = incident.rate;
    if (rate) {
      lines.push(
        `| SMS_RATE_PER_SECOND=${incident.ratePerSecond} across ${incident.instances} instances: arrivals at their Twilio stand-ins over ${rate.windowSeconds} s | ` +
          `${formatRate(rate.meanPerWindow)}/s; per 1-s window max ${rate.maxPerWindow}, min ${rate.minPerWindow}; most in any 1,000 ms ${rate.maxInAnySecond}; ` +
          `by instance ${rate.byInstance.map(int).join(" / ")}; numbers texted twice: ${rate.numbersTwice}${verdict(targets.rate)} |`,
      );
    }
    lines.push(
      `| the rest of the send cancelled | ${int(incident.cancelled)} rows cancelled${incident.finalCounts ? `, ${int(incident.finalCounts.sent + incident.finalCounts.delivered)} sent` : ""} |`,
    );
  }
  const live = report.live ?? null;
  if (live) {
    const targets = liveTargets(live);
    const verdict = (check: TargetCheck | null) =>
      check ? ` (target ${check.label}: ${check.met ? "met" : "**missed**"})` : "";
    const memory = live.memory;
    if (memory) {
      lines.push(
        `| live stream: ${int(memory.streams)} open streams on one instance (over ${memory.sessions} sessions), its memory after a full GC before → with them | ` +
          `RSS ${formatMiB(memory.before.rss)} → ${formatMiB(memory.open.rss)} (+${(memory.addedRssBytes / 1e6).toFixed(1)} MB, ${(memory.perStreamRssBytes / 1024).toFixed(1)} KiB a stream); ` +
          `heap used ${formatMiB(memory.before.heapUsed)} → ${formatMiB(memory.open.heapUsed)} (+${(memory.addedHeapBytes / 1e6).toFixed(1)} MB)${verdict(targets.memory)}; ` +
          `one event reached ${memory.oneEvent.delivered}, the last ${formatMs(memory.oneEvent.fanOutMs)} ms after the write's answer |`,
      );
    }
    const latency = live.latency;
    if (latency) {
      const w = latency.fromWrite;
      const d = latency.deliveries;
      lines.push(
        `| live stream: ${latency.clients} clients on ${latency.instances} instances, ${latency.ratePerSecond} writes/s for ${latency.seconds} s through both (${int(latency.writes.ok)} answered 2xx): ` +
          `from each write to each client | p50 ${formatMs(w?.p50)}, p95 ${formatMs(w?.p95)}, p99 ${formatMs(w?.p99)}, max ${formatMs(w?.max)} ms${verdict(targets.latency)}; ` +
          `from the write's answer p95 ${formatMs(latency.fromAnswer?.p95)} ms |`,
        `| live stream: ${int(latency.events)} events × ${latency.clients} clients | ${int(d.received)} of ${int(d.expected)} delivered, ${int(d.missing)} missing, ${int(d.duplicates)} twice${verdict(targets.once)}; ` +
          `instances' CPU ${latency.cpu.map((c) => `${Math.round(c.coreShare * 100)} %`).join(" / ")} of a core |`,
      );
    }
  }
  lines.push(
    `| initial JavaScript, gzip (${web.files.length} files: entry, static imports, modulepreloads) | ${formatKb(web.gzipBytes)} ` +
      `(${formatKb(web.bytes)} raw; target ≤ 200 kB: ${web.gzipBytes <= WEB_TARGET_BYTES ? "met" : "**missed**"}); CSS ${formatKb(web.cssGzipBytes)} |`,
  );
  lines.push(`| errors | ${report.errors.length === 0 ? "none" : `**${report.errors.length}: see below**`} |`, "");

  lines.push(
    "| endpoint | clients | app p50 | app p95 | app p99 | app req/s | errors | raw p50 | raw p95 | raw p99 | raw req/s | app / raw | app CPU ms/req | target (issue) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  );
  for (const scenario of report.scenarios) {
    for (const run of scenario.runs) {
      const app = run.app;
      const raw = run.raw;
      const target =
        run.targets.length === 0
          ? ""
          : run.targets.map((check) => `${check.label}: ${check.met ? "met" : "**missed**"}`).join("; ");
      lines.push(
        `| ${scenario.title} | ${run.connections} | ${formatMs(app?.latency?.p50)} | ${formatMs(app?.latency?.p95)} | ` +
          `${formatMs(app?.latency?.p99)} | ${formatRate(app?.rps)} | ${errorCell(app)} | ${formatMs(raw?.latency?.p50)} | ` +
          `${formatMs(raw?.latency?.p95)} | ${formatMs(raw?.latency?.p99)} | ${formatRate(raw?.rps)} | ` +
          `${run.ratio === null ? "—" : `${Math.round(run.ratio * 100)}%`}${raw && raw.errors.total > 0 ? ` (raw ${errorCell(raw)})` : ""} | ` +
          `${app?.cpuMsPerRequest === null || app?.cpuMsPerRequest === undefined ? "—" : formatMs(app.cpuMsPerRequest)} | ${target} |`,
      );
    }
  }
  lines.push("");
  if (report.size !== "S" || database.kind !== "embedded") {
    if (!(report.size === "L" && database.kind === "server")) {
      lines.push(
        `The issue sets targets for size S on the embedded database and size L on a server; none applies to size ${report.size} on ${kindLabel}.`,
        "",
      );
    }
  }

  const notes = report.scenarios
    .map((scenario) => ({
      scenario,
      said: [...scenario.notes, ...(scenario.writes ? [`each request adds ${scenario.writes}`] : [])],
    }))
    .filter(({ said }) => said.length > 0)
    .map(({ scenario, said }) => `- ${scenario.title}: ${said.join("; ")}.`);
  if (report.rowsAdded) {
    const added = Object.entries(report.rowsAdded)
      .filter(([, n]) => n !== 0)
      .map(([table, n]) => `${int(n)} ${table}`);
    notes.push(
      `- Rows this run added (write scenarios, warm-ups, the SQL recordings and replays, sign-ins): ${added.join(", ") || "none"}. Nothing else changed.`,
    );
  }
  notes.unshift(...(report.warnings ?? []).map((warning) => `- **Warning**: ${warning}.`));
  if (notes.length > 0) lines.push("Notes:", "", ...notes, "");

  if (report.errors.length > 0) {
    lines.push(
      "**Errors** (every non-2xx answer or failed statement is one):",
      "",
      ...report.errors.map((e) => `- ${e}`),
      "",
    );
  }
  return lines.join("\n").trimEnd();
}

/** Replaces (or adds, before the anchor) this size and database's generated section of the docs. */
export function updateDocs(docsFile: string, key: string, section: string): void {
  const start = `<!-- bench:${key}:start -->`;
  const end = `<!-- bench:${key}:end -->`;
  const anchor = "<!-- bench:generated -->";
  const block = `${start}\n${section}\n${end}`;
  const text = existsSync(docsFile) ? readFileSync(docsFile, "utf8") : "# Benchmarks\n\n";
  let updated: string;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from !== -1 && to > from) {
    updated = text.slice(0, from) + block + text.slice(to + end.length);
  } else if (text.includes(anchor)) {
    updated = text.replace(anchor, () => `${block}\n\n${anchor}`);
  } else {
    updated = `${text.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(docsFile, updated);
}
