import { parseArgs } from "node:util";

export const USAGE = `Usage: npm run test:load -- [options]

Simulates staff working in Uplink at the same time (sign in once, then queues, tickets, customer
searches, the dashboard, comments, status changes, new tickets, the SMS log) and reports latency
per action. Without --url it starts the app itself on the database given.

  --database-url URL   PostgreSQL database to run against (default: $DATABASE_URL)
  --url URL            use an app that is already running instead of starting one
  --app-pid PID        with --url: the app's process id, to sample its memory
  --users N            simulated staff members (default 200)
  --duration D         how long to run, ramp-up included (default 10m; e.g. 90s, 2m, 1m30s)
  --ramp-up D          time over which the staff sign in, evenly spread (default 30s)
  --think D-D          pause between two actions of one person, uniform (default 1s-3s)
  --seed N             seed of the random choices (default 1): the same seed, the same choices
  --out PATH           results as JSON (default docs/load/<date>-<size>.json)
  --docs PATH          Markdown file whose results section is replaced (default docs/load.md)
  --skip-docs          do not touch the Markdown file
  --note TEXT          a line about the run's circumstances, kept with the results
  --admin-email EMAIL  admin account used for set-up (default admin@isp.com)
  --admin-password PW  its password (default admin123)
  --demo-password PW   password of the demo technicians (default tech123)
  --help

Exit status: 0 no errors, 1 errors occurred (409 conflicts excepted), 64 bad arguments,
2 set-up failed (app did not start, accounts could not be prepared).`;

export interface LoadOptions {
  databaseUrl: string | undefined;
  url: string | undefined;
  appPid: number | undefined;
  users: number;
  durationMs: number;
  rampUpMs: number;
  thinkMs: { min: number; max: number };
  seed: number;
  out: string | undefined;
  docs: string | undefined;
  note: string | undefined;
  adminEmail: string;
  adminPassword: string;
  demoPassword: string;
}

export class UsageError extends Error {
  override name = "UsageError";
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "10m", "30s", "1m30s", "500ms"; a bare number is seconds. */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== trimmed) {
    throw new UsageError(`${option} must be a duration such as 90s, 2m or 1m30s (got "${text}")`);
  }
  return parts.reduce((sum, part) => sum + Number(part[1]) * (UNITS_MS[part[2] ?? "s"] ?? 1000), 0);
}

function wholeNumber(text: string, option: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max} (got "${text}")`);
  }
  return value;
}

export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${seconds} s`;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

export function parseLoadOptions(argv: string[], env: NodeJS.ProcessEnv): LoadOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      "database-url": { type: "string" },
      url: { type: "string" },
      "app-pid": { type: "string" },
      users: { type: "string", default: "200" },
      duration: { type: "string", default: "10m" },
      "ramp-up": { type: "string", default: "30s" },
      think: { type: "string", default: "1s-3s" },
      seed: { type: "string", default: "1" },
      out: { type: "string" },
      docs: { type: "string", default: "docs/load.md" },
      "skip-docs": { type: "boolean", default: false },
      note: { type: "string" },
      "admin-email": { type: "string", default: "admin@isp.com" },
      "admin-password": { type: "string", default: "admin123" },
      "demo-password": { type: "string", default: "tech123" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return "help";

  const databaseUrl = values["database-url"] ?? (env.DATABASE_URL || undefined);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new UsageError(`--database-url must start with postgres:// or postgresql:// (got "${databaseUrl}")`);
  }
  const url = values.url?.replace(/\/+$/, "");
  if (url !== undefined && !/^https?:\/\//.test(url)) {
    throw new UsageError(`--url must be an http:// or https:// address (got "${values.url}")`);
  }
  if (url === undefined && databaseUrl === undefined) {
    throw new UsageError(
      "Give the database to start the app on (--database-url or DATABASE_URL), or a running app (--url).",
    );
  }
  const appPid = values["app-pid"] === undefined ? undefined : wholeNumber(values["app-pid"], "--app-pid", 1, 2 ** 31);
  if (appPid !== undefined && url === undefined) {
    throw new UsageError("--app-pid only applies with --url (the script knows the pid of an app it starts)");
  }

  const durationMs = parseDuration(values.duration, "--duration");
  const rampUpMs = parseDuration(values["ramp-up"], "--ramp-up");
  if (durationMs < 1000) throw new UsageError("--duration must be at least 1s");
  if (rampUpMs >= durationMs) throw new UsageError("--ramp-up must be shorter than --duration");

  const think = /^([^-]+)-([^-]+)$/.exec(values.think);
  const thinkMs = think
    ? { min: parseDuration(think[1] ?? "", "--think"), max: parseDuration(think[2] ?? "", "--think") }
    : { min: parseDuration(values.think, "--think"), max: parseDuration(values.think, "--think") };
  if (thinkMs.min > thinkMs.max) throw new UsageError("--think: the first duration must not exceed the second");

  return {
    databaseUrl,
    url,
    appPid,
    users: wholeNumber(values.users, "--users", 1, 5000),
    durationMs,
    rampUpMs,
    thinkMs,
    seed: wholeNumber(values.seed, "--seed", 0, 2 ** 32 - 1),
    out: values.out,
    docs: values["skip-docs"] ? undefined : values.docs,
    note: values.note,
    adminEmail: values["admin-email"],
    adminPassword: values["admin-password"],
    demoPassword: values["demo-password"],
  };
}
