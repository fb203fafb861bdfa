import { sql } from "drizzle-orm";
import { type Executor, queryRows } from "../../src/server/db/client.js";
import type { App } from "../../src/server/deps.js";

export interface RegisteredRoute {
  method: string;
  /** The route pattern as registered, e.g. /api/users/:id */
  pattern: string;
  /** A concrete URL for it: parameters filled with a well-formed id that matches nothing. */
  url: string;
}

export const STATE_CHANGING_METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;
const ALL_METHODS = ["GET", ...STATE_CHANGING_METHODS] as const;
export const UNKNOWN_ID = "7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17";

/**
 * Every route the app registered for a method, read from Fastify's own route tree, so a suite
 * using it also covers routes that features add later.
 */
export function registeredRoutes(app: App, methods: readonly string[] = ALL_METHODS): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  for (const method of methods) {
    const tree = app.printRoutes({ method, commonPrefix: false });
    const stack: string[] = [];
    for (const line of tree.split("\n")) {
      const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([^)]*)\))?$/.exec(line);
      if (!match) continue;
      const depth = (match[1] ?? "").length / 4;
      stack.length = depth;
      stack[depth] = match[2] ?? "";
      const methodsOfNode = (match[3] ?? "").split(",").map((m) => m.trim());
      if (!methodsOfNode.includes(method)) continue;
      const pattern = stack.join("");
      routes.push({
        method,
        pattern,
        url: pattern.replace(/:[A-Za-z0-9_]+/g, UNKNOWN_ID).replace(/\*$/, "x"),
      });
    }
  }
  return routes;
}

export const apiRoutes = (app: App, methods?: readonly string[]) =>
  registeredRoutes(app, methods).filter((route) => route.pattern.startsWith("/api/"));

/** What anyone may call without signing in. Everything else under /api must answer 401. */
export const PUBLIC_API_ROUTES = new Set([
  "POST /api/auth/login",
  "POST /api/auth/logout",
  "GET /api/auth/me",
  "GET /api/openapi.json",
  // Two-factor sign-in's second step and password-less passkeys (docs/security.md).
  "POST /api/auth/login/second-factor",
  "POST /api/auth/login/second-factor/passkey-options",
  "POST /api/auth/login/second-factor/passkey",
  "POST /api/auth/login/passkey-options",
  "POST /api/auth/login/passkey",
  // First-run setup: whether it is needed, and the one-time-token form (refused once an admin exists).
  "GET /api/setup",
  "POST /api/setup",
]);
export const isPublicApiRoute = (route: RegisteredRoute) =>
  PUBLIC_API_ROUTES.has(`${route.method} ${route.pattern}`) || route.pattern.startsWith("/api/docs");

/**
 * A digest of every row of every table: equal digests before and after a request mean the
 * request changed nothing in the database.
 */
export async function databaseFingerprint(db: Executor): Promise<Record<string, string>> {
  const tables = await queryRows<{ name: string }>(
    db,
    sql`select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
  );
  const fingerprint: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await queryRows<{ n: number; digest: string | null }>(
      db,
      sql`select count(*)::int as n, md5(string_agg(t::text, '|' order by t::text)) as digest from ${sql.identifier(name)} t`,
    );
    fingerprint[name] = `${row?.n}:${row?.digest ?? ""}`;
  }
  return fingerprint;
}
