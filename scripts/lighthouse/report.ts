import type { PageId } from "./options.js";

/** The targets (Lighthouse 12, mobile): performance on every audited page, bytes of sign-in. */
export const PERFORMANCE_TARGET = 90;
export const SIGN_IN_BYTES_TARGET = 250_000;

export interface RunSummary {
  performance: number;
  accessibility: number;
  bestPractices: number;
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  speedIndexMs: number;
  cls: number;
  /** Lighthouse's total-byte-weight: every response's transferred bytes, headers included. */
  transferBytes: number;
  requests: number;
  /** Lighthouse's measure of the machine's speed (about 1000+ on a desktop; below 700 is slow). */
  benchmarkIndex: number;
  warnings: string[];
}

export interface PageResult {
  id: PageId;
  path: string;
  label: string;
  /** Lighthouse's median run (computeMedianRun: nearest the median FCP and TTI). */
  median: RunSummary;
  runs: RunSummary[];
}

export interface LighthouseReport {
  date: string;
  git: { commit: string; dirty: boolean };
  lighthouseVersion: string;
  chromium: string;
  node: string;
  machine: { cores: number; loadAverageAtStart: number; loadAverageAtEnd: number };
  benchmarkIndex: number | null;
  database: string;
  demoData: { size: string; seed: number; counts: Record<string, number> } | null;
  runsPerPage: number;
  note: string | null;
  pages: PageResult[];
}

const int = (n: number) => n.toLocaleString("en-US");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

/** The block between the `bench:lighthouse` markers of docs/benchmarks.md. */
export function markdownBlock(report: LighthouseReport, jsonPath: string): string {
  const date = report.date.slice(0, 10);
  const commit = `${report.git.commit.slice(0, 7)}${report.git.dirty ? " with uncommitted changes" : ""}`;
  const data = report.demoData
    ? `demo data size ${report.demoData.size} (${int(report.demoData.counts.customers ?? 0)} customers, ${int(report.demoData.counts.tickets ?? 0)} tickets), ${report.database} database`
    : report.database;
  const lines = [
    `### Latest run: ${date} (commit ${commit})`,
    "",
    `Lighthouse ${report.lighthouseVersion}, mobile form factor with its default simulated throttling ` +
      `(slow 4G, 4× CPU slowdown), ${report.chromium} headless, median of ${report.runsPerPage} ` +
      `run${report.runsPerPage === 1 ? "" : "s"} per page; ${data}; signed in as the demo admin. ` +
      `Machine: ${report.machine.cores} cores, load average ${report.machine.loadAverageAtStart.toFixed(1)} at the start and ` +
      `${report.machine.loadAverageAtEnd.toFixed(1)} at the end, Lighthouse's benchmark index ${report.benchmarkIndex ?? "?"}.` +
      (report.note ? ` ${report.note}` : ""),
    "",
    "| Page | Performance | Accessibility | Best practices | FCP | LCP | TBT | Speed Index | CLS | Transferred (requests) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const page of report.pages) {
    const m = page.median;
    lines.push(
      `| ${page.label} | ${m.performance} | ${m.accessibility} | ${m.bestPractices} | ${seconds(m.fcpMs)} | ${seconds(m.lcpMs)} | ` +
        `${int(m.tbtMs)} ms | ${seconds(m.speedIndexMs)} | ${m.cls} | ${int(m.transferBytes)} B (${m.requests}) |`,
    );
  }
  lines.push("");
  const verdicts = report.pages.map((page) => {
    const met = page.median.performance >= PERFORMANCE_TARGET;
    const every = page.runs.map((run) => run.performance).join(", ");
    return `${page.id} ${page.median.performance} (${met ? "met" : "NOT met"}; runs ${every})`;
  });
  lines.push(`Target performance ≥ ${PERFORMANCE_TARGET}: ${verdicts.join("; ")}.`);
  const signIn = report.pages.find((page) => page.id === "sign-in");
  if (signIn) {
    const met = signIn.median.transferBytes <= SIGN_IN_BYTES_TARGET;
    lines.push(
      `Target sign-in transferred ≤ ${kb(SIGN_IN_BYTES_TARGET)}: ${kb(signIn.median.transferBytes)} (${met ? "met" : "NOT met"}).`,
    );
  }
  const warnings = [...new Set(report.pages.flatMap((page) => page.runs.flatMap((run) => run.warnings)))];
  if (warnings.length > 0) lines.push("", `Lighthouse warned: ${warnings.join(" ")}`);
  lines.push("", `Every run's figures: [${jsonPath}](${jsonPath}).`);
  return lines.join("\n");
}
