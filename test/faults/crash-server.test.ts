import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TwilioStandIn } from "../support/twilio-stand-in.js";
import { AppProcess, createCustomers, report, StaffClient, ticketBurst, waitFor } from "./support/app-process.js";
import { PrivateCluster } from "./support/private-postgres.js";
import { auditSms, OUTBOX_QUERY, type OutboxRow, ticketNumberIn } from "./support/sms-audit.js";
import { TwilioGate } from "./support/twilio-gate.js";

const ROUNDS = 3;
const WRITES = 1_000;
const CUSTOMERS = 50;
/** The shortest lease the configuration allows: rows the dead instance held are taken over after it. */
const LEASE_SECONDS = 20;

/**
 * kill -9 of the app in the middle of a burst of ticket writes, each of which queues a "ticket
 * created" SMS, then a restart on the same database: no acknowledged write may be lost, and every
 * queued SMS must reach (the stand-in of) Twilio exactly once.
 */
describe("kill -9 during a burst of ticket writes (PostgreSQL server)", () => {
  let cluster: PrivateCluster;
  let twilio: TwilioStandIn;
  let gate: TwilioGate;
  let scratch: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "uplink-faults-crash-"));
    cluster = await PrivateCluster.create();
    twilio = await new TwilioStandIn().start();
    gate = await new TwilioGate(twilio).start();
  });

  afterAll(async () => {
    for (const app of apps) await app.ensureStopped();
    await gate?.close();
    await twilio?.stop();
    cluster?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: every acknowledged ticket survives with its events; every SMS goes out exactly once`, async () => {
      const database = `uplink_crash_${round}`;
      const url = await cluster.createDatabase(database);
      const env = { DATABASE_URL: url, ...gate.env({ SMS_LEASE_SECONDS: String(LEASE_SECONDS) }) };
      twilio.reset();
      gate.listRequests = 0;
      const log = path.join(scratch, `round-${round}.log`);
      const first = await AppProcess.start(env, log);
      apps.push(first);
      const staff = await StaffClient.signIn(first.baseUrl);
      const customerIds = await createCustomers(staff, CUSTOMERS, `Crash ${round}`);

      // Somewhere in the middle, a different point each round.
      const killAfter = 300 + Math.floor(Math.random() * 400);
      const burst = await ticketBurst(staff, {
        customerIds,
        total: WRITES,
        concurrency: 16,
        label: `Crash round ${round}`,
        killAfter,
        midway: () => first.kill9(),
      });
      const acknowledged = burst.results.filter((r) => r.status === 201) as { id: string; number: string }[];
      const unanswered = burst.results.filter((r) => r.status === 0).length;
      const otherAnswers = burst.results.filter((r) => r.status !== 0 && r.status !== 201);
      expect(otherAnswers).toEqual([]);
      expect(acknowledged.length).toBeGreaterThanOrEqual(killAfter - 16);
      expect(first.child.signalCode).toBe("SIGKILL");

      const [stuck] = await cluster.sql<{ sending: number; queued: number; sent: number }>(
        `select count(*) filter (where status = 'sending')::int as sending,
                count(*) filter (where status = 'queued')::int as queued,
                count(*) filter (where status = 'sent')::int as sent
         from sms_logs where purpose = 'ticket_created'`,
        [],
        database,
      );

      // Claimed rows whose message Twilio had already accepted: sent blind again, they would be doubles.
      const atKill = await cluster.sql<OutboxRow>(OUTBOX_QUERY, [], database);
      const acceptedAtKill = new Set(twilio.messages.map((m) => ticketNumberIn(m.body)));
      const acceptedButUnrecorded = atKill.filter(
        (row) => row.status === "sending" && acceptedAtKill.has(row.ticket_number),
      ).length;

      const restartStarted = performance.now();
      const second = await AppProcess.start(env, log);
      apps.push(second);
      const restartMs = performance.now() - restartStarted;

      // Every acknowledged write is there, with its timeline and its outbox row (one transaction).
      const found = await cluster.sql<{ id: string; number: string; kinds: string[]; sms: number }>(
        `select t.id, t.number,
                array(select e.kind::text from ticket_events e where e.ticket_id = t.id order by e.id) as kinds,
                (select count(*)::int from sms_logs s where s.ticket_id = t.id) as sms
         from tickets t where t.id = any($1::uuid[])`,
        [acknowledged.map((r) => r.id)],
        database,
      );
      expect(found).toHaveLength(acknowledged.length);
      const byId = new Map(found.map((row) => [row.id, row]));
      const incomplete = acknowledged.filter((r) => {
        const row = byId.get(r.id);
        return row?.number !== r.number || row.sms !== 1 || !row.kinds.includes("created");
      });
      expect(incomplete).toEqual([]);

      // Nothing half-written among the rest either: every ticket has its created event and one SMS row.
      const [totals] = await cluster.sql<{ tickets: number; broken: number }>(
        `select count(*)::int as tickets,
                count(*) filter (where (select count(*) from sms_logs s where s.ticket_id = t.id) <> 1
                  or not exists (select 1 from ticket_events e where e.ticket_id = t.id and e.kind = 'created'))::int as broken
         from tickets t`,
        [],
        database,
      );
      expect(totals?.broken).toBe(0);

      const drainStarted = performance.now();
      await waitFor(
        "the outbox draining after the restart",
        async () => {
          const [left] = await cluster.sql<{ count: number }>(
            "select count(*)::int as count from sms_logs where status in ('queued', 'sending')",
            [],
            database,
          );
          return left?.count === 0;
        },
        (LEASE_SECONDS + 90) * 1000,
        250,
      );
      const drainMs = performance.now() - drainStarted;

      const audit = auditSms(await cluster.sql<OutboxRow>(OUTBOX_QUERY, [], database), twilio.messages);
      report(`kill -9 during ${WRITES} ticket writes (PostgreSQL), round ${round}`, {
        killedAfterAnswers: burst.killedAtAnswer,
        acknowledged: acknowledged.length,
        unansweredAtKill: unanswered,
        ticketsInDatabase: totals?.tickets,
        committedButUnacknowledged: (totals?.tickets ?? 0) - acknowledged.length,
        smsAtKill: stuck,
        restartMs: Math.round(restartMs),
        outboxDrainedAfterRestartMs: Math.round(drainMs),
        smsRows: audit.rows,
        exactlyOnce: audit.exactlyOnce,
        sendingAcceptedByTwilioAtKill: acceptedButUnrecorded,
        twilioMessageListLookups: gate.listRequests,
        doubled: audit.doubled.length,
        missing: audit.missing.length,
      });
      expect(audit.missing).toEqual([]);
      expect(audit.notSent).toEqual([]);
      expect(audit.phantom).toEqual([]);
      expect(audit.misrouted).toEqual([]);
      expect(audit.doubled).toEqual([]);
      expect(audit.exactlyOnce).toBe(totals?.tickets);

      await second.ensureStopped();
    });
  }
});
