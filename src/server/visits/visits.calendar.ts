import { and, eq, sql } from "drizzle-orm";
import ical, { ICalEventStatus } from "ical-generator";
import { CALENDAR_FEED_TOKEN_PATTERN, type CalendarFeed } from "../../shared/calendar-feeds.js";
import { VISIT_KIND_LABELS } from "../../shared/labels.js";
import type { VisitDetail } from "../../shared/visits.js";
import { recordAudit } from "../audit/audit.service.js";
import { randomToken, sha256 } from "../auth/tokens.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { calendarFeeds, users } from "../db/schema/index.js";
import { forbidden } from "../http/errors.js";
import { visitDetails } from "./visits.service.js";

/**
 * A staff member's secret calendar address (`/ical/<token>.ics`) with their visits, for the
 * phone's own calendar (docs/field-work.md, "Calendar feeds"). The token is the only credential
 * (calendar apps send no cookie), so it opens this one feed and nothing else; only its SHA-256 is
 * kept, and a new one replaces it.
 */

const DAY_MS = 86_400_000;
/** The feed's window: the past week (what was done) and the next 60 days. */
export const CALENDAR_PAST_DAYS = 7;
export const CALENDAR_AHEAD_DAYS = 60;
/** A calendar app polling every few minutes updates last_used_at at most this often. */
const LAST_USED_RESOLUTION_MS = 5 * 60_000;

export async function getCalendarFeed(db: Executor, userId: string): Promise<CalendarFeed> {
  const [row] = await db
    .select({ createdAt: calendarFeeds.createdAt, lastUsedAt: calendarFeeds.lastUsedAt })
    .from(calendarFeeds)
    .where(eq(calendarFeeds.userId, userId))
    .limit(1);
  return {
    active: row !== undefined,
    createdAt: row?.createdAt.toISOString() ?? null,
    lastUsedAt: row?.lastUsedAt?.toISOString() ?? null,
  };
}

/**
 * A new address for the caller's feed (the first, or one replacing the old, which stops working
 * at once). `baseUrl` is PUBLIC_URL, or the origin the caller reached the app at.
 */
export async function createCalendarFeed(ctx: ServiceContext, actor: Actor, baseUrl: string): Promise<{ url: string }> {
  if (!actor.id) throw forbidden();
  const userId = actor.id;
  const token = randomToken();
  const now = ctx.clock.now();
  await inTransaction(ctx, async ({ db }) => {
    const replaced = await db
      .insert(calendarFeeds)
      .values({ userId, tokenHash: sha256(token), createdAt: now, lastUsedAt: null })
      .onConflictDoUpdate({
        target: calendarFeeds.userId,
        set: { tokenHash: sha256(token), createdAt: now, lastUsedAt: null },
      })
      .returning({ userId: calendarFeeds.userId });
    await recordAudit(db, {
      actorId: userId,
      tokenId: actor.tokenId,
      action: "calendar_feed.create",
      entityType: "user",
      entityId: userId,
      data: { replaced: replaced.length > 0 },
      ip: actor.ip,
      at: now,
    });
  });
  return { url: `${baseUrl.replace(/\/+$/, "")}/ical/${token}.ics` };
}

/** Turns the caller's feed off: its address answers 404 from now on. */
export async function revokeCalendarFeed(ctx: ServiceContext, actor: Actor): Promise<void> {
  if (!actor.id) throw forbidden();
  const userId = actor.id;
  await inTransaction(ctx, async ({ db }) => {
    const deleted = await db
      .delete(calendarFeeds)
      .where(eq(calendarFeeds.userId, userId))
      .returning({ userId: calendarFeeds.userId });
    if (deleted.length === 0) return;
    await recordAudit(db, {
      actorId: userId,
      tokenId: actor.tokenId,
      action: "calendar_feed.revoke",
      entityType: "user",
      entityId: userId,
      ip: actor.ip,
      at: ctx.clock.now(),
    });
  });
}

/**
 * The feed a token opens, as iCalendar text, or null for a token that opens nothing (malformed,
 * replaced, turned off, or its owner deactivated): the caller answers 404 alike for all of them.
 */
export async function calendarFeedIcs(ctx: ServiceContext, token: string): Promise<string | null> {
  if (!CALENDAR_FEED_TOKEN_PATTERN.test(token)) return null;
  const [owner] = await ctx.db
    .select({ id: users.id, name: users.name, lastUsedAt: calendarFeeds.lastUsedAt })
    .from(calendarFeeds)
    .innerJoin(users, eq(users.id, calendarFeeds.userId))
    .where(and(eq(calendarFeeds.tokenHash, sha256(token)), eq(users.active, true)))
    .limit(1);
  if (!owner) return null;
  const now = ctx.clock.now();
  if (!owner.lastUsedAt || now.getTime() - owner.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await ctx.db.update(calendarFeeds).set({ lastUsedAt: now }).where(eq(calendarFeeds.userId, owner.id));
  }
  const from = new Date(now.getTime() - CALENDAR_PAST_DAYS * DAY_MS);
  const to = new Date(now.getTime() + CALENDAR_AHEAD_DAYS * DAY_MS);
  // visits_technician_starts_idx: this technician's visits by start.
  const visits = await visitDetails(
    ctx.db,
    sql`v.technician_id = ${owner.id} and v.starts_at >= ${from} and v.starts_at < ${to}`,
    2_000,
  );
  return renderCalendar(visits, { ownerName: owner.name, publicUrl: ctx.config.PUBLIC_URL, now });
}

/** The technician's visits as a calendar: one event per visit, its id the event's UID. */
export function renderCalendar(
  visits: VisitDetail[],
  options: { ownerName: string; publicUrl: string | undefined; now: Date },
): string {
  const calendar = ical({
    name: `Visits · ${options.ownerName}`,
    prodId: { company: "Uplink", product: "Visits", language: "EN" },
    // Calendar apps that honour it fetch the feed again after 15 minutes.
    ttl: 15 * 60,
  });
  for (const visit of visits) {
    const ticketUrl = options.publicUrl ? `${options.publicUrl}/tickets/${visit.ticket.id}` : null;
    const customer = visit.customer;
    const description = [
      customer ? `Customer: ${customer.name} (${customer.accountNumber})` : "No customer on the ticket",
      customer?.phone ? `Phone: ${customer.phone}` : null,
      customer?.altPhone ? `Other phone: ${customer.altPhone}` : null,
      ticketUrl ? `Ticket: ${ticketUrl}` : `Ticket: ${visit.ticket.number}`,
      visit.notes ? `Notes: ${visit.notes}` : null,
    ].filter((line) => line !== null);
    const geo =
      customer && customer.latitude !== null && customer.longitude !== null
        ? { lat: customer.latitude, lon: customer.longitude }
        : null;
    const address = customer?.address ?? null;
    calendar.createEvent({
      id: visit.id,
      start: new Date(visit.startsAt),
      end: new Date(visit.endsAt),
      // A moved visit has a higher version: calendar apps replace the older copy.
      sequence: visit.version,
      stamp: options.now,
      lastModified: new Date(visit.updatedAt),
      summary: `${VISIT_KIND_LABELS[visit.kind]}: ${visit.ticket.number} ${visit.ticket.subject}`,
      location: address ? { title: address, ...(geo ? { geo } : {}) } : geo ? { geo } : null,
      description: description.join("\n"),
      url: ticketUrl,
      status: visit.status === "cancelled" ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  return calendar.toString();
}
