import { and, eq, gt, inArray, lt, ne, or } from "drizzle-orm";
import type { Clock } from "../clock.js";
import { HOUR, MINUTE } from "../clock.js";
import type { Executor } from "../db/client.js";
import { notify } from "../db/notify.js";
import { sessions, users } from "../db/schema/index.js";
import { endLiveStreams, LIVE_CHANNEL } from "../live/live.publish.js";
import { randomToken, sha256 } from "./tokens.js";

export const IDLE_TIMEOUT_MS = 12 * HOUR;
export const ABSOLUTE_TIMEOUT_MS = 7 * 24 * HOUR;
/** last_seen_at is refreshed at most this often, so reads do not each write. */
const TOUCH_INTERVAL_MS = MINUTE;

export type SessionUser = typeof users.$inferSelect;
export interface ActiveSession {
  id: string;
  csrfToken: string;
  user: SessionUser;
}

export async function createSession(
  db: Executor,
  clock: Clock,
  userId: string,
  meta: { ip: string; userAgent?: string },
): Promise<{ token: string; csrfToken: string; id: string }> {
  const token = randomToken();
  const csrfToken = randomToken();
  const now = clock.now();
  const id = sha256(token);
  await db.insert(sessions).values({
    id,
    userId,
    csrfToken,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + ABSOLUTE_TIMEOUT_MS),
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 500),
  });
  return { token, csrfToken, id };
}

/**
 * How long a session read from the database is reused by this process without reading it again:
 * the per-request lookup was one of the largest parts of an API request's own cost
 * (docs/benchmarks.md, "The app's own cost per request"). Ending a session, or any change to its
 * user, empties every cache of this process at once and, through a NOTIFY on commit, those of
 * every other instance; a change made behind the app's back (SQL by hand) shows within this time.
 */
export const SESSION_CACHE_MS = 5_000;

type SessionRow = { session: typeof sessions.$inferSelect; user: SessionUser };

/** Sessions read recently, by their id (the token's hash); one per app (registerSessionCache). */
export class SessionCache {
  private readonly entries = new Map<string, { row: SessionRow; readAt: number }>();
  /** Counts the clears: a row read before one may be stale, and is not kept (see `mark`). */
  private generation = 0;
  constructor(private readonly ttlMs = SESSION_CACHE_MS) {
    openCaches.add(this);
  }
  get(id: string): SessionRow | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (performance.now() - entry.readAt > this.ttlMs) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.row;
  }
  /**
   * Taken before reading a session from the database: a read still in flight when the cache is
   * emptied (a sign-out or role change committing meanwhile) may have the old row, and `set` then
   * drops it instead of keeping it for SESSION_CACHE_MS.
   */
  mark(): number {
    return this.generation;
  }
  set(id: string, row: SessionRow, mark: number): void {
    if (mark !== this.generation) return;
    // A bound, not a policy: thousands of live sessions are a big ISP's whole staff on every device.
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(id, { row, readAt: performance.now() });
  }
  delete(id: string): void {
    this.entries.delete(id);
  }
  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }
  close(): void {
    this.entries.clear();
    openCaches.delete(this);
  }
}

/** Every app's cache in this process (tests run several apps in one process). */
const openCaches = new Set<SessionCache>();

/** The NOTIFY payloads on the live channel after which cached sessions may be stale. */
export function invalidatesSessions(payload: string): boolean {
  return payload.startsWith("x:") || payload.startsWith("uc:");
}

/** Forgets every cached session of this process: called where sessions end or users change. */
function forgetCachedSessions(): void {
  for (const cache of openCaches) cache.clear();
}

/**
 * A staff account changed (role, name, password, active): every instance drops its cached
 * sessions at this transaction's commit, and this process's at once.
 */
export async function sessionUserChanged(db: Executor, userId: string): Promise<void> {
  forgetCachedSessions();
  await notify(db, LIVE_CHANNEL, `uc:${userId}`);
}

/** The live session behind a cookie token, or undefined (expired, idle, user deactivated). */
export async function findSession(
  db: Executor,
  clock: Clock,
  token: string,
  cache?: SessionCache,
): Promise<ActiveSession | undefined> {
  if (token.length < 20 || token.length > 100) return undefined;
  const id = sha256(token);
  let row = cache?.get(id);
  if (!row) {
    const mark = cache?.mark() ?? 0;
    [row] = await db
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, id))
      .limit(1);
    if (!row) return undefined;
    cache?.set(id, row, mark);
  }
  const now = clock.now().getTime();
  const expired = row.session.expiresAt.getTime() <= now || row.session.lastSeenAt.getTime() + IDLE_TIMEOUT_MS <= now;
  if (expired || !row.user.active) {
    cache?.delete(id);
    await db.delete(sessions).where(eq(sessions.id, id));
    return undefined;
  }
  if (now - row.session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    const lastSeenAt = new Date(now);
    await db.update(sessions).set({ lastSeenAt }).where(eq(sessions.id, id));
    row.session = { ...row.session, lastSeenAt };
  }
  return { id, csrfToken: row.session.csrfToken, user: row.user };
}

export async function endSession(db: Executor, sessionId: string): Promise<void> {
  forgetCachedSessions();
  await db.delete(sessions).where(eq(sessions.id, sessionId));
  await endLiveStreams(db, { sessionId });
}

/**
 * Which of these sessions are still live (not ended, expired or idle, their user active): the
 * live streams re-check theirs with it, one query for all of an instance's streams.
 */
export async function liveSessionIds(db: Executor, clock: Clock, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const now = clock.now();
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        inArray(sessions.id, [...ids]),
        eq(users.active, true),
        gt(sessions.expiresAt, now),
        gt(sessions.lastSeenAt, new Date(now.getTime() - IDLE_TIMEOUT_MS)),
      ),
    );
  return new Set(rows.map((row) => row.id));
}

/** Ends every session of a user, optionally sparing the one making the request. */
export async function endUserSessions(db: Executor, userId: string, exceptSessionId?: string): Promise<void> {
  forgetCachedSessions();
  await db
    .delete(sessions)
    .where(
      exceptSessionId
        ? and(eq(sessions.userId, userId), ne(sessions.id, exceptSessionId))
        : eq(sessions.userId, userId),
    );
  await endLiveStreams(db, { userId, exceptSessionId, tokensToo: false });
}

/** Housekeeping (the maintenance schedule, src/server/maintenance.ts): drops sessions past either timeout. */
export async function purgeExpiredSessions(db: Executor, clock: Clock): Promise<number> {
  const now = clock.now();
  const deleted = await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, now), lt(sessions.lastSeenAt, new Date(now.getTime() - IDLE_TIMEOUT_MS))))
    .returning({ id: sessions.id });
  return deleted.length;
}
