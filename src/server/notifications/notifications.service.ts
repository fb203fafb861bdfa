import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { TicketPriority, UserRole, VisitKind } from "../../shared/enums.js";
import { VISIT_KIND_LABELS } from "../../shared/labels.js";
import {
  findMentions,
  type MarkedRead,
  type Notification,
  type NotificationKind,
  type NotificationKindPreferences,
  type NotificationList,
  type NotificationListQuery,
} from "../../shared/notifications.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import { type Executor, queryRows } from "../db/client.js";
import { customers, notifications, users } from "../db/schema/index.js";
import { notFound } from "../http/errors.js";
import { decodeCursor, encodeCursor, ZCursorTimestamp } from "../http/pagination.js";
import { publishLiveRows } from "../live/live.publish.js";
import { queueTicketAssignedSms, queueTicketMentionSms, type TicketForSms } from "../sms/sms.notifications.js";
import { mergePreferences, smsOfferedTo } from "./notifications.preferences.js";

/**
 * The notifications feature (docs/notifications.md): the only writer of `notifications`. The
 * features whose changes tell someone call one producer here inside their own transaction, so a
 * notification exists exactly when its change committed, and reaches the person's live stream at
 * that commit (publishLiveRows).
 */

/** One notification to write. */
export interface NotificationDraft {
  userId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  link: string | null;
  ticketId?: string | null;
  incidentId?: string | null;
  visitId?: string | null;
  actorId: string | null;
  /** Set by producers that may run again for the same fact (the SLA job). */
  dedupeKey?: string | null;
}

/** A staff member as the producers need them: who they are, how to reach them, what they chose. */
export interface Recipient {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  phone: string | null;
  active: boolean;
  prefs: NotificationKindPreferences;
}

type RecipientRow = Omit<Recipient, "prefs"> & { prefs: unknown };

const toRecipient = (row: RecipientRow): Recipient => ({ ...row, prefs: mergePreferences(row.prefs) });

/** These staff members with their preferences (one query). */
export async function findRecipients(db: Executor, ids: readonly string[]): Promise<Map<string, Recipient>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await queryRows<RecipientRow>(
    db,
    sql`select u.id, u.name, u.email, u.role, u.phone, u.active, p.prefs
          from users u left join notification_preferences p on p.user_id = u.id
         where u.id = any(${`{${unique.join(",")}}`}::uuid[])`,
  );
  return new Map(rows.map((row) => [row.id, toRecipient(row)]));
}

/** Every active staff member with their preferences (staff are tens, not thousands). */
async function activeStaff(db: Executor): Promise<Recipient[]> {
  const rows = await queryRows<RecipientRow>(
    db,
    sql`select u.id, u.name, u.email, u.role, u.phone, u.active, p.prefs
          from users u left join notification_preferences p on p.user_id = u.id
         where u.active`,
  );
  return rows.map(toRecipient);
}

/**
 * Writes the drafts that should be written, in the caller's transaction, and announces them on
 * the live stream at commit. Left out: the person who caused it, inactive accounts, people who
 * turned the kind off in the app, and (by dedupe key) what they were told already. Returns how
 * many were written.
 */
export async function writeNotifications(
  ctx: ServiceContext,
  drafts: readonly NotificationDraft[],
  known?: Map<string, Recipient>,
): Promise<number> {
  const candidates = drafts.filter((draft) => draft.userId !== draft.actorId);
  if (candidates.length === 0) return 0;
  const people =
    known ??
    (await findRecipients(
      ctx.db,
      candidates.map((draft) => draft.userId),
    ));
  const wanted = candidates.filter((draft) => {
    const person = people.get(draft.userId);
    return person?.active === true && person.prefs[draft.kind].inApp;
  });
  if (wanted.length === 0) return 0;
  const now = ctx.clock.now();
  const rows = await ctx.db
    .insert(notifications)
    .values(
      wanted.map((draft) => ({
        userId: draft.userId,
        kind: draft.kind,
        title: draft.title,
        body: draft.body,
        link: draft.link,
        ticketId: draft.ticketId ?? null,
        incidentId: draft.incidentId ?? null,
        visitId: draft.visitId ?? null,
        actorId: draft.actorId,
        dedupeKey: draft.dedupeKey ?? null,
        createdAt: now,
      })),
    )
    // Another instance's SLA job, a minute apart or at the same moment, told them already.
    .onConflictDoNothing({ target: [notifications.userId, notifications.dedupeKey] })
    .returning({ id: notifications.id });
  await publishLiveRows(
    ctx.db,
    "nt",
    rows.map((row) => row.id),
  );
  return rows.length;
}

async function nameOf(db: Executor, actor: Actor): Promise<string | null> {
  if (!actor.id) return null;
  const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, actor.id)).limit(1);
  return row?.name ?? null;
}

/** At most `length` characters of a text on one line, with an ellipsis when cut. */
export function excerpt(text: string, length = 200): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

const ticketLink = (ticketId: string) => `/tickets/${ticketId}`;

/** Priorities an "urgent only" assignment SMS still goes for. */
const URGENT_PRIORITIES: readonly TicketPriority[] = ["urgent", "high"];

/**
 * A ticket was assigned to someone (on creation, by an edit, in bulk, or when its holder was
 * deactivated): their bell, and the assignment SMS. Technicians get the SMS as they chose (every
 * assignment by default, as always; urgent and high only; or none); office staff, who are offered
 * no choice, get it as before.
 */
export async function notifyTicketAssigned(
  ctx: ServiceContext,
  actor: Actor,
  input: { ticket: TicketForSms; priority: TicketPriority },
): Promise<void> {
  const { ticket } = input;
  const assignee = ticket.assignee;
  if (!assignee) return;
  const people = await findRecipients(ctx.db, [assignee.id]);
  const person = people.get(assignee.id);
  const by = await nameOf(ctx.db, actor);
  const customer = ticket.customer ? ` (${ticket.customer.name})` : "";
  await writeNotifications(
    ctx,
    [
      {
        userId: assignee.id,
        kind: "assigned",
        title: by ? `${by} assigned ${ticket.number} to you` : `${ticket.number} was assigned to you`,
        body: `${ticket.subject}${customer}`,
        link: ticketLink(ticket.id),
        ticketId: ticket.id,
        actorId: actor.id,
      },
    ],
    people,
  );
  const choice = person && smsOfferedTo(person.role) ? person.prefs.assigned : null;
  const sms = !choice || (choice.sms && (!choice.smsUrgentOnly || URGENT_PRIORITIES.includes(input.priority)));
  if (sms) await queueTicketAssignedSms(ctx, actor, ticket);
}

/** A customer's text was filed on a ticket: its assignee hears of it. */
export async function notifySmsReply(
  ctx: ServiceContext,
  input: {
    ticket: { id: string; number: string; assigneeId: string | null; customerId: string | null };
    from: string;
    body: string;
  },
): Promise<void> {
  const { ticket } = input;
  if (!ticket.assigneeId) return;
  const [customer] = ticket.customerId
    ? await ctx.db.select({ name: customers.name }).from(customers).where(eq(customers.id, ticket.customerId))
    : [];
  await writeNotifications(ctx, [
    {
      userId: ticket.assigneeId,
      kind: "sms_reply",
      title: `${customer?.name ?? input.from} replied by SMS on ${ticket.number}`,
      body: excerpt(input.body),
      link: ticketLink(ticket.id),
      ticketId: ticket.id,
      actorId: null,
    },
  ]);
}

/**
 * An internal note names colleagues (`@Full Name` or `@handle`, findMentions): each active staff
 * member named, but the author, is told once, and technicians who chose it get an SMS too.
 * Public replies mention nobody: they are the customer's to read, and an @ in them is the
 * customer's business.
 */
export async function notifyMentions(
  ctx: ServiceContext,
  actor: Actor,
  input: { ticket: { id: string; number: string; subject: string; customerId: string | null }; body: string },
): Promise<number> {
  if (!input.body.includes("@")) return 0;
  const staff = await activeStaff(ctx.db);
  const mentioned = findMentions(
    input.body,
    staff.map((person) => ({ ...person, handle: handleOf(person.email) })),
  ).filter((person) => person.id !== actor.id);
  if (mentioned.length === 0) return 0;
  const authorName = (await nameOf(ctx.db, actor)) ?? "Someone";
  const { ticket } = input;
  const written = await writeNotifications(
    ctx,
    mentioned.map((person) => ({
      userId: person.id,
      kind: "mentioned" as const,
      title: `${authorName} mentioned you on ${ticket.number}`,
      body: excerpt(input.body),
      link: ticketLink(ticket.id),
      ticketId: ticket.id,
      actorId: actor.id,
    })),
    new Map(mentioned.map((person) => [person.id, person])),
  );
  for (const person of mentioned) {
    if (!smsOfferedTo(person.role) || !person.prefs.mentioned.sms) continue;
    await queueTicketMentionSms(ctx, {
      ticket,
      technician: { id: person.id, phone: person.phone },
      authorName,
      note: input.body,
    });
  }
  return written;
}

/** The part of an email before the @, lower case: what `@handle` matches. */
export const handleOf = (email: string) => (email.split("@")[0] ?? "").toLowerCase();

const INCIDENT_KIND_WORDS: Record<string, string> = {
  outage: "Outage",
  degraded: "Degraded service",
  maintenance: "Maintenance",
};

/** An incident was opened (or planned): every active staff member who keeps the kind on. */
export async function notifyIncidentOpened(
  ctx: ServiceContext,
  actor: Actor,
  incident: { id: string; title: string; kind: string; severity: string; status: string },
): Promise<void> {
  const staff = await activeStaff(ctx.db);
  const scheduled = incident.status === "scheduled";
  const what = INCIDENT_KIND_WORDS[incident.kind] ?? incident.kind;
  await writeNotifications(
    ctx,
    staff.map((person) => ({
      userId: person.id,
      kind: "incident_opened" as const,
      title: `${scheduled ? "Incident scheduled" : "Incident opened"}: ${incident.title}`,
      body: `${what}, ${incident.severity}`,
      link: `/incidents/${incident.id}`,
      incidentId: incident.id,
      actorId: actor.id,
    })),
    new Map(staff.map((person) => [person.id, person])),
  );
}

/**
 * A scheduled visit moved to another time or technician: the technician it was with and the one
 * it is with now (one person when that did not change). `when` is the new window in words, in
 * the ISP's time zone (the visits feature says it as its SMS do).
 */
export async function notifyVisitMoved(
  ctx: ServiceContext,
  actor: Actor,
  input: {
    visit: {
      id: string;
      kind: VisitKind;
      ticket: { id: string; number: string };
      technician: { id: string; name: string };
    };
    fromTechnicianId: string;
    when: string;
  },
): Promise<void> {
  const { visit, when } = input;
  const what = `${VISIT_KIND_LABELS[visit.kind]} visit`;
  const base = {
    kind: "visit_moved" as const,
    link: ticketLink(visit.ticket.id),
    ticketId: visit.ticket.id,
    visitId: visit.id,
    actorId: actor.id,
  };
  const drafts: NotificationDraft[] = [];
  if (input.fromTechnicianId === visit.technician.id) {
    drafts.push({
      ...base,
      userId: visit.technician.id,
      title: `Your visit on ${visit.ticket.number} moved`,
      body: `${what}, now ${when}`,
    });
  } else {
    drafts.push(
      {
        ...base,
        userId: input.fromTechnicianId,
        title: `Your visit on ${visit.ticket.number} went to ${visit.technician.name}`,
        body: `${what} ${when}: no longer yours`,
      },
      {
        ...base,
        userId: visit.technician.id,
        title: `A visit on ${visit.ticket.number} is now yours`,
        body: `${what} ${when}`,
      },
    );
  }
  await writeNotifications(ctx, drafts);
}

/**
 * A webhook endpoint was disabled automatically (it answered 410 Gone, or every delivery failed for
 * 3 days): every active admin, who alone can enable it again, in the disabling transaction. The
 * webhooks dispatcher calls this only when its update actually disabled the endpoint, which one
 * transaction wins, so each disable tells each admin once.
 */
export async function notifyWebhookDisabled(
  ctx: ServiceContext,
  endpoint: { id: string; url: string; description: string },
  reason: string,
): Promise<number> {
  const admins = (await activeStaff(ctx.db)).filter((person) => person.role === "admin");
  const name = endpoint.description.trim() || endpoint.url;
  return writeNotifications(
    ctx,
    admins.map((person) => ({
      userId: person.id,
      kind: "webhook_disabled" as const,
      title: `Webhook disabled: ${excerpt(name, 120)}`,
      body: excerpt(name === endpoint.url ? reason : `${endpoint.url}: ${reason}`, 500),
      link: "/settings/webhooks",
      actorId: null,
    })),
    new Map(admins.map((person) => [person.id, person])),
  );
}

type NotificationRow = typeof notifications.$inferSelect;

function toNotification(row: NotificationRow, actorName: string | null): Notification {
  return {
    id: row.id,
    kind: row.kind as NotificationKind,
    title: row.title,
    body: row.body,
    link: row.link,
    ticketId: row.ticketId,
    incidentId: row.incidentId,
    visitId: row.visitId,
    actor: row.actorId ? { id: row.actorId, name: actorName ?? "" } : null,
    readAt: row.readAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

async function countUnread(db: Executor, userId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from notifications where user_id = ${userId} and read_at is null`,
  );
  return row?.n ?? 0;
}

/** One's own notifications, newest first (keyset on created_at, id), with the unread count. */
export async function listNotifications(
  db: Executor,
  userId: string,
  query: NotificationListQuery,
): Promise<NotificationList> {
  const after = decodeCursor(query.cursor, z.tuple([ZCursorTimestamp, z.number().int().min(0)]));
  const [rows, unreadCount] = await Promise.all([
    db
      .select({ row: notifications, actorName: users.name, at: sql<string>`${notifications.createdAt}::text` })
      .from(notifications)
      .leftJoin(users, eq(users.id, notifications.actorId))
      .where(
        and(
          eq(notifications.userId, userId),
          query.unread ? isNull(notifications.readAt) : undefined,
          after
            ? sql`(${notifications.createdAt}, ${notifications.id}) < (${after[0]}::timestamptz, ${after[1]})`
            : undefined,
        ),
      )
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(query.limit + 1),
    countUnread(db, userId),
  ]);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ row, actorName }) => toNotification(row, actorName)),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.at, last.row.id]) : null,
    unreadCount,
  };
}

/** Marks one of one's own notifications read (again is fine: the first time stays). Someone else's: 404. */
export async function markNotificationRead(ctx: ServiceContext, userId: string, id: number): Promise<Notification> {
  return inTransaction(ctx, async ({ db }) => {
    const [row] = await db
      .update(notifications)
      .set({ readAt: sql`coalesce(${notifications.readAt}, ${ctx.clock.now()}::timestamptz)` })
      .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
      .returning();
    if (!row) throw notFound("notification.not_found", "This notification");
    return toNotification(row, row.actorId ? await nameOfId(db, row.actorId) : null);
  });
}

async function nameOfId(db: Executor, id: string): Promise<string | null> {
  const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, id)).limit(1);
  return row?.name ?? null;
}

/** Marks all of one's unread notifications read. */
export async function markAllNotificationsRead(ctx: ServiceContext, userId: string): Promise<MarkedRead> {
  const rows = await ctx.db
    .update(notifications)
    .set({ readAt: ctx.clock.now() })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return { marked: rows.length, unreadCount: await countUnread(ctx.db, userId) };
}

/** How long notifications are kept: the bell is for what is new, the tickets keep the history. */
export const NOTIFICATION_RETENTION_DAYS = 90;

/**
 * Deletes notifications older than the retention, a batch at a time (the maintenance schedule):
 * person by person, each an index range of notifications_user_created_idx (staff are tens).
 */
export async function purgeOldNotifications(db: Executor, now: Date): Promise<number> {
  const before = new Date(now.getTime() - NOTIFICATION_RETENTION_DAYS * 86_400_000);
  const rows = await queryRows<{ id: number }>(
    db,
    sql`delete from notifications where id in (
          select old.id from users u
          cross join lateral (select n.id from notifications n
                               where n.user_id = u.id and n.created_at < ${before}::timestamptz
                               order by n.created_at limit 5000) old
          limit 5000)
        returning id`,
  );
  return rows.length;
}
