import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TwilioStandIn } from "../support/twilio-stand-in.js";
import {
  AppProcess,
  createCustomers,
  mapConcurrently,
  mobileNumber,
  report,
  StaffClient,
  sleep,
  waitFor,
} from "./support/app-process.js";
import { PrivateCluster } from "./support/private-postgres.js";
import { TwilioGate } from "./support/twilio-gate.js";

/**
 * 0.5 s, 1, 2, 4, 8, 16, 32 s: the production schedule (30 s, 1, 2 … 32 min) compressed 60 times
 * (plus the 5 s poll, which does not compress).
 */
const RETRY_BASE_SECONDS = "0.5";
const RECOVERING = 20;
const NEVER_ACCEPTED = 5;
/** Connections refused this long, then 503s this long, then Twilio is back. */
const REFUSED_MS = 12_000;
const UNAVAILABLE_MS = 12_000;

interface Row {
  to_number: string;
  status: string;
  attempts: number;
  reason: string | null;
}

/**
 * Twilio unreachable (connections refused), then answering 503, for a long stretch: messages wait
 * in the outbox with growing delays and all go out, once each, when it is back. Messages Twilio
 * never takes are given up after the 8th attempt, with the reason on the ticket's timeline.
 */
describe("the Twilio API down for a long stretch", () => {
  let cluster: PrivateCluster;
  let twilio: TwilioStandIn;
  let gate: TwilioGate;
  let app: AppProcess;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "uplink-faults-twilio-"));
    cluster = await PrivateCluster.create();
    twilio = await new TwilioStandIn().start();
    gate = await new TwilioGate(twilio).start();
  });

  afterAll(async () => {
    await app?.ensureStopped();
    await gate?.close();
    await twilio?.stop();
    cluster?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("every message goes out exactly once when Twilio returns; past the cap, failed with the reason", async () => {
    const url = await cluster.createDatabase("uplink_twilio");
    app = await AppProcess.start(
      { DATABASE_URL: url, ...gate.env({ SMS_RETRY_BASE_SECONDS: RETRY_BASE_SECONDS }) },
      path.join(scratch, "app.log"),
    );
    const staff = await StaffClient.signIn(app.baseUrl);
    const recovering = await createCustomers(staff, RECOVERING, "Twilio outage");
    const neverAccepted = await createCustomers(staff, NEVER_ACCEPTED, "Twilio never", 100);
    for (let i = 0; i < NEVER_ACCEPTED; i++) gate.alwaysUnavailableTo.add(mobileNumber(100 + i));

    await gate.set("refused");
    const outageStarted = performance.now();
    const writes = await mapConcurrently([...recovering, ...neverAccepted], 5, (customerId, i) =>
      staff.request("POST", "/api/tickets", { customerId, subject: `Written while Twilio is down ${i}` }),
    );
    // The outbox decouples writes from Twilio: they succeed, and quickly.
    expect(writes.map((w) => w.status)).toEqual(Array(writes.length).fill(201));
    const slowestWriteMs = Math.max(...writes.map((w) => w.ms));
    expect(slowestWriteMs).toBeLessThan(2_000);

    await sleep(REFUSED_MS - (performance.now() - outageStarted));
    await gate.set("unavailable");
    await sleep(REFUSED_MS + UNAVAILABLE_MS - (performance.now() - outageStarted));
    // The ticket's timeline shows each message's state from its row, so the row is the whole record.
    const rowsQuery = `select s.to_number, s.status::text as status, s.attempts, s.reason
      from sms_logs s where s.purpose = 'ticket_created' order by s.to_number`;
    const duringOutage = await cluster.sql<Row>(rowsQuery, [], "uplink_twilio");
    expect(duringOutage.filter((r) => r.status === "sent" || r.status === "failed")).toEqual([]);
    expect(twilio.messages).toHaveLength(0);
    const attemptsDuringOutage = Math.min(...duringOutage.map((r) => r.attempts));

    await gate.set("open");
    const backAt = performance.now();
    const recoveringNumbers = new Set(Array.from({ length: RECOVERING }, (_, i) => mobileNumber(i)));
    await waitFor(
      "every message to a recovering number sent",
      async () => {
        const rows = await cluster.sql<Row>(rowsQuery, [], "uplink_twilio");
        return rows.filter((r) => recoveringNumbers.has(r.to_number) && r.status === "sent").length === RECOVERING;
      },
      60_000,
      100,
    );
    const allSentAfterReturnMs = performance.now() - backAt;
    await waitFor(
      "the never-accepted messages given up",
      async () => {
        const rows = await cluster.sql<Row>(rowsQuery, [], "uplink_twilio");
        return rows.filter((r) => r.status === "failed").length === NEVER_ACCEPTED;
      },
      120_000,
      250,
    );
    const gaveUpAfterMs = performance.now() - outageStarted;

    const rows = await cluster.sql<Row>(rowsQuery, [], "uplink_twilio");
    const sent = rows.filter((r) => recoveringNumbers.has(r.to_number));
    const failed = rows.filter((r) => !recoveringNumbers.has(r.to_number));
    expect(sent.map((r) => r.status)).toEqual(Array(RECOVERING).fill("sent"));
    for (const number of recoveringNumbers) expect(twilio.messagesTo(number)).toHaveLength(1);
    expect(twilio.messages).toHaveLength(RECOVERING);
    expect(Math.max(...sent.map((r) => r.attempts))).toBeLessThan(8);

    expect(failed.map((r) => [r.status, r.attempts])).toEqual(Array(NEVER_ACCEPTED).fill(["failed", 8]));
    for (const row of failed) expect(row.reason).toMatch(/^Gave up after 8 attempts\. Last: Twilio answered 503/);

    report(`Twilio down (refused, then 503) with SMS_RETRY_BASE_SECONDS=${RETRY_BASE_SECONDS}`, {
      outageSeconds: (REFUSED_MS + UNAVAILABLE_MS) / 1000,
      refusedSeconds: REFUSED_MS / 1000,
      failedAttemptsPerMessageDuringOutage: attemptsDuringOutage,
      // How long the same number of failed attempts spans with the default schedule (30 s × 2^(n−1)).
      sameAttemptsAtDefaultScheduleMinutes: Math.round(
        Array.from({ length: attemptsDuringOutage }, (_, k) => Math.min(30 * 2 ** k, 32 * 60)).reduce(
          (a, b) => a + b,
          0,
        ) / 60,
      ),
      slowestTicketWriteDuringOutageMs: Math.round(slowestWriteMs),
      allSentAfterTwilioReturnedMs: Math.round(allSentAfterReturnMs),
      attemptsOfSentMessages: [Math.min(...sent.map((r) => r.attempts)), Math.max(...sent.map((r) => r.attempts))],
      sentExactlyOnce: [...recoveringNumbers].filter((n) => twilio.messagesTo(n).length === 1).length,
      neverAcceptedFailedAfter8AttemptsSeconds: Math.round(gaveUpAfterMs / 1000),
      gate503Answers: gate.unavailableAnswers,
    });
  });
});
