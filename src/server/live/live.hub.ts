import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { FastifyBaseLogger } from "fastify";
import {
  type LiveEventType,
  type LivePresenceEvent,
  type LiveReady,
  type LiveSmsEvent,
  PRESENCE_TTL_MS,
  type PresenceState,
  type PresenceViewer,
} from "../../shared/live.js";
import { liveSessionIds } from "../auth/sessions.service.js";
import type { Clock } from "../clock.js";
import type { DatabaseHandle } from "../db/client.js";
import { listen, notify, type Unlisten } from "../db/notify.js";
import { liveTokenIds } from "../tokens/tokens.service.js";
import { LIVE_CHANNEL, LIVE_SOURCES, type LiveSource } from "./live.publish.js";
import { LIVE_READERS, type LiveRow, type LiveSelection } from "./live.sources.js";

/** A stream whose socket holds more than this unsent is too slow: it is closed and resumes later. */
export const MAX_UNSENT_BYTES = 256 * 1024;
/** A replay longer than this is not sent: the client refetches what it shows instead (`reset`). */
export const MAX_REPLAY_EVENTS = 2_000;
const REPLAY_PAGE = 500;
/** How soon a browser's EventSource reconnects after its stream dropped. */
const RECONNECT_AFTER_MS = 2_000;
/** NOTIFYs arriving within this window are read with one query per table. */
const READ_COALESCE_MS = 15;
/** SMS hints go out at most this often (an incident send changes thousands of rows a minute). */
const SMS_HINT_EVERY_MS = 1_000;
const SMS_HINT_MAX_IDS = 50;
/** How often the streams' sessions and tokens are checked again (expiry; a missed NOTIFY). */
const REVALIDATE_EVERY_MS = 30_000;
const PRESENCE_SWEEP_EVERY_MS = 5_000;
/** Timeline keys already sent, so an event read twice (an id range, a LISTEN reconnect) goes out once. */
const RECENT_KEYS = 8_192;

/** The newest id of each source (the hub's own position; a fresh stream starts there). */
export type LivePosition = Record<LiveSource, number>;

/**
 * How far back a stream's cursor remembers which ids it got. Ids are taken at insert and become
 * visible at commit, so a transaction with a lower id can commit after a higher one was sent; a
 * replay re-reads this many ids before the newest and sends those the stream had not got.
 */
export const CURSOR_WINDOW = 128;
const WINDOW_MASK = (1n << BigInt(CURSOR_WINDOW)) - 1n;

/**
 * A stream's position in one source: the newest id sent, and which of the CURSOR_WINDOW ids below
 * it were sent too (bit i: id `newest - 1 - i`).
 */
export interface SourceCursor {
  newest: number;
  below: bigint;
}
export type LiveCursor = Record<LiveSource, SourceCursor>;

/** A cursor that counts everything up to `position` as had (a fresh stream: its screen was just loaded). */
export function cursorAt(position: LivePosition): LiveCursor {
  const cursor = {} as LiveCursor;
  for (const source of LIVE_SOURCES) cursor[source] = { newest: position[source], below: WINDOW_MASK };
  return cursor;
}

/** Whether the stream at `cursor` already had row `id`. */
function had(cursor: SourceCursor, id: number): boolean {
  if (id > cursor.newest) return false;
  if (id === cursor.newest) return true;
  const bit = cursor.newest - 1 - id;
  return bit >= CURSOR_WINDOW || ((cursor.below >> BigInt(bit)) & 1n) === 1n;
}

/** Notes that the stream got row `id`. */
function markHad(cursor: SourceCursor, id: number): void {
  if (id > cursor.newest) {
    const shift = id - cursor.newest;
    // The old newest becomes bit shift-1; bits above the window fall off.
    cursor.below =
      shift > CURSOR_WINDOW ? 0n : ((cursor.below << BigInt(shift)) | (1n << BigInt(shift - 1))) & WINDOW_MASK;
    cursor.newest = id;
  } else if (id < cursor.newest && cursor.newest - 1 - id < CURSOR_WINDOW) {
    cursor.below |= 1n << BigInt(cursor.newest - 1 - id);
  }
}

/**
 * `Last-Event-ID`: "v2." and, per source in LIVE_SOURCES order, the newest id sent, and when some
 * of the window below it were not (yet) sent, "-" and that window in base 36.
 */
export function formatCursor(cursor: LiveCursor): string {
  const parts = LIVE_SOURCES.map((source) => {
    const { newest, below } = cursor[source];
    return below === WINDOW_MASK ? String(newest) : `${newest}-${below.toString(36)}`;
  });
  return `v2.${parts.join(".")}`;
}

export function parseCursor(text: string | undefined): LiveCursor | undefined {
  if (!text) return undefined;
  const parts = text.trim().split(".");
  const version = parts[0];
  if ((version !== "v1" && version !== "v2") || parts.length > LIVE_SOURCES.length + 1 || parts.length < 2) {
    return undefined;
  }
  const cursor = {} as LiveCursor;
  for (const [index, source] of LIVE_SOURCES.entries()) {
    const match = /^(\d{1,15})(?:-([0-9a-z]{1,30}))?$/.exec(parts[index + 1] ?? "0");
    if (!match || (version === "v1" && match[2] !== undefined)) return undefined;
    let below = WINDOW_MASK;
    if (match[2] !== undefined) {
      below = 0n;
      for (const digit of match[2]) below = below * 36n + BigInt(Number.parseInt(digit, 36));
      if (below > WINDOW_MASK) return undefined;
    }
    cursor[source] = { newest: Number(match[1]), below };
  }
  return cursor;
}

interface PresenceEntry {
  userId: string;
  name: string;
  state: PresenceState;
  since: number;
  expiresAt: number;
}

/** One open `GET /api/events`. */
export interface LiveStream {
  id: string;
  userId: string;
  userName: string;
  sessionId: string | null;
  tokenId: string | null;
  response: ServerResponse;
  cursor: LiveCursor;
  /** While the replay runs, live events wait here (then those the replay did not send go out). */
  held: LiveRow[] | null;
  /**
   * What the replay sent, for a while after it: a NOTIFY of a row the replay already read may be
   * read by the hub only after the replay ended, and must not send the row twice.
   */
  replayed: Set<string> | null;
  closed: boolean;
}

/** How long a resumed stream remembers what its replay sent (the hub has read its NOTIFYs by then). */
const REPLAYED_KEYS_KEPT_MS = 10_000;

export interface LiveHubDeps {
  database: DatabaseHandle;
  clock: Clock;
  log: FastifyBaseLogger;
  heartbeatMs: number;
  /** Unsent bytes at which a stream counts as not reading (MAX_UNSENT_BYTES). */
  maxUnsentBytes?: number;
}

/**
 * One per app instance: LISTENs on the live channel, reads the rows each NOTIFY names from the
 * timeline tables, and writes them to this instance's streams. Nothing is kept for later but the
 * presence of who is on which record (ephemeral, and itself shared through NOTIFY): a stream
 * that drops resumes from the tables.
 */
export class LiveHub {
  readonly instanceId = randomBytes(6).toString("base64url");
  private readonly streams = new Map<string, LiveStream>();
  /** The newest id seen of each source: a fresh stream starts here, a LISTEN reconnect reads on from here. */
  private readonly position: LivePosition = { te: 0, ie: 0, al: 0, nt: 0 };
  private readonly recentKeys = new Set<string>();
  private pendingIds: Record<LiveSource, Set<number>> = { te: new Set(), ie: new Set(), al: new Set(), nt: new Set() };
  private pendingRanges: { source: LiveSource; range: [number, number] }[] = [];
  private readTimer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  private sms = { ticketIds: new Set<string>(), customerIds: new Set<string>(), incidentIds: new Set<string>() };
  private smsTimer: NodeJS.Timeout | undefined;
  private lastSmsHintAt = 0;
  /** resource → streamId → entry. */
  private readonly presence = new Map<string, Map<string, PresenceEntry>>();
  private timers: NodeJS.Timeout[] = [];
  private unlisten: Unlisten | undefined;
  private listenedBefore = false;
  private stopped = false;

  constructor(private readonly deps: LiveHubDeps) {}

  get streamCount(): number {
    return this.streams.size;
  }

  async start(): Promise<void> {
    const { database } = this.deps;
    await this.readPosition();
    this.unlisten = await listen(database, LIVE_CHANNEL, (payload) => this.onNotify(payload), {
      retryMs: 1_000,
      log: this.deps.log,
      // After a lost LISTEN connection (server database), what was committed meanwhile is read
      // from the tables, from the newest id this instance had seen.
      onConnected: () => {
        if (this.listenedBefore) this.catchUp();
        this.listenedBefore = true;
      },
    });
    this.timers.push(
      setInterval(() => this.heartbeat(), this.deps.heartbeatMs),
      setInterval(() => void this.revalidate(), REVALIDATE_EVERY_MS),
      setInterval(() => this.sweepPresence(), PRESENCE_SWEEP_EVERY_MS),
    );
    for (const timer of this.timers) timer.unref();
  }

  /**
   * The newest id of each table, where fresh streams start. An app may start while its database is
   * away (readiness says so): then it is read again a little later, and fresh streams meanwhile
   * start with `reset`, which a resumed stream gets too once its cursor is beyond reach.
   */
  private async readPosition(): Promise<void> {
    try {
      for (const source of LIVE_SOURCES) {
        const newest = await LIVE_READERS[source].maxId(this.deps.database.db);
        if (newest > this.position[source]) this.position[source] = newest;
      }
    } catch (error) {
      this.deps.log.warn(
        { err: error },
        "live stream: the database is not reachable; reading its position again in 5 s",
      );
      if (!this.stopped) this.timers.push(setTimeout(() => void this.readPosition(), 5_000).unref());
    }
  }

  /** Ends every stream (their clients reconnect to another instance) and stops listening. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.readTimer);
    clearTimeout(this.smsTimer);
    for (const stream of [...this.streams.values()]) this.close(stream, "the server is shutting down");
    await this.reading.catch(() => {});
    try {
      await this.unlisten?.();
    } catch (error) {
      // The database went first (a shutdown that closed it, a test taking it away): nothing to stop.
      this.deps.log.debug({ err: error }, "live stream: UNLISTEN after the database closed");
    }
  }

  /**
   * Opens a stream: replays what `lastEventId` missed (from the tables), then sends `ready`, then
   * everything live. Live events arriving during the replay wait and go out after it, once.
   */
  async open(
    stream: Omit<LiveStream, "id" | "cursor" | "held" | "replayed" | "closed">,
    lastEventId: string | undefined,
  ): Promise<LiveStream> {
    const resumeFrom = parseCursor(lastEventId);
    const live: LiveStream = {
      ...stream,
      id: `${this.instanceId}.${randomBytes(9).toString("base64url")}`,
      cursor: resumeFrom ?? cursorAt(this.position),
      held: [],
      replayed: null,
      closed: false,
    };
    this.streams.set(live.id, live);
    stream.response.on("close", () => this.close(live, null));
    // A stream asked for while the app is closing (the request was in flight when stop() ended the
    // others): end it at once, or it would hold the server's close open.
    if (this.stopped) {
      this.write(live, `retry: ${RECONNECT_AFTER_MS}\n\n`);
      this.close(live, "the server is shutting down");
      return live;
    }
    let replayed = 0;
    let reset = resumeFrom === undefined;
    const sentKeys = new Set<string>();
    if (resumeFrom) {
      try {
        const rows = await this.readSince(resumeFrom, live.userId);
        if (rows === "too many") reset = true;
        else {
          for (const row of rows) {
            sentKeys.add(row.data.key);
            this.send(live, row);
          }
          replayed = rows.length;
        }
      } catch (error) {
        this.deps.log.error({ err: error }, "live stream: the replay failed; the client refetches instead");
        reset = true;
      }
      if (reset) live.cursor = cursorAt(this.position);
    }
    const ready: LiveReady = { streamId: live.id, replayed, reset, heartbeatMs: this.deps.heartbeatMs };
    // `retry:` has a browser reconnect 2 s after a drop (a restarted instance) instead of its default.
    this.write(
      live,
      `retry: ${RECONNECT_AFTER_MS}\nid: ${formatCursor(live.cursor)}\nevent: ready\ndata: ${JSON.stringify(ready)}\n\n`,
    );
    const held = live.held ?? [];
    live.held = null;
    if (sentKeys.size > 0) {
      live.replayed = sentKeys;
      setTimeout(() => {
        live.replayed = null;
      }, REPLAYED_KEYS_KEPT_MS).unref();
    }
    for (const row of held) if (!sentKeys.has(row.data.key) && this.visibleTo(live, row)) this.send(live, row);
    return live;
  }

  /** Ends a stream; `reason` (when the server ends it) goes to the client as a last comment. */
  close(stream: LiveStream, reason: string | null): void {
    if (stream.closed) return;
    stream.closed = true;
    this.streams.delete(stream.id);
    if (reason !== null && !stream.response.destroyed) {
      stream.response.end(`: closed: ${reason}\n\n`);
    } else if (!stream.response.destroyed) stream.response.end();
    void this.endPresenceOf(stream.id);
  }

  /** Who is on a record now, as every instance knows it. */
  viewersOf(resource: string, options: { includeExpired?: boolean } = {}): PresenceViewer[] {
    const byUser = new Map<string, PresenceViewer>();
    const now = Date.now();
    for (const entry of this.presence.get(resource)?.values() ?? []) {
      if (entry.expiresAt <= now && !options.includeExpired) continue;
      const seen = byUser.get(entry.userId);
      const since = new Date(Math.min(entry.since, seen ? Date.parse(seen.since) : entry.since)).toISOString();
      const state: PresenceState = seen?.state === "editing" || entry.state === "editing" ? "editing" : "viewing";
      byUser.set(entry.userId, { userId: entry.userId, name: entry.name, state, since });
    }
    return [...byUser.values()].sort((a, b) => a.since.localeCompare(b.since) || a.userId.localeCompare(b.userId));
  }

  /** A presence report (any instance's): shared with every instance through the channel. */
  async reportPresence(report: {
    resource: string;
    streamId: string;
    userId: string;
    name: string;
    state: PresenceState | "left";
  }): Promise<void> {
    await notify(this.deps.database.db, LIVE_CHANNEL, `pr:${JSON.stringify(report)}`);
  }

  private async endPresenceOf(streamId: string): Promise<void> {
    if (this.stopped && !this.unlisten) return;
    for (const [resource, entries] of this.presence) {
      const entry = entries.get(streamId);
      if (!entry) continue;
      await this.reportPresence({ resource, streamId, userId: entry.userId, name: entry.name, state: "left" }).catch(
        (error) => this.deps.log.warn({ err: error }, "live stream: announcing a closed stream's presence failed"),
      );
    }
  }

  private onNotify(payload: string): void {
    const colon = payload.indexOf(":");
    const kind = payload.slice(0, colon);
    const rest = payload.slice(colon + 1);
    if (kind === "sm") this.onSmsChange(rest);
    else if (kind === "x") this.onStreamsEnded(rest);
    else if (kind === "pr") this.onPresence(rest);
    if (!(LIVE_SOURCES as readonly string[]).includes(kind)) return;
    const source = kind as LiveSource;
    const range = /^(\d+)-(\d+)$/.exec(rest);
    if (range) this.pendingRanges.push({ source, range: [Number(range[1]), Number(range[2])] });
    else for (const id of rest.split(",")) if (/^\d+$/.test(id)) this.pendingIds[source].add(Number(id));
    this.readTimer ??= setTimeout(() => {
      this.readTimer = undefined;
      this.reading = this.reading.then(() => this.readPending());
    }, READ_COALESCE_MS);
  }

  /** Reads what the NOTIFYs named: one query per table. */
  private async readPending(): Promise<void> {
    const ids = this.pendingIds;
    const ranges = this.pendingRanges;
    this.pendingIds = { te: new Set(), ie: new Set(), al: new Set(), nt: new Set() };
    this.pendingRanges = [];
    const selections: { source: LiveSource; selection: LiveSelection }[] = [];
    for (const source of LIVE_SOURCES)
      if (ids[source].size > 0) selections.push({ source, selection: { ids: [...ids[source]] } });
    for (const { source, range } of ranges) selections.push({ source, selection: { range } });
    for (const { source, selection } of selections) {
      try {
        const rows = await LIVE_READERS[source].read(this.deps.database.db, selection);
        this.broadcast(rows);
      } catch (error) {
        this.deps.log.error({ err: error, source }, "live stream: reading notified rows failed");
      }
    }
  }

  /**
   * After a LISTEN reconnect: everything after the newest id this instance had seen, and the window
   * below it (a late commit); what it had sent already is dropped by key in broadcast.
   */
  private catchUp(): void {
    this.reading = this.reading.then(async () => {
      try {
        const cursor = cursorAt(this.position);
        for (const source of LIVE_SOURCES) cursor[source].below = 0n;
        const rows = await this.readSince(cursor, null);
        if (rows !== "too many") this.broadcast(rows);
        else this.deps.log.warn("live stream: too much happened while LISTEN was down; clients refetch on reconnect");
      } catch (error) {
        this.deps.log.error({ err: error }, "live stream: catching up after a LISTEN reconnect failed");
      }
    });
  }

  /**
   * Every row the stream at `cursor` had not got (of `userId`'s notifications; all users' when
   * null): those after its newest, and those of the window below it that it lacks. Oldest first
   * per table.
   */
  private async readSince(cursor: LiveCursor, userId: string | null): Promise<LiveRow[] | "too many"> {
    const rows: LiveRow[] = [];
    for (const source of LIVE_SOURCES) {
      const position = cursor[source];
      let after = Math.max(0, position.newest - CURSOR_WINDOW);
      for (;;) {
        const page = await LIVE_READERS[source].read(this.deps.database.db, { after, limit: REPLAY_PAGE });
        for (const row of page) {
          if (had(position, row.id)) continue;
          if (userId === null || row.userId === null || row.userId === userId) rows.push(row);
        }
        if (rows.length > MAX_REPLAY_EVENTS) return "too many";
        if (page.length < REPLAY_PAGE) break;
        after = (page.at(-1) as LiveRow).id;
      }
    }
    return rows;
  }

  private broadcast(rows: LiveRow[]): void {
    for (const row of rows) {
      if (row.id > this.position[row.source]) this.position[row.source] = row.id;
      if (this.recentKeys.has(row.data.key)) continue;
      this.recentKeys.add(row.data.key);
      if (this.recentKeys.size > RECENT_KEYS) {
        const oldest = this.recentKeys.values().next().value;
        if (oldest !== undefined) this.recentKeys.delete(oldest);
      }
      for (const stream of this.streams.values()) {
        if (!this.visibleTo(stream, row) || stream.replayed?.has(row.data.key)) continue;
        if (stream.held) stream.held.push(row);
        else this.send(stream, row);
      }
    }
  }

  private visibleTo(stream: LiveStream, row: LiveRow): boolean {
    return row.userId === null || row.userId === stream.userId;
  }

  private send(stream: LiveStream, row: LiveRow): void {
    markHad(stream.cursor[row.source], row.id);
    this.write(stream, `id: ${formatCursor(stream.cursor)}\nevent: ${row.type}\ndata: ${JSON.stringify(row.data)}\n\n`);
  }

  /** Writes a frame, or closes a stream whose client does not read (it resumes from its cursor). */
  private write(stream: LiveStream, frame: string): void {
    if (stream.closed) return;
    if (stream.response.writableLength > (this.deps.maxUnsentBytes ?? MAX_UNSENT_BYTES)) {
      this.close(stream, "the client is not reading; reconnect to resume");
      return;
    }
    stream.response.write(frame);
  }

  private sendAll(type: LiveEventType, data: unknown): void {
    const frame = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const stream of this.streams.values()) if (!stream.held) this.write(stream, frame);
  }

  private heartbeat(): void {
    for (const stream of this.streams.values()) this.write(stream, ":\n\n");
  }

  private onSmsChange(rest: string): void {
    const [ticketId, customerId, incidentId] = rest.split(":");
    if (ticketId) this.sms.ticketIds.add(ticketId);
    if (customerId) this.sms.customerIds.add(customerId);
    if (incidentId) this.sms.incidentIds.add(incidentId);
    if (this.smsTimer) return;
    const wait = Math.max(0, this.lastSmsHintAt + SMS_HINT_EVERY_MS - Date.now());
    this.smsTimer = setTimeout(() => {
      this.smsTimer = undefined;
      this.lastSmsHintAt = Date.now();
      const { ticketIds, customerIds, incidentIds } = this.sms;
      this.sms = { ticketIds: new Set(), customerIds: new Set(), incidentIds: new Set() };
      const truncated = [ticketIds, customerIds, incidentIds].some((ids) => ids.size > SMS_HINT_MAX_IDS);
      const cut = (ids: Set<string>) => [...ids].slice(0, SMS_HINT_MAX_IDS);
      const hint: LiveSmsEvent = {
        ticketIds: cut(ticketIds),
        customerIds: cut(customerIds),
        incidentIds: cut(incidentIds),
        truncated,
      };
      this.sendAll("sms", hint);
    }, wait);
    this.smsTimer.unref();
  }

  /** `s:<session>`, `k:<token>`, `u:<user>:<except session>` (sessions), `U:<user>:` (sessions and tokens). */
  private onStreamsEnded(rest: string): void {
    const [kind, id, except] = rest.split(":");
    for (const stream of [...this.streams.values()]) {
      // What the stream rides on, as the payload names it: "s:<session row id>" or "k:<API token row id>".
      const ridesOn = stream.sessionId !== null ? `s:${stream.sessionId}` : `k:${stream.tokenId}`;
      const ends =
        ((kind === "s" || kind === "k") && ridesOn === `${kind}:${id}`) ||
        (kind === "u" && stream.userId === id && stream.sessionId !== null && stream.sessionId !== except) ||
        (kind === "U" && stream.userId === id);
      if (ends) this.close(stream, "signed out");
    }
  }

  private onPresence(rest: string): void {
    let report: { resource: string; streamId: string; userId: string; name: string; state: PresenceState | "left" };
    try {
      report = JSON.parse(rest);
    } catch {
      return;
    }
    if (typeof report?.resource !== "string" || typeof report.streamId !== "string") return;
    const before = viewerSignature(this.viewersOf(report.resource));
    let entries = this.presence.get(report.resource);
    if (report.state === "left") entries?.delete(report.streamId);
    else {
      if (!entries) {
        entries = new Map();
        this.presence.set(report.resource, entries);
      }
      const now = Date.now();
      const existing = entries.get(report.streamId);
      entries.set(report.streamId, {
        userId: report.userId,
        name: report.name,
        state: report.state,
        since: existing?.since ?? now,
        expiresAt: now + PRESENCE_TTL_MS,
      });
    }
    if (entries?.size === 0) this.presence.delete(report.resource);
    this.announceIfChanged(report.resource, before);
  }

  private announceIfChanged(resource: string, before: string): void {
    const viewers = this.viewersOf(resource);
    if (viewerSignature(viewers) === before) return;
    const event: LivePresenceEvent = { resource, viewers };
    this.sendAll("presence", event);
  }

  /** Viewers whose reports stopped (a closed laptop) leave after PRESENCE_TTL_MS. */
  private sweepPresence(): void {
    const now = Date.now();
    for (const [resource, entries] of [...this.presence]) {
      if (![...entries.values()].some((entry) => entry.expiresAt <= now)) continue;
      const before = viewerSignature(this.viewersOf(resource, { includeExpired: true }));
      for (const [streamId, entry] of entries) if (entry.expiresAt <= now) entries.delete(streamId);
      if (entries.size === 0) this.presence.delete(resource);
      this.announceIfChanged(resource, before);
    }
  }

  /** Sessions that expired or went idle, tokens that expired: their streams close. */
  private async revalidate(): Promise<void> {
    const streams = [...this.streams.values()];
    const sessionIds = [...new Set(streams.flatMap((stream) => (stream.sessionId ? [stream.sessionId] : [])))];
    const tokenIds = [...new Set(streams.flatMap((stream) => (stream.tokenId ? [stream.tokenId] : [])))];
    try {
      const [sessions, tokens] = await Promise.all([
        liveSessionIds(this.deps.database.db, this.deps.clock, sessionIds),
        liveTokenIds(this.deps.database.db, this.deps.clock.now(), tokenIds),
      ]);
      for (const stream of streams) {
        const valid = stream.sessionId
          ? sessions.has(stream.sessionId)
          : stream.tokenId
            ? tokens.has(stream.tokenId)
            : false;
        if (!valid) this.close(stream, "the session or token is no longer valid");
      }
    } catch (error) {
      this.deps.log.warn({ err: error }, "live stream: re-checking the streams' sessions failed; next time");
    }
  }
}

/** Who is there in which state: a presence event goes out only when this changes. */
function viewerSignature(viewers: PresenceViewer[]): string {
  return viewers.map(({ userId, state }) => `${userId}=${state}`).join(",");
}
