import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TwilioStandIn } from "../support/twilio-stand-in.js";
import {
  AppProcess,
  createCustomers,
  report,
  StaffClient,
  sleep,
  slowRequest,
  waitFor,
} from "./support/app-process.js";
import { PrivateCluster } from "./support/private-postgres.js";
import { auditSms, OUTBOX_QUERY, type OutboxRow } from "./support/sms-audit.js";

const WORKERS = 12;
const LOAD_MS = 3_000;
/** A request sent this long before the signal has certainly reached the server. */
const SURELY_RECEIVED_MS = 20;
/** Writes whose body is still arriving when the signal comes (and as many opened just before it). */
const SLOW_WRITES = 5;

interface Sent {
  kind: "write" | "list" | "read";
  subject?: string;
  startedAt: number;
  endedAt: number;
  status: number;
  error?: string;
  contentType: string;
}

/**
 * SIGTERM while staff are reading and writing: requests in flight finish with their normal
 * answer, the process exits 0, every acknowledged write is there and nothing unacknowledged is,
 * and no SMS is left half-sent.
 */
describe("SIGTERM during load (PostgreSQL server)", () => {
  let cluster: PrivateCluster;
  let twilio: TwilioStandIn;
  let scratch: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "uplink-faults-sigterm-"));
    cluster = await PrivateCluster.create();
    twilio = await new TwilioStandIn().start();
  });

  afterAll(async () => {
    for (const app of apps) await app.ensureStopped();
    await twilio?.stop();
    cluster?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("in-flight requests complete normally, the process exits 0, nothing accepted is lost", async () => {
    const url = await cluster.createDatabase("uplink_sigterm");
    const env = { DATABASE_URL: url, ...twilio.env() };
    const log = path.join(scratch, "app.log");
    const app = await AppProcess.start(env, log);
    apps.push(app);
    const staff = await StaffClient.signIn(app.baseUrl);
    const customerIds = await createCustomers(staff, 20, "Sigterm");

    const sent: Sent[] = [];
    let stopSending = false;
    let counter = 0;
    const worker = async (w: number) => {
      while (!stopSending) {
        const n = counter++;
        const kind = (["write", "write", "list", "read"] as const)[n % 4] as Sent["kind"];
        const subject = kind === "write" ? `Sigterm load ${n}` : undefined;
        const startedAt = performance.now();
        try {
          const answer =
            kind === "write"
              ? await staff.request("POST", "/api/tickets", {
                  customerId: customerIds[n % customerIds.length],
                  subject,
                })
              : kind === "list"
                ? await staff.request("GET", "/api/tickets?limit=50&sort=-created")
                : await staff.request("GET", `/api/customers/${customerIds[w % customerIds.length]}`);
          sent.push({
            kind,
            subject,
            startedAt,
            endedAt: performance.now(),
            status: answer.status,
            contentType: answer.contentType,
          });
        } catch (error) {
          const cause = (error as Error).cause as { code?: string } | undefined;
          sent.push({
            kind,
            subject,
            startedAt,
            endedAt: performance.now(),
            status: 0,
            error: cause?.code ?? String(error),
            contentType: "",
          });
          // The server is gone: new connections are refused from here on.
          if (cause?.code === "ECONNREFUSED") await sleep(20);
        }
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await sleep(LOAD_MS);
    // Writes certainly in flight at the signal: half their body is sent, the rest comes after it.
    const slowWrites = Array.from({ length: SLOW_WRITES }, (_, i) =>
      slowRequest(
        app.baseUrl,
        "POST",
        "/api/tickets",
        staff.headers(),
        JSON.stringify({ customerId: customerIds[i], subject: `Sigterm slow write ${i}` }),
      ),
    );
    await Promise.all(slowWrites.map((w) => w.started));
    await sleep(1000);
    // Writes whose connection opens just as the signal comes: the app may not have read them yet.
    const lateWrites = Array.from({ length: SLOW_WRITES }, (_, i) =>
      slowRequest(
        app.baseUrl,
        "POST",
        "/api/tickets",
        staff.headers(),
        JSON.stringify({ customerId: customerIds[i], subject: `Sigterm late write ${i}` }),
      ),
    );
    await Promise.all(lateWrites.map((w) => w.started));
    const signalledAt = performance.now();
    app.child.kill("SIGTERM");
    await sleep(300);
    for (const w of [...slowWrites, ...lateWrites]) w.finish();
    const slowAnswers = await Promise.all(slowWrites.map((w) => w.answer));
    const lateAnswers = await Promise.all(lateWrites.map((w) => w.answer));
    const exit = await app.exited;
    const exitedAfterMs = performance.now() - signalledAt;
    await sleep(200);
    stopSending = true;
    await load;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(slowAnswers.map((a) => `${a.status} ${a.error ?? ""}`)).toEqual(Array(SLOW_WRITES).fill("201 "));

    const inFlight = sent.filter((s) => s.startedAt < signalledAt - SURELY_RECEIVED_MS && s.endedAt > signalledAt);
    const normal = (s: Sent) => (s.kind === "write" ? s.status === 201 : s.status === 200);
    expect(inFlight.filter((s) => !normal(s))).toEqual([]);
    // Before the signal everything was normal; after it, a request is refused or answered, never a 500.
    expect(sent.filter((s) => s.endedAt < signalledAt && !normal(s))).toEqual([]);
    const afterSignal = sent.filter((s) => s.startedAt >= signalledAt);
    expect(afterSignal.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([]);

    // Every acknowledged write is in the database, and no write that was not acknowledged.
    const acknowledged = new Set(sent.filter((s) => s.kind === "write" && s.status === 201).map((s) => s.subject));
    const stored = await cluster.sql<{ subject: string }>(
      "select subject from tickets where subject like 'Sigterm load %'",
      [],
      "uplink_sigterm",
    );
    expect(new Set(stored.map((r) => r.subject))).toEqual(acknowledged);
    const [slowStored] = await cluster.sql<{ count: number }>(
      "select count(*)::int as count from tickets where subject like 'Sigterm slow write %'",
      [],
      "uplink_sigterm",
    );
    expect(slowStored?.count).toBe(SLOW_WRITES);
    // A late write is either answered 201 and stored, or refused (503, or its connection closed
    // unread) and not stored: never stored without an answer.
    const lateStored = await cluster.sql<{ subject: string }>(
      "select subject from tickets where subject like 'Sigterm late write %'",
      [],
      "uplink_sigterm",
    );
    expect(lateStored.map((r) => r.subject).sort()).toEqual(
      lateAnswers.flatMap((a, i) => (a.status === 201 ? [`Sigterm late write ${i}`] : [])).sort(),
    );
    expect(lateAnswers.filter((a) => a.status !== 201 && a.status !== 503 && a.status !== 0)).toEqual([]);

    // The dispatcher finished its sends before the database closed: no row was left `sending`.
    const [atExit] = await cluster.sql<{ sending: number; queued: number }>(
      `select count(*) filter (where status = 'sending')::int as sending,
              count(*) filter (where status = 'queued')::int as queued from sms_logs`,
      [],
      "uplink_sigterm",
    );
    expect(atExit?.sending).toBe(0);

    // Restarted, it sends what was still queued: each message once.
    const second = await AppProcess.start(env, log);
    apps.push(second);
    await waitFor(
      "the outbox draining",
      async () => {
        const [left] = await cluster.sql<{ count: number }>(
          "select count(*)::int as count from sms_logs where status in ('queued', 'sending')",
          [],
          "uplink_sigterm",
        );
        return left?.count === 0;
      },
      60_000,
      200,
    );
    const audit = auditSms(await cluster.sql<OutboxRow>(OUTBOX_QUERY, [], "uplink_sigterm"), twilio.messages);
    expect(audit.doubled).toEqual([]);
    expect(audit.missing).toEqual([]);
    expect(audit.exactlyOnce).toBe(audit.rows);

    report("SIGTERM during load (PostgreSQL)", {
      requests: sent.length,
      inFlightAtSignal: inFlight.length + SLOW_WRITES,
      inFlightCompletedNormally: inFlight.filter(normal).length + slowAnswers.filter((a) => a.status === 201).length,
      afterSignal: Object.fromEntries(
        Object.entries(
          afterSignal.reduce<Record<string, number>>((counts, s) => {
            const key = s.status === 0 ? (s.error ?? "error") : String(s.status);
            counts[key] = (counts[key] ?? 0) + 1;
            return counts;
          }, {}),
        ),
      ),
      acknowledgedWrites: acknowledged.size,
      lateWrites: lateAnswers.map((a) => (a.status === 0 ? (a.error ?? "no answer") : String(a.status))),
      exitCode: exit.code,
      exitedAfterSignalMs: Math.round(exitedAfterMs),
      smsQueuedAtExit: atExit?.queued,
      smsSendingAtExit: atExit?.sending,
      smsExactlyOnce: audit.exactlyOnce,
    });
    await second.ensureStopped();
  });
});
