import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TwilioStandIn } from "../support/twilio-stand-in.js";
import { AppProcess, createCustomers, report, StaffClient, waitFor } from "./support/app-process.js";
import { PrivateCluster } from "./support/private-postgres.js";
import { auditSms, OUTBOX_QUERY, type OutboxRow, ticketNumberIn } from "./support/sms-audit.js";
import { TwilioGate } from "./support/twilio-gate.js";

const LEASE_SECONDS = 20;

/**
 * The one crash the outbox cannot see: Twilio accepted a message, and the app died before it
 * recorded `sent`. The gate kills the app (SIGKILL) the moment the stand-in accepts, so every
 * run hits that window. Before the dispatcher checked Twilio's message list on taking over an
 * expired lease, every such message went out twice; now it is recorded with Twilio's SID, once,
 * and while that list cannot be read (Twilio down) the row waits rather than being sent blind.
 */
describe("kill -9 between Twilio accepting a message and the app recording it", () => {
  let cluster: PrivateCluster;
  let twilio: TwilioStandIn;
  let gate: TwilioGate;
  let scratch: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "uplink-faults-window-"));
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

  it("the message Twilio accepted before the crash is recorded, not sent again", async () => {
    const url = await cluster.createDatabase("uplink_window");
    const env = {
      DATABASE_URL: url,
      ...gate.env({ SMS_LEASE_SECONDS: String(LEASE_SECONDS), SMS_RETRY_BASE_SECONDS: "1" }),
    };
    const log = path.join(scratch, "app.log");
    const first = await AppProcess.start(env, log);
    apps.push(first);
    const staff = await StaffClient.signIn(first.baseUrl);
    const customerIds = await createCustomers(staff, 10, "Window");

    gate.onAccepted = () => {
      gate.onAccepted = undefined;
      process.kill(first.pid, "SIGKILL");
    };
    await Promise.allSettled(
      customerIds.map((customerId, i) =>
        staff.request("POST", "/api/tickets", { customerId, subject: `Window ticket ${i}` }),
      ),
    );
    await first.exited;
    expect(first.child.signalCode).toBe("SIGKILL");

    const atKill = await cluster.sql<OutboxRow>(OUTBOX_QUERY, [], "uplink_window");
    const acceptedAtKill = new Set(twilio.messages.map((m) => ticketNumberIn(m.body)));
    // Accepted by Twilio, not recorded by the app: the window.
    const inWindow = atKill.filter((row) => row.status === "sending" && acceptedAtKill.has(row.ticket_number));
    expect(inWindow.length).toBeGreaterThanOrEqual(1);

    // Twilio is unavailable when the lease runs out: the check fails, and the row must not be
    // sent blind (that could double it); it stays `sending` and is checked again later.
    await gate.set("unavailable");
    const second = await AppProcess.start(env, log);
    apps.push(second);
    const checkFailed = await waitFor(
      "the takeover's check failing while Twilio is unavailable",
      async () => {
        const rows = await cluster.sql<{ ticket_number: string; status: string; reason: string | null }>(
          `select t.number as ticket_number, s.status::text as status, s.reason
           from sms_logs s join tickets t on t.id = s.ticket_id where t.number = any($1)`,
          [inWindow.map((row) => row.ticket_number)],
          "uplink_window",
        );
        return rows.every((row) => row.reason?.includes("could not check whether Twilio accepted")) && rows;
      },
      (LEASE_SECONDS + 30) * 1000,
      250,
    );
    expect(checkFailed.map((row) => row.status)).toEqual(inWindow.map(() => "sending"));
    expect(twilio.messages.length).toBe(acceptedAtKill.size);
    await gate.set("open");
    await waitFor(
      "the outbox draining after the lease ran out",
      async () => {
        const [left] = await cluster.sql<{ count: number }>(
          "select count(*)::int as count from sms_logs where status in ('queued', 'sending')",
          [],
          "uplink_window",
        );
        return left?.count === 0;
      },
      (LEASE_SECONDS + 60) * 1000,
      250,
    );

    const rows = await cluster.sql<OutboxRow>(OUTBOX_QUERY, [], "uplink_window");
    const audit = auditSms(rows, twilio.messages);
    report("kill -9 right after Twilio accepted (PostgreSQL)", {
      rows: rows.length,
      acceptedButUnrecordedAtKill: inWindow.length,
      messageListLookups: gate.listRequests,
      exactlyOnce: audit.exactlyOnce,
      doubled: audit.doubled.length,
    });
    expect(audit.doubled).toEqual([]);
    expect(audit.missing).toEqual([]);
    expect(audit.notSent).toEqual([]);
    // Recorded with the SID Twilio gave the first time (auditSms compares them).
    expect(audit.exactlyOnce).toBe(rows.length);
    expect(gate.listRequests).toBeGreaterThanOrEqual(inWindow.length);
    // The ticket's timeline reads the message's state from its one row: sent, once.
    const timeline = await cluster.sql<{ status: string }>(
      `select s.status::text as status from sms_logs s join tickets t on t.id = s.ticket_id
       where t.number = $1 and s.direction = 'outbound'`,
      [inWindow[0]?.ticket_number],
      "uplink_window",
    );
    expect(timeline.map((row) => row.status)).toEqual(["sent"]);
  });
});
