/**
 * `npm run bench`: every hot endpoint of Uplink under load against demo data, next to the raw SQL
 * of the same requests; SMS dispatch, an outage's message to ~20,000 customers on three instances
 * (server database), start-up time, memory and the web app's initial JavaScript.
 * See USAGE in options.ts and docs/benchmarks.md.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { buildApp } from "../../src/server/app.js";
import { systemClock } from "../../src/server/clock.js";
import type { DatabaseHandle } from "../../src/server/db/client.js";
import { DataDirInUseError } from "../../src/server/db/open.js";
import type { App } from "../../src/server/deps.js";
import { TwilioStandIn } from "../../test/support/twilio-stand-in.js";
import { AppProcess, freePort, MemorySampler } from "./app-process.js";
import { type CapturedRequest, captureRequest, instrumentPglite, instrumentPool, signInInProcess } from "./capture.js";
import {
  countRows,
  environmentFor,
  type Fixtures,
  NoDemoDataError,
  openTarget,
  pendingSms,
  pickFixtures,
  readMarker,
  TIMELINE_ENTRIES,
} from "./fixtures.js";
import { type Session, send, signIn, signOut } from "./http.js";
import { measureIncidentMessages } from "./incident-messages.js";
import { measureLive } from "./live.js";
import { type LoadResult, runLoad } from "./load.js";
import { type BenchOptions, parseOptions, USAGE, UsageError } from "./options.js";
import { explainReads, pgliteRawDatabase, pgRawDatabase, type RawDatabase, replayLoad } from "./replay.js";
import {
  type BenchReport,
  type DatabaseKindLabel,
  defaultOutPath,
  markdownSection,
  medianReadCpu,
  type ScenarioResult,
  sectionKey,
  targetsFor,
  updateDocs,
  writeJson,
} from "./report.js";
import { buildScenarios, type Scenario } from "./scenarios.js";
import { measureSmsDispatch, waitForEmptyOutbox } from "./sms-dispatch.js";
import { formatMiB, formatMs, formatRate, round } from "./stats.js";
import { ensureWebBuild, measureInitialJavaScript } from "./web-size.js";

/**
 * The SMS rate of the benchmark's apps: the dispatcher's own ceiling is what is measured, not
 * Twilio's long-code rate (at the app's default of 1 a second, the creations' SMS and the 2,000 of
 * the dispatch measurement would take hours to leave).
 */
const BENCH_SMS_RATE = "1000";

const ROOT = path.resolve(import.meta.dirname, "../..");
const log = (line = "") => console.log(line);

function gitInfo(): BenchReport["git"] {
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

function packageVersion(name: string): string | null {
  try {
    return (
      JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }
    ).version;
  } catch {
    return null;
  }
}

function describeRun(label: string, result: LoadResult, extra = ""): string {
  const l = result.latency;
  const errors = result.errors.total > 0 ? `  ERRORS ${result.errors.total}` : "";
  return (
    `  ${label.padEnd(34)} c=${String(result.connections).padEnd(3)} p50 ${formatMs(l?.p50).padStart(6)}  p95 ${formatMs(l?.p95).padStart(6)}` +
    `  p99 ${formatMs(l?.p99).padStart(6)} ms  ${formatRate(result.rps).padStart(6)} req/s${extra}${errors}`
  );
}

function errorLines(where: string, result: LoadResult): string[] {
  if (result.errors.total === 0) return [];
  const statuses = Object.entries(result.errors.byStatus)
    .map(([status, n]) => `${n}×${status}`)
    .join(", ");
  return [
    `${where}: ${result.errors.total} failed (${[statuses, result.errors.socketErrors ? `${result.errors.socketErrors} socket errors` : "", result.errors.timeouts ? `${result.errors.timeouts} timeouts` : ""].filter(Boolean).join(", ")}). First: ${result.errors.samples[0] ?? "—"}`,
  ];
}

/** The data's longest timelines are shorter than 50 entries at small sizes: internal comments fill them up. */
async function fillTimelines(origin: string, session: Session, fixtures: Fixtures): Promise<number> {
  let added = 0;
  for (const ticket of fixtures.timelineTickets) {
    for (let n = ticket.entries; n < TIMELINE_ENTRIES; n++) {
      const response = await send(
        origin,
        {
          method: "POST",
          path: `/api/tickets/${ticket.id}/comments`,
          body: { body: `Site visit notes, part ${n + 1}: levels checked, nothing unusual. (npm run bench)` },
        },
        session,
      );
      if (response.status !== 201) {
        throw new Error(
          `Adding a comment to ${ticket.number} answered ${response.status}: ${response.text.slice(0, 300)}`,
        );
      }
      added++;
    }
    ticket.entries = Math.max(ticket.entries, TIMELINE_ENTRIES);
  }
  return added;
}

interface Prepared {
  scenario: Scenario;
  result: ScenarioResult;
  /** Set when the requests failed before the load: the scenario is not measured. */
  broken: boolean;
}

async function precheck(origin: string, prepared: Prepared, sessionFor: (scenario: Scenario) => Session | undefined) {
  const { scenario, result } = prepared;
  for (const spec of scenario.variants) {
    const response = await send(origin, spec, sessionFor(scenario));
    if (response.status < 200 || response.status >= 300) {
      result.problems.push(`${spec.method} ${spec.path} answered ${response.status}: ${response.text.slice(0, 300)}`);
      prepared.broken = true;
      continue;
    }
    const problem = spec.check?.(response.body);
    if (problem) {
      if (spec.soft) result.notes.push(`search quality: ${problem}`);
      else result.problems.push(`${spec.method} ${spec.path}: ${problem}`);
    }
    if (scenario.id === "ticket-create" && spec === scenario.variants[0]) {
      const ticketId = (response.body as { id?: string }).id;
      const sms = await send(
        origin,
        { method: "GET", path: `/api/sms?ticketId=${ticketId}&limit=5` },
        sessionFor(scenario),
      );
      const rows = (sms.body as { items?: { status: string; reason?: string | null }[] }).items ?? [];
      const statuses = rows.map((item) => item.status + (item.reason ? ` (${item.reason})` : ""));
      if (rows.some((item) => item.status === "skipped" && /not configured/i.test(item.reason ?? ""))) {
        result.notes.push(
          "the app has no Twilio configured, so each new ticket's SMS row is logged as skipped, not queued",
        );
      } else if (!rows.some((item) => ["queued", "sending", "sent"].includes(item.status))) {
        result.problems.push(`a new ticket's SMS was not queued: ${statuses.join(", ") || "no SMS row"}`);
      }
    }
  }
  if (scenario.variants.length === 0) {
    result.problems.push("the data offers nothing to request");
    prepared.broken = true;
  }
}

/** What the whole run shares between its phases. */
interface Run {
  options: BenchOptions;
  fixtures: Fixtures;
  standIn: TwilioStandIn;
  appEnv: NodeJS.ProcessEnv;
  errors: string[];
  /** Every app process the run started, with its memory samples. */
  apps: { startupMs: number; sampler: MemorySampler; shutdown: NonNullable<BenchReport["app"]["shutdown"]> }[];
  current: AppProcess | undefined;
  timelinesFilled: boolean;
  smsDispatch: BenchReport["smsDispatch"];
  incidentMessages: BenchReport["incidentMessages"];
  live: BenchReport["live"];
  rawHow: string | null;
  rowsAfter: Record<string, number> | null;
}

/**
 * The app under load: started (unless --url), signed in, each scenario checked once, then measured
 * at each concurrency; optionally the SMS dispatch; then stopped with SIGTERM.
 */
async function appPhase(run: Run, batch: Prepared[], all: Prepared[], measureSms: boolean): Promise<void> {
  const { options, fixtures } = run;
  let origin = options.appUrl ?? "";
  let sampler: MemorySampler | undefined;
  let startupMs = 0;
  if (!options.appUrl) {
    const app = new AppProcess(run.appEnv, await freePort());
    run.current = app;
    origin = app.origin;
    log(`App: starting node --import tsx src/server/main.ts on ${origin}…`);
    try {
      startupMs = await app.waitUntilReady();
    } catch (error) {
      await app.stop();
      throw error;
    }
    log(`App: ready in ${(startupMs / 1000).toFixed(1)} s (pid ${app.pid})`);
    sampler = new MemorySampler(() => app.rss());
    sampler.start();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    sampler.phase = "setup";
  }
  const appProcess = run.current;
  let adminSession: Session | undefined;
  let technicianSession: Session | undefined;
  try {
    adminSession = await signIn(origin, fixtures.admin);
    technicianSession = await signIn(origin, fixtures.technician);
    const sessions = { admin: adminSession, technician: technicianSession };
    const sessionFor = (scenario: Scenario) => (scenario.session === "none" ? undefined : sessions[scenario.session]);

    if (!run.timelinesFilled && all.some((item) => item.scenario.group === "ticket-detail")) {
      run.timelinesFilled = true;
      const before = fixtures.timelineTickets.map((ticket) => ticket.entries);
      const added = await fillTimelines(origin, adminSession, fixtures);
      const note =
        added > 0
          ? `${fixtures.timelineTickets.length} tickets with ${TIMELINE_ENTRIES} timeline entries: the data's longest timelines had ${before.join(", ")} entries, so this run added ${added} internal comments to reach ${TIMELINE_ENTRIES}`
          : `${fixtures.timelineTickets.length} tickets with ${fixtures.timelineTickets.map((t) => t.entries).join(", ")} timeline entries`;
      // The ticket-page scenarios were built before the comments: rebuild them with the new counts.
      const rebuilt = buildScenarios(fixtures);
      for (const item of all) {
        if (item.scenario.group !== "ticket-detail") continue;
        item.result.notes.unshift(note);
        item.scenario = rebuilt.find((scenario) => scenario.id === item.scenario.id) ?? item.scenario;
      }
    }

    log("Checking every request once…");
    for (const item of batch) {
      await precheck(origin, item, sessionFor);
      for (const problem of item.result.problems) run.errors.push(`${item.result.title}: ${problem}`);
    }

    log(`Load: ${options.durationSeconds} s per measurement after ${options.warmupSeconds} s of warm-up`);
    for (const item of batch) {
      if (item.broken) continue;
      for (const scenarioRun of item.result.runs) {
        const load = {
          origin,
          connections: scenarioRun.connections,
          variants: item.scenario.variants,
          session: sessionFor(item.scenario),
        };
        if (sampler) sampler.phase = "warm-up";
        if (options.warmupSeconds > 0) await runLoad({ ...load, durationSeconds: options.warmupSeconds });
        const phase = `${item.scenario.id}@${scenarioRun.connections}`;
        if (sampler) sampler.phase = phase;
        const cpuBefore = appProcess?.cpuMs() ?? null;
        const result = await runLoad({ ...load, durationSeconds: options.durationSeconds });
        const cpuAfter = appProcess?.cpuMs() ?? null;
        if (sampler) sampler.phase = "between";
        const cpuMsPerRequest =
          cpuBefore !== null && cpuAfter !== null && result.ok > 0 ? round((cpuAfter - cpuBefore) / result.ok) : null;
        scenarioRun.app = { ...result, cpuMsPerRequest, peakRssBytes: sampler?.peak((p) => p === phase) ?? null };
        log(
          describeRun(
            item.scenario.id,
            result,
            cpuMsPerRequest === null ? "" : `  app CPU ${formatMs(cpuMsPerRequest)} ms/req`,
          ),
        );
        run.errors.push(...errorLines(`${item.result.title} at ${scenarioRun.connections} clients`, result));
      }
    }

    if (measureSms) {
      const outboxStarted = performance.now();
      await waitForEmptyOutbox(origin, adminSession);
      const outboxDrainSeconds = round((performance.now() - outboxStarted) / 1000);
      if (fixtures.openTickets.length === 0) {
        run.errors.push("SMS dispatch: no open ticket of a customer with a phone to text");
      } else {
        log(`SMS dispatch: queueing ${options.smsMessages} messages…`);
        if (sampler) sampler.phase = "sms-dispatch";
        const sms = await measureSmsDispatch(
          origin,
          adminSession,
          run.standIn,
          fixtures.openTickets.map((ticket) => ticket.id),
          options.smsMessages,
        );
        if (sampler) sampler.phase = "between";
        run.smsDispatch = { ...sms, outboxDrainSeconds };
        log(
          `  ${sms.accepted} of ${sms.messages} accepted by the stand-in in ${sms.endToEndSeconds} s: ${formatRate(sms.sentPerSecond)} msg/s end to end ` +
            `(steady ${formatRate(sms.steadySentPerSecond)} msg/s); queued at ${formatRate(sms.queueing.rps)} req/s`,
        );
        run.errors.push(...errorLines("SMS dispatch: queueing", sms.queueing));
        if (sms.accepted < sms.messages) run.errors.push(`SMS dispatch: only ${sms.accepted} of ${sms.messages} sent`);
      }
    }
  } finally {
    if (adminSession) await signOut(origin, adminSession).catch(() => {});
    if (technicianSession) await signOut(origin, technicianSession).catch(() => {});
    sampler?.stop();
    if (appProcess) {
      const stopped = await appProcess.stop();
      run.current = undefined;
      log(`App: stopped (exit code ${stopped.code}) in ${(stopped.ms / 1000).toFixed(1)} s`);
      if (stopped.code !== 0) {
        run.errors.push(`The app did not exit cleanly on SIGTERM: code ${stopped.code}, signal ${stopped.signal}`);
      }
      if (sampler) {
        run.apps.push({
          startupMs: Math.round(startupMs),
          sampler,
          shutdown: { code: stopped.code, signal: stopped.signal, ms: Math.round(stopped.ms) },
        });
      }
    }
  }
}

/**
 * The batch's SQL without the app: each request recorded through an app in this process (on the
 * same database, the child app stopped), then replayed at each concurrency.
 */
async function rawPhase(run: Run, batch: Prepared[]): Promise<void> {
  const { options, fixtures } = run;
  const measured = batch.filter((item) => !item.broken && item.result.runs.some((r) => r.app));
  if (measured.length === 0) return;
  log("Raw SQL: recording each request's statements through an in-process app…");
  const { handle, config } = await openTarget(options.database, {
    ...run.standIn.env(),
    LOG_LEVEL: "silent",
    SEED_DEMO_USERS: "false",
    SMS_RATE_PER_SECOND: BENCH_SMS_RATE,
  });
  let app: App | undefined;
  let replayPool: pg.Pool | undefined;
  try {
    if (handle.pool) instrumentPool(handle.pool);
    if (handle.pglite) instrumentPglite(handle.pglite);
    app = await buildApp({ config, database: handle, clock: systemClock });
    await app.ready();
    // Nothing but the recorded request may query while it is recorded, and the replay measures SQL
    // alone: the SMS dispatcher waits until the replays are done, then sends what they queued.
    await app.smsDispatcher?.stop();
    const sessions = {
      admin: await signInInProcess(app, fixtures.admin),
      technician: await signInInProcess(app, fixtures.technician),
    };
    let raw: RawDatabase;
    if (handle.kind === "postgres") {
      replayPool = new pg.Pool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE });
      raw = pgRawDatabase(replayPool);
      run.rawHow =
        `the statements the app sent for each request, recorded through a second app in the benchmark's process on the same database, ` +
        `then replayed through \`pg\` on a Pool of ${config.DATABASE_POOL_SIZE} connections (the app's DATABASE_POOL_SIZE) by the same number of ` +
        "clients for the same time, after the app had stopped: transactions on one connection, statements the app sends side by side " +
        "(the dashboard's) side by side, new ids and tokens for writes. No HTTP, no JSON, no validation, and no SMS dispatcher " +
        "running (replayed ticket creations' SMS are sent afterwards). Reads are replayed before the app's write scenarios run, " +
        "so both see the same data.";
    } else {
      raw = pgliteRawDatabase(handle.pglite as NonNullable<DatabaseHandle["pglite"]>);
      run.rawHow =
        "the statements the app sent for each request, recorded through a second app in the benchmark's process, then replayed " +
        "**in-process on PGlite after the app had stopped** (an embedded data directory belongs to one process, and PGlite has no " +
        "wire protocol): the same number of clients for the same time queue for PGlite's one connection, as the app's requests do. " +
        "No HTTP, no JSON, no validation, and no SMS dispatcher running (replayed ticket creations' SMS are sent afterwards). " +
        "Reads are replayed before the app's write scenarios run, so both see the same data.";
    }
    for (const item of measured) {
      const session = item.scenario.session === "none" ? undefined : sessions[item.scenario.session];
      const requests: CapturedRequest[] = [];
      for (const spec of item.scenario.variants) {
        const { request, warning } = await captureRequest(app, spec, session, item.scenario.id);
        // Once per scenario: a statement sent now and then (a session's last-seen time, once a
        // minute) makes two recordings differ on many of its variants alike.
        const kind = warning?.slice(0, warning.indexOf("("));
        if (warning && kind && !item.result.notes.some((note) => note.startsWith(kind)))
          item.result.notes.push(warning);
        requests.push(request);
      }
      const first = requests[0];
      if (first) {
        item.result.sql = {
          units: first.units.length,
          transactions: first.units.filter((unit) => unit.transaction).length,
          waves: first.waves.length,
          statements: first.units.flatMap((unit) => unit.statements.map((statement) => statement.text)),
          plans: await explainReads(first, raw),
        };
      }
      for (const scenarioRun of item.result.runs) {
        if (!scenarioRun.app) continue;
        if (options.warmupSeconds > 0) {
          await replayLoad(requests, raw, scenarioRun.connections, options.warmupSeconds);
        }
        const result = await replayLoad(requests, raw, scenarioRun.connections, options.durationSeconds);
        scenarioRun.raw = result;
        scenarioRun.ratio = result.rps > 0 ? round(scenarioRun.app.rps / result.rps) : null;
        log(describeRun(`${item.scenario.id} (raw SQL)`, result, `  app/raw ${scenarioRun.ratio ?? "—"}`));
        run.errors.push(...errorLines(`${item.result.title}, raw SQL at ${scenarioRun.connections} clients`, result));
      }
    }
    // Replayed ticket creations queued SMS: the in-process app's dispatcher sends them to the stand-in.
    await app.smsDispatcher?.start();
    const deadline = performance.now() + 300_000;
    while ((await pendingSms(handle)) > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const left = await pendingSms(handle);
    if (left > 0) run.errors.push(`${left} SMS rows from the raw replay were still queued after 5 minutes`);
    run.rowsAfter = await countRows(handle);
  } finally {
    await app?.close();
    await handle.close();
    await replayPool?.end();
  }
}

async function main(): Promise<number> {
  let options: BenchOptions;
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
    const report = JSON.parse(readFileSync(options.render, "utf8")) as BenchReport;
    if (options.note) report.note = options.note;
    writeJson(path.resolve(options.render), report);
    const key = sectionKey(report.size, report.database.kind, report.workers ?? 1);
    updateDocs(
      path.join(ROOT, "docs/benchmarks.md"),
      key,
      markdownSection(report, path.relative(ROOT, path.resolve(options.render))),
    );
    log(`Updated docs/benchmarks.md (section bench:${key}) from ${options.render}`);
    return 0;
  }
  const loadAverageAtStart = os.loadavg();
  const kind: DatabaseKindLabel = options.database.kind;
  const warnings: string[] = [];

  // 1. The data: demo marker, and rows for every scenario.
  let fixtures: Fixtures;
  let description: string;
  let pgliteWorker: boolean | null = null;
  let poolSize: number | null = null;
  try {
    const { handle, config } = await openTarget(options.database, {}, options.size);
    description = handle.description;
    poolSize = handle.kind === "postgres" ? config.DATABASE_POOL_SIZE : null;
    pgliteWorker = handle.kind === "pglite" ? config.PGLITE_WORKER : null;
    try {
      const marker = await readMarker(handle, options.database, options.size);
      log(`Database: ${handle.description}, demo size ${marker.size}; picking the requests' data…`);
      fixtures = await pickFixtures(handle, marker);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof NoDemoDataError || error instanceof DataDirInUseError) {
      console.error(`Refused: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const size = fixtures.marker.size;
  if (fixtures.earlierBenchTickets > 0) {
    warnings.push(
      `the database already held ${fixtures.earlierBenchTickets} tickets opened by earlier benchmark runs (most still open, in the queues); reseed for figures of the pristine data set`,
    );
    console.error(`Warning: ${warnings[warnings.length - 1]}`);
  }

  // 2. The web app's initial JavaScript (built now if stale: a build would disturb the load).
  ensureWebBuild();
  const web = measureInitialJavaScript();
  log(`Initial JavaScript: ${(web.gzipBytes / 1000).toFixed(1)} kB gzip in ${web.files.length} files`);

  // 3. The app (SMS to a loopback Twilio stand-in) and the raw SQL: reads first, then the writes,
  //    so the app and the raw replay of every read see the same data.
  const standIn = await new TwilioStandIn().start();
  const run: Run = {
    options,
    fixtures,
    standIn,
    appEnv: environmentFor(options.database, {
      ...standIn.env(),
      LOG_LEVEL: "warn",
      SEED_DEMO_USERS: "false",
      SMS_RATE_PER_SECOND: BENCH_SMS_RATE,
      // Explicit: the app's own default is one worker per core.
      WEB_CONCURRENCY: String(options.workers),
    }),
    errors: [],
    apps: [],
    current: undefined,
    timelinesFilled: false,
    smsDispatch: null,
    incidentMessages: null,
    live: null,
    rawHow: null,
    rowsAfter: null,
  };
  const stopOnSignal = () => {
    void (run.current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  if (options.appUrl) log(`App: ${options.appUrl} (already running: no start-up time or memory measured)`);

  const prepared: Prepared[] = buildScenarios(fixtures)
    .filter((scenario) => !options.only || options.only.has(scenario.id))
    .map((scenario) => ({
      scenario,
      broken: false,
      result: {
        id: scenario.id,
        title: scenario.title,
        group: scenario.group,
        variants: scenario.variants.length,
        writes: scenario.writes ?? null,
        problems: [],
        notes: [
          ...(scenario.note ? [scenario.note] : []),
          ...(scenario.variants.length > 1 ? [`rotates over ${scenario.variants.length} requests`] : []),
        ],
        sql: null,
        runs: options.connections.map((connections) => ({
          connections,
          app: null,
          raw: null,
          ratio: null,
          targets: [],
        })),
      },
    }));
  const reads = prepared.filter((item) => item.scenario.group !== "write");
  const writes = prepared.filter((item) => item.scenario.group === "write");
  const measureSms = !options.appUrl && options.smsMessages > 0 && (!options.only || options.only.has("sms-dispatch"));
  if (options.appUrl && options.smsMessages > 0 && options.only?.has("sms-dispatch")) {
    run.errors.push(
      "SMS dispatch needs the benchmark to start the app (its Twilio must be the stand-in): not measured with --url",
    );
  }
  // Three app instances on one database: a server's, started by the benchmark (their Twilio is the stand-in).
  const measureIncident =
    !options.appUrl && kind === "server" && (!options.only || options.only.has("incident-messages"));
  if ((options.appUrl || kind !== "server") && options.only?.has("incident-messages")) {
    run.errors.push(
      "Incident messages need three app instances the benchmark starts on one PostgreSQL server database: not measured with --url or on the embedded database",
    );
  }
  // Two app instances on one database and 500 streams: the live event stream (server database only).
  const measureLiveStream = !options.appUrl && kind === "server" && (!options.only || options.only.has("live"));
  if ((options.appUrl || kind !== "server") && options.only?.has("live")) {
    run.errors.push(
      "The live stream needs two app instances the benchmark starts on one PostgreSQL server database: not measured with --url or on the embedded database",
    );
  }
  try {
    if (reads.length > 0) {
      await appPhase(run, reads, prepared, false);
      await rawPhase(run, reads);
    }
    if (writes.length > 0 || measureSms) {
      await appPhase(run, writes, prepared, measureSms);
      await rawPhase(run, writes);
    }
    if (measureIncident) {
      log("Incident messages: an outage's SMS to everyone it affects, sent by three app instances…");
      const incident = await measureIncidentMessages({
        target: options.database,
        appEnv: run.appEnv,
        admin: fixtures.admin,
        log,
      });
      run.incidentMessages = incident;
      run.errors.push(...incident.problems.map((problem) => `Incident messages: ${problem}`));
    }
    if (measureLiveStream) {
      log("Live stream: 500 streams on one instance, then events to the clients of two instances under 50 writes/s…");
      const live = await measureLive({
        target: options.database,
        appEnv: run.appEnv,
        admin: fixtures.admin,
        accounts: fixtures.signInAccounts,
        log,
      });
      run.live = live;
      run.errors.push(...live.problems.map((problem) => `Live stream: ${problem}`));
    }
  } finally {
    await run.current?.stop();
    await standIn.stop();
  }

  for (const item of prepared) {
    for (const scenarioRun of item.result.runs) {
      scenarioRun.targets = targetsFor(size, kind, item.scenario.group, item.scenario.id, scenarioRun);
    }
  }
  const firstApp = run.apps[0];
  const peaks = run.apps.map((app) => app.sampler.peak((phase) => phase !== "idle")).filter((n) => n !== null);

  const report: BenchReport = {
    generator: "npm run bench",
    date: new Date().toISOString(),
    git: gitInfo(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
      ramBytes: os.totalmem(),
      os: `${os.type()} ${os.release()}`,
      loadAverageAtStart: loadAverageAtStart.map((n) => round(n)),
      loadAverageAtEnd: os.loadavg().map((n) => round(n)),
    },
    node: process.version,
    database: {
      kind,
      description,
      version: fixtures.databaseVersion.split(" on ")[0] ?? fixtures.databaseVersion,
      pglite: kind === "embedded" ? packageVersion("@electric-sql/pglite") : null,
      pgliteWorker,
      poolSize,
    },
    size,
    demoData: { seed: fixtures.marker.seed, generatedAt: fixtures.marker.generatedAt, counts: fixtures.marker.counts },
    rowCountsBefore: fixtures.rowCounts,
    rowsAdded: run.rowsAfter
      ? Object.fromEntries(
          Object.entries(run.rowsAfter)
            .filter(([table]) => table !== "customers")
            .map(([table, n]) => [table, n - (fixtures.rowCounts[table] ?? 0)]),
        )
      : null,
    options: {
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      only: options.only ? [...options.only] : null,
    },
    note: options.note ?? null,
    workers: options.workers,
    app: {
      origin: options.appUrl ?? "started by the benchmark on a free port",
      startedByBench: !options.appUrl,
      startupMs: firstApp?.startupMs ?? null,
      restartsMs: run.apps.slice(1).map((app) => app.startupMs),
      rssIdleBytes: firstApp?.sampler.median("idle") ?? null,
      rssPeakBytes: peaks.length > 0 ? Math.max(...peaks) : null,
      shutdown: firstApp?.shutdown ?? null,
    },
    raw: run.rawHow ? { how: run.rawHow } : null,
    scenarios: prepared.map((item) => item.result),
    smsDispatch: run.smsDispatch,
    incidentMessages: run.incidentMessages,
    live: run.live,
    web,
    warnings,
    errors: run.errors,
  };

  const out = options.out ?? defaultOutPath(size, kind, options.workers);
  writeJson(path.resolve(out), report);
  log(`Wrote ${out}`);
  if (options.docs) {
    updateDocs(
      path.join(ROOT, "docs/benchmarks.md"),
      sectionKey(size, kind, options.workers),
      markdownSection(report, out),
    );
    log(`Updated docs/benchmarks.md (section bench:${sectionKey(size, kind, options.workers)})`);
  }
  // Issue 18's targets, met or missed, where this size and database have them.
  const checks = report.scenarios.flatMap((scenario) =>
    scenario.runs.flatMap((scenarioRun) =>
      scenarioRun.targets.map(
        (check) => `${scenario.id}@${scenarioRun.connections}: ${check.label} ${check.met ? "met" : "MISSED"}`,
      ),
    ),
  );
  const cpu = medianReadCpu(report);
  if (cpu.value !== null) checks.unshift(`${cpu.label} (${cpu.value} ms): ${cpu.met ? "met" : "MISSED"}`);
  if (checks.length > 0) {
    log(
      `Targets: ${checks.filter((line) => !line.endsWith("MISSED")).length} met, ${checks.filter((line) => line.endsWith("MISSED")).length} missed`,
    );
    for (const line of checks) log(`  ${line}`);
  }
  if (report.app.rssIdleBytes !== null) {
    log(`Memory (RSS): idle ${formatMiB(report.app.rssIdleBytes)}, peak ${formatMiB(report.app.rssPeakBytes)}`);
  }
  if (run.errors.length > 0) {
    console.error(
      `\n!!! ${run.errors.length} ERROR${run.errors.length === 1 ? "" : "S"}: non-2xx answers or failed statements !!!`,
    );
    for (const error of run.errors) console.error(`  - ${error}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
