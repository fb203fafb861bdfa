/**
 * `node --import tsx scripts/bench/profile-request.ts [URL] [N] [JSON body]`: where the app's own
 * CPU goes for one API request (a GET; a POST when a JSON body is given, e.g. a ticket to create,
 * whose "{customerId}" is replaced by a demo customer's id). Builds the app in this process on the database the environment names
 * (DATABASE_URL, else DATA_DIR: a seeded demo database), signs in as the demo admin, sends the URL
 * 200 times to warm up, then N times (default 1,000) through Fastify's inject (no sockets on the
 * HTTP side) under V8's sampling profiler. Prints the CPU per request, the SQL statements each
 * request sent, and the profile's self time by package; writes the .cpuprofile (open it in Chrome's
 * DevTools for the flame chart) to PROFILE_OUT (default ./request.cpuprofile).
 * docs/benchmarks.md ("The app's own cost per request") shows its output before and after.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import pg from "pg";
import { buildApp } from "../../src/server/app.js";
import { systemClock } from "../../src/server/clock.js";
import { loadConfig } from "../../src/server/config.js";
import { openDatabase } from "../../src/server/db/open.js";
import { DEMO_USERS } from "../../src/server/db/seed.js";
import { CSRF_HEADER } from "../../src/shared/auth.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const url = process.argv[2] ?? "/api/tickets?status=open,in_progress,waiting_on_customer&sort=-created";
const count = Number(process.argv[3] ?? 1000);
const body = process.argv[4];
const out = process.env.PROFILE_OUT ?? "request.cpuprofile";

/** Self time by package (node_modules/<name>), app file, or V8 category such as (garbage collector). */
function selfTimeByPlace(profile: Profile): [string, number][] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byPlace = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) return;
    let place = frame.url || frame.functionName || "(native)";
    const modules = place.split("node_modules/");
    if (modules.length > 1) {
      const parts = (modules.at(-1) ?? "").split("/");
      place = parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? place);
    } else {
      place = place.replace(/^file:\/\/.*?\/src\//, "src/");
    }
    byPlace.set(place, (byPlace.get(place) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...byPlace.values()].reduce((a, b) => a + b, 0);
  return [...byPlace].map(([place, time]) => [place, time / total] as [string, number]).sort((a, b) => b[1] - a[1]);
}

const config = loadConfig({ ...process.env, SEED_DEMO_USERS: "false", LOG_LEVEL: "warn" });
const database = await openDatabase(config);
const app = await buildApp({ config, database, clock: systemClock });
await app.ready();
const admin = DEMO_USERS[0];
const login = await app.inject({
  method: "POST",
  url: "/api/auth/login",
  payload: { email: admin.email, password: admin.password },
});
if (login.statusCode !== 200)
  throw new Error(`Signing in as ${admin.email} answered ${login.statusCode}: seed demo data first`);
const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
const { csrfToken } = login.json() as { csrfToken: string };
let payload = body;
if (payload?.includes("{customerId}")) {
  const customers = await app.inject({ method: "GET", url: "/api/customers?limit=1", headers: { cookie } });
  const [first] = (customers.json() as { items: { id: string }[] }).items;
  if (!first) throw new Error("No customer to create tickets for: seed demo data first");
  payload = payload.replaceAll("{customerId}", first.id);
}
const method = payload === undefined ? "GET" : "POST";
const send = () =>
  payload === undefined
    ? app.inject({ method, url, headers: { cookie } })
    : app.inject({
        method,
        url,
        headers: { cookie, [CSRF_HEADER]: csrfToken, "content-type": "application/json" },
        payload,
      });
for (let i = 0; i < 200; i++) await send();

// Count what the request sends to a server database (pg's Client.query; PGlite is not counted).
const statements = new Map<string, number>();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const first = args[0] as string | { text?: string };
  const text = (typeof first === "string" ? first : (first?.text ?? "?")).replace(/\s+/g, " ").slice(0, 150);
  statements.set(text, (statements.get(text) ?? 0) + 1);
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

// PROFILE_NAMED=1: every statement with parameters is sent as a named (prepared) statement, as
// `pg` does for a query config with a name: parsed and planned once per connection, then only bound.
if (process.env.PROFILE_NAMED === "1") {
  const names = new Map<string, string>();
  const unnamed = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config, values] = args as [{ text?: string; name?: string } | string, unknown];
    if (typeof config === "object" && config?.text && !config.name && Array.isArray(values) && values.length > 0) {
      const name = names.get(config.text) ?? `s${names.size}`;
      names.set(config.text, name);
      args[0] = { ...config, name };
    }
    return (unnamed as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof unnamed;
}

const inspector = new Session();
inspector.connect();
await inspector.post("Profiler.enable");
await inspector.post("Profiler.start");
const cpuBefore = process.cpuUsage();
const started = performance.now();
let status = 0;
for (let i = 0; i < count; i++) status = (await send()).statusCode;
const cpu = process.cpuUsage(cpuBefore);
const wallMs = performance.now() - started;
const { profile } = await inspector.post("Profiler.stop");
pg.Client.prototype.query = query;
writeFileSync(out, JSON.stringify(profile));

console.log(`${method} ${url}: ${count} requests answered ${status}`);
console.log(
  `  wall ${(wallMs / count).toFixed(2)} ms/request, CPU ${((cpu.user + cpu.system) / 1000 / count).toFixed(2)} ms/request (profiler on)`,
);
console.log("  statements per request:");
for (const [text, n] of statements) if (n >= count / 2) console.log(`    ${(n / count).toFixed(2)} × ${text}`);
console.log("  self time:");
for (const [place, share] of selfTimeByPlace(profile as Profile).slice(0, 16)) {
  console.log(`    ${(share * 100).toFixed(1).padStart(5)} %  ${place}`);
}
console.log(`  profile: ${out}`);
await app.close();
await database.close();
