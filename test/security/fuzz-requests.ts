import fc from "fast-check";
import { UNKNOWN_ID } from "../http/routes.js";
import type { FieldSchema, FuzzRoute } from "./fuzz-catalogue.js";
import {
  BAD_SIGNATURES,
  CONTENT_TYPES,
  csvText,
  deeplyNested,
  hostileValue,
  hugeString,
  type Json,
  JsonObject,
  LongText,
  MALFORMED_JSON,
  NASTY_DATES,
  NASTY_IDS,
  NASTY_STRINGS,
  NUMERIC_STRINGS,
  nastyString,
  PROTOTYPE_KEYS,
  percentEncode,
  phoneText,
  plainText,
  prototypePollutionObject,
  RawJson,
  searchText,
  timeZoneName,
} from "./fuzz-values.js";

export type Persona = "admin" | "technician" | "anonymous";

/** One query-string member; `raw` members go into the URL unencoded (brackets, dots, broken escapes). */
export interface QueryPair {
  key: string | LongText;
  value: string | LongText;
  raw?: boolean;
}

export type Payload =
  | { json: Json; contentType?: string }
  | { text: string | LongText; contentType?: string }
  | { bytes: number[]; contentType?: string }
  | { form: [string, string | LongText][]; contentType?: string };

export type Signing = "valid" | "wrong-key" | "other-url" | "missing" | "twice" | { header: string | LongText };

/** A request as data: printable when fast-check reports it, built into an inject call by the runner. */
export interface FuzzRequest {
  /** What is being fuzzed, for messages: the route pattern or the kind of path. */
  target: string;
  persona: Persona;
  method: string;
  path: string;
  query: QueryPair[];
  payload?: Payload;
  /** Only on the Twilio webhooks. */
  signing?: Signing;
  /** Signed-in personas send the right CSRF token unless this says otherwise. */
  csrf?: "missing" | "wrong";
  /** An anonymous client's made-up Cookie header (a session that does not exist, or garbage). */
  cookie?: string;
}

/** What the fixture database holds, so generated requests can reach real rows. */
export interface FuzzFixture {
  /** Ids of real rows: a customer, a ticket, a plan, a site, an SMS, a spare staff account… */
  ids: string[];
  /** The same ids by what they name, so a field or path gets the kind it expects now and then. */
  idsByKind: Record<IdKind, string[]>;
  /** Cursors the list routes handed out (used on every list, not only their own). */
  cursors: string[];
  /** MessageSids of SMS the app has on record. */
  messageSids: string[];
}

export type IdKind =
  | "customer"
  | "ticket"
  | "plan"
  | "site"
  | "sms"
  | "user"
  | "comment"
  | "webhook"
  | "incident"
  | "notification";

/** The kind of row a field or path names: `customerId`, `/api/customers/:id`… */
function idKindOf(text: string): IdKind | undefined {
  const lower = text.toLowerCase();
  // A notification's id is a number (/api/notifications/:id/read).
  if (lower.includes("notification")) return "notification";
  // Before "sms": a webhook endpoint and its deliveries (/api/webhooks/:id/deliveries/:deliveryId).
  if (lower.includes("webhook") || lower.includes("deliver")) return "webhook";
  // Before "ticket" and "customer": an incident's own lists (/api/incidents/:id/tickets, …/customers).
  if (lower.includes("incident")) return "incident";
  if (lower.includes("customer")) return "customer";
  if (lower.includes("ticket") || lower === "ids") return "ticket";
  if (lower.includes("plan")) return "plan";
  if (lower.includes("site")) return "site";
  if (lower.includes("sms")) return "sms";
  if (lower.includes("assignee") || lower.includes("user")) return "user";
  return undefined;
}

/** Ids for a field or path: mostly of the kind it names, sometimes any real row's, sometimes none's. */
function idFor(text: string, fixture: FuzzFixture): fc.Arbitrary<string> {
  const kind = idKindOf(text);
  const own = kind ? fixture.idsByKind[kind] : [];
  return fc.oneof(
    ...(own.length ? [{ weight: 4, arbitrary: fc.constantFrom(...own) }] : []),
    { weight: 1, arbitrary: fc.constantFrom(...fixture.ids) },
    { weight: 1, arbitrary: fc.constant(UNKNOWN_ID) },
  );
}

const persona: fc.Arbitrary<Persona> = fc.oneof(
  { weight: 15, arbitrary: fc.constant<Persona>("admin") },
  { weight: 3, arbitrary: fc.constant<Persona>("technician") },
  { weight: 2, arbitrary: fc.constant<Persona>("anonymous") },
);

const base64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");

/** Cursors a client could forge: garbage, base64 of the wrong JSON, out-of-range keys, real ones mangled. */
export function cursorValue(fixture: FuzzFixture): fc.Arbitrary<string | LongText> {
  const ids = [...fixture.ids, UNKNOWN_ID];
  const cursorKey = fc.oneof(
    fc.constantFrom<unknown>(...NASTY_DATES, ...NUMERIC_STRINGS, ...ids),
    fc.constantFrom<unknown>(
      "2026-01-01 00:00:00+00",
      "1999-01-01 00:00:00+00",
      "2000-01-01T00:00:00.000Z",
      "urgent",
      "nope",
      "a\u0000",
      "\ud800",
      "99999999999999999999999",
      "0.5",
      "-1",
      null,
      true,
      12,
      1e300,
      [],
      {},
    ),
    fc.string({ maxLength: 12 }),
  );
  return fc.oneof(
    { weight: 3, arbitrary: fixture.cursors.length ? fc.constantFrom(...fixture.cursors) : fc.constant("") },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fixture.cursors.length ? fc.constantFrom(...fixture.cursors) : fc.constant("W10"),
          fc.constantFrom("truncate", "append", "standard-base64", "flip"),
        )
        .map(([cursor, how]) => {
          if (how === "truncate") return cursor.slice(0, Math.max(1, cursor.length - 3));
          if (how === "append") return `${cursor}A`;
          if (how === "flip") return `${cursor.slice(0, 4)}${cursor[4] === "A" ? "B" : "A"}${cursor.slice(5)}`;
          return Buffer.from(cursor, "base64url").toString("base64");
        }),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "!!!",
        "abc",
        "====",
        "%",
        "null",
        base64url("{}"),
        base64url("[]"),
        base64url("null"),
        base64url('"x"'),
        base64url("[1]"),
        base64url("[null,null]"),
        base64url("[1,2,3]"),
        base64url("[[],{}]"),
        base64url('{"__proto__":{"polluted":"yes"}}'),
        base64url(`[1e999,"${UNKNOWN_ID}"]`),
        base64url(`[123456789012345678901234567890,"${UNKNOWN_ID}"]`),
        base64url(`["1e400","x","${UNKNOWN_ID}"]`),
        base64url(`["${"9".repeat(90)}","a","${UNKNOWN_ID}"]`),
        base64url(`["1999-01-01 00:00:00+00","${UNKNOWN_ID}"]`),
        base64url(`["2000-01-01T00:00:00.000Z","${UNKNOWN_ID}"]`),
        base64url(`["0000-01-01T00:00:00.000Z","${UNKNOWN_ID}"]`),
        base64url(`["+275760-09-13T00:00:00.001Z","${UNKNOWN_ID}"]`),
        base64url(`["2026-02-30T00:00:00Z","${UNKNOWN_ID}"]`),
        base64url("\u0000"),
        base64url('["\\u0000"]'),
        Buffer.from([0xff, 0xfe, 0x00, 0x5b]).toString("base64url"),
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.array(cursorKey, { minLength: 1, maxLength: 3 }),
          fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ids) }, cursorKey),
        )
        .map(([keys, last]) => base64url(JSON.stringify([...keys, last]))),
    },
    {
      // A real cursor with one of its keys swapped: the right shape around the wrong value.
      weight: 4,
      arbitrary: fc
        .tuple(fixture.cursors.length ? fc.constantFrom(...fixture.cursors) : fc.constant("W10"), fc.nat(3), cursorKey)
        .map(([cursor, index, key]) => {
          const keys = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
          keys[index % Math.max(1, keys.length - 1)] = key;
          return base64url(JSON.stringify(keys));
        }),
    },
    { weight: 1, arbitrary: nastyString },
    { weight: 1, arbitrary: fc.constantFrom(499, 501, 1001, 100_000).map((n) => new LongText("A", n)) },
  );
}

/** Text without NUL (refused up front) so that fitting values reach the service. */
const fittingText = (minLength: number, maxLength: number) =>
  fc
    .string({ minLength: Math.max(minLength, 1), maxLength, unit: "grapheme" })
    .map((text) => text.replaceAll("\u0000", "").trim() || "Fuzz");

/** Values that fit particular fields by name, where the schema alone does not say enough. */
function fittingByName(name: string, fixture: FuzzFixture): fc.Arbitrary<Json> | undefined {
  switch (name) {
    case "csv":
      return csvText;
    case "tz":
      return timeZoneName;
    case "cursor":
      return cursorValue(fixture);
    case "email":
      return fc
        .tuple(fc.constantFrom("fuzz", "FUZZ.Person", "o'neil", "x+y", "ünï"), fc.nat(99_999))
        .map(([local, n]) => `${local}${n}@example.com`);
    case "phone":
    case "altPhone":
      return fc.constantFrom("+1 212 555 0100", "(212) 555-0147", "+44 20 7946 0958", "212.555.0199", null);
    case "q":
      return searchText;
    case "macAddress":
      return fc.constantFrom("AA:BB:CC:DD:EE:FF", "aabb.ccdd.eeff", "aa-bb-cc-dd-ee-01", null);
    case "ipAddress":
      return fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant("::ffff:10.0.0.1"));
    case "installDate":
      return fc.constantFrom("2026-03-31", "2024-02-29", "1999-12-31", null);
    case "since":
    case "until":
      return fc.constantFrom("2026-01-01T00:00:00Z", "2030-01-01T00:00:00+02:00", "1999-12-31T23:59:59.999Z");
    case "country":
      return fc.constantFrom("US", "de", "GB", null);
    case "password":
    case "newPassword":
      return fc.constantFrom("fuzz-password-1", "ünïcödé-pässwörd", "correct horse battery staple");
    case "body":
      return fc.oneof(
        fc.constantFrom(
          "Hello {{customer.name}}",
          "{{ticket.number}} is {{ticket.status}}, {{technician.name}}",
          "{{nope}}",
          "STOP",
        ),
        fittingText(1, 200),
      );
    case "ids":
      return fc.array(idFor("ticket", fixture), { minLength: 1, maxLength: 4 });
    case "limit":
      // Small pages, so lists hand out cursors (the runner follows them).
      return fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, fc.constantFrom(50, 200));
    case "version":
      // The fixture's rows are at low versions: small numbers hit the current one now and then.
      return fc.integer({ min: 1, max: 4 });
    case "mapping":
      return fc
        .array(
          fc.tuple(
            fc.constantFrom("name", "Name", "phone", "E-mail"),
            fc.constantFrom<Json>("name", "phone", "email", null),
          ),
          {
            maxLength: 3,
          },
        )
        .map((entries) => new JsonObject(entries));
    default:
      return undefined;
  }
}

/** A value that fits the field, as far as its name and the OpenAPI document tell: these get through. */
function fittingValue(schema: FieldSchema, name: string, fixture: FuzzFixture): fc.Arbitrary<Json> {
  const named = fittingByName(name, fixture);
  if (named) return named;
  if (schema.enum?.length) return fc.constantFrom(...(schema.enum as Json[]));
  if (schema.const !== undefined) return fc.constant(schema.const as Json);
  const options = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  if (options.length) return fc.oneof(...options.map((option) => fittingValue(option, name, fixture)));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => fittingValue({ ...schema, type }, name, fixture)));
  switch (types[0]) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return fc.integer({ min: Math.max(schema.minimum ?? 1, -1e6), max: Math.min(schema.maximum ?? 1000, 1e6) });
    case "number": {
      const min = Math.max(
        schema.minimum ?? 0,
        schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 0.01 : -1e6,
      );
      const max = Math.min(schema.maximum ?? 1e6, 1e6);
      return fc.integer({ min: Math.ceil(min * 100), max: Math.floor(max * 100) }).map((cents) => cents / 100);
    }
    case "array":
      return fc.array(fittingValue(schema.items ?? {}, name, fixture), { maxLength: 3 });
    case "object":
      return fc
        .array(
          fc.tuple(
            fc.string({ maxLength: 8 }),
            fittingValue(
              typeof schema.additionalProperties === "object" ? schema.additionalProperties : {},
              name,
              fixture,
            ),
          ),
          { maxLength: 3 },
        )
        .map((entries) => new JsonObject(entries));
    case "string":
      if (schema.format === "uuid") return idFor(name, fixture);
      if (schema.format === "date-time")
        return fc.constantFrom("2026-01-01T00:00:00Z", "2026-06-30T12:34:56.789+05:30");
      if (schema.format === "date") return fc.constantFrom("2026-03-31", "2024-02-29");
      if (schema.format === "ipv4") return fc.ipV4();
      if (schema.format === "ipv6") return fc.ipV6();
      return fittingText(schema.minLength ?? 1, Math.min(schema.maxLength ?? 200, 40));
    default:
      return hostileValue;
  }
}

/** Values at the field's edges: lengths and bounds just past the limits, dates and phones that almost work. */
function edgeValue(schema: FieldSchema, name: string): fc.Arbitrary<Json> {
  const resolved = [schema, ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  const max = resolved.find((part) => part.maxLength !== undefined)?.maxLength;
  const lower = resolved.find((part) => part.minimum !== undefined)?.minimum;
  const upper = resolved.find((part) => part.maximum !== undefined)?.maximum;
  const edges: Json[] = [];
  if (max !== undefined)
    edges.push(
      new LongText("x", max),
      new LongText("x", max + 1),
      new LongText(" ", max + 1, "y"),
      new LongText("é", max),
    );
  if (lower !== undefined) edges.push(lower, lower - 1, lower - 0.5, new RawJson(`${lower}.0`));
  if (upper !== undefined) edges.push(upper, upper + 1, upper + 0.001, new RawJson(`${upper}e0`));
  const numeric = resolved.some((part) => part.type === "integer" || part.type === "number");
  // PostgreSQL's integer and bigint edges, for numbers the schema leaves unbounded (or bounds loosely).
  if (numeric) edges.push(2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, new RawJson("9223372036854775808"));
  const byName: Record<string, readonly Json[]> = {
    phone: ["+", "12", "+999999999999999", "tel:+12125550100", "+1 212 555 010٠", "00", "+0"],
    altPhone: ["+", "+1 800 FLOWERS", "+882 1234 5678"],
    email: ["a@b", "@example.com", "a@@b.c", "a@例え.jp", "a@b.co\n", `${"A".repeat(250)}@x.co`],
    installDate: NASTY_DATES,
    since: NASTY_DATES,
    until: NASTY_DATES,
    macAddress: ["AA-BB-CC-DD-EE-F", "gg:hh:ii:jj:kk:ll", "AA:BB:CC:DD:EE:FF:00"],
    ipAddress: ["10.0.0.256", "::ffff:999.0.0.1", "1.2.3", "fe80::1%eth0"],
    country: ["XX", "U", "USA", "ÜS", "us "],
    monthlyPrice: [0.001, 19.999, 1.005, 99_999_999.99],
    version: [0, -1, 2 ** 31, 2 ** 53, new RawJson("1e309")],
  };
  const named = byName[name] ?? [];
  const all = [...edges, ...named];
  const fixed = all.length ? fc.constantFrom(...all) : hostileValue;
  if (name === "phone" || name === "altPhone" || name === "From" || name === "To") return fc.oneof(fixed, phoneText);
  if (name === "q") return fc.oneof(fixed, searchText);
  return fixed;
}

/** What the field wants, something at its edges, or something it must refuse. */
function fieldValue(schema: FieldSchema, name: string, fixture: FuzzFixture): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 3, arbitrary: fittingValue(schema, name, fixture) },
    { weight: 2, arbitrary: edgeValue(schema, name) },
    { weight: 2, arbitrary: hostileValue },
  );
}

/** Fields a client must not set (mass assignment) and keys that poison prototypes. */
const extraKey = fc.constantFrom(
  ...PROTOTYPE_KEYS,
  "id",
  "role",
  "active",
  "createdById",
  "version",
  "passwordHash",
  "accountNumber",
  "createdAt",
  "archivedAt",
  "csrfToken",
  "",
  "a.b",
  "$where",
);

function objectBody(route: FuzzRoute, fixture: FuzzFixture): fc.Arbitrary<Json> {
  const names = Object.keys(route.body);
  const entry = (name: string, fitting: boolean) =>
    (fitting
      ? fittingValue(route.body[name] ?? {}, name, fixture)
      : fieldValue(route.body[name] ?? {}, name, fixture)
    ).map((value) => [name, value] as [string, Json]);
  // Every required field, some optional ones, values that fit: these get through to the service.
  const fittingEntries = fc
    .subarray(names.filter((name) => !route.required.includes(name)))
    .chain((optional) => fc.tuple(...[...route.required, ...optional].map((name) => entry(name, true))));
  const fitting = fittingEntries.map((entries) => new JsonObject(entries));
  // A body that fits but for one field, at its edge or plainly wrong: the classic way past validation.
  const oneOff = names.length
    ? fc
        .tuple(fittingEntries, fc.constantFrom(...names))
        .chain(([entries, name]) =>
          fc
            .oneof(
              { weight: 3, arbitrary: edgeValue(route.body[name] ?? {}, name) },
              { weight: 1, arbitrary: hostileValue },
            )
            .map((value) => new JsonObject([...entries.filter(([key]) => key !== name), [name, value]])),
        )
    : fitting;
  const mixed = fc
    .tuple(
      fc.subarray(names).chain((chosen) => fc.tuple(...chosen.map((name) => entry(name, false)))),
      fc.array(fc.tuple(extraKey, hostileValue), { maxLength: 2 }),
      // Now and then a field twice: {"role":"technician","role":"admin"}.
      fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, fc.constantFrom(...(names.length ? names : ["id"]))),
    )
    .chain(([entries, extras, duplicated]) =>
      (duplicated === null ? fc.constant(null) : fieldValue(route.body[duplicated] ?? {}, duplicated, fixture)).map(
        (again) =>
          new JsonObject([
            ...entries,
            ...extras,
            ...(duplicated !== null && again !== null ? [[duplicated, again] as [string, Json]] : []),
          ]),
      ),
    );
  return fc.oneof(
    { weight: 3, arbitrary: fitting },
    { weight: 3, arbitrary: oneOff },
    { weight: 3, arbitrary: mixed },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fitting, prototypePollutionObject)
        .map(([body, poison]) => new JsonObject([...(body as JsonObject).entries, ...poison.entries])),
    },
  );
}

/** A body of (about) the given size in bytes, around the 1 MiB limit. */
function sizedBody(bytes: number): Json {
  const name = "name";
  const overhead = `{"${name}":""}`.length;
  return new JsonObject([[name, new LongText("x", Math.max(0, bytes - overhead))]]);
}

function payloadFor(route: FuzzRoute, fixture: FuzzFixture): fc.Arbitrary<Payload> {
  const json = fc.oneof(
    { weight: 12, arbitrary: objectBody(route, fixture) },
    { weight: 2, arbitrary: hostileValue },
    { weight: 1, arbitrary: deeplyNested },
    {
      weight: 1,
      arbitrary: fc.constantFrom(1_048_000, 1_048_575, 1_048_576, 1_048_577, 1_100_000).map((size) => sizedBody(size)),
    },
  );
  return fc.oneof(
    { weight: 14, arbitrary: json.map((value): Payload => ({ json: value })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(json, fc.constantFrom(...CONTENT_TYPES))
        .map(([value, contentType]): Payload => ({ json: value, contentType })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...MALFORMED_JSON), fc.constantFrom("application/json", ...CONTENT_TYPES))
        .map(([text, contentType]): Payload => ({ text, contentType })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.constantFrom<number[]>(
              [0xff, 0xfe, 0xfd],
              [0xc0, 0xaf],
              [0xed, 0xa0, 0x80],
              [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d],
            ),
            fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 24 }),
          ),
          fc.constantFrom("application/json", "application/json; charset=utf-8", "application/octet-stream"),
        )
        .map(([bytes, contentType]): Payload => ({ bytes, contentType })),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...Object.keys(route.body), ...PROTOTYPE_KEYS), fc.string({ maxLength: 6 })),
            nastyString,
          ),
          {
            maxLength: 4,
          },
        )
        .map((form): Payload => ({ form, contentType: "application/x-www-form-urlencoded" })),
    },
  );
}

/** A path parameter: real ids, the route's own enum values, and every shape of wrong id. */
function paramValue(route: FuzzRoute, name: string, fixture: FuzzFixture): fc.Arbitrary<string> {
  const own = route.paramValues[name] ?? [];
  return fc.oneof(
    { weight: 4, arbitrary: idFor(route.pattern.split("/")[2] ?? "", fixture) },
    ...(own.length ? [{ weight: 4, arbitrary: fc.constantFrom(...own.map(String)) }] : []),
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_IDS).map(percentEncode) },
    { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS).map(percentEncode) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "..",
        "../..",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "%2e%2e%2f%2e%2e",
        "%252e%252e",
        "%C0%AE%C0%AE",
        "%",
        "%ZZ",
        "%E0%A4%A",
        "%FF%FE",
        "%00",
        "x;y",
        "a%20b",
        "x".repeat(199),
        "x".repeat(201),
        "7".repeat(1000),
        percentEncode("😀".repeat(60)),
        percentEncode("\u202e".repeat(100)),
      ),
    },
  );
}

/** Keys that poison prototypes or smuggle structure through query-string parsers. */
const POLLUTING_QUERY_KEYS = [
  "__proto__[polluted]",
  "__proto__.polluted",
  "__proto__",
  "constructor[prototype][polluted]",
  "constructor.prototype.polluted",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "status[]",
  "status[0]",
  "limit[$gt]",
  "q[]",
  "a[b][c][d][e][f]",
] as const;

function queryFor(route: FuzzRoute, fixture: FuzzFixture): fc.Arbitrary<QueryPair[]> {
  const names = Object.keys(route.query);
  const encodedValue = (name: string): fc.Arbitrary<string | LongText> =>
    fieldValue(route.query[name] ?? {}, name, fixture).map((value) =>
      value instanceof LongText ? value : plainText(value),
    );
  const schemaPair = names.length
    ? fc.constantFrom(...names).chain((name) => encodedValue(name).map((value): QueryPair => ({ key: name, value })))
    : fc.constant<QueryPair>({ key: "unexpected", value: "1" });
  const repeated = (names.length ? fc.constantFrom(...names) : fc.constant("limit")).chain((name) =>
    fc
      .array(encodedValue(name), { minLength: 2, maxLength: 4 })
      .map((values) => values.map((value): QueryPair => ({ key: name, value }))),
  );
  const polluting = fc
    .tuple(fc.constantFrom(...POLLUTING_QUERY_KEYS), fc.constantFrom("1", "yes", "admin", "", "[object Object]"))
    .map(([key, value]): QueryPair => ({ key, value, raw: true }));
  const brokenEncoding = fc
    .constantFrom("%", "%ZZ", "%E0%A4%A", "%FF", "%u0041", "a=b=c", "&&&", "=", "+", "%2B", ";", "%26", "%3D")
    .map((text): QueryPair => ({ key: names[0] ?? "q", value: text, raw: true }));
  const huge = fc
    .tuple(names.length ? fc.constantFrom(...names) : fc.constant("q"), fc.constantFrom(100_000, 20_001, 1_001))
    .map(([name, count]): QueryPair => ({ key: name, value: new LongText("q", count) }));
  const cursor = cursorValue(fixture).map((value): QueryPair => ({ key: "cursor", value }));
  const pair = fc.oneof(
    { weight: 8, arbitrary: schemaPair.map((p) => [p]) },
    { weight: 2, arbitrary: repeated },
    { weight: 2, arbitrary: polluting.map((p) => [p]) },
    { weight: 1, arbitrary: brokenEncoding.map((p) => [p]) },
    { weight: 1, arbitrary: huge.map((p) => [p]) },
    { weight: names.includes("cursor") ? 4 : 1, arbitrary: cursor.map((p) => [p]) },
    { weight: 1, arbitrary: fc.tuple(nastyString, nastyString).map(([key, value]) => [{ key, value }]) },
  );
  const mixed = fc.array(pair, { maxLength: 4 }).map((groups) => groups.flat());
  // Filters that fit, with one hostile member (often a forged cursor): gets past validation to the query.
  const fittingPair = (name: string) =>
    fittingValue(route.query[name] ?? {}, name, fixture).map(
      (value): QueryPair => ({ key: name, value: value instanceof LongText ? value : plainText(value) }),
    );
  const fitting = fc
    .tuple(
      fc.subarray(names.filter((name) => name !== "cursor")).chain((chosen) => fc.tuple(...chosen.map(fittingPair))),
      fc.oneof(
        { weight: names.includes("cursor") ? 4 : 0, arbitrary: cursor.map((p) => [p]) },
        { weight: 1, arbitrary: schemaPair.map((p) => [p]) },
        { weight: 1, arbitrary: repeated },
        { weight: 1, arbitrary: fc.constant<QueryPair[]>([]) },
      ),
    )
    .map(([fits, attack]) => [...fits, ...attack]);
  // Filters that all fit: these list real pages (and hand out cursors for the runner to follow).
  const clean = fc
    .subarray(names.filter((name) => name !== "cursor"))
    .chain((chosen) => fc.tuple(...chosen.map(fittingPair)));
  return names.length
    ? fc.oneof({ weight: 2, arbitrary: mixed }, { weight: 2, arbitrary: fitting }, { weight: 1, arbitrary: clean })
    : mixed;
}

/** Cookie headers a client might make up: sessions that do not exist, broken encodings, duplicates. */
const forgedCookie: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "uplink_session=%E0%A4%A",
    "uplink_session=%",
    "uplink_session=a; uplink_session=b",
    `uplink_session=${"x".repeat(43)}`,
    `uplink_session=${"x".repeat(5000)}`,
    'uplink_session="quoted"',
    "uplink_session=",
    "=; ; ;;",
    "__proto__=x; constructor=y; uplink_session=__proto__",
    "uplink_session=%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00",
  ),
  fc.base64String({ minLength: 20, maxLength: 100 }).map((token) => `uplink_session=${token}`),
);

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Requests to one API route: its path parameters, query, body, method, persona and CSRF token fuzzed. */
export function apiRequest(route: FuzzRoute, fixture: FuzzFixture): fc.Arbitrary<FuzzRequest> {
  const path = fc.tuple(...route.params.map((name) => paramValue(route, name, fixture))).map((values) => {
    let index = 0;
    return route.pattern.replace(/:[A-Za-z0-9_]+/g, () => values[index++] ?? "");
  });
  const wantsBody = WRITE_METHODS.has(route.method);
  return fc
    .record({
      persona,
      path,
      query: wantsBody
        ? fc.oneof({ weight: 4, arbitrary: fc.constant<QueryPair[]>([]) }, queryFor(route, fixture))
        : queryFor(route, fixture),
      // Reads go without a body mostly; a body now and then must not confuse them either.
      payload: fc.oneof(
        { weight: wantsBody ? 1 : 12, arbitrary: fc.constant(undefined) },
        { weight: wantsBody ? 12 : 1, arbitrary: payloadFor(route, fixture) },
      ),
      method: fc.oneof(
        { weight: 30, arbitrary: fc.constant(route.method) },
        { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS") },
      ),
      csrf: fc.oneof(
        { weight: 30, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom<"missing" | "wrong">("missing", "wrong") },
      ),
      cookie: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, forgedCookie),
    })
    .map(({ persona: who, path: url, query, payload, method, csrf, cookie }) => ({
      target: `${route.method} ${route.pattern}`,
      persona: who,
      method,
      path: url,
      query,
      payload,
      ...(csrf ? { csrf } : {}),
      ...(cookie !== undefined && who === "anonymous" ? { cookie } : {}),
    }));
}

const WEBHOOK_FIELDS = [
  "MessageSid",
  "MessageStatus",
  "SmsStatus",
  "ErrorCode",
  "From",
  "To",
  "Body",
  "AccountSid",
  "NumMedia",
  "SmsSid",
  "ApiVersion",
] as const;

/** Twilio webhooks: unsigned, wrongly signed, and correctly signed with garbage fields. */
export function webhookRequest(fixture: FuzzFixture): fc.Arbitrary<FuzzRequest> {
  const webhookValue = (name: string) =>
    fc.oneof(
      {
        weight: 3,
        arbitrary:
          name === "MessageSid" || name === "SmsSid"
            ? fc.constantFrom(...fixture.messageSids, "SM00000000000000000000000000000000", "SMfuzz")
            : name === "MessageStatus" || name === "SmsStatus"
              ? fc.constantFrom("queued", "sent", "delivered", "undelivered", "failed", "read", "receiving", "nope", "")
              : name === "ErrorCode"
                ? fc.constantFrom("30006", "30003", "0", "-1", "99999999999999999999", "", "abc")
                : name === "From" || name === "To"
                  ? fc.oneof(
                      fc.constantFrom("+12125550101", "+15005550006", "+44 7700 900123", "not-a-phone", "", "+"),
                      phoneText,
                    )
                  : name === "Body"
                    ? fc.constantFrom(
                        "STOP",
                        "START",
                        "HELP",
                        "stop",
                        " Stop! ",
                        "ＳＴＯＰ",
                        "T-000001 thanks",
                        "UNSUBSCRIBE",
                        "",
                      )
                    : fc.string({ maxLength: 10 }),
      },
      { weight: 2, arbitrary: nastyString },
    );
  const pair = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .constantFrom(...WEBHOOK_FIELDS)
        .chain((name) => webhookValue(name).map((value) => [name, value] as [string, string | LongText])),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...PROTOTYPE_KEYS, "__proto__[x]", "constructor[prototype][x]", "a[b]", ""), nastyString)
        .map(([key, value]) => [key, value] as [string, string | LongText]),
    },
  );
  // Every field either webhook needs, values mostly plausible, plus a few extra pairs: these get past
  // validation to the receipt and inbound-message logic.
  const complete = fc
    .tuple(
      fc.tuple(
        ...(["MessageSid", "MessageStatus", "From", "To", "Body"] as const).map((name) =>
          webhookValue(name).map((value) => [name, value] as [string, string | LongText]),
        ),
      ),
      fc.array(pair, { maxLength: 3 }),
    )
    .map(([fields, extra]) => [...fields, ...extra]);
  const form = fc.oneof({ weight: 3, arbitrary: complete }, { weight: 2, arbitrary: fc.array(pair, { maxLength: 8 }) });
  const payload = fc.oneof(
    {
      weight: 10,
      arbitrary: form.map((fields): Payload => ({ form: fields, contentType: "application/x-www-form-urlencoded" })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(form, fc.constantFrom(...CONTENT_TYPES))
        .map(([fields, contentType]): Payload => ({ form: fields, contentType })),
    },
    { weight: 1, arbitrary: hostileValue.map((json): Payload => ({ json })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("%", "%ZZ=1", "a=%E0%A4%A", "&&&", "=", "MessageSid=SM1&MessageSid=SM2&MessageStatus=delivered")
        .map((text): Payload => ({ text, contentType: "application/x-www-form-urlencoded" })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(65_000, 65_537, 70_000).map(
        (size): Payload => ({
          form: [["Body", new LongText("x", size)]],
          contentType: "application/x-www-form-urlencoded",
        }),
      ),
    },
  );
  const signing = fc.oneof(
    { weight: 8, arbitrary: fc.constant<Signing>("valid") },
    { weight: 2, arbitrary: fc.constantFrom<Signing>("wrong-key", "other-url", "missing", "twice") },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.constantFrom<string | LongText>(...BAD_SIGNATURES), hugeString, fc.string({ maxLength: 40 }))
        .map((header): Signing => ({ header })),
    },
  );
  return fc
    .record({
      path: fc.constantFrom("/webhooks/twilio/status", "/webhooks/twilio/inbound"),
      query: fc.oneof(
        { weight: 6, arbitrary: fc.constant<QueryPair[]>([]) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.constantFrom("__proto__[x]", "MessageSid", "x"), fc.constantFrom("1", "SM1"))
            .map(([key, value]) => [{ key, value, raw: true }]),
        },
      ),
      payload,
      signing,
      persona: fc.oneof({ weight: 6, arbitrary: fc.constant<Persona>("anonymous") }, { weight: 1, arbitrary: persona }),
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant("POST") },
        { weight: 1, arbitrary: fc.constantFrom("GET", "PUT") },
      ),
    })
    .map((request) => ({ target: `${request.method} ${request.path}`, ...request }));
}

/** Paths outside the API: the web app, static files, traversal, things that must not exist. */
export function nonApiRequest(): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      path: fc.oneof(
        fc.constantFrom(
          "/",
          "/login",
          "/customers/123",
          "/tickets/%2e%2e/%2e%2e/etc/passwd",
          "/assets/../package.json",
          "/assets/..%2f..%2fpackage.json",
          "/assets/%2e%2e%2f%2e%2e%2fpackage.json",
          "/assets/missing.js",
          "/assets/",
          "/index.html",
          "/favicon.svg",
          "/.git/config",
          "/.git/HEAD",
          "/.env",
          "/package.json",
          "/src/server/app.ts",
          "/dist/server/main.js.map",
          "/%00",
          "/%",
          "/%ZZ",
          "//evil.example/",
          "/\\evil.example",
          "/api",
          "/api/",
          "/api/../package.json",
          "/api/docs",
          "/api/docs/",
          "/api/docs/static/../../package.json",
          "/api/docs/static/%2e%2e/%2e%2e/package.json",
          "/api/docs/json",
          "/api/docs/yaml",
          "/api/openapi.json",
          "/webhooks",
          "/webhooks/twilio",
          "/webhooks/twilio/status/extra",
          "/healthz",
          "/readyz",
          "/metrics",
          "/metrics/",
          "/METRICS",
          "/status",
          "/status.json",
          "/status.atom",
          "/status/",
          "/status.json/../package.json",
          "/healthz/",
          "/HEALTHZ",
        ),
        fc.constantFrom(...NASTY_STRINGS).map((text) => `/${percentEncode(text)}`),
        hugeString.map((text) => `/${percentEncode(text.toString().slice(0, 5000))}`),
      ),
      query: fc.oneof(
        { weight: 3, arbitrary: fc.constant<QueryPair[]>([]) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.constantFrom(...POLLUTING_QUERY_KEYS, "redirect", "next", "url"),
              fc.constantFrom("//evil.example", "1", "<script>"),
            )
            .map(([key, value]): QueryPair[] => [{ key, value, raw: true }]),
        },
        { weight: 1, arbitrary: fc.constant<QueryPair[]>([{ key: "q", value: new LongText("q", 100_000) }]) },
      ),
      method: fc.oneof(
        { weight: 6, arbitrary: fc.constant("GET") },
        { weight: 1, arbitrary: fc.constantFrom("POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS") },
      ),
      persona,
      payload: fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        fc.constantFrom<Payload>({ json: new JsonObject([["a", 1]]) }, { text: "{", contentType: "application/json" }),
      ),
    })
    .map((request) => ({ target: `${request.method} (non-API) ${request.path.slice(0, 60)}`, ...request }));
}

/** The whole mix: mostly API routes (all of them, equally), then webhooks and non-API paths. */
export function fuzzRequest(routes: FuzzRoute[], fixture: FuzzFixture): fc.Arbitrary<FuzzRequest> {
  // Writes weigh double (they have more to get wrong, and to change); the static API docs a quarter.
  const weightOf = (route: FuzzRoute) => (route.pattern.startsWith("/api/docs") ? 1 : route.method === "GET" ? 4 : 8);
  const api = fc.oneof(...routes.map((route) => ({ weight: weightOf(route), arbitrary: apiRequest(route, fixture) })));
  return fc.oneof(
    { weight: 40, arbitrary: api },
    { weight: 5, arbitrary: webhookRequest(fixture) },
    { weight: 3, arbitrary: nonApiRequest() },
  );
}

/**
 * One page of one row from every list, in every sort it offers, as admin: the runner follows each
 * nextCursor, so every kind of cursor the API hands out is read back at least once.
 */
export function pagingRequests(routes: FuzzRoute[], fixture: FuzzFixture): FuzzRequest[] {
  return routes
    .filter((route) => route.documented && route.method === "GET" && "cursor" in route.query)
    .flatMap((route) => {
      const sorts = (route.query.sort?.enum ?? [undefined]) as (string | undefined)[];
      // A list under a webhook endpoint (its deliveries) pages through that endpoint's rows.
      const ownerKind = idKindOf(route.pattern);
      const owner =
        ownerKind === "webhook" || ownerKind === "incident" ? fixture.idsByKind[ownerKind] : fixture.idsByKind.ticket;
      const path = route.pattern.replace(/:[A-Za-z0-9_]+/g, () => owner[0] ?? UNKNOWN_ID);
      return sorts.map(
        (sort): FuzzRequest => ({
          target: `${route.method} ${route.pattern}`,
          persona: "admin",
          method: "GET",
          path,
          query: [
            { key: "limit", value: "1" },
            ...(sort === undefined ? [] : [{ key: "sort", value: sort }]),
            // Relevance needs something to be relevant to.
            ...(sort === "relevance" ? [{ key: "q", value: "fuzz" }] : []),
          ],
        }),
      );
    });
}
