import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TwilioStandIn } from "../support/twilio-stand-in.js";
import { AppProcess, report, waitFor } from "./support/app-process.js";
import { PrivateCluster } from "./support/private-postgres.js";
import { TwilioGate } from "./support/twilio-gate.js";

const MESSAGES = 10_000;
const INSTANCES = 3;

/**
 * Three app processes, each with its own dispatcher and connection pool, on one database with
 * 10,000 queued messages: each message reaches Twilio exactly once. Each instance talks to Twilio
 * through its own gate, so the share each one sent is counted.
 */
describe(`${INSTANCES} app instances sending ${MESSAGES.toLocaleString("en")} queued SMS`, () => {
  let cluster: PrivateCluster;
  let twilio: TwilioStandIn;
  let scratch: string;
  const gates: TwilioGate[] = [];
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "uplink-faults-instances-"));
    cluster = await PrivateCluster.create();
    twilio = await new TwilioStandIn().start();
  });

  afterAll(async () => {
    for (const app of apps) await app.ensureStopped();
    for (const gate of gates) await gate.close();
    await twilio?.stop();
    cluster?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("sends every message exactly once: none twice, none left", async () => {
    const url = await cluster.createDatabase("uplink_instances");
    for (let i = 0; i < INSTANCES; i++) gates.push(await new TwilioGate(twilio).start());
    // The first migrates; the others start together once the schema is there.
    apps.push(await AppProcess.start({ DATABASE_URL: url, ...gates[0]?.env() }, path.join(scratch, "app-1.log")));
    apps.push(
      ...(await Promise.all(
        gates
          .slice(1)
          .map((gate, i) =>
            AppProcess.start({ DATABASE_URL: url, ...gate.env() }, path.join(scratch, `app-${i + 2}.log`)),
          ),
      )),
    );

    const started = performance.now();
    // One transaction and one NOTIFY, as an outage announcement to every customer would write them.
    await cluster.sql(
      `with queued as (
         insert into sms_logs (direction, to_number, from_number, body, purpose, status, next_attempt_at, created_at, updated_at)
         select 'outbound', '+1212555' || lpad(i::text, 4, '0'), '+15005550006', 'Outage update for line ' || i,
                'manual', 'queued', now(), now(), now()
         from generate_series(0, ${MESSAGES - 1}) as i
         returning 1)
       select count(*) as rows, pg_notify('sms_outbox', '') from queued`,
      [],
      "uplink_instances",
    );
    await waitFor(
      "every message sent",
      async () => {
        const [left] = await cluster.sql<{ count: number }>(
          "select count(*)::int as count from sms_logs where status <> 'sent'",
          [],
          "uplink_instances",
        );
        return left?.count === 0;
      },
      240_000,
      250,
    );
    const seconds = (performance.now() - started) / 1000;

    const [stats] = await cluster.sql<{ rows: number; attempts: number; sids: number; numbers: number }>(
      `select count(*)::int as rows, sum(attempts)::int as attempts, count(distinct provider_sid)::int as sids,
              count(distinct to_number)::int as numbers from sms_logs`,
      [],
      "uplink_instances",
    );
    expect(stats).toEqual({ rows: MESSAGES, attempts: MESSAGES, sids: MESSAGES, numbers: MESSAGES });
    expect(twilio.messages).toHaveLength(MESSAGES);
    expect(new Set(twilio.messages.map((m) => m.to)).size).toBe(MESSAGES);
    const recordedSids = new Set(
      (await cluster.sql<{ provider_sid: string }>("select provider_sid from sms_logs", [], "uplink_instances")).map(
        (r) => r.provider_sid,
      ),
    );
    expect(twilio.messages.filter((m) => !recordedSids.has(m.sid))).toEqual([]);
    const shares = gates.map((gate) => gate.forwarded);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(MESSAGES);
    for (const share of shares) expect(share).toBeGreaterThan(0);

    report(`${INSTANCES} instances, ${MESSAGES} queued SMS (PostgreSQL)`, {
      seconds: Math.round(seconds * 10) / 10,
      messagesPerSecond: Math.round(MESSAGES / seconds),
      sentPerInstance: shares,
      sentTwice: twilio.messages.length - new Set(twilio.messages.map((m) => m.to)).size,
      left: (
        await cluster.sql<{ count: number }>(
          "select count(*)::int as count from sms_logs where status <> 'sent'",
          [],
          "uplink_instances",
        )
      )[0]?.count,
    });
  });
});
