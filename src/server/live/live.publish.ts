import { type SQL, sql } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { notify } from "../db/notify.js";

/**
 * The writing side of the live stream (docs/live.md), called by the features that own the
 * timeline tables inside their own transactions. A NOTIFY in a transaction is delivered on
 * commit only, and never for a rolled-back change, so a stream never shows what did not happen.
 * Every instance LISTENs on the one channel (PGlite's own notifications on the embedded
 * database) and reads the rows named here from the tables: the payload is only a pointer.
 */
export const LIVE_CHANNEL = "uplink_live";

/**
 * The timeline tables the stream replays from, in cursor order: ticket_events, incident_events,
 * the audit log (customers), notifications. New sources go at the end (a cursor from before
 * simply lacks them).
 */
export const LIVE_SOURCES = ["te", "ie", "al", "nt"] as const;
export type LiveSource = (typeof LIVE_SOURCES)[number];

/** A NOTIFY payload is limited to 8,000 bytes: longer id lists go as a range. */
const MAX_LISTED_IDS = 400;

/** The rows `ids` of `source` were written in this transaction. */
export async function publishLiveRows(db: Executor, source: LiveSource, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  let payload: string;
  if (ids.length <= MAX_LISTED_IDS) payload = `${source}:${ids.join(",")}`;
  else {
    let min = ids[0] as number;
    let max = min;
    for (const id of ids) {
      if (id < min) min = id;
      if (id > max) max = id;
    }
    payload = `${source}:${min}-${max}`;
  }
  await notify(db, LIVE_CHANNEL, payload);
}

export interface SmsAbout {
  ticketId?: string | null;
  customerId?: string | null;
  incidentId?: string | null;
}

/** The NOTIFY payload of an SMS change (for a statement that notifies as it updates). */
export function smsChangePayload(about: SmsAbout): string {
  return `sm:${about.ticketId ?? ""}:${about.customerId ?? ""}:${about.incidentId ?? ""}`;
}

/**
 * `pg_notify(…)` of an SMS change for the row columns of an UPDATE … RETURNING (`alias.ticket_id`
 * and so on), so the sms feature's one-statement updates notify in the same round trip.
 */
export function smsChangeNotifySql(alias: string): SQL {
  const column = (name: string) => sql.raw(`coalesce(${alias}.${name}::text, '')`);
  return sql`pg_notify(${LIVE_CHANNEL}, 'sm:' || ${column("ticket_id")} || ':' || ${column("customer_id")} || ':' || ${column("incident_id")})`;
}

/** SMS rows of these tickets, customers or incidents changed (queued, sent, delivered, failed, …). */
export async function publishSmsChange(db: Executor, about: SmsAbout): Promise<void> {
  // PostgreSQL drops a repeat of the same payload within one transaction, so a batch of rows
  // about one incident notifies once.
  await notify(db, LIVE_CHANNEL, smsChangePayload(about));
}

export type StreamsToEnd =
  | { sessionId: string }
  | { userId: string; exceptSessionId?: string; tokensToo: boolean }
  | { tokenId: string };

/**
 * Closes the streams riding on a session that ended, on a revoked token, or of a user signed out
 * everywhere or deactivated (`tokensToo`: their tokens stop working too), on every instance, at
 * commit.
 */
export async function endLiveStreams(db: Executor, which: StreamsToEnd): Promise<void> {
  let payload: string;
  if ("sessionId" in which) payload = `x:s:${which.sessionId}`;
  else if ("tokenId" in which) payload = `x:k:${which.tokenId}`;
  else payload = `x:${which.tokensToo ? "U" : "u"}:${which.userId}:${which.exceptSessionId ?? ""}`;
  await notify(db, LIVE_CHANNEL, payload);
}
