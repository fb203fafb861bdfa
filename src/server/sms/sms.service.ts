import { aliasedTable, and, desc, eq, gte, ilike, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { SendSms, SmsLog, SmsLogPage, SmsLogQuery, SmsStatusInfo } from "../../shared/sms.js";
import { recordAudit } from "../audit/audit.service.js";
import { twilioConfigured } from "../config.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { customers, smsLogs, tickets, users } from "../db/schema/index.js";
import { AppError, notFound } from "../http/errors.js";
import { decodeCursor, encodeCursor, escapeLike, ZCursorTimestamp } from "../http/pagination.js";
import { publishSmsChange } from "../live/live.publish.js";
import { customerSmsBlock, loadTicketForSms, queueManualSms } from "./sms.notifications.js";
import { NOT_CONFIGURED_REASON, notConfiguredAdminHint, notConfiguredReason, wakeDispatchers } from "./sms.outbox.js";

const smsUsers = aliasedTable(users, "sms_user");

function selectSmsLogs(db: Executor) {
  return db
    .select({
      row: smsLogs,
      ticketNumber: tickets.number,
      customerName: customers.name,
      userName: smsUsers.name,
    })
    .from(smsLogs)
    .leftJoin(tickets, eq(tickets.id, smsLogs.ticketId))
    .leftJoin(customers, eq(customers.id, smsLogs.customerId))
    .leftJoin(smsUsers, eq(smsUsers.id, smsLogs.userId));
}

type SmsLogJoined = Awaited<ReturnType<ReturnType<typeof selectSmsLogs>["execute"]>>[number];

function toSmsLog({ row, ticketNumber, customerName, userName }: SmsLogJoined): SmsLog {
  return {
    id: row.id,
    direction: row.direction,
    to: row.toNumber,
    from: row.fromNumber,
    body: row.body,
    purpose: row.purpose,
    ticketId: row.ticketId,
    ticketNumber: ticketNumber ?? null,
    customerId: row.customerId,
    customerName: customerName ?? null,
    userId: row.userId,
    userName: userName ?? null,
    commentId: row.commentId,
    status: row.status,
    reason: row.reason,
    providerSid: row.providerSid,
    errorCode: row.errorCode,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The SMS log, newest first, paged by a (createdAt, id) keyset. */
export async function listSmsLogs(
  db: Executor,
  query: SmsLogQuery & { limit: number; cursor?: string },
): Promise<SmsLogPage> {
  // Checked for what PostgreSQL reads as a timestamptz: a forged year 0000 gets the cursor's 400.
  const after = decodeCursor(query.cursor, z.tuple([ZCursorTimestamp, z.uuid()]));
  const text = query.q ? `%${escapeLike(query.q)}%` : undefined;
  const rows = await selectSmsLogs(db)
    .where(
      and(
        query.status ? eq(smsLogs.status, query.status) : undefined,
        query.purpose ? eq(smsLogs.purpose, query.purpose) : undefined,
        query.direction ? eq(smsLogs.direction, query.direction) : undefined,
        query.ticketId ? eq(smsLogs.ticketId, query.ticketId) : undefined,
        query.customerId ? eq(smsLogs.customerId, query.customerId) : undefined,
        query.since ? gte(smsLogs.createdAt, new Date(query.since)) : undefined,
        query.until ? lt(smsLogs.createdAt, new Date(query.until)) : undefined,
        text
          ? or(
              ilike(smsLogs.body, text),
              ilike(smsLogs.toNumber, text),
              ilike(smsLogs.fromNumber, text),
              ilike(smsLogs.reason, text),
              ilike(tickets.number, text),
              ilike(customers.name, text),
            )
          : undefined,
        after ? sql`(${smsLogs.createdAt}, ${smsLogs.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(smsLogs.createdAt), desc(smsLogs.id))
    .limit(query.limit + 1);
  const items = rows.slice(0, query.limit).map(toSmsLog);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt, last.id]) : null,
  };
}

export async function getSmsLog(db: Executor, id: string): Promise<SmsLog> {
  const [row] = await selectSmsLogs(db).where(eq(smsLogs.id, id)).limit(1);
  if (!row) throw notFound("sms.not_found", "The SMS");
  return toSmsLog(row);
}

/** A staff member's message to the ticket's customer; answered with its row (queued, or skipped and why). */
export async function sendManualSms(ctx: ServiceContext, actor: Actor, input: SendSms): Promise<SmsLog> {
  return inTransaction(ctx, async (tx) => {
    const ticket = await loadTicketForSms(tx.db, input.ticketId);
    if (!ticket) {
      throw new AppError(422, "sms.ticket_not_found", "Ticket: this ticket does not exist", {
        errors: [{ field: "ticketId", message: "Ticket: this ticket does not exist" }],
      });
    }
    const row = await queueManualSms(tx, actor, { ticket, body: input.body });
    await recordAudit(tx.db, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "sms.manual_send",
      entityType: "sms",
      entityId: row.id,
      data: { ticketId: input.ticketId, status: row.status },
      ip: actor.ip,
      at: ctx.clock.now(),
    });
    return getSmsLog(tx.db, row.id);
  });
}

/** An admin puts a failed message back in the outbox with a fresh set of attempts. */
export async function retrySms(ctx: ServiceContext, actor: Actor, id: string): Promise<SmsLog> {
  return inTransaction(ctx, async ({ db: tx }) => {
    const [row] = await tx.select().from(smsLogs).where(eq(smsLogs.id, id)).for("update").limit(1);
    if (!row) throw notFound("sms.not_found", "The SMS");
    if (row.direction !== "outbound" || (row.status !== "failed" && row.status !== "undelivered")) {
      throw new AppError(
        409,
        "sms.not_retryable",
        `Only a failed outgoing message can be retried; this one is ${row.status}.`,
      );
    }
    if (!twilioConfigured(ctx.config)) {
      throw new AppError(409, "sms.not_configured", `${NOT_CONFIGURED_REASON}, so nothing can be sent.`);
    }
    const now = ctx.clock.now();
    await tx
      .update(smsLogs)
      .set({ status: "queued", attempts: 0, nextAttemptAt: now, reason: null, errorCode: null, updatedAt: now })
      .where(eq(smsLogs.id, id));
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "sms.retry",
      entityType: "sms",
      entityId: id,
      data: { previousStatus: row.status, previousReason: row.reason, previousAttempts: row.attempts },
      ip: actor.ip,
      at: now,
    });
    await wakeDispatchers(tx);
    await publishSmsChange(tx, row);
    return getSmsLog(tx, id);
  });
}

/** A ticket's outgoing messages as they stand now, oldest first: its timeline shows each one's state. */
export async function listTicketSms(db: Executor, ticketId: string, limit: number) {
  return db
    .select({
      id: smsLogs.id,
      purpose: smsLogs.purpose,
      to: smsLogs.toNumber,
      status: smsLogs.status,
      reason: smsLogs.reason,
      errorCode: smsLogs.errorCode,
      attempts: smsLogs.attempts,
      commentId: smsLogs.commentId,
      userId: smsLogs.userId,
      userName: smsUsers.name,
      createdAt: smsLogs.createdAt,
      updatedAt: smsLogs.updatedAt,
    })
    .from(smsLogs)
    .leftJoin(smsUsers, eq(smsUsers.id, smsLogs.userId))
    .where(and(eq(smsLogs.ticketId, ticketId), eq(smsLogs.direction, "outbound")))
    .orderBy(smsLogs.createdAt, smsLogs.id)
    .limit(limit);
}

/**
 * Whether SMS can go out at all (the web disables every SMS action when not, with the reason in
 * words) and, for a ticket, whether its customer can be texted now. Admins also get the names of
 * the settings to set; nobody else sees configuration details.
 */
export async function getSmsStatus(
  ctx: ServiceContext,
  query: { ticketId?: string; forAdmin: boolean },
): Promise<SmsStatusInfo> {
  let recipient: SmsStatusInfo["recipient"] = null;
  if (query.ticketId) {
    const ticket = await loadTicketForSms(ctx.db, query.ticketId);
    if (!ticket) throw notFound("ticket.not_found", "This ticket");
    const block = customerSmsBlock(ticket.customer, ctx.config);
    recipient = { canSend: block.reason === null, reason: block.reason, to: block.to };
  }
  return {
    configured: twilioConfigured(ctx.config),
    reason: notConfiguredReason(ctx.config),
    adminHint: query.forAdmin ? notConfiguredAdminHint(ctx.config) : null,
    recipient,
  };
}
