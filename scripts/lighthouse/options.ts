import path from "node:path";
import { parseArgs } from "node:util";
import type { DatabaseTarget } from "../bench/options.js";

export const USAGE = `Usage: npm run lighthouse -- [--data-dir DIR | --database-url URL] [options]

Lighthouse 12 (mobile form factor, default simulated throttling) on sign-in, the dashboard and the
ticket queue of Uplink, against a database filled by \`npm run seed:demo\`, in Debian's Chromium
(/usr/bin/chromium, or CHROMIUM_PATH). Writes docs/benchmarks/lighthouse.json and the Lighthouse
block of docs/benchmarks.md. It builds the web app if its build is stale and starts the app itself
(node --import tsx src/server/main.ts, NODE_ENV=production) unless --url names a running one.

Database (one of; default: what the app would open, DATABASE_URL else DATA_DIR else ./data):
  --data-dir DIR          embedded database (PGlite) in DIR
  --database-url URL      PostgreSQL server database
Options:
  --url URL               an app that is already running (its database is not checked for demo data)
  --runs N                Lighthouse runs per page; the median run is reported (default 3)
  --pages LIST            pages to audit (default sign-in,dashboard,tickets)
  --reports DIR           also write each page's median report into DIR (HTML and JSON)
  --out FILE              JSON output (default docs/benchmarks/lighthouse.json)
  --no-docs               do not touch docs/benchmarks.md
  --note TEXT             a sentence for the docs block (e.g. why this run was taken)
  --render FILE           measure nothing: rewrite the docs block from the JSON file of an earlier run
  --help`;

export class UsageError extends Error {
  override name = "UsageError";
}

/** The pages the issue sets targets for: path, and whether a signed-in session is needed. */
export const PAGES = {
  "sign-in": { path: "/login", label: "Sign-in (`/login`)", signedIn: false },
  dashboard: { path: "/", label: "Dashboard (`/`)", signedIn: true },
  tickets: { path: "/tickets", label: "Ticket queue (`/tickets`)", signedIn: true },
} as const;
export type PageId = keyof typeof PAGES;
const isPageId = (id: string): id is PageId => Object.hasOwn(PAGES, id);

export interface LighthouseOptions {
  database: DatabaseTarget;
  appUrl: string | undefined;
  runs: number;
  pages: PageId[];
  reports: string | undefined;
  out: string;
  docs: boolean;
  note: string | undefined;
  render: string | undefined;
  chromiumPath: string;
  help: boolean;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): LighthouseOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      url: { type: "string" },
      runs: { type: "string" },
      pages: { type: "string" },
      reports: { type: "string" },
      out: { type: "string" },
      "no-docs": { type: "boolean" },
      note: { type: "string" },
      render: { type: "string" },
      help: { type: "boolean" },
    },
  });

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

  if (values.url !== undefined && !/^https?:\/\/[^/]+\/?$/.test(values.url)) {
    throw new UsageError(`--url must be the app's origin, such as http://127.0.0.1:5000 (got "${values.url}").`);
  }

  const runs = values.runs === undefined ? 3 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
    throw new UsageError(`--runs must be a whole number from 1 to 20 (got "${values.runs}").`);
  }

  const pages = (values.pages ?? Object.keys(PAGES).join(",")).split(",").map((part) => part.trim());
  const unknown = pages.filter((id) => !isPageId(id));
  if (unknown.length > 0 || pages.length === 0) {
    throw new UsageError(`--pages: unknown page ${unknown.join(", ")}; choose from ${Object.keys(PAGES).join(", ")}.`);
  }

  return {
    database,
    appUrl: values.url?.replace(/\/$/, ""),
    runs,
    pages: pages.filter(isPageId),
    reports: values.reports === undefined ? undefined : path.resolve(values.reports),
    out: path.resolve(values.out ?? "docs/benchmarks/lighthouse.json"),
    docs: !(values["no-docs"] ?? false),
    note: values.note,
    render: values.render === undefined ? undefined : path.resolve(values.render),
    chromiumPath: env.CHROMIUM_PATH || "/usr/bin/chromium",
    help: values.help ?? false,
  };
}
