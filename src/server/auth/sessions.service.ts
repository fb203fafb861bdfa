import { and, eq, gt, inArray, lt, ne, or } from "drizzle-orm";
import type { Clock } from "../clock.js";
import { HOUR, MINUTE } from "../clock.js";
import type { Executor } from "../db/client.js";
import { sessions, users } from "../db/schema/index.js";
import { endLiveStreams } from "../live/live.publish.js";
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

/** The live session behind a cookie token, or undefined (expired, idle, user deactivated). */
export async function findSession(db: Executor, clock: Clock, token: string): Promise<ActiveSession | undefined> {
  if (token.length < 20 || token.length > 100) return undefined;
  const id = sha256(token);
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, id))
    .limit(1);
  if (!row) return undefined;
  const now = clock.now().getTime();
  const expired = row.session.expiresAt.getTime() <= now || row.session.lastSeenAt.getTime() + IDLE_TIMEOUT_MS <= now;
  if (expired || !row.user.active) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return undefined;
  }
  if (now - row.session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await db
      .update(sessions)
      .set({ lastSeenAt: new Date(now) })
      .where(eq(sessions.id, id));
  }
  return { id, csrfToken: row.session.csrfToken, user: row.user };
}

export async function endSession(db: Executor, sessionId: string): Promise<void> {
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
