import fc from "fast-check";

/**
 * Values the fuzzer sends, and how they become JSON text. Plain JS objects are never used for
 * generated JSON objects: a `__proto__` key would set the prototype instead of becoming a
 * property, and duplicate keys could not be expressed.
 */

/** A long string kept symbolic, so a failing case prints as `"x".repeat(1048000)`, not a megabyte. */
export class LongText {
  constructor(
    readonly unit: string,
    readonly count: number,
    readonly prefix = "",
  ) {}
  toString(): string {
    return this.prefix + this.unit.repeat(this.count);
  }
  toJSON(): string {
    return this.toString();
  }
  [fc.toStringMethod](): string {
    return `${JSON.stringify(this.prefix)} + ${JSON.stringify(this.unit)}.repeat(${this.count})`;
  }
}

/** JSON text written as is: numbers JSON.stringify cannot produce (1e309, -0), or deep nesting. */
export class RawJson {
  constructor(
    readonly text: string,
    readonly label = text,
  ) {}
  [fc.toStringMethod](): string {
    return `raw(${this.label.length > 80 ? `${this.label.slice(0, 80)}…` : this.label})`;
  }
}

/** A JSON object as its list of members, in order, duplicates and `__proto__` allowed. */
export class JsonObject {
  constructor(readonly entries: [string, Json][]) {}
  [fc.toStringMethod](): string {
    return `{${this.entries.map(([key, value]) => `${JSON.stringify(key)}: ${fc.stringify(value)}`).join(", ")}}`;
  }
}

export type Json = null | boolean | number | string | LongText | RawJson | JsonObject | Json[];

export function jsonText(value: Json): string {
  if (value instanceof LongText) return JSON.stringify(value.toString());
  if (value instanceof RawJson) return value.text;
  if (value instanceof JsonObject) {
    return `{${value.entries.map(([key, member]) => `${JSON.stringify(key)}:${jsonText(member)}`).join(",")}}`;
  }
  if (Array.isArray(value)) return `[${value.map(jsonText).join(",")}]`;
  return JSON.stringify(value) ?? "null";
}

/** The text a value has in a query string or form field. */
export function plainText(value: Json): string {
  if (value === null) return "null";
  if (typeof value === "string") return value;
  if (value instanceof LongText) return value.toString();
  return jsonText(value);
}

// ---------------------------------------------------------------------------------------------
// Hostile building blocks

export const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** Text that has broken parsers, databases and renderers before. */
export const NASTY_STRINGS = [
  "",
  " ",
  "\t\n\r",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "x\ud83dy",
  "\udc00\ud800",
  "😀",
  "👩‍👩‍👧‍👦",
  "🏳️‍🌈",
  "\u202eevil\u202c",
  "שלום עולם",
  "مرحبا",
  "e\u0301\u0301\u0301\u0301",
  "Z̷̢̛͓a̶l̵g̶o̷",
  "\u200b\u200c\u200d\u2060\ufeff",
  "\ufeff",
  "\u0001\u001f\u007f\u0085",
  "\u2028\u2029",
  "\uffff\ufffe",
  "𝕬𝖑𝖎𝖈𝖊",
  "١٢٣٤",
  "ｆｕｌｌｗｉｄｔｈ",
  "' OR 1=1 --",
  "'; drop table customers; --",
  '" OR ""="',
  "\\",
  "\\'",
  "%",
  "_",
  "%_%",
  "\\%",
  "$1",
  "{{customer.name}}",
  "{{constructor}}",
  "{{__proto__}}",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as text
  "${7*7}",
  "<script>alert(1)</script>",
  "javascript:alert(1)",
  "=cmd|' /C calc'!A0",
  "@SUM(1+1)",
  "../../../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "%00",
  "%s%n%x",
  "null",
  "undefined",
  "NaN",
  "true",
  "[object Object]",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
] as const;

/** Numbers at and past the edges, as JSON text (JSON.stringify turns 1e309 into null, -0 into 0). */
export const RAW_NUMBERS = [
  "1e309",
  "-1e309",
  "-0",
  "-0.0",
  "0e0",
  "4e-400",
  "5e-324",
  "1.7976931348623157e308",
  "123456789012345678901234567890",
  "-123456789012345678901234567890",
  "9007199254740993",
  "18446744073709551616",
  "2147483648",
  "-2147483649",
  "1E2",
  "0.30000000000000004",
  "1.0",
  "100000000000000000000000.5",
] as const;

export const NUMERIC_STRINGS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "1e309",
  "0x1F",
  "0b11",
  "1_000",
  "1,000",
  " 42 ",
  "4.5",
  "1e5",
  "-1",
  "0",
  "00012",
  "9".repeat(40),
  "+1",
  ".5",
] as const;

/** Dates and times at and past what JavaScript, zod and PostgreSQL accept. */
export const NASTY_DATES = [
  "0000-01-01",
  "0000-01-01T00:00:00Z",
  "0001-01-01T00:00:00Z",
  "+275760-09-13T00:00:00.001Z",
  "+275760-09-13T00:00:00.000Z",
  "-271821-04-20T00:00:00.000Z",
  "-000001-01-01T00:00:00Z",
  "9999-12-31",
  "9999-12-31T23:59:59.999999Z",
  "10000-01-01",
  "294277-01-01T00:00:00Z",
  "5874898-01-01",
  "2026-02-30",
  "2026-02-29",
  "2024-02-29",
  "2026-02-30T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-04-31T00:00:00Z",
  "2026-01-01T24:00:00Z",
  "2026-01-01T23:59:60Z",
  "2026-01-01T00:00:00+99:99",
  "2026-01-01T00:00:00-23:59",
  "2026-01-01T00:00:00+14:00",
  "2026-01-01T00:00:00.1234567890Z",
  "2026-01-01 00:00:00+00",
  "2026-01-01T00:00:00",
  "1970-01-01T00:00:00Z",
  "1969-12-31T23:59:59.999Z",
  "2038-01-19T03:14:08Z",
  "1900-01-01",
  "infinity",
  "-infinity",
  "epoch",
  "now",
  "today",
  "allballs",
  "4714-11-24 BC",
  "Mon, 01 Jan 2026 00:00:00 GMT",
  "2026-W01-1",
  "2026-001",
] as const;

export const NASTY_IDS = [
  "not-a-uuid",
  "7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17",
  "7F3C1E9A-0B5D-4C2E-9A61-3D8F0E2B4C17",
  "{7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17}",
  "7f3c1e9a0b5d4c2e9a613d8f0e2b4c17",
  "7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c1",
  "7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c177",
  "7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c1g",
  "7f3c1e9a-0b5d-0c2e-0a61-3d8f0e2b4c17",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  " 7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17 ",
  "7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17\n",
  "０7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17",
  "1",
  "0",
  "-1",
  "1e5",
  "me",
  "none",
  "null",
  "undefined",
  "__proto__",
  "constructor",
  "prototype",
  "export.csv",
  "sla-hours",
  "sla-settings",
  "templates",
  "bulk",
  "..",
  "../..",
  "../../etc/passwd",
  "😀",
  "\u202e",
  "١",
] as const;

/** Signatures headers that are not the right one. */
export const BAD_SIGNATURES = ["", "x", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "not base64 at all!", "😀", "\u0000"] as const;

/** Content types a client might send, right and wrong. */
export const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json; charset=utf-16",
  "application/json; charset=latin1",
  "application/json;;",
  "application/json, text/plain",
  "application/vnd.api+json",
  "application/merge-patch+json",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=----fuzz",
  "text/plain",
  "text/csv",
  "text/html",
  "application/xml",
  "application/octet-stream",
  "application/csp-report",
  "*/*",
  "json",
  "",
  "😀/😀",
] as const;

/** Malformed or borderline JSON texts. */
export const MALFORMED_JSON = [
  "",
  " ",
  "{",
  "}",
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  "[1,2",
  "NaN",
  "Infinity",
  "undefined",
  "null",
  "true",
  "0",
  '""',
  "[]",
  "{}",
  "\ufeff{}",
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a":"\\x41"}',
  '{"a":"\\',
  '{"a":0x10}',
  '{"a":01}',
  '{"a":.5}',
  '{"a":1e}',
  '{"a":--1}',
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"a":1,"a":2}',
  "/* comment */ {}",
  '{"a":"\u0001raw control"}',
] as const;

export const longTexts = (units: readonly string[], counts: readonly number[]) =>
  fc.tuple(fc.constantFrom(...units), fc.constantFrom(...counts)).map(([unit, count]) => new LongText(unit, count));

/** Strings past every length limit the API has (200, 1,000, 20,000…), and 100k-character values. */
export const hugeString = longTexts(["x", "é", "😀", "\u200b", "<", "%", "1", " "], [201, 1001, 1601, 20_001, 100_000]);

export const nastyString: fc.Arbitrary<string | LongText> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 10 }), fc.constantFrom(...NASTY_STRINGS))
      .map(([a, b, c]) => `${a}${b}${c}`),
  },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY_DATES, ...NUMERIC_STRINGS, ...NASTY_IDS) },
);

const scalarJson: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, 1, -1, 0.5, 2 ** 31, 2 ** 53, -(2 ** 63), 4095, Number.MAX_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(...RAW_NUMBERS).map((text) => new RawJson(text)),
  nastyString,
);

/** `{"__proto__": {...}}`, `{"constructor": {"prototype": {...}}}` and friends. */
export const prototypePollutionObject: fc.Arbitrary<JsonObject> = fc
  .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom("polluted", "isAdmin", "role", "toString", "status"))
  .map(([key, property]) => {
    const payload = new JsonObject([[property, "fuzz-polluted"]]);
    return key === "constructor"
      ? new JsonObject([[key, new JsonObject([["prototype", payload]])]])
      : new JsonObject([[key, payload]]);
  });

/** Nesting deeper than any parser, validator or stringify should have to recurse. */
export const deeplyNested: fc.Arbitrary<Json> = fc
  .tuple(fc.constantFrom(20, 200, 2_000, 20_000, 200_000, 500_000), fc.constantFrom("array", "object"))
  .map(
    ([depth, kind]) =>
      new RawJson(
        kind === "array" ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
        `${kind} nested ${depth} deep`,
      ),
  );

/** Anything a field should not get: wrong types, edge numbers and dates, odd text, structures. */
export const hostileValue: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { weight: 6, arbitrary: scalarJson },
    { weight: 2, arbitrary: fc.constantFrom<Json>([], new JsonObject([]), [null], [""], ["a", "b"]) },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 3 }) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 8 })), tie("value")), {
          maxLength: 3,
        })
        .map((entries) => new JsonObject(entries)),
    },
    { weight: 1, arbitrary: prototypePollutionObject },
    { weight: 1, arbitrary: deeplyNested },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_DATES) },
  ),
})).value;

/** Time zone names: real ones (PostgreSQL may not know each that Intl knows) and impostors. */
export const timeZoneName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...Intl.supportedValuesOf("timeZone")),
  fc.constantFrom(
    "UTC",
    "utc",
    "Etc/UTC",
    "Etc/GMT+14",
    "Etc/GMT-14",
    "Etc/GMT+15",
    "GMT0",
    "UCT",
    "Zulu",
    "Factory",
    "localtime",
    "posixrules",
    "EST5EDT",
    "US/Pacific-New",
    "right/UTC",
    "posix/Europe/Berlin",
    "europe/berlin",
    "EUROPE/BERLIN",
    "America/Ciudad_Juarez",
    "Europe/Kyiv",
    "Pacific/Kanton",
    "Asia/Calcutta",
    "America/Argentina/ComodRivadavia",
    "+05:00",
    "-03",
    "EST",
    "MST7MDT",
    "CET",
    "Europe/Berlin ",
    "Europe/../Berlin",
    "Europe//Berlin",
    "A",
    "a/b/c/d/e/f",
  ),
);

/** A CSV text for the importer: a header, rows, and the cells and shapes that break parsers. */
export const csvText: fc.Arbitrary<string | LongText> = fc.oneof(
  fc
    .tuple(
      fc.subarray(
        [
          "accountNumber",
          "name",
          "email",
          "phone",
          "status",
          "installDate",
          "latitude",
          "vlanId",
          "servicePlan",
          "site",
          "macAddress",
          "ipAddress",
          "smsOptOut",
          "notes",
          "__proto__",
          "constructor",
          "Name ",
          "NAME",
          "",
        ],
        { minLength: 1 },
      ),
      fc.array(fc.array(fc.oneof(nastyString, fc.constantFrom(...NASTY_DATES, ...NUMERIC_STRINGS)), { maxLength: 6 }), {
        maxLength: 4,
      }),
      fc.constantFrom("\n", "\r\n", "\r"),
      fc.constantFrom(",", ";", "\t"),
      fc.boolean(),
    )
    .map(([header, rows, newline, separator, bom]) => {
      const cell = (value: string | LongText) => {
        const text = String(value);
        return /[",;\t\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
      };
      const lines = [header.map(cell).join(separator), ...rows.map((row) => row.map(cell).join(separator))];
      return `${bom ? "\ufeff" : ""}${lines.join(newline)}`;
    }),
  fc.constantFrom(
    "name\n",
    'name\n"unterminated',
    'name,phone\n"a""b",1\n"c',
    "name\nAnn\n\n\n",
    "\ufeff",
    ",,,,\n,,,,",
    "name,name,name\na,b,c",
    'name\n=HYPERLINK("http://evil")\n+1\n-1\n@x',
  ),
  // A modest file, and one past the importer's 50,000-row limit (a big import would slow every later fingerprint).
  fc.constantFrom(200, 50_001).map((rows) => new LongText("Fuzz Row\n", rows, "name\n")),
);

/**
 * encodeURIComponent that does not throw on lone surrogates: they go out as their WTF-8 bytes
 * (%ED%A0%80 for U+D800), which is what a careless client would put on the wire.
 */
export function percentEncode(text: string): string {
  let out = "";
  let run = "";
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const low = unit >= 0xdc00 && unit <= 0xdfff;
    const next = text.charCodeAt(i + 1);
    if (high && next >= 0xdc00 && next <= 0xdfff) {
      run += text.slice(i, i + 2);
      i++;
    } else if (high || low) {
      out += encodeURIComponent(run);
      run = "";
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join("");
    } else {
      run += text.charAt(i);
    }
  }
  return out + encodeURIComponent(run);
}

/**
 * What people type in a search box, and what the search reads into it: phone numbers, IP and MAC
 * addresses (with zones and prefixes), account and ticket numbers, e-mails, LIKE wildcards, case folds.
 */
export const searchText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "fe80::1%eth0",
    "fe80::1%25",
    "::ffff:10.0.0.1",
    "10.0.0.1/24",
    "10.0.0.256",
    "::",
    "AA:BB:CC:DD:EE:FF",
    "aabb.ccdd.eeff",
    "aa-bb-cc-dd-ee-ff-00",
    "C-000001",
    "c1",
    "C-9999999999999",
    "T-000001",
    "t0",
    "t-999999999",
    "999999999999",
    "+1 (212) 555-0101",
    "0101",
    "+",
    "((((",
    "--",
    "a@b",
    "@",
    "%",
    "_",
    "\\",
    "%_\\",
    "ß",
    "ẞ",
    "İ",
    "ǅ",
    "Fuzz",
    "fuzz customer 1",
    "a b c d e f g h",
  ),
  fc.stringMatching(/^[+(]?[0-9 ().-]{0,24}$/),
  fc.tuple(fc.ipV6(), fc.constantFrom("%eth0", "%1", "/64", "")).map(([ip, suffix]) => `${ip}${suffix}`),
);

/** Phone numbers as people write them, and as libphonenumber might trip over them. */
export const phoneText: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^\+?[0-9 ().-]{1,30}$/),
  fc.constantFrom(
    "+1 212 555 0100 ext. 99999999999",
    "+1 212 555 0100;ext=1",
    "tel:+1-212-555-0100",
    "+800 1234 5678",
    "+882 1234 5678",
    "+1 800 FLOWERS",
    "٠١٢٣٤٥٦٧٨٩",
    "+44 (0) 20 7946 0958",
    "00 44 20 7946 0958",
    "+9999999999999999999",
  ),
);
