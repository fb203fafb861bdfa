import { sql } from "drizzle-orm";
import { localParts, zonedInstant } from "../../shared/zoned-time.js";
import { recordAudit } from "../audit/audit.service.js";
import { inTransaction, type ServiceContext } from "../context.js";
import { queryRows } from "../db/client.js";
import type { InboundSmsHandler } from "../sms/sms.inbound.js";
import { quietHoursAt, readQuietHours } from "../sms/sms.quiet-hours.js";
import { recordTicketEvents } from "../tickets/tickets.events.js";
import { recordWebhookEvent } from "../webhooks/webhooks.service.js";
import { queueVisitSms, toVisit, VISIT_COLUMNS, type VisitRow } from "./visits.service.js";

/**
 * The evening-before reminder (visit_reminder, "reply 1 to confirm, 2 to change") and the
 * customer's answer to it (docs/field-work.md, "Reminders the customer can answer").
 */

const HOUR_MS = 3_600_000;
/** Visits reminded per transaction; a run takes batches until none is left. */
const BATCH = 50;

/**
 * The end of the window of visits whose reminder is due at `now`: a visit's reminder is due from
 * VISIT_REMINDER_HOUR (local) on the day before it until it starts. Before today's reminder hour
 * that reaches to the end of today (visits booked after yesterday's reminders went out, or held
 * by quiet hours overnight); from the hour on, to the end of tomorrow.
 */
export function reminderHorizon(now: Date, timeZone: string, reminderHour: number): Date {
  const { day } = localParts(now.getTime(), timeZone);
  const remindFrom = zonedInstant(day, reminderHour * HOUR_MS, timeZone);
  return new Date(zonedInstant(day + (now.getTime() >= remindFrom ? 2 : 1), 0, timeZone));
}

/**
 * Queues the reminder of every scheduled visit that is due one and has not had it, each with
 * reminder_sent_at in the transaction of its outbox row, so it goes out once whatever the
 * restarts. Instances share the work: a batch's rows are locked with SKIP LOCKED, and once it
 * commits the rows no longer match. A reminder that cannot go out (opted out, no mobile, SMS
 * off) is logged as skipped and counts as sent, so nothing retries it every minute. In quiet
 * hours nothing is queued: the reminders go out when they end, if the visit has not started.
 * Returns how many visits were reminded (sent or skipped).
 */
export async function sendDueVisitReminders(ctx: ServiceContext): Promise<number> {
  const now = ctx.clock.now();
  const timeZone = ctx.config.TIME_ZONE;
  if (quietHoursAt(await readQuietHours(ctx.db, timeZone), now).active) return 0;
  const horizon = reminderHorizon(now, timeZone, ctx.config.VISIT_REMINDER_HOUR);
  let reminded = 0;
  for (;;) {
    const batch = await inTransaction(ctx, async (tx) => {
      // visits_reminder_due_idx: scheduled visits without a reminder, by start.
      const due = await queryRows<VisitRow>(
        tx.db,
        sql`select ${VISIT_COLUMNS} from visits v join users u on u.id = v.technician_id
             where v.status = 'scheduled' and v.reminder_sent_at is null
               and v.starts_at > ${now} and v.starts_at < ${horizon}
             order by v.starts_at, v.id
             limit ${BATCH}
             for update of v skip locked`,
      );
      for (const visit of due) {
        await queueVisitSms(tx, visit, "visit_reminder");
        await tx.db.execute(sql`update visits set reminder_sent_at = ${now} where id = ${visit.id}`);
      }
      return due.length;
    });
    reminded += batch;
    if (batch < BATCH) return reminded;
  }
}

export type VisitAnswer = "confirm" | "change";

const ANSWERS: Record<string, VisitAnswer> = {
  "1": "confirm",
  YES: "confirm",
  CONFIRM: "confirm",
  "2": "change",
  CHANGE: "change",
  RESCHEDULE: "change",
};

/** The answer a text carries: one keyword alone (trimmed, any case, a trailing "." or "!" ignored), else none. */
export function visitAnswerOf(body: string): { answer: VisitAnswer; keyword: string } | null {
  const keyword = body
    .trim()
    .replace(/[.!]+$/, "")
    .toUpperCase();
  const answer = Object.hasOwn(ANSWERS, keyword) ? ANSWERS[keyword] : undefined;
  return answer ? { answer, keyword } : null;
}

/**
 * The filings a reminder's answer may follow: a comment or a new ticket (1, 2, CONFIRM…), and
 * YES, which by carrier convention is also START (an opt-in). Never an opt-out: STOP wins, and a
 * text that stops messages confirms nothing.
 */
const ANSWERING_OUTCOMES = new Set(["commented", "ticket_opened", "opted_in"]);

/**
 * The inbound-SMS handler with the answer to a visit reminder: after the text is filed as usual
 * (a comment on the customer's ticket, STOP and START as ever), a keyword answer marks the
 * customer's visit confirmed or asking for a change. In the webhook's transaction.
 */
export function withVisitReplies(fileInboundSms: InboundSmsHandler): InboundSmsHandler {
  return async (ctx, sms) => {
    const filing = await fileInboundSms(ctx, sms);
    if (!filing.customerId || !ANSWERING_OUTCOMES.has(filing.outcome)) return filing;
    const answer = visitAnswerOf(sms.body);
    if (answer) await recordVisitAnswer(ctx, { customerId: filing.customerId, smsId: sms.smsId, ...answer });
    return filing;
  };
}

/**
 * The customer's answer, on the visit it answers: their soonest visit that is still scheduled,
 * has not started, and whose reminder went out (a customer who got no reminder has nothing to
 * answer). The latest answer wins: 1 after 2 confirms and lifts the dispatcher's flag, 2 after 1
 * flags it again; the same answer twice changes nothing. Returns the visit's id, or null.
 */
export async function recordVisitAnswer(
  ctx: ServiceContext,
  input: { customerId: string; smsId: string; answer: VisitAnswer; keyword: string },
): Promise<string | null> {
  return inTransaction(ctx, async (tx) => {
    const now = ctx.clock.now();
    const [visit] = await queryRows<VisitRow>(
      tx.db,
      sql`select ${VISIT_COLUMNS} from visits v
            join users u on u.id = v.technician_id
            join tickets t on t.id = v.ticket_id
           where t.customer_id = ${input.customerId} and v.status = 'scheduled'
             and v.reminder_sent_at is not null and v.starts_at > ${now}
           order by v.starts_at, v.id
           limit 1
           for update of v`,
    );
    if (!visit) return null;
    const confirm = input.answer === "confirm";
    const already = confirm
      ? visit.confirmed_at !== null && visit.change_requested_at === null
      : visit.change_requested_at !== null;
    if (already) return visit.id;
    const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
    await tx.db.execute(
      sql`update visits set confirmed_at = ${confirm ? now : null}, change_requested_at = ${confirm ? null : now},
                 version = version + 1, updated_at = ${now}
           where id = ${visit.id}`,
    );
    const [after] = await queryRows<VisitRow>(
      tx.db,
      sql`select ${VISIT_COLUMNS} from visits v join users u on u.id = v.technician_id where v.id = ${visit.id}`,
    );
    if (!after) throw new Error("updating the visit returned nothing");
    const changes = {
      confirmedAt: { from: iso(visit.confirmed_at), to: iso(after.confirmed_at) },
      changeRequestedAt: { from: iso(visit.change_requested_at), to: iso(after.change_requested_at) },
    };
    const data = { visitId: visit.id, smsId: input.smsId, keyword: input.keyword, startsAt: iso(visit.starts_at) };
    await recordTicketEvents(tx.db, {
      ticketId: visit.ticket_id,
      kind: confirm ? "visit_confirmed" : "visit_change_requested",
      actorId: null,
      data,
      at: now,
    });
    await recordWebhookEvent(tx, "visit.updated", { ...toVisit(after), changes });
    await recordAudit(tx.db, {
      actorId: null,
      action: confirm ? "visit.confirmed" : "visit.change_requested",
      entityType: "visit",
      entityId: visit.id,
      data: { ...data, customerId: input.customerId },
      at: now,
    });
    return visit.id;
  });
}
