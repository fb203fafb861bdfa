import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite } from "../../src/server/db/client.js";
import { LOCK_FILE, lockDataDir } from "../../src/server/db/open.js";
import { TwilioStandIn } from "../support/twilio-stand-in.js";
import { AppProcess, createCustomers, report, StaffClient, ticketBurst, waitFor } from "./support/app-process.js";
import { auditSms, OUTBOX_QUERY, type OutboxRow, ticketNumberIn } from "./support/sms-audit.js";
import { TwilioGate } from "./support/twilio-gate.js";

const WRITES = 1_000;
const LEASE_SECONDS = 20;
const root = path.resolve(import.meta.dirname, "../..");

/** Runs main.ts on a data directory until it exits; the output is what an operator sees. */
function startOnce(dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATA_DIR: dataDir,
        PORT: "0",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * The embedded database (PGlite in DATA_DIR, fsync off) under the same kill -9 as the server:
 * what survives, whether start-up recovers (a stale lock, PostgreSQL's WAL replay), and, when the
 * files are damaged, whether start-up says so in words with the way back (restore a backup).
 */
describe("kill -9 and damaged files on the embedded database (PGlite)", () => {
  let scratch: string;
  let dataDir: string;
  let twilio: TwilioStandIn;
  let gate: TwilioGate;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "uplink-faults-pglite-"));
    dataDir = path.join(scratch, "data");
    twilio = await new TwilioStandIn().start();
    gate = await new TwilioGate(twilio).start();
  });

  afterAll(async () => {
    for (const app of apps) await app.ensureStopped();
    await gate?.close();
    await twilio?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("kill -9 during a burst of ticket writes: acknowledged writes survive, the stale lock is taken over", async () => {
    const env = { DATA_DIR: dataDir, ...gate.env({ SMS_LEASE_SECONDS: String(LEASE_SECONDS) }) };
    const log = path.join(scratch, "app.log");
    const first = await AppProcess.start(env, log);
    apps.push(first);
    const staff = await StaffClient.signIn(first.baseUrl);
    const customerIds = await createCustomers(staff, 50, "Embedded crash");

    const killAfter = 300 + Math.floor(Math.random() * 400);
    const burst = await ticketBurst(staff, {
      customerIds,
      total: WRITES,
      concurrency: 16,
      label: "Embedded crash",
      killAfter,
      midway: () => first.kill9(),
    });
    const acknowledged = burst.results.filter((r) => r.status === 201) as { id: string; number: string }[];
    expect(burst.results.filter((r) => r.status !== 0 && r.status !== 201)).toEqual([]);
    expect(first.child.signalCode).toBe("SIGKILL");
    // The dead process's lock is still there.
    expect(readFileSync(path.join(dataDir, LOCK_FILE), "utf8").trim()).toBe(String(first.pid));

    // Rows the dead instance had claimed: Twilio may have accepted them (see crash-in-send-window).
    const atKill = await openPglite({ dataDir });
    const sendingAtKill = ((await atKill.pglite?.query<OutboxRow>(OUTBOX_QUERY))?.rows ?? []).filter(
      (row) => row.status === "sending",
    );
    const acceptedAtKill = new Set(twilio.messages.map((m) => ticketNumberIn(m.body)));
    await atKill.close();
    const restartStarted = performance.now();
    const second = await AppProcess.start(env, log);
    apps.push(second);
    const restartMs = performance.now() - restartStarted;
    expect(readFileSync(path.join(dataDir, LOCK_FILE), "utf8").trim()).toBe(String(second.pid));
    const again = await StaffClient.signIn(second.baseUrl);

    // What survived, read through the API the way staff would see it.
    const missing: string[] = [];
    const withoutEvents: string[] = [];
    for (const ticket of acknowledged) {
      const detail = await again.request<{ number: string }>("GET", `/api/tickets/${ticket.id}`);
      if (detail.status !== 200 || detail.body.number !== ticket.number) {
        missing.push(ticket.number);
        continue;
      }
      const timeline = await again.request<{ items: { kind: string }[] }>("GET", `/api/tickets/${ticket.id}/timeline`);
      const kinds = timeline.body.items?.map((item) => item.kind) ?? [];
      // The timeline shows the ticket's SMS from its outbox row (written in the same transaction), in whatever state it reached.
      if (!kinds.includes("created") || !kinds.some((kind) => kind.startsWith("sms_")))
        withoutEvents.push(ticket.number);
    }
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);

    // Consistency of the files: each table read in full and through its indexes agrees.
    const pglite = await openPglite({ dataDir });
    const check = async (query: string) =>
      ((await pglite.pglite?.query<{ n: number }>(query))?.rows[0]?.n ?? -1) as number;
    const consistency: Record<string, [number, number]> = {};
    for (const table of ["tickets", "ticket_events", "sms_logs", "audit_log"]) {
      await pglite.pglite?.exec("set enable_seqscan = on; set enable_indexscan = off; set enable_bitmapscan = off");
      const sequential = await check(`select count(*)::int as n from ${table}`);
      await pglite.pglite?.exec("set enable_seqscan = off; set enable_indexscan = on; set enable_bitmapscan = on");
      const indexed = await check(`select count(*)::int as n from ${table} where id is not null`);
      consistency[table] = [sequential, indexed];
    }
    const broken = await check(
      `select count(*)::int as n from tickets t
       where (select count(*) from sms_logs s where s.ticket_id = t.id) <> 1
          or not exists (select 1 from ticket_events e where e.ticket_id = t.id and e.kind = 'created')`,
    );
    const ticketsInDatabase = await check("select count(*)::int as n from tickets");
    await pglite.close();

    // The SMS: the restarted app sends what was queued or left `sending`, each once.
    const third = await AppProcess.start(env, log);
    apps.push(third);
    const drainStarted = performance.now();
    const thirdDb = await StaffClient.signIn(third.baseUrl);
    await waitFor(
      "the outbox draining",
      async () => {
        const log = await thirdDb.request<{ items: { status: string }[] }>("GET", "/api/sms?status=queued&limit=1");
        const sending = await thirdDb.request<{ items: { status: string }[] }>(
          "GET",
          "/api/sms?status=sending&limit=1",
        );
        return log.body.items?.length === 0 && sending.body.items?.length === 0;
      },
      (LEASE_SECONDS + 90) * 1000,
      500,
    );
    const drainMs = performance.now() - drainStarted;
    third.child.kill("SIGTERM");
    expect((await third.exited).code).toBe(0);
    const afterDrain = await openPglite({ dataDir });
    const rows = (await afterDrain.pglite?.query<OutboxRow>(OUTBOX_QUERY))?.rows ?? [];
    await afterDrain.close();
    const audit = auditSms(rows, twilio.messages);

    report(`kill -9 during ${WRITES} ticket writes (PGlite)`, {
      killedAfterAnswers: burst.killedAtAnswer,
      acknowledged: acknowledged.length,
      acknowledgedMissing: missing.length,
      acknowledgedWithoutEvents: withoutEvents.length,
      ticketsInDatabase,
      committedButUnacknowledged: ticketsInDatabase - acknowledged.length + missing.length,
      halfWrittenTickets: broken,
      sequentialVsIndexCounts: consistency,
      restartMs: Math.round(restartMs),
      outboxDrainedAfterRestartMs: Math.round(drainMs),
      smsSendingAtKill: sendingAtKill.length,
      sendingAcceptedByTwilioAtKill: sendingAtKill.filter((row) => acceptedAtKill.has(row.ticket_number)).length,
      twilioMessageListLookups: gate.listRequests,
      smsExactlyOnce: audit.exactlyOnce,
      smsDoubled: audit.doubled.length,
      smsMissing: audit.missing.length,
    });
    expect(missing).toEqual([]);
    expect(withoutEvents).toEqual([]);
    expect(broken).toBe(0);
    for (const [sequential, indexed] of Object.values(consistency)) expect(indexed).toBe(sequential);
    expect(audit.missing).toEqual([]);
    expect(audit.doubled).toEqual([]);
    expect(audit.notSent).toEqual([]);
    expect(audit.exactlyOnce).toBe(ticketsInDatabase);
  });

  it("a lock naming this very process (a pid reused after a restart) or holding no pid is taken over", () => {
    const dir = path.join(scratch, "locks");
    const lock = path.join(dir, LOCK_FILE);
    for (const stale of [String(process.pid), ""]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(lock, stale);
      const release = lockDataDir(dir);
      expect(readFileSync(lock, "utf8")).toBe(String(process.pid));
      release();
      expect(existsSync(lock)).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const damages: [string, (dir: string) => void, string | RegExp][] = [
    ["pg_control truncated", (dir) => truncateSync(path.join(dir, "global", "pg_control"), 0), "Aborted()"],
    ["PG_VERSION deleted", (dir) => unlinkSync(path.join(dir, "PG_VERSION")), "PG_VERSION is missing"],
    // pg_proc (relfilenode 1255): the catalogue of functions, cut to its first page.
    [
      "a catalogue table truncated",
      (dir) => truncateSync(path.join(dir, "base", "5", "1255"), 8192),
      /cache lookup failed|could not read blocks/,
    ],
  ];
  for (const [damage, apply, cause] of damages) {
    it(`${damage}: start-up stops with one clear message saying to restore the latest backup`, async () => {
      const dir = path.join(scratch, `damaged-${damage.replace(/\W+/g, "-")}`);
      cpSync(dataDir, dir, { recursive: true });
      apply(dir);
      const { code, output } = await startOnce(dir);
      report(`damaged embedded data directory: ${damage}`, { exitCode: code, firstLine: output.split("\n")[0] });
      expect(code).toBe(1);
      expect(output).toContain(`Uplink failed to start: The embedded database in ${dir} could not be opened`);
      expect(output).toMatch(cause);
      expect(output).toContain("npm run backup -- --restore");
      expect(output).toContain("docs/operations.md");
      // One message, not a stack trace; and no fresh empty database made over the old files.
      expect(output).not.toMatch(/^\s+at /m);
      expect(output).not.toContain("Created the demo accounts");
      expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    });
  }
});
