import { z } from "zod";
import { INCIDENT_EVENT_KINDS, TICKET_EVENT_KINDS } from "./enums.js";

/**
 * The live event stream, `GET /api/events` (Server-Sent Events; docs/live.md). Each event's
 * `event:` line is its type below and its `data:` line one JSON object of that type's schema.
 * Events say *what* changed, not the new state: a screen refetches what it shows (TanStack Query
 * invalidation), so the stream never carries a stale copy of a record.
 *
 * Events that come from a timeline table (ticket, incident, customer, notification) carry a
 * `key` ("te:1234") unique for ever, and the SSE `id:` after them is the stream's cursor:
 * reconnecting with it (`Last-Event-ID`) replays every such event committed since, from the
 * tables. `sms` and `presence` are hints that are not replayed: after a reconnect a client
 * refetches what it shows (the `ready` event tells it whether anything was missed).
 */
const isoTime = z.iso.datetime({ offset: true });

export const ZLiveActor = z.object({ id: z.uuid(), name: z.string() }).nullable();
export type LiveActor = z.infer<typeof ZLiveActor>;

/** The first event of every stream. */
export const ZLiveReady = z.object({
  /** This stream's id: presence reports name it, so a closed stream's presence ends with it. */
  streamId: z.string(),
  /** Events replayed from `Last-Event-ID` (0 on a fresh stream). */
  replayed: z.number().int().min(0),
  /**
   * True when the stream could not resume (no or an unreadable `Last-Event-ID`, or more missed
   * events than it replays): refetch everything on screen.
   */
  reset: z.boolean(),
  heartbeatMs: z.number().int().positive(),
});
export type LiveReady = z.infer<typeof ZLiveReady>;

/** A ticket's timeline entry: a field changed, a comment, a visit step, an SMS on it. */
export const ZLiveTicketEvent = z.object({
  key: z.string(),
  ticketId: z.uuid(),
  ticketNumber: z.string(),
  customerId: z.uuid().nullable(),
  kind: z.enum(TICKET_EVENT_KINDS),
  actor: ZLiveActor,
  /** For `updated`: the fields changed; for the rest: the one the kind names (status, assigneeId, …). */
  fields: z.array(z.string()),
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** The visit a visit_* entry is about. */
  visitId: z.uuid().nullable(),
  at: isoTime,
});
export type LiveTicketEvent = z.infer<typeof ZLiveTicketEvent>;

export const ZLiveIncidentEvent = z.object({
  key: z.string(),
  incidentId: z.uuid(),
  kind: z.enum(INCIDENT_EVENT_KINDS),
  actor: ZLiveActor,
  at: isoTime,
});
export type LiveIncidentEvent = z.infer<typeof ZLiveIncidentEvent>;

/** A customer created, changed, archived, restored or imported (from the audit log). */
export const ZLiveCustomerEvent = z.object({
  key: z.string(),
  /** Null for a change to many at once (an import). */
  customerId: z.uuid().nullable(),
  action: z.string(),
  actor: ZLiveActor,
  at: isoTime,
});
export type LiveCustomerEvent = z.infer<typeof ZLiveCustomerEvent>;

/**
 * SMS rows queued, sent or changed state (at most one event a second, many rows each): the SMS
 * log, the tickets, customers and incidents they belong to refetch. A list longer than 50 is cut
 * and `truncated` set: refetch every SMS view.
 */
export const ZLiveSmsEvent = z.object({
  ticketIds: z.array(z.uuid()),
  customerIds: z.array(z.uuid()),
  incidentIds: z.array(z.uuid()),
  truncated: z.boolean(),
});
export type LiveSmsEvent = z.infer<typeof ZLiveSmsEvent>;

/** A notification for the stream's user (only theirs reach them). */
export const ZLiveNotificationEvent = z.object({
  key: z.string(),
  id: z.number().int(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  /** Where it leads in the app ("/tickets/…"). */
  link: z.string().nullable(),
  at: isoTime,
});
export type LiveNotificationEvent = z.infer<typeof ZLiveNotificationEvent>;

export const PRESENCE_STATES = ["viewing", "editing"] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];

/** "ticket:<uuid>" or "customer:<uuid>". */
export const ZPresenceResource = z
  .string()
  .regex(
    /^(ticket|customer):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'resource must be "ticket:<id>" or "customer:<id>"',
  );

export const ZPresenceViewer = z.object({
  userId: z.uuid(),
  name: z.string(),
  state: z.enum(PRESENCE_STATES),
  since: isoTime,
});
export type PresenceViewer = z.infer<typeof ZPresenceViewer>;

/** Who is on a record now (every stream's; a page shows the others). */
export const ZLivePresenceEvent = z.object({
  resource: ZPresenceResource,
  viewers: z.array(ZPresenceViewer),
});
export type LivePresenceEvent = z.infer<typeof ZLivePresenceEvent>;

/** `POST /api/presence`: sent on arrival, on every change of state and every 20 s; `left` on leaving. */
export const ZPresenceReport = z.object({
  resource: ZPresenceResource,
  state: z.enum([...PRESENCE_STATES, "left"]),
  /** The `ready` event's streamId of the tab reporting: its presence ends when that stream closes. */
  streamId: z.string().min(1).max(64),
});
export type PresenceReport = z.infer<typeof ZPresenceReport>;
export const ZPresenceQuery = z.object({ resource: ZPresenceResource });

export { PRESENCE_REPORT_EVERY_MS, PRESENCE_TTL_MS } from "./protocol.js";

export const LIVE_EVENT_TYPES = ["ready", "ticket", "incident", "customer", "sms", "notification", "presence"] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export interface LiveEventMap {
  ready: LiveReady;
  ticket: LiveTicketEvent;
  incident: LiveIncidentEvent;
  customer: LiveCustomerEvent;
  sms: LiveSmsEvent;
  notification: LiveNotificationEvent;
  presence: LivePresenceEvent;
}
