import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { fallbackOperationId, OPERATION_IDS } from "../../src/server/http/openapi.operations.js";
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT } from "../../src/shared/webhooks.js";
import {
  readUrl,
  TWO_FACTOR_SIGN_IN_EXAMPLES,
  useWorld,
  type World,
  WRITE_FIXTURES,
} from "../security/support/attack-world.js";
import { createTestApp, DEMO, type Session, signIn } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { injectAnswer } from "../support/inject.js";
import { makeToken, tokenClient } from "../support/tokens.js";
import { signedWebhook } from "../support/twilio-stand-in.js";
import { UNKNOWN_ID } from "./routes.js";

/**
 * The OpenAPI document (/api/openapi.json) against the server it describes: Spectral's
 * recommended rules (.spectral.yaml) find nothing, and for every operation real requests, valid
 * and invalid, get answers whose status, content type and body the document declares.
 */

type Json = Record<string, unknown>;
type Operation = {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; style?: string; explode?: boolean }[];
  requestBody?: { content: Record<string, Json> };
  responses: Record<string, Json>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json> };
  tags: { name: string; description?: string }[];
  webhooks: Record<string, { post: Operation }>;
};
interface DocOperation {
  method: string;
  path: string;
  operation: Operation;
}

const WORLD_PUBLIC_URL = "http://uplink.example.test";
const escapePointer = (part: string) => part.replaceAll("~", "~0").replaceAll("/", "~1");

function operationsOf(doc: Document): DocOperation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** Checks answers against the document: the status declared, its media type, the body its schema. */
class ContractChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly validators = new Map<string, ValidateFunction>();
  constructor(private readonly doc: Document) {
    addFormats.default(this.ajv);
    this.ajv.addSchema(doc as unknown as Json, "urn:uplink:openapi");
  }

  check(op: DocOperation, response: LightMyRequestResponse, label: string) {
    const name = `${op.operation.operationId} (${label}) answered ${response.statusCode}`;
    const status = String(response.statusCode);
    const key = [status, `${status[0]}XX`, "default"].find((k) => op.operation.responses[k]);
    expect(key, `${name}, which the document does not declare: ${response.body.slice(0, 300)}`).toBeDefined();
    let pointer = `/paths/${escapePointer(op.path)}/${op.method.toLowerCase()}/responses/${key}`;
    let declared = op.operation.responses[key as string] as Json;
    if (typeof declared.$ref === "string") {
      pointer = declared.$ref.slice(1);
      declared = pointer
        .split("/")
        .slice(1)
        .reduce<Json>((node, part) => node[part.replaceAll("~1", "/").replaceAll("~0", "~")] as Json, this.doc);
    }
    const content = declared.content as Record<string, { schema?: Json }> | undefined;
    if (!content) {
      expect(response.body, `${name} with a body the document does not declare`).toBe("");
      return;
    }
    const mediaType = String(response.headers["content-type"] ?? "")
      .split(";")[0]
      ?.trim() as string;
    expect(Object.keys(content), `${name} as ${mediaType}`).toContain(mediaType);
    if (!/json$/.test(mediaType)) return;
    const schemaPointer = `${pointer}/content/${escapePointer(mediaType)}/schema`;
    let validate = this.validators.get(schemaPointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `urn:uplink:openapi#${schemaPointer}` });
      this.validators.set(schemaPointer, validate);
    }
    const body = JSON.parse(response.body);
    const valid = validate(body);
    expect(valid, `${name}: ${JSON.stringify(validate.errors?.slice(0, 3))} in ${response.body.slice(0, 400)}`).toBe(
      true,
    );
  }
}

/** A request of an example: who sends it (a session, null for nobody) and what. */
interface Example {
  url: string;
  as?: Session | null;
  /** JSON, or a multipart form (an upload). */
  body?: Json | FormData;
  /** A complete request (the Twilio form posts), sent as it is. */
  raw?: InjectOptions;
  /** A cookie a request without a session carries (a pending sign-in's second step). */
  cookie?: string;
}

/** Fastify's pattern of a document path: /api/tickets/{id} → /api/tickets/:id. */
const patternOf = (path: string) => path.replace(/\{([^}]+)\}/g, ":$1");

/**
 * A valid request for every operation, by operationId: the attack suite's world and its write
 * fixtures (one of every resource, a fresh row to delete) supply the /api ones; the rest are here.
 * An operation of the document with no example fails the suite.
 */
const OUTSIDE_API_EXAMPLES: Record<string, (w: World) => Promise<Example>> = {
  checkHealth: async () => ({ url: "/healthz", as: null }),
  checkReadiness: async () => ({ url: "/readyz", as: null }),
  receiveTwilioStatus: async (w) => ({
    url: "/webhooks/twilio/status",
    raw: signedWebhook(
      "/webhooks/twilio/status",
      { MessageSid: w.sms.providerSid ?? "SM0", MessageStatus: "delivered" },
      { publicUrl: WORLD_PUBLIC_URL },
    ),
  }),
  receiveTwilioMessage: async (w) => ({
    url: "/webhooks/twilio/inbound",
    raw: signedWebhook(
      "/webhooks/twilio/inbound",
      {
        MessageSid: `SM${"1".repeat(32)}`,
        From: w.customer.phone ?? "+15005550100",
        To: "+15005550006",
        Body: "Thanks",
      },
      { publicUrl: WORLD_PUBLIC_URL },
    ),
  }),
  // The sign-in's second step and password-less passkeys: real pending sign-ins and signed challenges.
  ...TWO_FACTOR_SIGN_IN_EXAMPLES,
};

/** Whether the tables have a valid request for the operation (else `exampleFor` throws). */
function hasExample(op: DocOperation, w: World): boolean {
  const pattern = patternOf(op.path);
  if (op.operation.operationId in OUTSIDE_API_EXAMPLES) return true;
  if (op.method !== "GET") return `${op.method} ${pattern}` in WRITE_FIXTURES;
  if (!op.path.startsWith("/api/")) return !op.path.includes("{");
  try {
    return readUrl({ method: "GET", pattern, url: pattern }, w).startsWith("/api/");
  } catch {
    return false;
  }
}

async function exampleFor(op: DocOperation, w: World): Promise<Example> {
  const outside = OUTSIDE_API_EXAMPLES[op.operation.operationId];
  if (outside) return outside(w);
  const pattern = patternOf(op.path);
  // A public page outside /api (the status page): as anyone opens it.
  if (op.method === "GET" && !op.path.startsWith("/api/")) return { url: op.path, as: null };
  if (op.method === "GET") {
    return { url: readUrl({ method: "GET", pattern, url: pattern }, w) };
  }
  const fixture = WRITE_FIXTURES[`${op.method} ${pattern}`];
  if (!fixture) throw new Error(`no example request for ${op.operation.operationId} (${op.method} ${op.path})`);
  const { url, body, as } = await fixture(w);
  return { url, body, as };
}

async function send(w: World, method: string, example: Example, extra: Partial<InjectOptions> = {}) {
  if (example.raw) return w.t.app.inject({ ...example.raw, ...extra });
  const session = example.as === undefined ? w.admin : example.as;
  const headers: Record<string, string> = {};
  if (session) {
    headers.cookie = session.cookie;
    if (method !== "GET") headers["x-csrf-token"] = session.csrfToken;
  } else if (example.cookie) {
    headers.cookie = example.cookie;
  }
  return injectAnswer(w.t.app, {
    method: method as InjectOptions["method"],
    url: example.url,
    ...(example.body === undefined ? {} : { payload: example.body }),
    ...extra,
    headers: { ...headers, ...(extra.headers as Record<string, string> | undefined) },
  });
}

const withQuery = (url: string, query: string) => `${url}${url.includes("?") ? "&" : "?"}${query}`;

describe.each(testDatabaseKinds())("the OpenAPI document on %s", (kind) => {
  const world = useWorld(kind);
  let doc: Document;
  let operations: DocOperation[];
  let checker: ContractChecker;
  beforeAll(async () => {
    doc = (await world().t.app.inject({ method: "GET", url: "/api/openapi.json" })).json();
    operations = operationsOf(doc);
    checker = new ContractChecker(doc);
  });

  it.runIf(kind === "pglite")(
    "passes Spectral's OpenAPI rules (.spectral.yaml) with no errors and no warnings",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "uplink-openapi-"));
      try {
        const file = join(dir, "openapi.json");
        await writeFile(file, JSON.stringify(doc));
        const root = resolve(import.meta.dirname, "../..");
        // The CLI, as CI and a developer run it; it exits 1 on errors, so read its report either way.
        const { stdout } = await promisify(execFile)(
          join(root, "node_modules/.bin/spectral"),
          [
            "lint",
            file,
            "--ruleset",
            join(root, ".spectral.yaml"),
            "--format",
            "json",
            "--fail-severity",
            "hint",
            "--quiet",
          ],
          { env: { ...process.env, SCARF_ANALYTICS: "false" } },
        ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
        const results = JSON.parse(stdout || "[]") as { code: string; path: string[]; message: string }[];
        expect(results.map((r) => `${r.code} at ${r.path.join(".")}: ${r.message}`)).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    // Spectral takes a few seconds alone, half a minute on a busy machine.
    120_000,
  );

  it("names, tags, summarises and secures every operation as the guard enforces it", () => {
    const ids = operations.map((op) => op.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tagNames = new Set(doc.tags.map((tag) => tag.name));
    for (const { method, path, operation } of operations) {
      const name = `${method} ${path}`;
      expect(operation.operationId, name).toMatch(/^[a-z][A-Za-z0-9]*$/);
      // Named on purpose, in the route (schema.operationId) or in OPERATION_IDS, not made up from the path.
      expect(
        OPERATION_IDS[name] === operation.operationId || operation.operationId !== fallbackOperationId(method, path),
        `${name} has no stable operationId: add one to OPERATION_IDS (http/openapi.operations.ts) or its schema`,
      ).toBe(true);
      expect(operation.summary, name).toBeTruthy();
      expect(operation.description, name).toBeTruthy();
      expect(operation.tags?.length, name).toBeGreaterThan(0);
      for (const tag of operation.tags ?? []) expect(tagNames.has(tag), `${name}: tag ${tag}`).toBe(true);
      expect(operation.security, name).toBeDefined();
      // Every error is problem+json.
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const content = (response.$ref ? undefined : response.content) as Json | undefined;
        if (content) expect(Object.keys(content), `${name} ${status}`).toEqual(["application/problem+json"]);
        else expect(response.$ref, `${name} ${status}`).toMatch(/^#\/components\/responses\//);
      }
    }
    for (const tag of doc.tags.filter((t) => OPERATION_TAGS_WITH_DESCRIPTIONS.includes(t.name))) {
      expect(tag.description, tag.name).toBeTruthy();
    }
    const op = (method: string, path: string) => doc.paths[path]?.[method] as Operation;
    expect(op("post", "/api/auth/login").security).toEqual([]);
    expect(op("get", "/healthz").security).toEqual([]);
    expect(op("get", "/api/tickets").security).toEqual([{ session: [] }, { bearer: [] }]);
    expect(op("post", "/api/tickets").security).toEqual([{ session: [], csrf: [] }, { bearer: [] }]);
    // Session-only: no bearer alternative.
    expect(op("post", "/api/tokens").security).toEqual([{ session: [], csrf: [] }]);
    expect(op("get", "/api/tokens").security).toEqual([{ session: [] }]);
    expect(op("post", "/webhooks/twilio/inbound").security).toEqual([{ twilioSignature: [] }]);
    // Statuses the guard, parsers and hooks produce.
    expect(Object.keys(op("post", "/api/tickets").responses)).toEqual(
      expect.arrayContaining(["201", "400", "401", "403", "409", "413", "415", "422", "429", "503"]),
    );
    expect(Object.keys(op("get", "/api/tickets/{id}").responses)).toEqual(
      expect.arrayContaining(["200", "401", "403", "404", "422", "429", "503"]),
    );
    // Forms for Twilio, CSV for the export, comma lists, Idempotency-Key.
    expect(Object.keys(op("post", "/webhooks/twilio/status").requestBody?.content ?? {})).toEqual([
      "application/x-www-form-urlencoded",
    ]);
    expect(Object.keys(op("get", "/api/customers/export.csv").responses["200"]?.content as Json)).toEqual(["text/csv"]);
    // An upload is a multipart form; a download is the file itself, of the type found at upload.
    expect(Object.keys(op("post", "/api/tickets/{id}/attachments").requestBody?.content ?? {})).toEqual([
      "multipart/form-data",
    ]);
    expect(Object.keys(op("get", "/api/attachments/{id}").responses["200"]?.content as Json)).toEqual([
      "image/jpeg",
      "image/png",
      "image/webp",
      "image/heic",
      "application/pdf",
    ]);
    const status = op("get", "/api/tickets").parameters?.find((p) => p.name === "status");
    expect(status).toMatchObject({ style: "form", explode: false });
    expect(op("post", "/api/tickets").parameters?.map((p) => p.name)).toContain("Idempotency-Key");
    expect(op("post", "/api/tokens").parameters?.map((p) => p.name) ?? []).not.toContain("Idempotency-Key");
    // The outbound events, each with its signature headers.
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT].sort());
    for (const [type, item] of Object.entries(doc.webhooks)) {
      expect(
        item.post.parameters?.map((p) => p.name),
        type,
      ).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"]);
    }
  });

  it("documents exactly the routes the app serves", () => {
    const documented = new Set(operations.map((op) => `${op.method} ${patternOf(op.path)}`));
    const served = [...world().t.app.routeAccess.keys()].filter(
      (key) =>
        !key.startsWith("HEAD ") &&
        /^(GET|POST|PUT|PATCH|DELETE) \/(api|healthz|readyz|webhooks)/.test(key) &&
        !key.includes("/api/docs") &&
        key !== "GET /api/openapi.json",
    );
    expect(served.filter((key) => !documented.has(key))).toEqual([]);
  });

  it("has a valid example request for every operation (WRITE_FIXTURES, readUrl, OUTSIDE_API_EXAMPLES)", () => {
    expect(operations.filter((op) => !hasExample(op, world())).map((op) => `${op.method} ${op.path}`)).toEqual([]);
  });

  it("answers every operation's valid example as the document declares (status, content type, body)", async () => {
    const w = world();
    // An operation without an example fails the test above; the others are still checked here.
    for (const op of operations.filter((candidate) => hasExample(candidate, w))) {
      const example = await exampleFor(op, w);
      const response = await send(w, op.method, example);
      expect(response.statusCode, `${op.operation.operationId}: ${response.body.slice(0, 300)}`).toBeLessThan(
        op.operation.operationId === "completeSetup" ? 500 : 400,
      );
      checker.check(op, response, "valid example");
    }
  }, 120_000);

  it("answers every operation's invalid requests as the document declares", async () => {
    const w = world();
    const readToken = tokenClient(w.t.app, (await makeToken(w.admin, { scopes: ["read"] })).token);
    for (const op of operations.filter((candidate) => hasExample(candidate, w))) {
      const example = await exampleFor(op, w);
      const id = op.operation.operationId;
      const api = op.path.startsWith("/api/");
      // Text with a NUL character, anywhere in the input: 422 before anything runs.
      const nul = await send(
        w,
        op.method,
        { ...example, url: withQuery(example.url, "x=%00") },
        {
          url: withQuery(example.url, "x=%00"),
        },
      );
      expect(nul.statusCode, `${id} with a NUL: ${nul.body}`).toBe(422);
      checker.check(op, nul, "NUL character");
      if (api) {
        const anonymous = await send(w, op.method, { ...example, as: null });
        checker.check(op, anonymous, "no session");
        const badToken = await w.t.app.inject({
          method: op.method as InjectOptions["method"],
          url: example.url,
          headers: { authorization: `Bearer upl_${"x".repeat(43)}` },
        });
        expect(badToken.statusCode, id).toBe(401);
        checker.check(op, badToken, "unknown token");
        const asReader = await readToken.request({
          method: op.method as InjectOptions["method"],
          url: example.url,
          ...(example.body === undefined ? {} : { payload: example.body }),
        });
        checker.check(op, asReader, "read-scope token");
        if (op.method !== "GET") {
          const noCsrf = await w.t.app.inject({
            method: op.method as InjectOptions["method"],
            url: example.url,
            headers: { cookie: w.admin.cookie },
          });
          checker.check(op, noCsrf, "no CSRF header");
        }
      }
      if (op.path.includes("{")) {
        const unknown = await send(w, op.method, {
          ...example,
          url: op.path.replace(/\{[^}]+\}/g, UNKNOWN_ID),
        });
        checker.check(op, unknown, "unknown id");
      }
      if (op.operation.requestBody) {
        // The Twilio routes read forms only, an upload multipart only: JSON there is an unsupported type.
        const jsonRead = !example.raw && !(example.body instanceof FormData);
        const badJson = await send(w, op.method, example, {
          payload: "{not json",
          headers: { "content-type": "application/json" },
        });
        expect(badJson.statusCode, `${id} with bad JSON: ${badJson.body}`).toBe(jsonRead ? 400 : 415);
        checker.check(op, badJson, "malformed JSON");
        const xml = await send(w, op.method, example, {
          payload: "<a/>",
          headers: { "content-type": "application/xml" },
        });
        expect(xml.statusCode, `${id} with XML: ${xml.body}`).toBe(415);
        checker.check(op, xml, "XML body");
        const huge = await send(w, op.method, example, {
          payload: example.raw
            ? `Body=${"x".repeat(70_000)}`
            : JSON.stringify({ ...(example.body ?? {}), padding: "x".repeat(1_100_000) }),
          headers: { "content-type": example.raw ? "application/x-www-form-urlencoded" : "application/json" },
        });
        checker.check(op, huge, "a body over the limit");
      }
    }
  }, 240_000);
});

/** Tags of the features this document ships; a later feature's tag is listed even before it has a description. */
const OPERATION_TAGS_WITH_DESCRIPTIONS = [
  "auth",
  "users",
  "API tokens",
  "customers",
  "tickets",
  "sms",
  "service plans",
  "network sites",
  "dashboard",
  "webhooks",
  "live",
  "health",
];

describe.each(testDatabaseKinds())("the OpenAPI document's 429 and 503 answers on %s", (kind) => {
  it("answers a token over its rate limit, and every operation while the database is away, as declared", async () => {
    const t = await createTestApp(kind, { env: { API_TOKEN_RATE_LIMIT: "1" } });
    try {
      const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json() as Document;
      const checker = new ContractChecker(doc);
      const operations = operationsOf(doc);
      const admin = await signIn(t.app, DEMO.admin);
      const token = tokenClient(t.app, (await makeToken(admin, { scopes: ["read"] })).token);
      const list = operations.find((op) => op.operation.operationId === "listTickets") as DocOperation;
      expect((await token.get("/api/tickets")).statusCode).toBe(200);
      const limited = await token.get("/api/tickets");
      expect(limited.statusCode).toBe(429);
      checker.check(list, limited, "over the rate limit");

      // As main.ts does: the dispatcher's LISTEN connection would keep the pool from closing.
      await t.app.webhookDispatcher.stop();
      await t.database.handle.close();
      for (const op of operations) {
        const response = await t.app
          .inject({
            method: op.method as InjectOptions["method"],
            url: op.path.replace(/\{[^}]+\}/g, UNKNOWN_ID),
            headers: { cookie: admin.cookie, "x-csrf-token": admin.csrfToken },
            ...(op.operation.requestBody?.content["application/json"] ? { payload: {} } : {}),
          })
          .catch((error: unknown) => {
            throw new Error(`${op.operation.operationId}: ${String(error)}`);
          });
        if (op.path.startsWith("/api/") || op.path === "/readyz") {
          // The signed-in session is cached for a few seconds, so the guard needs no database: a
          // request that is wrong in itself (an empty body where one is needed, an id of the wrong
          // shape: 422; an upload that is not multipart: 400; the second step of a sign-in without
          // its pending cookie: 401) is refused without it, and what needs no database (whether SMS
          // is set up) answers; all as the document declares (checked below). The session itself is
          // never lost (401 auth.required), and what reads the database (the queue) answers 503.
          const code = response.statusCode === 503 ? undefined : (response.json() as { code?: string }).code;
          const answeredWithoutDatabase =
            response.statusCode < 500 && code !== "auth.required" && op.operation.operationId !== "listTickets";
          const refusedAsItIs = answeredWithoutDatabase;
          if (!refusedAsItIs) expect(response.statusCode, `${op.operation.operationId}: ${response.body}`).toBe(503);
        }
        checker.check(op, response, "database away");
      }
    } finally {
      await t.close();
    }
  }, 120_000);
});
