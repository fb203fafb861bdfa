import path from "node:path";
import { parseArgs } from "node:util";
import { type DemoSizeName, isDemoSizeName } from "../seed-demo/sizes.js";
import { SCENARIO_IDS } from "./scenarios.js";

export const USAGE = `Usage: npm run bench -- [--data-dir DIR | --database-url URL] [--size S|M|L] [options]

Measures every hot endpoint of Uplink at 1 and 20 concurrent clients against a database filled
by \`npm run seed:demo\`, the same requests' SQL replayed without the app, SMS dispatch, start-up
time, memory and the web app's initial JavaScript. Writes a JSON file and a section of
docs/benchmarks.md. It starts the app itself (node --import tsx src/server/main.ts) unless --url
names a running one.

Database (one of; default: what the app would open, DATABASE_URL else DATA_DIR else ./data):
  --data-dir DIR          embedded database (PGlite) in DIR
  --database-url URL      PostgreSQL server database
Options:
  --url URL               an app that is already running on --database-url (no start-up time,
                          memory or SMS dispatch then; an embedded database cannot be shared)
  --size S|M|L            the demo size the database must hold (default: whatever it holds)
  --duration SECONDS      per scenario and concurrency (default 10)
  --warmup SECONDS        unmeasured load before each measurement (default 1)
  --connections LIST      concurrent clients (default 1,20)
  --only LIST             scenarios to run (default all): ${SCENARIO_IDS.join(", ")}, sms-dispatch,
                          incident-messages (an outage's SMS to ~20,000 customers on three app
                          instances; server database only), live (the event stream: the memory of
                          500 streams on one instance, and events to 200 clients of two instances
                          while 50 writes a second happen; server database only)
  --sms N                 messages for the SMS dispatch measurement (default 2000; 0 skips it)
  --workers N             app worker processes (WEB_CONCURRENCY; server database only; default 1).
                          With N > 1 the JSON and the docs section are <size>-server-N-workers
  --out FILE              JSON output (default docs/benchmarks/<size>-<embedded|server>.json)
  --no-docs               do not touch docs/benchmarks.md
  --note TEXT             a sentence for the docs section (e.g. why this run was taken)
  --render FILE           measure nothing: rewrite the docs section from a JSON file of an earlier run
                          (with --note, the note is replaced)
  --help`;

export class UsageError extends Error {
  override name = "UsageError";
}

export type DatabaseTarget = { kind: "embedded"; dataDir: string } | { kind: "server"; url: string };

export interface BenchOptions {
  database: DatabaseTarget;
  appUrl: string | undefined;
  size: DemoSizeName | undefined;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number[];
  only: Set<string> | undefined;
  smsMessages: number;
  workers: number;
  out: string | undefined;
  docs: boolean;
  note: string | undefined;
  render: string | undefined;
  help: boolean;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      url: { type: "string" },
      size: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      only: { type: "string" },
      sms: { type: "string" },
      workers: { type: "string" },
      out: { type: "string" },
      "no-docs": { type: "boolean" },
      note: { type: "string" },
      render: { type: "string" },
      help: { type: "boolean" },
    },
  });
  const help = values.help ?? false;

  if (values["data-dir"] && values["database-url"]) {
    throw new UsageError("Give --data-dir (embedded) or --database-url (server), not both.");
  }
  const serverUrl = values["database-url"] ?? (values["data-dir"] ? undefined : env.DATABASE_URL || undefined);
  if (serverUrl !== undefined && !/^postgres(ql)?:\/\//.test(serverUrl)) {
    throw new UsageError(`--database-url must start with postgres:// or postgresql:// (got "${serverUrl}").`);
  }
  const database: DatabaseTarget = serverUrl
    ? { kind: "server", url: serverUrl }
    : { kind: "embedded", dataDir: path.resolve(values["data-dir"] ?? (env.DATA_DIR || "./data")) };

  if (values.url !== undefined) {
    if (!/^https?:\/\/[^/]+\/?$/.test(values.url)) {
      throw new UsageError(`--url must be the app's origin, such as http://127.0.0.1:5000 (got "${values.url}").`);
    }
    if (database.kind === "embedded") {
      throw new UsageError(
        "--url needs --database-url: an embedded database belongs to the one process that runs it, so the benchmark " +
          "cannot read it while that app runs. Stop the app and run `npm run bench -- --data-dir DIR` to let the " +
          "benchmark start it.",
      );
    }
  }

  let size: DemoSizeName | undefined;
  if (values.size !== undefined) {
    const upper = values.size.toUpperCase();
    if (!isDemoSizeName(upper)) throw new UsageError(`--size must be S, M or L (got "${values.size}").`);
    size = upper;
  }

  const durationSeconds = positiveNumber(values.duration, "--duration", 10);
  const warmupSeconds = values.warmup === "0" ? 0 : positiveNumber(values.warmup, "--warmup", 1);
  const connections = (values.connections ?? "1,20").split(",").map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      throw new UsageError(`--connections must be whole numbers from 1 to 1000, such as 1,20 (got "${part}").`);
    }
    return n;
  });

  let only: Set<string> | undefined;
  if (values.only !== undefined) {
    only = new Set(values.only.split(",").map((part) => part.trim()));
    const known = new Set<string>([...SCENARIO_IDS, "sms-dispatch", "incident-messages", "live"]);
    const unknown = [...only].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new UsageError(`--only: unknown scenario ${unknown.join(", ")}; choose from ${[...known].join(", ")}.`);
    }
  }

  const smsMessages = values.sms === undefined ? 2000 : Number(values.sms);
  if (!Number.isInteger(smsMessages) || smsMessages < 0 || smsMessages > 100_000) {
    throw new UsageError(`--sms must be a whole number from 0 to 100000 (got "${values.sms}").`);
  }

  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new UsageError(`--workers must be a whole number from 1 to 64 (got "${values.workers}").`);
  }
  if (workers > 1 && database.kind === "embedded") {
    throw new UsageError("--workers needs --database-url: the embedded database runs in one app process.");
  }

  return {
    database,
    appUrl: values.url?.replace(/\/$/, ""),
    size,
    durationSeconds,
    warmupSeconds,
    connections,
    only,
    smsMessages,
    workers,
    out: values.out,
    docs: !(values["no-docs"] ?? false),
    note: values.note?.trim() || undefined,
    render: values.render,
    help,
  };
}

function positiveNumber(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 3600) {
    throw new UsageError(`${name} must be a number of seconds above 0 and at most 3600 (got "${raw}").`);
  }
  return value;
}
