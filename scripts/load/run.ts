/**
 * The load test (`npm run test:load -- --help`): simulated staff working in Uplink at the same
 * time against a PostgreSQL server database, with latency per action. See docs/load.md.
 */
import { setMaxListeners } from "node:events";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Customer, CustomerList } from "../../src/shared/customers.js";
import { OPEN_TICKET_STATUSES } from "../../src/shared/enums.js";
import type { TicketList } from "../../src/shared/tickets.js";
import { Random } from "../seed-demo/random.js";
import { ProcessMonitor, type RunningApp, startApp } from "./app-process.js";
import { StaffClient } from "./http.js";
import { formatDurationMs, type LoadOptions, parseLoadOptions, USAGE, UsageError } from "./options.js";
import {
  type DatabaseInfo,
  defaultOutPath,
  type LoadReport,
  loadAverage,
  machineInfo,
  readDatabaseInfo,
  resultsMarkdown,
  updateDocs,
  writeJson,
} from "./report.js";
import { Pool, type SharedState, SimulatedStaff, type TicketRef } from "./scenario.js";
import { prepareStaff, SetupError, type StaffPlan } from "./staff.js";
import { Recorder } from "./stats.js";

const PROGRESS_EVERY_MS = 30_000;

const count = (value: number) => value.toLocaleString("en-US");

/** Each person's address as the office proxy reports it: 10.40.0.1, 10.40.0.2, … */
function officeAddress(index: number): string {
  return `10.40.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

/** Fisher–Yates with the run's seed, so technicians and admins sign in interleaved. */
function shuffle<T>(items: T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * What staff would see on their first screens: the open queue and the first pages of the
 * customer list in several orders, so searches and ticket pages start from real rows.
 */
async function learnStartingPoints(admin: StaffClient, shared: SharedState): Promise<void> {
  for (const sort of ["-created", "due", "-priority"]) {
    const page = await admin.get<TicketList>("setup: tickets", "/api/tickets", {
      status: OPEN_TICKET_STATUSES.join(","),
      sort,
      limit: 200,
    });
    if (!page.ok) throw new SetupError(`reading the ticket queue failed with ${page.status}`);
    for (const item of page.body.items) shared.tickets.add({ id: item.id, number: item.number });
  }
  for (const sort of ["name", "-name", "created", "-created", "-updated"]) {
    const page = await admin.get<CustomerList>("setup: customers", "/api/customers", { sort, limit: 200 });
    if (!page.ok) throw new SetupError(`reading the customer list failed with ${page.status}`);
    for (const customer of page.body.items) shared.customers.add(customer);
  }
  if (shared.customers.size === 0) throw new SetupError("the database has no customers: seed it first");
}

async function prepare(options: LoadOptions, url: string) {
  const setupRecorder = new Recorder();
  const admin = new StaffClient(url, setupRecorder, "10.40.255.1");
  const session = await admin.signIn(options.adminEmail, options.adminPassword);
  if (session?.user.role !== "admin") {
    throw new SetupError(`signing in as the admin ${options.adminEmail} failed; set --admin-email/--admin-password`);
  }
  const plan = await prepareStaff(admin, options, session.defaultPasswordAccounts);
  const shared: SharedState = { tickets: new Pool<TicketRef>(5000), customers: new Pool<Customer>(5000) };
  await learnStartingPoints(admin, shared);
  await admin.signOut();
  return { plan, shared };
}

async function runStaff(
  options: LoadOptions,
  url: string,
  plan: StaffPlan,
  shared: SharedState,
  recorder: Recorder,
  stop: AbortSignal,
  onSignedIn: () => void,
) {
  const ordered = shuffle(plan.accounts, new Random(options.seed));
  const startedAt = Date.now();
  const deadline = startedAt + options.durationMs;
  const gap = ordered.length > 1 ? options.rampUpMs / ordered.length : 0;
  await Promise.all(
    ordered.map(async (account, index) => {
      await sleep(index * gap, undefined, { signal: stop }).catch(() => undefined);
      if (stop.aborted) return;
      const client = new StaffClient(url, recorder, officeAddress(index));
      const random = new Random((options.seed + Math.imul(index + 1, 0x9e3779b9)) >>> 0);
      const person = new SimulatedStaff(client, account, shared, random, recorder, options.thinkMs);
      if (!(await person.signIn())) return;
      onSignedIn();
      await person.work(deadline, stop);
      await person.signOut();
    }),
  );
  return startedAt;
}

async function main(): Promise<number> {
  let options: LoadOptions;
  try {
    const parsed = parseLoadOptions(process.argv.slice(2), process.env);
    if (parsed === "help") {
      console.log(USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && "code" in error)) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 64;
    }
    throw error;
  }

  const startedAt = new Date();
  let database: DatabaseInfo | null = null;
  let app: RunningApp | undefined;
  let monitor: ProcessMonitor | undefined;
  let prepared: Awaited<ReturnType<typeof prepare>>;
  let url: string;
  try {
    if (options.databaseUrl) database = await readDatabaseInfo(options.databaseUrl);
    if (options.url) {
      url = options.url;
    } else {
      console.error("Starting the app…");
      app = await startApp(options.databaseUrl as string);
      url = app.url;
    }
    const pid = app?.pid ?? options.appPid;
    if (pid !== undefined) monitor = new ProcessMonitor(pid);
    prepared = await prepare(options, url);
  } catch (error) {
    console.error(`Set-up failed: ${error instanceof Error ? error.message : String(error)}`);
    if (app) await app.stop();
    return 2;
  }
  const { plan, shared } = prepared;
  const admins = plan.accounts.filter((account) => account.role === "admin").length;
  console.error(
    `${plan.accounts.length} staff (${plan.accounts.length - admins} technicians, ${admins} admin${admins === 1 ? "" : "s"}` +
      `${plan.created ? `; created ${plan.created} load accounts` : ""}) against ${url}` +
      `${database ? ` (${database.postgres}, demo size ${database.demoSize ?? "none"})` : ""}; ` +
      `${formatDurationMs(options.durationMs)} with ${formatDurationMs(options.rampUpMs)} ramp-up`,
  );

  const recorder = new Recorder();
  const stopper = new AbortController();
  // Every person waits on it while pausing: one listener each.
  setMaxListeners(plan.accounts.length + 10, stopper.signal);
  const onSignal = () => {
    console.error("Stopping: each person finishes what they are doing, then signs out…");
    stopper.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const progress: LoadReport["progress"] = [];
  let signedIn = 0;
  const runStarted = Date.now();
  let lastRequests = 0;
  const loadAverageBefore = loadAverage();
  const cpuBefore = process.cpuUsage();
  monitor?.start();
  const ticker = setInterval(() => {
    const atS = Math.round((Date.now() - runStarted) / 1000);
    const recent = (recorder.requests - lastRequests) / (PROGRESS_EVERY_MS / 1000);
    lastRequests = recorder.requests;
    const rss = monitor?.currentRssMb ?? null;
    progress.push({
      atS,
      requests: recorder.requests,
      rps: Math.round(recent * 10) / 10,
      errors: recorder.errors,
      conflicts: recorder.conflicts,
      rssMb: rss,
    });
    console.error(
      `[${String(atS).padStart(4)} s] ${count(recorder.requests)} requests, ${recent.toFixed(1)} per second ` +
        `in the last ${PROGRESS_EVERY_MS / 1000} s, ${count(recorder.errors)} errors, ` +
        `${count(recorder.conflicts)} conflicts, ${signedIn}/${plan.accounts.length} signed in` +
        `${rss !== null ? `, app RSS ${rss} MB` : ""}`,
    );
  }, PROGRESS_EVERY_MS);

  await runStaff(options, url, plan, shared, recorder, stopper.signal, () => signedIn++);
  const elapsedS = (Date.now() - runStarted) / 1000;
  const cpuUsed = process.cpuUsage(cpuBefore);
  const loadAverageAfter = loadAverage();
  clearInterval(ticker);
  monitor?.stop();
  const exit = app ? await app.stop() : null;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);

  const overall = recorder.overall();
  const report: LoadReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    note: options.note ?? null,
    complete: !stopper.signal.aborted,
    settings: {
      users: plan.accounts.length,
      admins,
      technicians: plan.accounts.length - admins,
      accountsCreated: plan.created,
      durationS: options.durationMs / 1000,
      rampUpS: options.rampUpMs / 1000,
      thinkS: [options.thinkMs.min / 1000, options.thinkMs.max / 1000],
      seed: options.seed,
      app: app ? "started by the script (LOG_LEVEL=warn, TRUST_PROXY=127.0.0.1)" : `already running at ${url}`,
    },
    machine: machineInfo(database?.postgres ?? null),
    database,
    totals: {
      ...overall,
      requests: recorder.requests,
      errors: recorder.errors,
      conflicts: recorder.conflicts,
      rps: Math.round((recorder.requests / elapsedS) * 10) / 10,
      elapsedS: Math.round(elapsedS),
    },
    actions: recorder.actions(elapsedS),
    errors: recorder.errorSummary(),
    mix: recorder.performedSummary(),
    notes: recorder.noteSummary(),
    app: {
      pid: monitor?.pid ?? null,
      rssMb: monitor && monitor.samples > 0 ? { min: monitor.minRssMb, max: monitor.maxRssMb } : null,
      cpuSeconds: monitor?.cpuSeconds ?? null,
      exit,
    },
    conditions: {
      loadAverageBefore,
      loadAverageAfter,
      loadGeneratorCpuSeconds: Math.round((cpuUsed.user + cpuUsed.system) / 100_000) / 10,
    },
    progress,
  };

  const out = options.out ?? defaultOutPath(startedAt, database);
  writeJson(out, report);
  if (options.docs) {
    const link = path.relative(path.dirname(options.docs), out).split(path.sep).join("/");
    updateDocs(options.docs, resultsMarkdown(report, link));
  }

  const t = report.totals;
  console.log(
    `${count(t.requests)} requests in ${formatDurationMs(t.elapsedS * 1000)} (${t.rps} per second): ` +
      `${count(t.errors)} errors, ${count(t.conflicts)} conflicts; ` +
      `p50 ${t.p50} ms, p95 ${t.p95} ms, p99 ${t.p99} ms, max ${t.max} ms`,
  );
  for (const a of report.actions) {
    console.log(
      `  ${a.action.padEnd(32)} ${String(a.count).padStart(7)}  p50 ${String(a.p50).padStart(7)}  ` +
        `p95 ${String(a.p95).padStart(7)}  p99 ${String(a.p99).padStart(7)}  max ${String(a.max).padStart(7)}` +
        `${a.errors ? `  errors ${a.errors}` : ""}${a.conflicts ? `  409 ${a.conflicts}` : ""}`,
    );
  }
  for (const error of report.errors) {
    console.log(`  error ${error.kind} × ${error.count}: ${error.samples[0]?.method} ${error.samples[0]?.path}`);
    for (const sample of error.samples) console.log(`    ${sample.body.replace(/\s+/g, " ").slice(0, 300)}`);
  }
  if (report.app.rssMb) console.log(`  app RSS ${report.app.rssMb.min}–${report.app.rssMb.max} MB`);
  console.log(`Results: ${out}${options.docs ? ` and ${options.docs}` : ""}`);
  return t.errors > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
