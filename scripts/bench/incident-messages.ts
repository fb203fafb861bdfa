/**
 * An outage incident's message to everyone it affects, on three app instances sharing one
 * PostgreSQL database (issue 15, "Outages"): how long queueing some 20,000 SMS rows in one
 * transaction takes, how fast the incident's page answers while they are being sent, and whether
 * the messages leave at exactly SMS_RATE_PER_SECOND (all instances together), none twice.
 */

import { buildApp } from "../../src/server/app.js";
import { systemClock } from "../../src/server/clock.js";
import type { App } from "../../src/server/deps.js";
import type { IncidentMessage, IncidentMessageList } from "../../src/shared/incident-messages.js";
import type { IncidentDetail } from "../../src/shared/incidents.js";
import { TwilioStandIn } from "../../test/support/twilio-stand-in.js";
import { AppProcess, freePort } from "./app-process.js";
import { captureRequest, instrumentPool, signInInProcess } from "./capture.js";
import { type Account, openTarget, pendingSms, rows } from "./fixtures.js";
import { type Session, send, signIn, signOut } from "./http.js";
import { type LoadResult, runLoad } from "./load.js";
import type { DatabaseTarget } from "./options.js";
import { explainReads, pgRawDatabase } from "./replay.js";
import type { RequestSpec } from "./scenarios.js";
import { round } from "./stats.js";

/** The incident: sites holding 20,000 affected customers (a tenth of size L's 200,000). */
export const INCIDENT_CUSTOMERS = 20_000;
/** Messages per second, all instances together: high enough to see the rate, low enough to keep the run short. */
export const INCIDENT_SMS_RATE = 50;
export const INCIDENT_INSTANCES = 3;
/** Sends timed, each on a fresh incident on the same sites; all but the last are cancelled at once. */
export const INCIDENT_SENDS = 3;
/** The incident's page under load while the last send goes out. */
export const INCIDENT_PAGE_SECONDS = 30;
/** The arrivals counted, from the last send's first message (the page load runs in its first part). */
export const INCIDENT_RATE_SECONDS = 60;

const ACTIVE_STATUSES = "('active', 'suspended', 'pending_install')";

export interface IncidentSendTiming {
  /** POST /api/incidents/:id/messages, request to answer: one transaction writes every row. */
  ms: number;
  recipients: number;
  skipped: Record<string, number>;
  /** SMS rows the send wrote (queued and skipped). */
  rows: number;
}

export interface IncidentPageLoad {
  label: string;
  path: string;
  result: LoadResult;
}

export interface IncidentRateResult {
  /** Whole seconds counted from the first arrival, ending before the cancel. */
  windowSeconds: number;
  arrivals: number;
  /** Arrivals at the stand-ins per 1-second window (aligned to the first arrival). */
  perWindow: number[];
  maxPerWindow: number;
  minPerWindow: number;
  meanPerWindow: number;
  /** The most arrivals in any 1,000 ms starting at an arrival (no window alignment). */
  maxInAnySecond: number;
  /** Windows while the page was under load, and after. */
  underPageLoad: { windows: number; max: number; mean: number };
  afterPageLoad: { windows: number; max: number; mean: number };
  /** Arrivals at each instance's stand-in: every instance took its share. */
  byInstance: number[];
  /** Per 1-second window, each instance's arrivals (which instance a burst or a gap came from). */
  perWindowByInstance: number[][];
  /** Numbers that got more than one message of the send (the stand-ins' count, any time). */
  numbersTwice: number;
  examplesTwice: string[];
  /** Messages the stand-ins accepted of the send, and the rows the app recorded sent. */
  accepted: number;
  recordedSent: number;
}

export interface IncidentMessagesResult {
  instances: number;
  ratePerSecond: number;
  sites: number;
  /** Customers the incident affects (rows each send writes). */
  affected: number;
  customersInDatabase: number;
  sends: IncidentSendTiming[];
  queueingMs: { median: number; max: number; min: number };
  pageLoadSeconds: number;
  page: IncidentPageLoad[];
  rate: IncidentRateResult | null;
  /** The last send after its cancel: its rows by state. */
  finalCounts: IncidentMessage["counts"] | null;
  cancelled: number;
  /** Rows of the earlier sends their cancel stopped (each cancelled within a second of queueing). */
  earlierCancelled: number[];
  /** EXPLAIN (ANALYZE, BUFFERS) of the reads: the send's recipient list (via the preview), the page's. */
  plans: { label: string; statement: string; plan: string }[];
  notes: string[];
  problems: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Sites without an active or scheduled incident, largest first, until their affected customers
 * add up to about `target` (within 2 %, at most 200 sites: an incident's limit).
 */
async function pickSites(target: DatabaseTarget, wanted: number) {
  const { handle } = await openTarget(target);
  try {
    const sites = await rows<{ id: string; name: string; affected: number }>(
      handle,
      `select n.id, n.name, count(*)::int as affected
         from network_sites n join customers c on c.site_id = n.id
        where c.deleted_at is null and c.status in ${ACTIVE_STATUSES}
          and not exists (select 1 from incident_sites s join incidents i on i.id = s.incident_id
                           where s.site_id = n.id and i.status not in ('resolved', 'cancelled'))
        group by n.id, n.name
        order by affected desc, n.id`,
    );
    const [count] = await rows<{ n: number }>(handle, "select count(*)::int as n from customers");
    const customersInDatabase = count?.n ?? 0;
    const goal = Math.min(wanted, Math.round(customersInDatabase / 10));
    const chosen: typeof sites = [];
    let total = 0;
    for (const site of sites) {
      if (total >= goal * 0.98 || chosen.length >= 200) break;
      if (total + site.affected > goal * 1.02) continue;
      chosen.push(site);
      total += site.affected;
    }
    return { sites: chosen, affected: total, goal, customersInDatabase, pending: await pendingSms(handle) };
  } finally {
    await handle.close();
  }
}

async function expectOk<T>(
  origin: string,
  spec: RequestSpec,
  session: Session,
  status = 200,
): Promise<{ body: T; ms: number }> {
  const started = performance.now();
  const response = await send(origin, spec, session);
  const ms = performance.now() - started;
  if (response.status !== status) {
    throw new Error(`${spec.method} ${spec.path} answered ${response.status}: ${response.text.slice(0, 300)}`);
  }
  return { body: response.body as T, ms };
}

async function messageOf(origin: string, session: Session, incidentId: string, messageId: string) {
  const { body } = await expectOk<IncidentMessageList>(
    origin,
    { method: "GET", path: `/api/incidents/${incidentId}/messages` },
    session,
  );
  const message = body.items.find((item) => item.id === messageId);
  if (!message) throw new Error(`The incident's messages do not list ${messageId}`);
  return message;
}

/** Until none of the send's rows is queued or being sent (in-flight sends recorded). */
async function waitUntilSettled(origin: string, session: Session, incidentId: string, messageId: string) {
  const deadline = performance.now() + 180_000;
  for (;;) {
    const message = await messageOf(origin, session, incidentId, messageId);
    if (message.counts.queued === 0) return message;
    if (performance.now() > deadline)
      throw new Error(`${message.counts.queued} rows still queued 3 minutes after cancel`);
    await sleep(250);
  }
}

function rateOf(
  arrivals: { at: number; to: string; instance: number }[],
  instances: number,
  from: number,
  until: number,
  pageLoadEndsAt: number,
): Omit<IncidentRateResult, "numbersTwice" | "examplesTwice" | "accepted" | "recordedSent"> {
  const sorted = arrivals.filter((a) => a.at >= from).sort((a, b) => a.at - b.at);
  const first = sorted[0]?.at ?? from;
  const windowSeconds = Math.max(0, Math.floor((until - first) / 1000));
  const perWindow = Array.from({ length: windowSeconds }, () => 0);
  const perWindowByInstance = Array.from({ length: windowSeconds }, () => Array.from({ length: instances }, () => 0));
  for (const arrival of sorted) {
    const index = Math.floor((arrival.at - first) / 1000);
    if (index >= windowSeconds) continue;
    perWindow[index] = (perWindow[index] ?? 0) + 1;
    const byInstance = perWindowByInstance[index];
    if (byInstance) byInstance[arrival.instance] = (byInstance[arrival.instance] ?? 0) + 1;
  }
  const counted = sorted.filter((a) => a.at < first + windowSeconds * 1000);
  let maxInAnySecond = 0;
  let tail = 0;
  for (let head = 0; head < counted.length; head++) {
    while ((counted[tail]?.at ?? Infinity) < (counted[head]?.at ?? 0) - 999) tail++;
    maxInAnySecond = Math.max(maxInAnySecond, head - tail + 1);
  }
  const split = Math.min(windowSeconds, Math.max(0, Math.floor((pageLoadEndsAt - first) / 1000)));
  const summary = (windows: number[]) => ({
    windows: windows.length,
    max: windows.length ? Math.max(...windows) : 0,
    mean: windows.length ? round(windows.reduce((s, n) => s + n, 0) / windows.length) : 0,
  });
  const byInstance = Array.from({ length: instances }, () => 0);
  for (const arrival of counted) byInstance[arrival.instance] = (byInstance[arrival.instance] ?? 0) + 1;
  return {
    windowSeconds,
    arrivals: counted.length,
    perWindow,
    maxPerWindow: perWindow.length ? Math.max(...perWindow) : 0,
    minPerWindow: perWindow.length ? Math.min(...perWindow) : 0,
    meanPerWindow: perWindow.length ? round(counted.length / windowSeconds) : 0,
    maxInAnySecond,
    underPageLoad: summary(perWindow.slice(0, split)),
    afterPageLoad: summary(perWindow.slice(split)),
    byInstance,
    perWindowByInstance,
  };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the reads of the incident's preview (the send's recipient list) and page. */
async function explainIncident(
  target: DatabaseTarget,
  admin: Account,
  incidentId: string,
): Promise<IncidentMessagesResult["plans"]> {
  const { handle, config } = await openTarget(target, { LOG_LEVEL: "silent", SEED_DEMO_USERS: "false" });
  let app: App | undefined;
  try {
    if (!handle.pool) return [];
    instrumentPool(handle.pool);
    // No Twilio settings: this app has no dispatcher, and the preview needs none.
    app = await buildApp({ config, database: handle, clock: systemClock });
    await app.ready();
    const session = await signInInProcess(app, admin);
    const raw = pgRawDatabase(handle.pool);
    const requests: { label: string; spec: RequestSpec; pick: "largest" | "all" }[] = [
      {
        label: "the send's recipient list (POST /api/incidents/:id/messages/preview runs the same select)",
        spec: {
          method: "POST",
          path: `/api/incidents/${incidentId}/messages/preview`,
          body: { template: "incident_started", duringQuietHours: true },
        },
        pick: "largest",
      },
      { label: "GET /api/incidents/:id", spec: { method: "GET", path: `/api/incidents/${incidentId}` }, pick: "all" },
      {
        label: "GET /api/incidents/:id/customers",
        spec: { method: "GET", path: `/api/incidents/${incidentId}/customers?limit=50` },
        pick: "largest",
      },
    ];
    const plans: IncidentMessagesResult["plans"] = [];
    for (const request of requests) {
      const { request: captured } = await captureRequest(app, request.spec, session, request.label);
      const statements = captured.units.flatMap((unit) => unit.statements);
      const explained = await explainReads(captured, raw);
      // The preview reads the incident, the template, quiet hours and the recipients: the largest answer is the recipients'.
      const largest = statements.reduce(
        (best, statement, index) => (statement.rows.length > (statements[best]?.rows.length ?? -1) ? index : best),
        0,
      );
      for (const { statement, plan } of explained) {
        if (request.pick === "largest" && statement !== largest) continue;
        // The session and role checks every request makes are not this page's.
        const text = statements[statement]?.text ?? "";
        if (request.pick === "all" && /\bsessions\b|\busers\b.*\brole\b/i.test(text)) continue;
        plans.push({ label: request.label, statement: text.replace(/\s+/g, " ").trim(), plan });
      }
    }
    return plans;
  } finally {
    await app?.close();
    await handle.close();
  }
}

/**
 * Opens an outage incident on sites holding about 20,000 affected customers, times its message's
 * queueing (INCIDENT_SENDS times, fresh incidents), then loads the incident's page while three app
 * instances send the last one through their own Twilio stand-ins, counts the arrivals per second,
 * cancels the rest and resolves the incidents.
 */
export async function measureIncidentMessages(options: {
  target: DatabaseTarget;
  appEnv: NodeJS.ProcessEnv;
  admin: Account;
  log: (line: string) => void;
}): Promise<IncidentMessagesResult> {
  const { target, appEnv, admin, log } = options;
  const notes: string[] = [];
  const problems: string[] = [];
  const picked = await pickSites(target, INCIDENT_CUSTOMERS);
  if (picked.sites.length === 0) throw new Error("No network site without an active incident has affected customers");
  log(
    `Incident messages: ${picked.sites.length} sites, ${picked.affected.toLocaleString("en-US")} affected customers ` +
      `(aimed at ${picked.goal.toLocaleString("en-US")}); ${INCIDENT_INSTANCES} instances at SMS_RATE_PER_SECOND=${INCIDENT_SMS_RATE}`,
  );
  if (picked.goal < INCIDENT_CUSTOMERS) {
    notes.push(
      `the data holds ${picked.customersInDatabase.toLocaleString("en-US")} customers, so the incident covers a tenth of them, not the issue's 20,000 (size L)`,
    );
  }

  const standIns = await Promise.all(Array.from({ length: INCIDENT_INSTANCES }, () => new TwilioStandIn().start()));
  const apps: AppProcess[] = [];
  let session: Session | undefined;
  const incidentIds: string[] = [];
  /** A send not yet cancelled: cancelled on the way out if the run fails before its own cancel. */
  let uncancelled: { incidentId: string; messageId: string } | undefined;
  let origin = "";
  try {
    const start = async (index: number) => {
      const standIn = standIns[index] as TwilioStandIn;
      const app = new AppProcess(
        { ...appEnv, ...standIn.env(), SMS_RATE_PER_SECOND: String(INCIDENT_SMS_RATE) },
        await freePort(),
      );
      apps[index] = app;
      await app.waitUntilReady();
    };
    // The first instance alone (it may migrate), then the others side by side.
    await start(0);
    await Promise.all(Array.from({ length: INCIDENT_INSTANCES - 1 }, (_, i) => start(i + 1)));
    origin = (apps[0] as AppProcess).origin;
    log(`  ${INCIDENT_INSTANCES} app instances ready: ${apps.map((app) => app.origin).join(", ")}`);
    session = await signIn(origin, admin);

    if (picked.pending > 0) {
      log(`  ${picked.pending} SMS rows of earlier work still queued: waiting for the outbox to empty…`);
      const deadline = performance.now() + 300_000;
      const { handle } = await openTarget(target);
      try {
        while ((await pendingSms(handle)) > 0 && performance.now() < deadline) await sleep(500);
        const left = await pendingSms(handle);
        if (left > 0) notes.push(`${left} SMS rows of earlier work were still queued when the sends began`);
      } finally {
        await handle.close();
      }
    }

    const sends: IncidentSendTiming[] = [];
    const earlierCancelled: number[] = [];
    let last: { incidentId: string; messageId: string; committedAt: number; sentAt: number } | undefined;
    for (let n = 1; n <= INCIDENT_SENDS; n++) {
      const { body: incident } = await expectOk<IncidentDetail>(
        origin,
        {
          method: "POST",
          path: "/api/incidents",
          body: {
            title: `Fibre cut on the backbone (npm run bench, send ${n} of ${INCIDENT_SENDS})`,
            kind: "outage",
            severity: "critical",
            publicMessage: "A fibre cut took service down; crews are on site.",
            siteIds: picked.sites.map((site) => site.id),
          },
        },
        session,
        201,
      );
      incidentIds.push(incident.id);
      if (incident.affectedCustomerCount !== picked.affected) {
        notes.push(
          `incident ${n}: the page counts ${incident.affectedCustomerCount} affected customers, the site pick ${picked.affected}`,
        );
      }
      const sentAt = Date.now();
      const { body: message, ms } = await expectOk<IncidentMessage>(
        origin,
        {
          method: "POST",
          path: `/api/incidents/${incident.id}/messages`,
          body: { template: "incident_started", duringQuietHours: true },
        },
        session,
        201,
      );
      const committedAt = Date.now();
      uncancelled = { incidentId: incident.id, messageId: message.id };
      const rowsWritten = message.recipients + Object.values(message.skipped).reduce((sum, k) => sum + k, 0);
      sends.push({ ms: round(ms), recipients: message.recipients, skipped: message.skipped, rows: rowsWritten });
      log(
        `  send ${n}: ${rowsWritten.toLocaleString("en-US")} rows (${message.recipients.toLocaleString("en-US")} to send, ` +
          `${(rowsWritten - message.recipients).toLocaleString("en-US")} skipped) queued in ${Math.round(ms)} ms`,
      );
      if (message.holdUntil) problems.push(`send ${n} is held by quiet hours until ${message.holdUntil}`);
      if (n < INCIDENT_SENDS) {
        const { body: cancel } = await expectOk<{ cancelled: number }>(
          origin,
          { method: "POST", path: `/api/incidents/${incident.id}/messages/${message.id}/cancel` },
          session,
        );
        uncancelled = undefined;
        earlierCancelled.push(cancel.cancelled);
        await waitUntilSettled(origin, session, incident.id, message.id);
      } else {
        last = { incidentId: incident.id, messageId: message.id, committedAt, sentAt };
      }
      // The next send's stand-in counts hold its messages only.
      if (n === INCIDENT_SENDS - 1) for (const standIn of standIns) standIn.reset();
    }
    if (!last) throw new Error("no send was measured");
    const measured = last;

    log(`  the incident's page under load for ${INCIDENT_PAGE_SECONDS} s while the instances send…`);
    const pageSpecs: { label: string; path: string; connections: number }[] = [
      {
        label: "GET /api/incidents/:id (with its affected count)",
        path: `/api/incidents/${measured.incidentId}`,
        connections: 2,
      },
      {
        label: "GET /api/incidents/:id/customers (first page of 50, by name)",
        path: `/api/incidents/${measured.incidentId}/customers?limit=50`,
        connections: 2,
      },
      {
        label: "GET /api/incidents/:id/messages (the progress the page polls)",
        path: `/api/incidents/${measured.incidentId}/messages`,
        connections: 1,
      },
    ];
    const page = await Promise.all(
      pageSpecs.map(async (spec) => ({
        label: spec.label,
        path: spec.path,
        result: await runLoad({
          origin,
          connections: spec.connections,
          durationSeconds: INCIDENT_PAGE_SECONDS,
          session,
          variants: [{ method: "GET", path: spec.path }],
        }),
      })),
    );
    const pageLoadEndsAt = Date.now();
    for (const load of page) {
      if (load.result.errors.total > 0) {
        problems.push(
          `${load.label}: ${load.result.errors.total} failed; first: ${load.result.errors.samples[0] ?? "—"}`,
        );
      }
    }

    const arrivals = () =>
      standIns.flatMap((standIn, instance) =>
        standIn.messages.map((message) => ({ at: message.at, to: message.to, instance })),
      );
    const firstArrival = () =>
      Math.min(
        ...arrivals()
          .filter((a) => a.at >= measured.sentAt)
          .map((a) => a.at),
      );
    const rateEndsAt = () => firstArrival() + INCIDENT_RATE_SECONDS * 1000;
    while (!Number.isFinite(firstArrival()) || Date.now() < rateEndsAt()) await sleep(100);

    const cancelAt = Date.now();
    const { body: cancel } = await expectOk<{ cancelled: number; message: IncidentMessage }>(
      origin,
      { method: "POST", path: `/api/incidents/${measured.incidentId}/messages/${measured.messageId}/cancel` },
      session,
    );
    uncancelled = undefined;
    const settled = await waitUntilSettled(origin, session, measured.incidentId, measured.messageId);
    // Sends claimed before the cancel reach the stand-ins up to a second after it.
    await sleep(1500);
    const finalCounts = (await messageOf(origin, session, measured.incidentId, measured.messageId)).counts;
    log(
      `  cancelled ${cancel.cancelled.toLocaleString("en-US")} rows; the send ended with ${finalCounts.sent + finalCounts.delivered} sent, ` +
        `${finalCounts.cancelled} cancelled, ${finalCounts.skipped} skipped, ${finalCounts.failed} failed (${settled.counts.queued} queued)`,
    );

    const all = arrivals().filter((a) => a.at >= measured.sentAt);
    const byNumber = new Map<string, number>();
    for (const arrival of all) byNumber.set(arrival.to, (byNumber.get(arrival.to) ?? 0) + 1);
    const twice = [...byNumber].filter(([, n]) => n > 1);
    const rate: IncidentRateResult = {
      ...rateOf(all, INCIDENT_INSTANCES, measured.sentAt, Math.min(cancelAt, rateEndsAt()), pageLoadEndsAt),
      numbersTwice: twice.length,
      examplesTwice: twice.slice(0, 5).map(([number, n]) => `${number} × ${n}`),
      accepted: all.length,
      recordedSent: finalCounts.sent + finalCounts.delivered,
    };
    if (rate.numbersTwice > 0) problems.push(`${rate.numbersTwice} numbers got the message more than once`);
    if (rate.accepted !== rate.recordedSent) {
      problems.push(
        `the stand-ins accepted ${rate.accepted} messages of the send, the app recorded ${rate.recordedSent} sent`,
      );
    }
    log(
      `  rate: ${rate.arrivals} arrivals in ${rate.windowSeconds} s = ${rate.meanPerWindow}/s; per 1-s window max ${rate.maxPerWindow}, ` +
        `min ${rate.minPerWindow}; most in any second ${rate.maxInAnySecond}; by instance ${rate.byInstance.join(" / ")}; ` +
        `numbers texted twice: ${rate.numbersTwice}`,
    );
    notes.push(
      `first message ${((firstArrival() - measured.committedAt) / 1000).toFixed(2)} s after the send's answer`,
    );

    log("  EXPLAIN ANALYZE of the recipient list and the page's reads…");
    const plans = await explainIncident(target, admin, measured.incidentId);

    const timings = sends.map((s) => s.ms);
    return {
      instances: INCIDENT_INSTANCES,
      ratePerSecond: INCIDENT_SMS_RATE,
      sites: picked.sites.length,
      affected: picked.affected,
      customersInDatabase: picked.customersInDatabase,
      sends,
      queueingMs: { median: round(median(timings)), max: Math.max(...timings), min: Math.min(...timings) },
      pageLoadSeconds: INCIDENT_PAGE_SECONDS,
      page,
      rate,
      finalCounts,
      cancelled: cancel.cancelled,
      earlierCancelled,
      plans,
      notes,
      problems,
    };
  } finally {
    // Resolved, so later runs' new tickets on these sites are not linked to a benchmark's incident.
    if (session) {
      if (uncancelled) {
        const path = `/api/incidents/${uncancelled.incidentId}/messages/${uncancelled.messageId}/cancel`;
        await send(origin, { method: "POST", path }, session).catch(() => {});
      }
      for (const id of incidentIds) {
        const resolved = await send(
          origin,
          { method: "POST", path: `/api/incidents/${id}/resolve`, body: {} },
          session,
        );
        if (resolved.status !== 200) problems.push(`resolving incident ${id} answered ${resolved.status}`);
      }
      await signOut(origin, session).catch(() => {});
    }
    for (const app of apps) {
      const stopped = await app?.stop();
      if (stopped && stopped.code !== 0) problems.push(`an app instance exited with code ${stopped.code} on SIGTERM`);
    }
    for (const standIn of standIns) await standIn.stop();
  }
}
