import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { SmsStatus, TicketEventKind } from "../../shared/enums.js";
import type { CommentSms } from "../../shared/sms.js";
import type { Comment, CreateComment, CreatedComment, TimelineEntry } from "../../shared/tickets.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { customers, ticketComments, ticketEvents, tickets, users } from "../db/schema/index.js";
import { fieldError, notFound } from "../http/errors.js";
import { decodeCursor, encodeCursor, ZCursorTimestamp } from "../http/pagination.js";
import { notifyMentions, notifySmsReply } from "../notifications/notifications.service.js";
import { queueTicketReplySms, type TicketForSms } from "../sms/sms.notifications.js";
import { listTicketSms } from "../sms/sms.service.js";
import { recordWebhookEvent } from "../webhooks/webhooks.service.js";
import { recordTicketEvents } from "./tickets.events.js";
import { findTicketRow } from "./tickets.service.js";

type CommentRow = typeof ticketComments.$inferSelect;

export function toComment(row: CommentRow): Comment {
  return {
    id: row.id,
    ticketId: row.ticketId,
    authorId: row.authorId,
    body: row.body,
    visibility: row.visibility,
    source: row.source,
    createdAt: row.createdAt.toISOString(),
  };
}

async function assertTicketExists(db: Executor, ticketId: string): Promise<void> {
  const [row] = await db.select({ id: tickets.id }).from(tickets).where(eq(tickets.id, ticketId)).limit(1);
  if (!row) throw notFound("ticket.not_found", "This ticket");
}

/** A comment that did not come from a staff member's form: a subscriber's text message. */
export interface CommentOrigin {
  source: "sms";
  smsId: string;
  from: string;
}

/**
 * A comment and its timeline event, in the caller's transaction (or its own). The first public
 * comment by staff is the ticket's first response (see applyTicketChange for the status-change
 * half of the rule); a subscriber's SMS is public but is no response. Comments do not bump the
 * ticket's version: they never overwrite anyone's edit.
 *
 * A staff member's public reply is also texted to the ticket's customer (unless `sendSms` is
 * false): its SMS row, queued or skipped with the reason, is written in the same transaction and
 * linked to the comment. An internal note never leaves: `sendSms: true` on one is refused.
 */
export async function addComment(
  ctx: ServiceContext,
  actor: Actor,
  ticketId: string,
  input: CreateComment,
  origin?: CommentOrigin,
): Promise<CreatedComment> {
  if (input.visibility === "internal" && input.sendSms === true) {
    throw fieldError(
      "comment.sms_internal",
      "sendSms",
      "An internal note is for staff only and is never texted; make it a public reply to send it as SMS",
    );
  }
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const ticket = await findTicketRow(tx, ticketId, { lock: true });
    if (!ticket) throw notFound("ticket.not_found", "This ticket");
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(ticketComments)
      .values({
        ticketId,
        authorId: actor.id,
        body: input.body,
        visibility: input.visibility,
        source: origin?.source ?? "web",
        createdAt: now,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    await recordTicketEvents(
      tx,
      origin
        ? // The subscriber's text: the timeline shows the comment itself beside this event.
          {
            ticketId,
            kind: "sms_received",
            actorId: null,
            fromValue: origin.from,
            data: { smsId: origin.smsId, commentId: row.id, from: origin.from },
            at: now,
          }
        : {
            ticketId,
            kind: "commented",
            actorId: actor.id,
            toValue: input.visibility,
            data: { commentId: row.id },
            at: now,
          },
    );
    // The assignee hears of a customer's text; colleagues named in an internal note, of the note.
    if (origin) await notifySmsReply(txCtx, { ticket, from: origin.from, body: row.body });
    else if (input.visibility === "internal") await notifyMentions(txCtx, actor, { ticket, body: row.body });
    const firstResponse = input.visibility === "public" && !ticket.firstResponseAt && actor.id !== null && !origin;
    await tx
      .update(tickets)
      .set({ updatedAt: now, ...(firstResponse ? { firstResponseAt: now } : {}) })
      .where(eq(tickets.id, ticketId));
    let sms: CommentSms | null = null;
    if (input.visibility === "public" && !origin && input.sendSms !== false) {
      const people = await findSmsPeople(tx, ticket);
      const written = await queueTicketReplySms(txCtx, actor, {
        ticket: { id: ticket.id, number: ticket.number, subject: ticket.subject, status: ticket.status, ...people },
        comment: { id: row.id, body: row.body },
      });
      sms = toCommentSms(written);
    }
    await recordWebhookEvent(txCtx, "ticket.commented", toComment(row));
    return { ...toComment(row), sms };
  });
}

/** The ticket's customer and assignee as a reply's SMS needs them (one query). */
async function findSmsPeople(
  db: Executor,
  ticket: { customerId: string | null; assigneeId: string | null },
): Promise<Pick<TicketForSms, "customer" | "assignee">> {
  const [customer] = ticket.customerId
    ? await db
        .select({
          id: customers.id,
          name: customers.name,
          phone: customers.phone,
          smsOptOut: customers.smsOptOut,
          deletedAt: customers.deletedAt,
        })
        .from(customers)
        .where(eq(customers.id, ticket.customerId))
        .limit(1)
    : [];
  const [assignee] = ticket.assigneeId
    ? await db
        .select({ id: users.id, name: users.name, phone: users.phone })
        .from(users)
        .where(eq(users.id, ticket.assigneeId))
        .limit(1)
    : [];
  return {
    customer: customer
      ? {
          id: customer.id,
          name: customer.name,
          phone: customer.phone,
          smsOptOut: customer.smsOptOut,
          archived: customer.deletedAt !== null,
        }
      : null,
    assignee: assignee ?? null,
  };
}

function toCommentSms(row: {
  id: string;
  status: CommentSms["status"];
  reason: string | null;
  toNumber?: string | null;
  to?: string | null;
  errorCode: string | null;
  updatedAt: Date;
}): CommentSms {
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    to: row.toNumber ?? row.to ?? null,
    errorCode: row.errorCode,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function listComments(db: Executor, ticketId: string, options: { limit: number; cursor?: string }) {
  await assertTicketExists(db, ticketId);
  const after = decodeCursor(options.cursor, z.tuple([ZCursorTimestamp, z.uuid()]));
  const rows = await db
    .select({ comment: ticketComments, at: sql<string>`${ticketComments.createdAt}::text` })
    .from(ticketComments)
    .where(
      and(
        eq(ticketComments.ticketId, ticketId),
        after
          ? sql`(${ticketComments.createdAt}, ${ticketComments.id}) > (${after[0]}::timestamptz, ${after[1]}::uuid)`
          : undefined,
      ),
    )
    .orderBy(asc(ticketComments.createdAt), asc(ticketComments.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => toComment(row.comment)),
    nextCursor: rows.length > options.limit && last ? encodeCursor([last.at, last.comment.id]) : null,
  };
}

/** A ticket's history stays small (tens of entries); this cap only guards against a runaway. */
export const TIMELINE_CAP = 1000;

/**
 * Comments and events as one list, oldest first (newest last). A comment takes the place of its
 * `commented` event, so entries written at the same instant keep the order they happened in.
 */
export async function getTimeline(db: Executor, ticketId: string): Promise<TimelineEntry[]> {
  await assertTicketExists(db, ticketId);
  const [events, comments, messages] = await Promise.all([
    db
      .select({ event: ticketEvents, actorName: users.name })
      .from(ticketEvents)
      .leftJoin(users, eq(users.id, ticketEvents.actorId))
      .where(eq(ticketEvents.ticketId, ticketId))
      .orderBy(asc(ticketEvents.createdAt), asc(ticketEvents.id))
      .limit(TIMELINE_CAP),
    db
      .select({ comment: ticketComments, authorName: users.name })
      .from(ticketComments)
      .leftJoin(users, eq(users.id, ticketComments.authorId))
      .where(eq(ticketComments.ticketId, ticketId))
      .orderBy(asc(ticketComments.createdAt), asc(ticketComments.id))
      .limit(TIMELINE_CAP),
    listTicketSms(db, ticketId, TIMELINE_CAP),
  ]);

  // Names for the ids that assignment and customer events carry.
  const userIds = new Set<string>();
  const customerIds = new Set<string>();
  for (const { event } of events) {
    if (event.kind === "assigned") {
      if (event.fromValue) userIds.add(event.fromValue);
      if (event.toValue) userIds.add(event.toValue);
    }
    const changes = event.data?.changes as Record<string, { from: unknown; to: unknown }> | undefined;
    for (const value of [changes?.customerId?.from, changes?.customerId?.to]) {
      if (typeof value === "string") customerIds.add(value);
    }
  }
  const [userNames, customerNames] = await Promise.all([
    userIds.size
      ? db
          .select({ id: users.id, name: users.name })
          .from(users)
          .where(inArray(users.id, [...userIds]))
      : [],
    customerIds.size
      ? db
          .select({ id: customers.id, name: customers.name })
          .from(customers)
          .where(inArray(customers.id, [...customerIds]))
      : [],
  ]);
  const nameOf = new Map([...userNames, ...customerNames].map((row) => [row.id, row.name]));

  type Keyed = { entry: TimelineEntry; at: number; seq: number };
  const keyed: Keyed[] = [];
  const commentById = new Map(comments.map((row) => [row.comment.id, row]));
  // A public reply's SMS shows beside the reply, not as an entry of its own (the newest row wins).
  const smsByComment = new Map<string, CommentSms>();
  for (const sms of messages) if (sms.commentId) smsByComment.set(sms.commentId, toCommentSms(sms));
  const commentEntry = (comment: CommentRow, authorName: string | null): TimelineEntry => ({
    type: "comment",
    id: comment.id,
    createdAt: comment.createdAt.toISOString(),
    actor: comment.authorId ? { id: comment.authorId, name: authorName ?? "" } : null,
    comment: toComment(comment),
    sms: smsByComment.get(comment.id) ?? null,
  });
  const placed = new Set<string>();
  for (const { event, actorName } of events) {
    const actor = event.actorId ? { id: event.actorId, name: actorName ?? "" } : null;
    const at = event.createdAt.getTime();
    if (event.kind === "commented") {
      const commentId = event.data?.commentId;
      const found = typeof commentId === "string" ? commentById.get(commentId) : undefined;
      if (found) {
        placed.add(found.comment.id);
        keyed.push({ entry: commentEntry(found.comment, found.authorName), at, seq: event.id });
      }
      continue;
    }
    const label = (value: string | null) => (value && event.kind === "assigned" ? (nameOf.get(value) ?? value) : value);
    const data = event.data ? { ...event.data } : null;
    if (data?.changes && typeof data.changes === "object") {
      const changes = data.changes as Record<string, { from: unknown; to: unknown }>;
      if (changes.customerId) {
        const { from, to } = changes.customerId;
        data.customerNames = {
          from: typeof from === "string" ? (nameOf.get(from) ?? null) : null,
          to: typeof to === "string" ? (nameOf.get(to) ?? null) : null,
        };
      }
    }
    keyed.push({
      entry: {
        type: "event",
        id: String(event.id),
        createdAt: event.createdAt.toISOString(),
        actor,
        kind: event.kind,
        fromValue: event.fromValue,
        toValue: event.toValue,
        fromLabel: label(event.fromValue),
        toLabel: label(event.toValue),
        data,
      },
      at,
      seq: event.id,
    });
  }
  // Each outgoing SMS once, at the time it was queued, in the state it has now (the SMS feature
  // keeps its own rows; nothing copies their states into the timeline).
  for (const sms of messages) {
    const kind = SMS_TIMELINE_KIND[sms.status];
    if (!kind || (sms.commentId && commentById.has(sms.commentId))) continue;
    keyed.push({
      entry: {
        type: "event",
        id: `sms-${sms.id}`,
        createdAt: sms.createdAt.toISOString(),
        actor: sms.purpose === "manual" && sms.userId ? { id: sms.userId, name: sms.userName ?? "" } : null,
        kind,
        fromValue: null,
        toValue: sms.to,
        fromLabel: null,
        toLabel: sms.to,
        data: {
          smsId: sms.id,
          purpose: sms.purpose,
          to: sms.to,
          status: sms.status,
          reason: sms.reason,
          errorCode: sms.errorCode,
          attempts: sms.attempts,
          updatedAt: sms.updatedAt.toISOString(),
        },
      },
      at: sms.createdAt.getTime(),
      // After the change that queued it, which was written at the same instant.
      seq: Number.MAX_SAFE_INTEGER - 1,
    });
  }
  // Comments written without a `commented` event (e.g. an SMS reply) go by their time, after
  // any event of the same instant.
  for (const { comment, authorName } of comments) {
    if (placed.has(comment.id)) continue;
    keyed.push({
      entry: commentEntry(comment, authorName),
      at: comment.createdAt.getTime(),
      seq: Number.MAX_SAFE_INTEGER,
    });
  }
  keyed.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return keyed.map((item) => item.entry);
}

/** The timeline entry that shows an SMS in each state of its row. */
const SMS_TIMELINE_KIND: Partial<Record<SmsStatus, TicketEventKind>> = {
  queued: "sms_queued",
  sending: "sms_queued",
  skipped: "sms_skipped",
  sent: "sms_sent",
  delivered: "sms_delivered",
  undelivered: "sms_failed",
  failed: "sms_failed",
};
