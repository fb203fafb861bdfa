import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TwilioStandIn } from "../support/twilio-stand-in.js";
import {
  type ApiAnswer,
  AppProcess,
  createCustomers,
  mobileNumber,
  readiness,
  report,
  StaffClient,
  sleep,
  waitFor,
} from "./support/app-process.js";
import { PrivateCluster } from "./support/private-postgres.js";

/** How long the database stays away in each round: long enough for many requests to meet it. */
const OUTAGE_MS = 4_000;

/**
 * The server database stops (cleanly, and as in a crash) and comes back while the app runs: the
 * app must answer 503 problem+json fast meanwhile, and serve again without a restart.
 */
describe("the database stops and restarts under a running app", () => {
  let cluster: PrivateCluster;
  let app: AppProcess;
  let staff: StaffClient;
  let twilio: TwilioStandIn;
  let customerId: string;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "uplink-faults-outage-"));
    cluster = await PrivateCluster.create();
    const url = await cluster.createDatabase("uplink_outage");
    twilio = await new TwilioStandIn().start();
    app = await AppProcess.start({ DATABASE_URL: url, ...twilio.env() }, path.join(scratch, "app.log"));
    staff = await StaffClient.signIn(app.baseUrl);
    [customerId] = (await createCustomers(staff, 1, "Outage")) as [string];
  });

  afterAll(async () => {
    await app?.ensureStopped();
    await twilio?.stop();
    cluster?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  for (const mode of ["fast", "immediate"] as const) {
    it(`pg_ctl stop -m ${mode}: 503 problem+json within 2 s meanwhile, serving again within 5 s of its return`, async () => {
      expect((await readiness(app.baseUrl)).status).toBe(200);
      expect((await staff.request("GET", "/api/tickets?limit=5")).status).toBe(200);

      await cluster.stop(mode);
      const outageStarted = performance.now();
      const during: { what: string; answer: ApiAnswer }[] = [];
      while (performance.now() - outageStarted < OUTAGE_MS) {
        const [ready, list, write, customer] = await Promise.all([
          readiness(app.baseUrl),
          staff.request("GET", "/api/tickets?limit=5", undefined, { timeoutMs: 10_000 }),
          staff.request(
            "POST",
            "/api/tickets",
            { customerId, subject: `Written during the ${mode} outage` },
            {
              timeoutMs: 10_000,
            },
          ),
          staff.request("GET", `/api/customers/${customerId}`, undefined, { timeoutMs: 10_000 }),
        ]);
        during.push(
          { what: "GET /readyz", answer: ready },
          { what: "GET /api/tickets", answer: list },
          { what: "POST /api/tickets", answer: write },
          { what: "GET /api/customers/:id", answer: customer },
        );
        await sleep(100);
      }

      const unexpected = during.filter(
        ({ answer }) =>
          answer.status !== 503 ||
          !answer.contentType.startsWith("application/problem+json") ||
          (answer.body as { code?: string }).code !== "service.database_unavailable",
      );
      expect(unexpected.map(({ what, answer }) => `${what}: ${answer.status} ${JSON.stringify(answer.body)}`)).toEqual(
        [],
      );
      const slowest = Math.max(...during.map(({ answer }) => answer.ms));
      expect(slowest).toBeLessThan(2_000);
      // The app process lived through it: no restart.
      expect(app.child.exitCode).toBeNull();

      // Back: probe every 50 ms from the moment the server is told to start.
      const firstSuccess: Record<string, number> = {};
      let probing = true;
      const probes = (async () => {
        let n = 0;
        while (probing) {
          const tasks: [string, () => Promise<number>][] = [
            ["ready", async () => (await readiness(app.baseUrl)).status],
            ["read", async () => (await staff.request("GET", "/api/tickets?limit=5")).status],
            [
              "write",
              async () =>
                (await staff.request("POST", "/api/tickets", { customerId, subject: `After ${mode} outage ${n++}` }))
                  .status,
            ],
          ];
          await Promise.all(
            tasks
              .filter(([name]) => firstSuccess[name] === undefined)
              .map(async ([name, probe]) => {
                const status = await probe().catch(() => 0);
                if (status === 200 || status === 201) firstSuccess[name] ??= performance.now();
              }),
          );
          if (Object.keys(firstSuccess).length === 3) break;
          await sleep(50);
        }
      })();
      const startAsked = performance.now();
      const accepting = cluster.waitUntilAccepting();
      await cluster.start();
      const acceptingAt = await accepting;
      await waitFor("the app serving again", async () => Object.keys(firstSuccess).length === 3, 15_000, 50);
      probing = false;
      await probes;

      const sinceDatabaseBack = (name: string) => Math.round((firstSuccess[name] as number) - acceptingAt);
      report(`database outage (pg_ctl stop -m ${mode})`, {
        requestsDuringOutage: during.length,
        all503: unexpected.length === 0,
        slowestAnswerDuringOutageMs: Math.round(slowest),
        medianAnswerDuringOutageMs: Math.round(median(during.map(({ answer }) => answer.ms))),
        databaseBackAfterStartMs: Math.round(acceptingAt - startAsked),
        readyzOkAfterDatabaseBackMs: sinceDatabaseBack("ready"),
        signedInReadOkAfterDatabaseBackMs: sinceDatabaseBack("read"),
        writeOkAfterDatabaseBackMs: sinceDatabaseBack("write"),
      });
      for (const name of ["ready", "read", "write"]) expect(sinceDatabaseBack(name)).toBeLessThan(5_000);

      // The SMS dispatcher came back too: a ticket written now has its SMS sent.
      const sentBefore = twilio.messages.length;
      const ticket = await staff.request<{ number: string }>("POST", "/api/tickets", {
        customerId,
        subject: `Proves the dispatcher after the ${mode} outage`,
      });
      expect(ticket.status).toBe(201);
      await waitFor(
        "the ticket's SMS",
        async () => twilio.messages.slice(sentBefore).some((m) => m.body.includes(ticket.body.number)),
        15_000,
      );
      expect(twilio.messagesTo(mobileNumber(0)).every((m) => m.body.includes("opened ticket"))).toBe(true);
      expect(app.child.exitCode).toBeNull();
    });
  }
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
