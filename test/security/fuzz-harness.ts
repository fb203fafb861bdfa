import querystring from "node:querystring";
import { sql } from "drizzle-orm";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import pino from "pino";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";
import { buildApp } from "../../src/server/app.js";
import { type Executor, queryRows } from "../../src/server/db/client.js";
import { DEMO, type Session, signIn, type TestApp, testConfig } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { createTestDatabase, type DatabaseKind } from "../support/databases.js";
import { injectAnswer } from "../support/inject.js";
import { eventually, STAND_IN_AUTH_TOKEN, STAND_IN_PUBLIC_URL, signedWebhook } from "../support/twilio-stand-in.js";
import type { FuzzFixture, FuzzRequest, Payload, Persona, QueryPair } from "./fuzz-requests.js";
import { jsonText, percentEncode } from "./fuzz-values.js";

/** Fuzzed requests come from their own address, so failed sign-ins never lock out the harness's own. */
export const FUZZ_CLIENT_ADDRESS = "203.0.113.77";

/** What must never reach a client: stack frames, file paths, SQL, driver and library internals. */
export const LEAK =
  /\bat [\w.<>]+ \(|\n\s+at |node_modules|\.ts:\d+|\/work\/|file:\/\/|\bselect\b.+\bfrom\b|\binsert into\b|\bupdate \w+ set\b|drizzle|pglite|postgres|sqlstate|syntax error at or near|violates|duplicate key|invalid input syntax|relation "|column "|ZodError|TypeError|RangeError|ReferenceError|stack/i;

/** An app like createTestApp's, whose error log is kept, so a 5xx can say what went wrong. */
export async function createLoggedTestApp(
  kind: DatabaseKind,
  env: Record<string, string>,
): Promise<{ t: TestApp; lastError: () => string | undefined }> {
  const errors: string[] = [];
  const logger = pino(
    { level: "error" },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { msg?: string; err?: { type?: string; message?: string; stack?: string } };
        const frame = entry.err?.stack
          ?.split("\n")
          .find((l) => l.includes("/src/"))
          ?.trim();
        errors.push(`${entry.msg}: ${entry.err?.type} ${entry.err?.message} ${frame ?? ""}`);
        if (errors.length > 20) errors.shift();
      },
    },
  );
  const database = await createTestDatabase(kind);
  const clock = new ManualClock(new Date());
  const config = testConfig(env);
  const app = await buildApp({ config, database: database.handle, clock }, { logger });
  await app.ready();
  const t: TestApp = {
    app,
    database,
    clock,
    config,
    async close() {
      await app.close();
      await database.drop();
    },
  };
  return { t, lastError: () => errors.at(-1) };
}

/** A one-query digest of every table (one round trip, so it can run after every request). */
export async function createFingerprinter(db: Executor): Promise<() => Promise<Record<string, string>>> {
  const tables = await queryRows<{ name: string }>(
    db,
    sql`select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
  );
  const query = sql.join(
    tables.map(
      ({ name }) =>
        sql`select ${name}::text as name, count(*)::int as n, md5(string_agg(t::text, '|' order by t::text)) as digest from ${sql.identifier(name)} t`,
    ),
    sql` union all `,
  );
  return async () => {
    const rows = await queryRows<{ name: string; n: number; digest: string | null }>(db, query);
    return Object.fromEntries(rows.map((row) => [row.name, `${row.n}:${row.digest ?? ""}`]));
  };
}

export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((table) => before[table] !== after[table]);
}

/** The own properties of the prototypes a pollution would land on. */
export function prototypeShape(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((proto) => Reflect.ownKeys(proto).map(String).sort().join(","))
    .join(" | ");
}

function headerSafe(text: string): string {
  // What a raw HTTP client can put in a header: bytes, read as latin1; no CR, LF or NUL.
  const bytes = [...Buffer.from(text, "utf8")].filter((byte) => byte === 0x09 || (byte >= 0x20 && byte !== 0x7f));
  return Buffer.from(bytes).toString("latin1");
}

function queryText(pairs: QueryPair[]): string {
  return pairs
    .map((pair) =>
      pair.raw
        ? `${pair.key}=${pair.value}`
        : `${percentEncode(String(pair.key))}=${percentEncode(String(pair.value))}`,
    )
    .join("&");
}

export function urlOf(request: Pick<FuzzRequest, "path" | "query">): string {
  return request.query.length ? `${request.path}?${queryText(request.query)}` : request.path;
}

function payloadBytes(payload: Payload): { body: string | Buffer; contentType: string } {
  if ("json" in payload)
    return { body: jsonText(payload.json), contentType: payload.contentType ?? "application/json" };
  if ("text" in payload) return { body: String(payload.text), contentType: payload.contentType ?? "application/json" };
  if ("bytes" in payload)
    return { body: Buffer.from(payload.bytes), contentType: payload.contentType ?? "application/json" };
  return {
    body: payload.form.map(([key, value]) => `${percentEncode(key)}=${percentEncode(String(value))}`).join("&"),
    contentType: payload.contentType ?? "application/x-www-form-urlencoded",
  };
}

/** The X-Twilio-Signature header(s) a webhook request carries, computed over what the server will read. */
function signatureHeader(request: FuzzRequest, url: string, body: string | Buffer): string | string[] | undefined {
  const signing = request.signing;
  if (signing === undefined || signing === "missing") return undefined;
  if (typeof signing === "object") return headerSafe(String(signing.header));
  let params: Record<string, unknown> = {};
  try {
    const text = body.toString();
    params = request.payload && "json" in request.payload ? JSON.parse(text) : { ...querystring.parse(text) };
  } catch {
    params = {};
  }
  if (params === null || typeof params !== "object") params = {};
  const sign = (token: string, signedUrl: string) => {
    try {
      return getExpectedTwilioSignature(token, signedUrl, params);
    } catch {
      return "unsignable";
    }
  };
  const full = `${STAND_IN_PUBLIC_URL}${url}`;
  if (signing === "wrong-key") return sign("not-the-auth-token", full);
  if (signing === "other-url") return sign(STAND_IN_AUTH_TOKEN, `${full}/elsewhere`);
  if (signing === "twice") return [sign(STAND_IN_AUTH_TOKEN, full), sign(STAND_IN_AUTH_TOKEN, full)];
  return sign(STAND_IN_AUTH_TOKEN, full);
}

/** The signed-in staff the fuzzer acts as; a session the fuzz ended (sign-out) is renewed. */
export class Personas {
  private sessions: Partial<Record<Persona, Session>> = {};
  private stale = new Set<Persona>(["admin", "technician"]);
  renewals = 0;

  constructor(private readonly t: TestApp) {}

  markStale(persona: Persona): void {
    if (persona !== "anonymous") this.stale.add(persona);
  }

  /** Signs in again whoever needs it; true when that wrote to the database. */
  async refresh(): Promise<boolean> {
    if (this.stale.size === 0) return false;
    for (const persona of this.stale) {
      this.sessions[persona] = await signIn(this.t.app, persona === "admin" ? DEMO.admin : DEMO.john);
      this.renewals++;
    }
    this.stale.clear();
    return true;
  }

  session(persona: Persona): Session | undefined {
    return this.sessions[persona];
  }
}

export function injectOptions(request: FuzzRequest, session: Session | undefined): InjectOptions {
  const url = urlOf(request);
  const headers: Record<string, string | string[]> = {};
  let payload: string | Buffer | undefined;
  if (request.payload) {
    const { body, contentType } = payloadBytes(request.payload);
    payload = body;
    headers["content-type"] = headerSafe(contentType);
  }
  if (request.cookie !== undefined) headers.cookie = headerSafe(request.cookie);
  if (session) {
    headers.cookie = session.cookie;
    if (request.csrf === "wrong") headers["x-csrf-token"] = "fuzz-wrong-csrf-token";
    else if (request.csrf !== "missing" && request.method !== "GET") headers["x-csrf-token"] = session.csrfToken;
  }
  const signature = request.signing ? signatureHeader(request, url, payload ?? "") : undefined;
  if (signature !== undefined) headers["x-twilio-signature"] = signature;
  return {
    method: request.method as InjectOptions["method"],
    url,
    headers,
    ...(payload === undefined ? {} : { payload }),
    remoteAddress: FUZZ_CLIENT_ADDRESS,
  };
}

/** Failures of one request, in words; empty when the answer is acceptable. */
export function responseProblems(request: FuzzRequest, response: LightMyRequestResponse): string[] {
  const problems: string[] = [];
  const status = response.statusCode;
  const type = String(response.headers["content-type"] ?? "");
  if (status >= 500) problems.push(`answered ${status}`);
  if (status >= 300 && status < 400) {
    const location = String(response.headers.location ?? "");
    if (!/^\/(?![/\\])/.test(location)) problems.push(`redirects off-site or nowhere: Location ${location}`);
  }
  if (status >= 400) {
    if (!type.startsWith("application/problem+json"))
      problems.push(`non-2xx answer is ${type || "untyped"}, not problem+json`);
    else if (request.method !== "HEAD") {
      try {
        const body = JSON.parse(response.body) as Record<string, unknown>;
        if (body.status !== status) problems.push(`problem status ${String(body.status)} ≠ HTTP ${status}`);
        for (const member of ["code", "title", "detail"] as const) {
          if (typeof body[member] !== "string" || (body[member] as string).trim() === "") {
            problems.push(`problem has no ${member}`);
          }
        }
        if (typeof body.code === "string" && !/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/.test(body.code)) {
          problems.push(`problem code ${body.code} is not a stable dotted code`);
        }
      } catch {
        problems.push("problem+json body is not JSON");
      }
    }
    // The 404 detail repeats the path the client sent: leave the client's own words out of the check.
    const echoFree = response.body.split(request.path).join("");
    const leak = LEAK.exec(echoFree);
    if (leak) problems.push(`error body leaks internals (${JSON.stringify(leak[0])}): ${response.body.slice(0, 300)}`);
  }
  return problems;
}

/**
 * Tables a refused request may still write: a failed sign-in is counted (the limiter) and
 * audited, by design. Nothing else may change on a 4xx.
 */
export function allowedWrites(request: FuzzRequest, status: number): Set<string> {
  // The password step, and the second step of two-factor sign-in (a wrong code or passkey).
  if (request.method === "POST" && request.path.startsWith("/api/auth/login") && status === 401) {
    return new Set(["login_failures", "audit_log"]);
  }
  return new Set();
}

export interface FuzzStats {
  requests: number;
  followedCursors: number;
  byStatus: Record<string, number>;
  byPersona: Record<string, number>;
  /** Every route pattern (or webhook, or non-API path) that got a request. */
  targets: Set<string>;
}

function problemCode(response: LightMyRequestResponse): string | undefined {
  try {
    return (JSON.parse(response.body) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

/**
 * Sends fuzzed requests and checks each answer: status, problem+json, leaks, the database (a
 * fingerprint after every request: only a 2xx may change it) and the built-in prototypes.
 */
export class FuzzRunner {
  readonly stats: FuzzStats = { requests: 0, followedCursors: 0, byStatus: {}, byPersona: {}, targets: new Set() };
  private readonly personas: Personas;
  private readonly prototypes = prototypeShape();
  private baseline: Record<string, string> | undefined;

  private constructor(
    private readonly t: TestApp,
    private readonly fingerprint: () => Promise<Record<string, string>>,
    private readonly lastError: () => string | undefined,
  ) {
    this.personas = new Personas(t);
  }

  static async create(t: TestApp, lastError: () => string | undefined): Promise<FuzzRunner> {
    return new FuzzRunner(t, await createFingerprinter(t.database.handle.db), lastError);
  }

  get signIns(): number {
    return this.personas.renewals;
  }

  /** Sends one request and, when a list answers with a next page, follows its cursor. */
  async check(request: FuzzRequest): Promise<{ status: number; body: string; problems: string[] }> {
    const { response, problems } = await this.send(request);
    const status = response.statusCode;
    if (problems.length === 0 && request.method === "GET" && status === 200 && request.path.startsWith("/api/")) {
      const next = String(response.headers["content-type"]).startsWith("application/json")
        ? (response.json() as { nextCursor?: unknown }).nextCursor
        : undefined;
      if (typeof next === "string") {
        // A cursor the list handed out must be accepted with the same filters.
        const follow: FuzzRequest = {
          ...request,
          payload: undefined,
          query: [...request.query.filter((pair) => pair.key !== "cursor"), { key: "cursor", value: next }],
        };
        const followed = await this.send(follow);
        this.stats.followedCursors++;
        if (followed.response.statusCode !== 200) {
          followed.problems.push(`the list refused its own nextCursor (${followed.response.statusCode})`);
        }
        problems.push(...followed.problems.map((p) => `following nextCursor ${urlOf(follow).slice(0, 300)}: ${p}`));
      }
    }
    return { status, body: response.body, problems };
  }

  private async send(request: FuzzRequest) {
    if ((await this.personas.refresh()) || !this.baseline) this.baseline = await this.fingerprint();
    const session = request.persona === "anonymous" ? undefined : this.personas.session(request.persona);
    const response = await answeredWithin(
      REQUEST_TIME_LIMIT_MS,
      injectAnswer(this.t.app, injectOptions(request, session)),
      () => `${request.target} as ${request.persona}: ${urlOf(request).slice(0, 300)}`,
    );
    const status = response.statusCode;
    const stats = this.stats;
    stats.requests++;
    stats.byStatus[`${Math.floor(status / 100)}xx`] = (stats.byStatus[`${Math.floor(status / 100)}xx`] ?? 0) + 1;
    stats.byPersona[request.persona] = (stats.byPersona[request.persona] ?? 0) + 1;
    stats.targets.add(request.target);

    const problems = responseProblems(request, response);
    if (status >= 500) problems.push(`server log: ${this.lastError() ?? "nothing"}`);
    const after = await this.fingerprint();
    if (status < 200 || status >= 300) {
      const allowed = allowedWrites(request, status);
      const changed = changedTables(this.baseline, after).filter((table) => !allowed.has(table));
      if (changed.length) problems.push(`a ${status} answer changed the database: ${changed.join(", ")}`);
    }
    this.baseline = after;
    if (prototypeShape() !== this.prototypes) problems.push("a built-in prototype was polluted");
    // The fuzz may sign a persona out (POST /api/auth/logout): sign in again before the next request.
    if (session && status === 401 && problemCode(response) === "auth.required")
      this.personas.markStale(request.persona);
    if (session && request.path === "/api/auth/logout" && status < 300) this.personas.markStale(request.persona);
    return { response, problems };
  }
}

/**
 * No request may take this long. A request that never answers (an error thrown into a stream
 * already sent, a lock never released) is reported by name here instead of as the whole test's
 * timeout ten minutes later.
 */
const REQUEST_TIME_LIMIT_MS = 30_000;

async function answeredWithin<T>(ms: number, answer: Promise<T>, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s: ${what()}`)), ms);
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A small world for the fuzzer: plans, sites, customers, tickets with comments, SMS sent through
 * the Twilio stand-in, an inbound SMS, a spare technician, and cursors of every list. The SMS
 * dispatcher is stopped afterwards, so nothing changes the database behind the fuzzer's back.
 */
export async function buildFixture(t: TestApp): Promise<FuzzFixture> {
  const admin = await signIn(t.app, DEMO.admin);
  const ok = async (response: Promise<LightMyRequestResponse>, what: string) => {
    const answer = await response;
    if (answer.statusCode >= 300) throw new Error(`fixture: ${what} failed: ${answer.statusCode} ${answer.body}`);
    return answer.json();
  };
  const plans = [];
  const sites = [];
  for (const n of [1, 2]) {
    plans.push(
      await ok(
        admin.post("/api/service-plans", {
          name: `Fuzz Plan ${n}`,
          downloadMbps: 100 * n,
          uploadMbps: 10 * n,
          monthlyPrice: 19.99 * n,
        }),
        "plan",
      ),
    );
    sites.push(await ok(admin.post("/api/sites", { name: `Fuzz Site ${n}`, kind: "tower" }), "site"));
  }
  const customers = [];
  for (const [n, phone] of [
    [1, "+12125550101"],
    [2, "+12125550102"],
  ] as const) {
    customers.push(
      await ok(
        admin.post("/api/customers", {
          name: `Fuzz Customer ${n}`,
          phone,
          email: `fuzz${n}@example.com`,
          servicePlanId: plans[n - 1].id,
          siteId: sites[n - 1].id,
          installDate: "2026-01-15",
        }),
        "customer",
      ),
    );
  }
  const john = await ok(admin.get("/api/users?q=john"), "users");
  const johnId = john.items.find((user: { email: string }) => user.email === DEMO.john.email)?.id as string;
  const spare = await ok(
    admin.post("/api/users", {
      name: "Fuzz Spare",
      email: "fuzz.spare@example.com",
      role: "technician",
      password: "fuzz-spare-password",
    }),
    "user",
  );
  const tickets = [];
  for (const [n, customer] of customers.entries()) {
    tickets.push(
      await ok(
        admin.post("/api/tickets", {
          subject: `Fuzz ticket ${n}`,
          customerId: customer.id,
          assigneeId: johnId,
          priority: n ? "high" : "normal",
        }),
        "ticket",
      ),
    );
  }
  tickets.push(
    await ok(admin.post("/api/tickets", { subject: "Fuzz ticket without customer", status: "resolved" }), "ticket"),
  );
  const comments = [];
  for (const visibility of ["internal", "public", "internal"]) {
    comments.push(
      await ok(
        admin.post(`/api/tickets/${tickets[0].id}/comments`, { body: `Fuzz ${visibility} note`, visibility }),
        "comment",
      ),
    );
  }
  // The ticket SMS go out through the stand-in and come back with provider SIDs.
  const sent = await eventually(async () => {
    const page = await ok(admin.get("/api/sms?status=sent&limit=200"), "sms list");
    return page.items.length >= 2 ? page.items : undefined;
  });
  await t.app.smsDispatcher?.stop();
  const inbound = await t.app.inject(
    signedWebhook("/webhooks/twilio/inbound", {
      MessageSid: "SMfuzzinbound00000000000000000001",
      From: "+12125550101",
      To: "+15005550006",
      Body: "Still no internet",
    }),
  );
  if (inbound.statusCode !== 200) throw new Error(`fixture: inbound SMS failed: ${inbound.statusCode} ${inbound.body}`);
  // A webhook on loopback, which the SSRF guard refuses (no WEBHOOK_ALLOW_PRIVATE_NETWORKS here): its
  // test event is tried once, then the dispatcher stops like the SMS one. Nothing the fuzz creates
  // is ever sent anywhere.
  const webhook = await ok(
    admin.post("/api/webhooks", { url: "http://127.0.0.1:9/hooks", events: ["ticket.created", "sms.failed"] }),
    "webhook",
  );
  // Two test events, so the deliveries list has a next page to follow.
  const webhookTest = await ok(admin.post(`/api/webhooks/${webhook.id}/test`), "webhook test");
  await ok(admin.post(`/api/webhooks/${webhook.id}/test`), "second webhook test");
  await eventually(async () => {
    const page = await ok(admin.get(`/api/webhooks/${webhook.id}/deliveries`), "deliveries");
    const tried = page.items.filter(
      (d: { attempts: number; status: string }) => d.attempts === 1 && d.status === "pending",
    );
    return tried.length >= 2;
  });
  await t.app.webhookDispatcher.stop();
  const sms = (await ok(admin.get("/api/sms?limit=200"), "sms list")).items as {
    id: string;
    providerSid: string | null;
  }[];

  const incident = await ok(
    admin.post("/api/incidents", {
      title: "Fuzz outage",
      kind: "outage",
      severity: "major",
      siteIds: sites.map((s) => s.id as string),
    }),
    "incident",
  );
  await ok(admin.post(`/api/incidents/${incident.id}/tickets`, { ticketId: tickets[0].id }), "incident link");
  // A second one, so the incidents list has a next page to follow.
  await ok(
    admin.post("/api/incidents", {
      title: "Fuzz degraded service",
      kind: "degraded",
      severity: "minor",
      siteIds: [sites[0]?.id as string],
    }),
    "second incident",
  );
  // John's bell holds his assignments and the customer's text; the admin's, two mentions by John
  // (so the bell has a next page to follow). A notification id is a number: the admin persona
  // marking John's gets 404, the technician persona (John) marks his own.
  const johnSession = await signIn(t.app, DEMO.john);
  for (const n of [1, 2]) {
    await ok(johnSession.post(`/api/tickets/${tickets[0].id}/comments`, { body: `@admin look ${n}` }), "mention");
  }
  const johnsBell = await ok(johnSession.get("/api/notifications?limit=200"), "john's notifications");
  await johnSession.post("/api/auth/logout");
  const idsByKind = {
    plan: plans.map((p) => p.id as string),
    site: sites.map((s) => s.id as string),
    customer: customers.map((c) => c.id as string),
    ticket: tickets.map((ticket) => ticket.id as string),
    comment: comments.map((c) => c.id as string),
    sms: sms.map((s) => s.id),
    user: [spare.id as string],
    webhook: [webhook.id as string, webhookTest.id as string],
    incident: [incident.id as string],
    notification: johnsBell.items.map((item: { id: number }) => String(item.id)),
  };

  const cursors = new Set<string>();
  for (const url of [
    "/api/customers?limit=1",
    "/api/customers?limit=1&sort=-created",
    "/api/customers?limit=1&sort=updated",
    "/api/customers?limit=1&q=Fuzz&sort=relevance",
    "/api/tickets?limit=1",
    "/api/tickets?limit=1&sort=due",
    "/api/tickets?limit=1&sort=-priority",
    "/api/tickets?limit=1&sort=updated",
    "/api/users?limit=1",
    "/api/service-plans?limit=1",
    "/api/sites?limit=1",
    "/api/sms?limit=1",
    `/api/tickets/${tickets[0].id}/comments?limit=1`,
    "/api/incidents?limit=1",
    `/api/incidents/${incident.id}/timeline?limit=1`,
    `/api/incidents/${incident.id}/customers?limit=1`,
    "/api/notifications?limit=1",
    "/api/audit?limit=1",
  ]) {
    const page = await ok(admin.get(url), url);
    if (typeof page.nextCursor === "string") cursors.add(page.nextCursor);
  }
  await admin.post("/api/auth/logout");
  return {
    ids: Object.values(idsByKind).flat(),
    idsByKind,
    cursors: [...cursors],
    messageSids: [
      ...sent
        .map((s: { providerSid: string | null }) => s.providerSid)
        .filter((sid: string | null): sid is string => !!sid),
      "SMfuzzinbound00000000000000000001",
    ],
  };
}
