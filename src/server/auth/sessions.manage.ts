import Bowser from "bowser";
import { and, desc, eq, gt } from "drizzle-orm";
import { DEVICE_TYPES, type DeviceType, type StaffSession } from "../../shared/sessions.js";
import { recordAudit } from "../audit/audit.service.js";
import type { Actor, ServiceContext } from "../context.js";
import { inTransaction } from "../context.js";
import type { Executor } from "../db/client.js";
import { sessions, users } from "../db/schema/index.js";
import { notFound } from "../http/errors.js";
import { endSession, endUserSessions, IDLE_TIMEOUT_MS } from "./sessions.service.js";
import { safeEqual, sha256 } from "./tokens.js";

/**
 * "Where you're signed in" (Profile) and an admin's view of a staff member's sessions (docs/
 * security.md). Listing reads the sessions table; ending goes through sessions.service.ts's
 * endSession / endUserSessions only, so every way a session ends (sign-out, password change,
 * deactivation, this) ends its live streams and anything that remembers it, in one place.
 */

/**
 * The public id of a session: never its stored id (the SHA-256 of the cookie token, which the
 * live hub also uses as a key), but a one-way function of it, so an answer that lists sessions
 * hands out nothing that could be replayed anywhere.
 */
export const publicSessionId = (sessionId: string) => sha256(`uplink-session-public-id:${sessionId}`).slice(0, 32);

type SessionRow = typeof sessions.$inferSelect;

/** A user's live sessions (not past either timeout), the most recently used first. */
async function liveSessionsOf(db: Executor, now: Date, userId: string): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        gt(sessions.expiresAt, now),
        gt(sessions.lastSeenAt, new Date(now.getTime() - IDLE_TIMEOUT_MS)),
      ),
    )
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt));
}

/** Where a staff member is signed in; `currentSessionId` marks the caller's own session. */
export async function listUserSessions(
  ctx: ServiceContext,
  userId: string,
  currentSessionId: string | undefined,
): Promise<StaffSession[]> {
  await assertUserExists(ctx.db, userId);
  const rows = await liveSessionsOf(ctx.db, ctx.clock.now(), userId);
  return rows.map((row) => toStaffSession(row, currentSessionId));
}

/**
 * Ends one of a staff member's sessions, named by its public id: its next request gets 401 and
 * its live streams close. Audited on the staff member's record.
 */
export async function endUserSession(
  ctx: ServiceContext,
  actor: Actor,
  userId: string,
  publicId: string,
): Promise<void> {
  await inTransaction(ctx, async ({ db, clock }) => {
    await assertUserExists(db, userId);
    const row = (await liveSessionsOf(db, clock.now(), userId)).find((s) => safeEqual(publicSessionId(s.id), publicId));
    if (!row) throw notFound("session.not_found", "This session");
    await endSession(db, row.id);
    await recordAudit(db, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "session.end",
      entityType: "user",
      entityId: userId,
      data: { session: publicId, device: deviceOf(row.userAgent).label, ip: row.ip, own: row.id === actor.sessionId },
      ip: actor.ip,
      at: clock.now(),
    });
  });
}

/**
 * Ends every session of a staff member except the caller's own (the "Sign out all other
 * sessions" button; an admin's "Sign out everywhere" on someone else, whose sessions all end).
 */
export async function endOtherUserSessions(ctx: ServiceContext, actor: Actor, userId: string): Promise<number> {
  return inTransaction(ctx, async ({ db, clock }) => {
    await assertUserExists(db, userId);
    const keep = actor.id === userId ? actor.sessionId : undefined;
    const ending = (await liveSessionsOf(db, clock.now(), userId)).filter((row) => row.id !== keep);
    // Sessions past their timeouts go too (they would be refused anyway; the schedule purges them).
    await endUserSessions(db, userId, keep);
    await recordAudit(db, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: keep ? "session.end_others" : "session.end_all",
      entityType: "user",
      entityId: userId,
      data: { ended: ending.length },
      ip: actor.ip,
      at: clock.now(),
    });
    return ending.length;
  });
}

async function assertUserExists(db: Executor, userId: string): Promise<void> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw notFound("user.not_found", "This staff member");
}

function toStaffSession(row: SessionRow, currentSessionId: string | undefined): StaffSession {
  return {
    id: publicSessionId(row.id),
    current: row.id === currentSessionId,
    device: deviceOf(row.userAgent),
    userAgent: row.userAgent,
    ip: row.ip,
    createdAt: row.createdAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    expiresAt: new Date(Math.min(row.expiresAt.getTime(), row.lastSeenAt.getTime() + IDLE_TIMEOUT_MS)).toISOString(),
  };
}

/** "Chrome 126 on Android" and the kind of device, from a user agent (bowser); never throws. */
export function deviceOf(userAgent: string | null): StaffSession["device"] {
  if (!userAgent?.trim()) return { label: "Unknown device", browser: null, os: null, type: "unknown" };
  let parsed: Bowser.Parser.ParsedResult;
  try {
    parsed = Bowser.parse(userAgent);
  } catch {
    return { label: "Unknown device", browser: null, os: null, type: "unknown" };
  }
  const major = parsed.browser.version?.split(".")[0];
  const browser = parsed.browser.name ? [parsed.browser.name, major].filter(Boolean).join(" ") : null;
  const os = parsed.os.name
    ? [parsed.os.name, parsed.os.versionName ?? parsed.os.version].filter(Boolean).join(" ")
    : null;
  const type = (DEVICE_TYPES as readonly string[]).includes(parsed.platform.type ?? "")
    ? (parsed.platform.type as DeviceType)
    : "unknown";
  const label = browser && os ? `${browser} on ${os}` : (browser ?? os ?? userAgent.slice(0, 60));
  return { label, browser, os, type };
}
