/**
 * `npm run lighthouse`: Lighthouse 12's mobile audit of sign-in, the dashboard and the ticket queue
 * on demo data, in Debian's Chromium; the median of a few runs per page goes into
 * docs/benchmarks/lighthouse.json and the Lighthouse block of docs/benchmarks.md. See USAGE in
 * options.ts and docs/benchmarks.md. Not part of `npm test`: a run takes minutes.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as chromeLauncher from "chrome-launcher";
import lighthouse, { generateReport, type Result } from "lighthouse";
import { computeMedianRun } from "lighthouse/core/lib/median-run.js";
import { DEMO_USERS } from "../../src/server/db/seed.js";
import { AppProcess, freePort } from "../bench/app-process.js";
import { environmentFor, NoDemoDataError, openTarget, readMarker } from "../bench/fixtures.js";
import { signIn } from "../bench/http.js";
import { updateDocs } from "../bench/report.js";
import { ensureWebBuild } from "../bench/web-size.js";
import { type LighthouseOptions, PAGES, type PageId, parseOptions, USAGE, UsageError } from "./options.js";
import { type LighthouseReport, markdownBlock, type PageResult, type RunSummary } from "./report.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DOCS = path.join(ROOT, "docs/benchmarks.md");
const log = (line = "") => console.log(line);

function gitInfo(): LighthouseReport["git"] {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const status = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    return { commit, dirty: status.trim() !== "" };
  } catch {
    return { commit: "unknown", dirty: false };
  }
}

function summarize(lhr: Result): RunSummary {
  const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const value = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
  return {
    performance: score("performance"),
    accessibility: score("accessibility"),
    bestPractices: score("best-practices"),
    fcpMs: Math.round(value("first-contentful-paint")),
    lcpMs: Math.round(value("largest-contentful-paint")),
    tbtMs: Math.round(value("total-blocking-time")),
    speedIndexMs: Math.round(value("speed-index")),
    cls: Math.round(value("cumulative-layout-shift") * 1000) / 1000,
    transferBytes: Math.round(value("total-byte-weight")),
    requests: networkRequests(lhr).length,
    benchmarkIndex: lhr.environment.benchmarkIndex,
    warnings: lhr.runWarnings,
  };
}

/** The rows of Lighthouse's network-requests audit: every request of the page load. */
function networkRequests(lhr: Result): Record<string, unknown>[] {
  const details = lhr.audits["network-requests"]?.details as { items?: Record<string, unknown>[] } | undefined;
  return details?.items ?? [];
}

/**
 * Requests the page made that failed: a missing file, a server error or no answer. (An API's 4xx
 * can be what the page expects, such as sign-in's 401 from /api/auth/me.)
 */
function failedRequests(lhr: Result): string[] {
  return networkRequests(lhr)
    .filter((item) => {
      const status = Number(item.statusCode);
      const isApi = new URL(String(item.url)).pathname.startsWith("/api/");
      return !(status > 0 && status < 500) || (!isApi && status >= 400);
    })
    .map((item) => `${String(item.url)} (${String(item.statusCode)})`);
}

/** Lighthouse ran but could not measure the page (its runtimeError). */
class LighthouseRunError extends Error {
  override name = "LighthouseRunError";
}

/** One Lighthouse run in a fresh headless Chromium (nothing cached, nothing left from the last run). */
async function auditOnce(options: LighthouseOptions, url: string, cookie: string | undefined): Promise<Result> {
  // Lighthouse's own launcher, as its CLI starts Chrome (a browser launched by Playwright painted
  // nothing Lighthouse could see on the signed-in pages: NO_FCP).
  const chrome = await chromeLauncher.launch({
    chromePath: options.chromiumPath,
    chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
    logLevel: "silent",
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      logLevel: "error",
      onlyCategories: ["performance", "accessibility", "best-practices"],
      // Signed-in pages: the session cookie on every request, as a signed-in browser sends it.
      extraHeaders: cookie ? { Cookie: cookie } : null,
    });
    if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
    if (result.lhr.runtimeError) {
      throw new LighthouseRunError(
        `Lighthouse failed on ${url}: ${result.lhr.runtimeError.code} ${result.lhr.runtimeError.message}`,
      );
    }
    return result.lhr;
  } finally {
    chrome.kill();
  }
}

async function checkDemoData(options: LighthouseOptions): Promise<LighthouseReport["demoData"]> {
  const { handle } = await openTarget(options.database, { LOG_LEVEL: "silent", SEED_DEMO_USERS: "false" });
  try {
    const marker = await readMarker(handle, options.database, undefined);
    return { size: marker.size, seed: marker.seed, counts: marker.counts };
  } finally {
    // An embedded database belongs to one process: closed before the app opens it.
    await handle.close();
  }
}

async function main(): Promise<number> {
  let options: LighthouseOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      return 64;
    }
    throw error;
  }
  if (options.help) {
    log(USAGE);
    return 0;
  }
  if (options.render) {
    const earlier = JSON.parse(readFileSync(options.render, "utf8")) as LighthouseReport;
    if (options.note !== undefined) earlier.note = options.note;
    updateDocs(DOCS, "lighthouse", markdownBlock(earlier, path.relative(path.dirname(DOCS), options.render)));
    log(`Updated the Lighthouse block of ${path.relative(ROOT, DOCS)} from ${path.relative(ROOT, options.render)}`);
    return 0;
  }
  if (!existsSync(options.chromiumPath)) {
    console.error(`No Chromium at ${options.chromiumPath}: install Debian's chromium or set CHROMIUM_PATH.`);
    return 78;
  }

  const demoData = options.appUrl ? null : await checkDemoData(options);
  if (demoData) log(`Database: ${options.database.kind}, demo size ${demoData.size}`);

  // The server lists the built files when it starts (@fastify/static): a rebuild while it runs (a
  // test run's global setup rebuilds a stale build) leaves it answering 404 for the new files. Such
  // a run is repeated on a restarted app.
  const builtIndex = () => readFileSync(path.join(ROOT, "dist/web/index.html"), "utf8");
  let app: AppProcess | undefined;
  let servedIndex = "";
  let origin = options.appUrl ?? "";
  let cookie = "";
  const admin = DEMO_USERS.find((user) => user.role === "admin");
  if (!admin) throw new Error("no demo admin account");
  const startApp = async () => {
    if (!options.appUrl) {
      await app?.stop();
      ensureWebBuild();
      servedIndex = builtIndex();
      app = new AppProcess(
        environmentFor(options.database, { NODE_ENV: "production", LOG_LEVEL: "warn", SEED_DEMO_USERS: "false" }),
        await freePort(),
      );
      origin = app.origin;
      log(`App: starting on ${origin}…`);
      await app.waitUntilReady();
    }
    cookie = (await signIn(origin, admin)).cookie;
  };
  // Ctrl-C: the app started here goes too (an embedded database stays locked while it runs).
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void (app?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }
  const rebuiltSinceStart = () => !options.appUrl && builtIndex() !== servedIndex;

  const loadAverageAtStart = os.loadavg()[0] ?? 0;
  const pages: PageResult[] = [];
  try {
    await startApp();
    for (const id of options.pages as PageId[]) {
      const page = PAGES[id];
      const runs: Result[] = [];
      for (let i = 1, restarts = 0; i <= options.runs; ) {
        const url = `${origin}${page.path}`;
        let lhr: Result;
        try {
          lhr = await auditOnce(options, url, page.signedIn ? cookie : undefined);
          // A signed-in page that landed on sign-in would measure the wrong page.
          const landed = new URL(lhr.finalDisplayedUrl).pathname;
          if (landed !== page.path) throw new Error(`${url} ended on ${lhr.finalDisplayedUrl}, not on ${page.path}.`);
          const failed = failedRequests(lhr);
          if (failed.length > 0) {
            throw new Error(`${url}: ${failed.join(", ")} failed; a measurement of a broken page means nothing.`);
          }
          if (rebuiltSinceStart()) throw new Error("The web app was rebuilt during the run.");
        } catch (error) {
          if (restarts >= 3) throw error;
          if (rebuiltSinceStart()) {
            restarts++;
            log(
              `  ${id.padEnd(10)} run ${i}: the web app was rebuilt meanwhile; restarting the app and measuring again`,
            );
            await startApp();
            continue;
          }
          // Lighthouse's own advice for a lost trace (NO_NAVSTART, NO_FCP on a busy machine): run again.
          if (error instanceof LighthouseRunError) {
            restarts++;
            log(`  ${id.padEnd(10)} run ${i}: ${error.message}; measuring again`);
            continue;
          }
          throw error;
        }
        const summary = summarize(lhr);
        log(
          `  ${id.padEnd(10)} run ${i}/${options.runs}: performance ${summary.performance}, accessibility ${summary.accessibility}, ` +
            `best practices ${summary.bestPractices}, FCP ${summary.fcpMs} ms, LCP ${summary.lcpMs} ms, TBT ${summary.tbtMs} ms, ` +
            `${summary.transferBytes.toLocaleString("en-US")} B in ${summary.requests} requests`,
        );
        runs.push(lhr);
        i++;
      }
      const median = computeMedianRun(runs);
      if (options.reports) {
        mkdirSync(options.reports, { recursive: true });
        writeFileSync(path.join(options.reports, `${id}.html`), generateReport(median, "html"));
        writeFileSync(path.join(options.reports, `${id}.json`), generateReport(median, "json"));
      }
      pages.push({
        id,
        path: page.path,
        label: page.label,
        median: summarize(median),
        runs: runs.map(summarize),
      });
    }
  } finally {
    await app?.stop();
  }

  const first = pages[0]?.median;
  const report: LighthouseReport = {
    date: new Date().toISOString(),
    git: gitInfo(),
    lighthouseVersion: JSON.parse(readFileSync(path.join(ROOT, "node_modules/lighthouse/package.json"), "utf8"))
      .version as string,
    chromium: execFileSync(options.chromiumPath, ["--version"], { encoding: "utf8" }).trim(),
    node: process.version,
    machine: { cores: os.cpus().length, loadAverageAtStart, loadAverageAtEnd: os.loadavg()[0] ?? 0 },
    benchmarkIndex: first?.benchmarkIndex ?? null,
    database: options.appUrl ? "an app already running (--url)" : options.database.kind,
    demoData,
    runsPerPage: options.runs,
    note: options.note ?? null,
    pages,
  };
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`Wrote ${path.relative(ROOT, options.out)}`);
  if (options.docs) {
    updateDocs(DOCS, "lighthouse", markdownBlock(report, path.relative(path.dirname(DOCS), options.out)));
    log(`Updated the Lighthouse block of ${path.relative(ROOT, DOCS)}`);
  }
  for (const page of pages) {
    const m = page.median;
    log(
      `${page.id.padEnd(10)} median: performance ${m.performance}, accessibility ${m.accessibility}, best practices ${m.bestPractices}, ` +
        `${m.transferBytes.toLocaleString("en-US")} B`,
    );
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof NoDemoDataError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
