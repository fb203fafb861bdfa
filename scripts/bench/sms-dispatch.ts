import type { TwilioStandIn } from "../../test/support/twilio-stand-in.js";
import { type Session, send } from "./http.js";
import { type LoadResult, runLoad } from "./load.js";
import { round } from "./stats.js";

export interface SmsDispatchResult {
  messages: number;
  /** Messages the stand-in accepted (fewer than `messages`: the dispatcher fell behind for 10 minutes). */
  accepted: number;
  /** POST /api/sms at 20 clients: the app writes each row to the outbox. */
  queueing: LoadResult;
  /** From the first POST until the stand-in had accepted every message. */
  endToEndSeconds: number;
  sentPerSecond: number;
  /** Between the stand-in's first and last accepted message. */
  steadySentPerSecond: number | null;
  /** Until no row was left queued or sending (the outcome recorded). */
  recordedSeconds: number;
  /** Messages the stand-in accepted beyond those queued (a lease ran out: at-least-once). */
  duplicates: number;
  /**
   * The last message went out within a second of the last POST: the dispatcher kept pace with the
   * queueing, so the rate is the queueing's and the dispatcher's own limit is higher.
   */
  keptPace: boolean;
}

async function pendingCount(origin: string, session: Session): Promise<number> {
  let pending = 0;
  for (const status of ["queued", "sending"]) {
    const { status: code, body } = await send(
      origin,
      { method: "GET", path: `/api/sms?status=${status}&limit=1` },
      session,
    );
    if (code !== 200) throw new Error(`GET /api/sms?status=${status} answered ${code}`);
    pending += ((body as { items?: unknown[] }).items ?? []).length;
  }
  return pending;
}

/** Waits until the app's outbox is empty; returns the seconds it took. */
export async function waitForEmptyOutbox(origin: string, session: Session, timeoutMs = 600_000): Promise<number> {
  const started = performance.now();
  while ((await pendingCount(origin, session)) > 0) {
    if (performance.now() - started > timeoutMs) {
      throw new Error(`The SMS outbox was not empty after ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return (performance.now() - started) / 1000;
}

/**
 * Queues `messages` SMS through the app (POST /api/sms, 20 clients) and times how fast the
 * dispatcher hands them to the Twilio stand-in.
 */
export async function measureSmsDispatch(
  origin: string,
  session: Session,
  standIn: TwilioStandIn,
  ticketIds: string[],
  messages: number,
): Promise<SmsDispatchResult> {
  await waitForEmptyOutbox(origin, session);
  standIn.reset();
  const started = performance.now();
  const startedAt = Date.now();
  const queueing = await runLoad({
    origin,
    connections: 20,
    amount: messages,
    session,
    variants: ticketIds.map((ticketId) => ({
      method: "POST",
      path: "/api/sms",
      body: { ticketId, body: "Your technician is on the way and will arrive within the hour. (npm run bench)" },
    })),
  });
  const deadline = performance.now() + 600_000;
  while (standIn.messages.length < queueing.ok && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const accepted = standIn.messages.filter((message) => message.at >= startedAt);
  const last = accepted[accepted.length - 1];
  const first = accepted[0];
  const endToEndSeconds = last ? (last.at - startedAt) / 1000 : (performance.now() - started) / 1000;
  await waitForEmptyOutbox(origin, session);
  const recordedSeconds = (performance.now() - started) / 1000;
  return {
    messages: queueing.ok,
    accepted: accepted.length,
    queueing,
    endToEndSeconds: round(endToEndSeconds),
    sentPerSecond: round(accepted.length / endToEndSeconds),
    steadySentPerSecond:
      first && last && last.at > first.at ? round(((accepted.length - 1) * 1000) / (last.at - first.at)) : null,
    recordedSeconds: round(recordedSeconds),
    duplicates: Math.max(0, standIn.messages.length - queueing.ok),
    keptPace: endToEndSeconds - queueing.seconds < 1,
  };
}
