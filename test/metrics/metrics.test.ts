import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { LightMyRequestResponse } from "fastify";
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { serviceContext } from "../../src/server/context.js";
import { writeOutboundSms } from "../../src/server/sms/sms.outbox.js";
import { useSmsApp } from "../sms/sms-test-app.js";
import { DEMO, problemOf, signIn, testConfig, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { eventually } from "../support/twilio-stand-in.js";

const METRICS_TOKEN = "metrics-test-token-0123456789abcdef";
const bearer = { authorization: `Bearer ${METRICS_TOKEN}` };

/** Every family the dashboard and docs/operations.md rely on. */
const EXPECTED_FAMILIES = [
  "uplink_http_requests_total",
  "uplink_http_request_duration_seconds",
  "uplink_db_pool_connections",
  "uplink_db_pool_waiting",
  "uplink_db_pool_max",
  "uplink_outbox_messages",
  "uplink_outbox_oldest_age_seconds",
  "uplink_outbox_oldest_overdue_seconds",
  "uplink_sms_sent_total",
  "uplink_sms_failed_total",
  "uplink_sms_retried_total",
  "uplink_live_streams",
  "process_cpu_user_seconds_total",
  "process_resident_memory_bytes",
  "nodejs_eventloop_lag_seconds",
  "nodejs_heap_size_used_bytes",
];

type Inject = (options: {
  method: "GET";
  url: string;
  headers?: Record<string, string>;
}) => Promise<LightMyRequestResponse>;

/** Scrapes /metrics and parses it with a Prometheus text-format parser (which throws on a bad line). */
async function scrape(inject: Inject): Promise<Map<string, PrometheusFamily>> {
  return (await scrapeText(inject)).families;
}

async function scrapeText(inject: Inject): Promise<{ families: Map<string, PrometheusFamily>; text: string }> {
  const response = await inject({ method: "GET", url: "/metrics", headers: bearer });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(response.headers["cache-control"]).toBe("no-store");
  // Every line is a comment, blank, or a sample the format allows (the parser is lenient on some;
  // Prometheus reads NaN in any case, as prom-client writes it: "Nan").
  for (const line of response.body.split("\n")) {
    expect(line).toMatch(/^(#.*|[a-zA-Z_:][\w:]*(\{[^}]*\})? ([+-]?\d+(\.\d+)?(e[+-]?\d+)?|[+-]Inf|NaN|Nan))?$/);
  }
  const families = new Map(parsePrometheusTextFormat(response.body).map((family) => [family.name, family]));
  return { families, text: response.body };
}

/**
 * A labelled histogram's sample, read from its line: the parser merges the series of a labelled
 * histogram into one (prom2json's shape), so their values are taken from the text it accepted.
 */
function histogramSample(text: string, name: string, labels: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return Number(line?.split(" ").at(-1) ?? Number.NaN);
}

function sample(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}) {
  const family = families.get(name);
  return family?.metrics.find((metric) =>
    Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value),
  );
}

const metricValue = (families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}) =>
  Number(sample(families, name, labels)?.value ?? 0);

describe("METRICS_TOKEN", () => {
  it("must be long enough to resist guessing, and printable without spaces", () => {
    expect(() => testConfig({ METRICS_TOKEN: "short-token" })).toThrow(/METRICS_TOKEN must be at least 24 characters/);
    expect(() => testConfig({ METRICS_TOKEN: `${"x".repeat(20)} with space` })).toThrow(
      /METRICS_TOKEN must be printable/,
    );
    expect(testConfig({ METRICS_TOKEN }).METRICS_TOKEN).toBe(METRICS_TOKEN);
    expect(testConfig({ METRICS_TOKEN: "" }).METRICS_TOKEN).toBeUndefined();
  });
});

describe.each(testDatabaseKinds())("GET /metrics (%s)", (kind) => {
  describe("while METRICS_TOKEN is unset", () => {
    const t = useTestApp(kind);

    it("answers 404 like any unknown path, with or without a token", async () => {
      for (const headers of [{}, bearer]) {
        const response = await t().app.inject({ method: "GET", url: "/metrics", headers });
        expect(response.statusCode).toBe(404);
        expect(problemOf(response).code).toBe("route.not_found");
        expect(response.body).not.toContain("uplink_");
      }
    });
  });

  describe("with METRICS_TOKEN", () => {
    const t = useTestApp(kind, { env: { METRICS_TOKEN } });
    const inject: Inject = (options) => t().app.inject(options);

    it("refuses a request without the token, or with a wrong one (401), and never consults the session", async () => {
      const admin = await signIn(t().app, DEMO.admin);
      const refused: Record<string, string>[] = [
        {},
        { authorization: "Bearer" },
        { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` },
        { authorization: `Bearer ${METRICS_TOKEN}x` },
        { authorization: `Bearer ${METRICS_TOKEN.toUpperCase()}` },
        { authorization: `Basic ${Buffer.from(`prometheus:${METRICS_TOKEN}`).toString("base64")}` },
        { authorization: METRICS_TOKEN },
        // A signed-in admin is no metrics scraper.
        { cookie: admin.cookie },
      ];
      for (const headers of refused) {
        const response = await t().app.inject({ method: "GET", url: "/metrics", headers });
        expect(response.statusCode, JSON.stringify(headers)).toBe(401);
        expect(problemOf(response).code).toBe("metrics.unauthorized");
        expect(response.headers["www-authenticate"]).toBe('Bearer realm="uplink-metrics"');
        expect(response.body).not.toContain("uplink_http");
      }
      expect((await t().app.inject({ method: "HEAD", url: "/metrics" })).statusCode).toBe(401);
      expect(
        (
          await t().app.inject({
            method: "GET",
            url: "/metrics",
            headers: { authorization: `bearer  ${METRICS_TOKEN}` },
          })
        ).statusCode,
      ).toBe(200);
    });

    it("serves every expected family in the Prometheus text format", async () => {
      const families = await scrape(inject);
      for (const name of EXPECTED_FAMILIES) expect(families.has(name), name).toBe(true);
      expect(families.get("uplink_http_request_duration_seconds")?.type).toBe("HISTOGRAM");
      expect(families.get("uplink_http_requests_total")?.type).toBe("COUNTER");
      expect(families.get("uplink_outbox_messages")?.type).toBe("GAUGE");
      expect(metricValue(families, "uplink_db_pool_max")).toBe(t().database.handle.pool?.options.max ?? 1);
      const inUse = metricValue(families, "uplink_db_pool_connections", { state: "in_use" });
      const idle = metricValue(families, "uplink_db_pool_connections", { state: "idle" });
      expect(inUse + idle).toBeLessThanOrEqual(metricValue(families, "uplink_db_pool_max"));
      expect(metricValue(families, "uplink_db_pool_waiting")).toBeGreaterThanOrEqual(0);
      expect(metricValue(families, "uplink_live_streams")).toBe(0);
      expect(sample(families, "uplink_outbox_messages", { outbox: "webhook", state: "waiting" })).toBeDefined();
    });

    it("has every metric the sample Grafana dashboard queries", async () => {
      const families = await scrape(inject);
      const dashboard = readFileSync(path.join(import.meta.dirname, "../../docs/grafana-dashboard.json"), "utf8");
      const queried = new Set(
        [...dashboard.matchAll(/\b((?:uplink|process|nodejs)_\w+)/g)].map(([, name = ""]) =>
          name.replace(/_(bucket|sum|count)$/, ""),
        ),
      );
      expect(queried.size).toBeGreaterThan(10);
      for (const name of queried) expect(families.has(name), name).toBe(true);
    });

    it("counts requests by method, route pattern and status, with their latency", async () => {
      const admin = await signIn(t().app, DEMO.admin);
      const customer = await makeCustomer(admin, { phone: uniquePhone() });
      const route = { method: "GET", route: "/api/customers/:id", status_code: "200" };
      const before = await scrape(inject);
      const countBefore = metricValue(before, "uplink_http_requests_total", route);
      for (let i = 0; i < 3; i++) expect((await admin.get(`/api/customers/${customer.id}`)).statusCode).toBe(200);
      expect((await admin.get(`/api/customers/${crypto.randomUUID()}`)).statusCode).toBe(404);
      expect((await t().app.inject({ method: "GET", url: "/no/such/page.txt" })).statusCode).toBe(404);

      const { families: after, text } = await scrapeText(inject);
      expect(metricValue(after, "uplink_http_requests_total", route)).toBe(countBefore + 3);
      expect(metricValue(after, "uplink_http_requests_total", { ...route, status_code: "404" })).toBeGreaterThanOrEqual(
        1,
      );
      // The pattern, never the URL: no series names a customer's id or an unknown path.
      expect(text).not.toContain(customer.id);
      expect(text).not.toContain("/no/such/page.txt");
      expect(
        metricValue(after, "uplink_http_requests_total", { method: "GET", route: "unmatched", status_code: "404" }),
      ).toBeGreaterThanOrEqual(1);
      const labels = 'method="GET",route="/api/customers/:id"';
      const count = histogramSample(text, "uplink_http_request_duration_seconds_count", labels);
      expect(count).toBeGreaterThanOrEqual(countBefore + 4);
      expect(histogramSample(text, "uplink_http_request_duration_seconds_sum", labels)).toBeGreaterThan(0);
      expect(histogramSample(text, "uplink_http_request_duration_seconds_bucket", `le="+Inf",${labels}`)).toBe(count);
    });

    it("reports database connections in use and requests waiting for one", async () => {
      const { db, pool } = t().database.handle;
      const max = pool?.options.max ?? 1;
      // Every connection held by a transaction, and one query more that must wait.
      const held = Array.from({ length: max }, () =>
        db.transaction(async (tx) => {
          await tx.execute(sql`select pg_sleep(0.4)`);
        }),
      );
      // A Drizzle query runs once awaited: then() starts it now.
      const waiting = db.execute(sql`select 1`).then(() => undefined);
      await eventually(async () => pool === undefined || pool.totalCount - pool.idleCount === max, 5_000, 5);
      const families = await scrape(inject);
      await Promise.all([...held, waiting]);
      expect(metricValue(families, "uplink_db_pool_connections", { state: "in_use" })).toBe(max);
      expect(metricValue(families, "uplink_db_pool_connections", { state: "idle" })).toBe(0);
      expect(metricValue(families, "uplink_db_pool_waiting")).toBeGreaterThanOrEqual(1);
      const after = await scrape(inject);
      expect(metricValue(after, "uplink_db_pool_waiting")).toBe(0);
    });

    it("reports a queued SMS in the outbox gauges, with its age", async () => {
      const { app, clock, config } = t();
      const before = await scrape(inject);
      const waitingBefore = metricValue(before, "uplink_outbox_messages", { outbox: "sms", state: "waiting" });
      // Twilio is not configured here, so no dispatcher takes the row: it stays queued.
      await writeOutboundSms(serviceContext({ ...app.deps, config }), {
        purpose: "ticket_created",
        body: "Your ticket was opened",
        to: uniquePhone(),
        ticketId: null,
        customerId: null,
        userId: null,
        skipReason: null,
      });
      clock.advance(90_000);
      const after = await scrape(inject);
      expect(metricValue(after, "uplink_outbox_messages", { outbox: "sms", state: "waiting" })).toBe(waitingBefore + 1);
      expect(metricValue(after, "uplink_outbox_oldest_age_seconds", { outbox: "sms" })).toBeGreaterThanOrEqual(90);
      expect(metricValue(after, "uplink_outbox_oldest_overdue_seconds", { outbox: "sms" })).toBeGreaterThanOrEqual(90);
      expect(metricValue(after, "uplink_outbox_messages", { outbox: "webhook", state: "waiting" })).toBe(0);
      expect(metricValue(after, "uplink_outbox_oldest_age_seconds", { outbox: "webhook" })).toBe(0);
    });
  });

  describe("SMS outcomes", () => {
    const s = useSmsApp(kind, { METRICS_TOKEN });
    const inject: Inject = (options) => s().t.app.inject(options);

    it("counts SMS sent, and failed by reason, on this instance", async () => {
      const { admin, twilio } = s();
      const before = await scrape(inject);
      const sentBefore = metricValue(before, "uplink_sms_sent_total");
      const rejectedBefore = metricValue(before, "uplink_sms_failed_total", { reason: "twilio_21211" });

      const good = await makeCustomer(admin, { phone: uniquePhone() });
      await makeTicket(admin, { customerId: good.id });
      const badPhone = uniquePhone();
      twilio.failNextTo(badPhone, { kind: "error", status: 400, code: 21211, message: "Invalid 'To' Phone Number" });
      const bad = await makeCustomer(admin, { phone: badPhone });
      await makeTicket(admin, { customerId: bad.id });

      const after = await eventually(async () => {
        const families = await scrape(inject);
        return metricValue(families, "uplink_sms_failed_total", { reason: "twilio_21211" }) > rejectedBefore &&
          metricValue(families, "uplink_sms_sent_total") > sentBefore
          ? families
          : undefined;
      });
      expect(metricValue(after, "uplink_sms_sent_total")).toBe(sentBefore + 1);
      expect(metricValue(after, "uplink_sms_failed_total", { reason: "twilio_21211" })).toBe(rejectedBefore + 1);
    });
  });
});
