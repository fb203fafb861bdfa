import { and, desc, eq, inArray, type SQLWrapper, sql } from "drizzle-orm";
import {
  BULK_MESSAGE_LIMIT,
  type CancelIncidentMessageResult,
  INCIDENT_SKIP_REASONS,
  type IncidentMessage,
  type IncidentMessageInput,
  type IncidentMessagePreview,
  type IncidentMessageTemplate,
  type IncidentSkipReason,
} from "../../shared/incident-messages.js";
import {
  fillPlaceholders,
  firstNameOf,
  type IncidentTemplateValues,
  placeholdersIn,
  renderTemplate,
  SMS_MAX_LENGTH,
  unknownPlaceholders,
} from "../../shared/sms.js";
import { countSegments } from "../../shared/sms-segments.js";
import { recordAudit } from "../audit/audit.service.js";
import type { Config } from "../config.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import { type Executor, queryRows } from "../db/client.js";
import { customers, incidentAutoReplies, incidentMessages, incidents, smsLogs, users } from "../db/schema/index.js";
import { AppError, fieldError, notFound } from "../http/errors.js";
import type { InboundSmsHandler } from "../sms/sms.inbound.js";
import {
  cancelQueuedIncidentSms,
  checkNumber,
  type IncidentSms,
  notConfiguredReason,
  writeIncidentSmsBatch,
  writeOutboundSms,
} from "../sms/sms.outbox.js";
import { quietHoursAt, readQuietHours } from "../sms/sms.quiet-hours.js";
import { readTemplateText } from "../sms/sms.templates.js";
import { AFFECTED, activeIncidentForCustomer, FROM_INCIDENT } from "./incidents.affected.js";
import { recordIncidentEvents } from "./incidents.events.js";

type IncidentRow = typeof incidents.$inferSelect;

interface Recipient {
  id: string;
  name: string;
  phone: string | null;
  sms_opt_out: boolean;
  site_name: string;
}

/**
 * Everyone the incident affects, oldest account first (then by account number, which a sequence
 * hands out): of two accounts sharing a number, the older one is texted and the other counted as sharing it. One customer is on one site, so no
 * customer appears twice.
 */
async function affectedRecipients(db: Executor, incidentId: string): Promise<Recipient[]> {
  return queryRows<Recipient>(
    db,
    sql`select c.id, c.name, c.phone, c.sms_opt_out, coalesce(n.public_name, n.name) as site_name
          ${FROM_INCIDENT}
          join network_sites n on n.id = c.site_id
         where i.id = ${incidentId} and ${AFFECTED}
         order by c.created_at, length(c.account_number), c.account_number`,
  );
}

/** The ETA as customers read it, in the ISP's time zone ("Thu, Dec 3, 6:00 PM"). */
export function formatExpectedEnd(at: Date | null, timeZone: string): string {
  if (!at) return "not known yet";
  return new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  }).format(at);
}

function valuesFor(incident: IncidentRow, recipient: Recipient, timeZone: string): IncidentTemplateValues {
  return {
    "incident.title": incident.title,
    "incident.publicMessage": incident.publicMessage,
    "incident.expectedEnd": formatExpectedEnd(incident.expectedEndAt, timeZone),
    "customer.name": recipient.name,
    "customer.firstName": firstNameOf(recipient.name) || "customer",
    "site.name": recipient.site_name,
  };
}

const SKIP_WORDS: Record<IncidentSkipReason, (detail: string) => string> = {
  opted_out: (number) =>
    number === "" ? "The customer opted out of SMS" : `${number} opted out of SMS (STOP) on another account`,
  no_valid_mobile: (detail) => detail,
  shared_number: (number) => `${number} is shared with another affected account, which gets the message`,
};

/**
 * The numbers (normalised) of opted-out affected customers. STOP marks one customer, but a number
 * may be on several accounts: whoever texted STOP from it wants no texts on it, whichever account.
 */
function optedOutNumbers(recipients: Recipient[], config: Config): Set<string> {
  const numbers = new Set<string>();
  for (const recipient of recipients) {
    if (!recipient.sms_opt_out) continue;
    const number = checkNumber(recipient.phone, "The customer", config);
    if (number.number) numbers.add(number.number);
  }
  return numbers;
}

interface Plan {
  text: string;
  messages: IncidentSms[];
  recipients: number;
  skipped: Record<IncidentSkipReason, number>;
  sample: string | null;
}

/** The text (template or custom) and, for every affected customer, the message or why none. */
async function planMessages(ctx: ServiceContext, incident: IncidentRow, input: IncidentMessageInput): Promise<Plan> {
  let text: string;
  if (input.body !== undefined) {
    const unknown = unknownPlaceholders(input.body, "incident_update");
    if (unknown.length > 0) {
      throw fieldError(
        "incident.message_placeholder_unknown",
        "body",
        `Message: unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(", ")}; use {{incident.title}}, {{incident.publicMessage}}, {{incident.expectedEnd}}, {{customer.name}}, {{customer.firstName}}, {{site.name}}`,
      );
    }
    text = input.body;
  } else {
    text = await readTemplateText(ctx, input.template as IncidentMessageTemplate);
  }
  const skipped = Object.fromEntries(INCIDENT_SKIP_REASONS.map((reason) => [reason, 0])) as Plan["skipped"];
  const messages: IncidentSms[] = [];
  const numbers = new Set<string>();
  let recipients = 0;
  let sample: string | null = null;
  const affected = await affectedRecipients(ctx.db, incident.id);
  const optedOut = optedOutNumbers(affected, ctx.config);
  let longest: { name: string; length: number; values: IncidentTemplateValues } | null = null;
  for (const recipient of affected) {
    const values = valuesFor(incident, recipient, ctx.config.TIME_ZONE);
    const full = fillPlaceholders(text, values);
    const body = full.slice(0, SMS_MAX_LENGTH);
    const skip = (reason: IncidentSkipReason, detail: string, to: string | null) => {
      skipped[reason] += 1;
      messages.push({ to, body, customerId: recipient.id, skipReason: SKIP_WORDS[reason](detail) });
    };
    if (recipient.sms_opt_out) {
      skip("opted_out", "", recipient.phone);
      continue;
    }
    const number = checkNumber(recipient.phone, "The customer", ctx.config);
    if (!number.ok) {
      skip("no_valid_mobile", number.reason, number.number);
      continue;
    }
    if (optedOut.has(number.number)) {
      skip("opted_out", number.number, number.number);
      continue;
    }
    if (numbers.has(number.number)) {
      skip("shared_number", number.number, number.number);
      continue;
    }
    numbers.add(number.number);
    if (full.length > SMS_MAX_LENGTH && (longest === null || full.length > longest.length)) {
      longest = { name: recipient.name, length: full.length, values };
    }
    recipients += 1;
    sample ??= body;
    messages.push({ to: number.number, body, customerId: recipient.id, skipReason: null });
  }
  if (longest) refuseTooLong(text, longest, input.body !== undefined ? "body" : "template");
  return { text, messages, recipients, skipped, sample };
}

/**
 * A message longer than an SMS may be would reach customers cut off mid-sentence: refused (422),
 * naming whose message is longest and the placeholder that fills in the most, so the preview says
 * so before anything is sent.
 */
function refuseTooLong(
  text: string,
  longest: { name: string; length: number; values: IncidentTemplateValues },
  field: "body" | "template",
): never {
  const filled = placeholdersIn(text)
    .filter((name): name is keyof IncidentTemplateValues => Object.hasOwn(longest.values, name))
    .map((name) => ({ name, length: longest.values[name].length }))
    .sort((a, b) => b.length - a.length)[0];
  const biggest = filled ? `; {{${filled.name}}} alone fills in ${filled.length}` : "";
  throw fieldError(
    "incident.message_too_long",
    field,
    `Message: ${longest.name}'s would be ${longest.length} characters, more than the ${SMS_MAX_LENGTH} an SMS can carry${biggest}. Shorten it (or the incident's public message) so nobody gets a cut-off text.`,
  );
}

async function lockIncident(db: Executor, id: string, lock: boolean): Promise<IncidentRow> {
  const query = db.select().from(incidents).where(eq(incidents.id, id)).limit(1);
  const [row] = lock ? await query.for("update") : await query;
  if (!row) throw notFound("incident.not_found", "This incident");
  return row;
}

/** A maintenance notice never goes out in quiet hours; an outage or degradation message may, when asked. */
const mayOverrideQuietHours = (incident: IncidentRow, input: IncidentMessageInput) =>
  input.template !== "maintenance_notice" && incident.kind !== "maintenance";

async function quietHoursNow(ctx: ServiceContext) {
  return quietHoursAt(await readQuietHours(ctx.db, ctx.config.TIME_ZONE), ctx.clock.now());
}

/** What a send would do now: one rendered message, the recipients, segments, and whom it skips. */
export async function previewIncidentMessage(
  ctx: ServiceContext,
  incidentId: string,
  input: IncidentMessageInput,
): Promise<IncidentMessagePreview> {
  const incident = await lockIncident(ctx.db, incidentId, false);
  const plan = await planMessages(ctx, incident, input);
  const quiet = await quietHoursNow(ctx);
  return {
    sample: plan.sample,
    recipients: plan.recipients,
    segmentsPerMessage: plan.sample === null ? 0 : countSegments(plan.sample).segments,
    totalSegments: totalSegments(plan.messages),
    skipped: plan.skipped,
    needsBulkRole: plan.recipients > BULK_MESSAGE_LIMIT,
    quietHours: {
      active: quiet.active,
      endsAt: quiet.endsAt?.toISOString() ?? null,
      mayOverride: mayOverrideQuietHours(incident, input),
    },
  };
}

/** Segments of every message that goes out; texts differ only by a name, so each distinct one is counted once. */
function totalSegments(messages: IncidentSms[]): number {
  const byBody = new Map<string, number>();
  let total = 0;
  for (const message of messages) {
    if (message.skipReason !== null) continue;
    let segments = byBody.get(message.body);
    if (segments === undefined) {
      segments = countSegments(message.body).segments;
      byBody.set(message.body, segments);
    }
    total += segments;
  }
  return total;
}

/** A staff member's role now (the system, acting for an alert or a schedule, is not limited). */
async function roleOf(db: Executor, actor: Actor) {
  if (!actor.id) return null;
  const [row] = await db.select({ role: users.role }).from(users).where(eq(users.id, actor.id)).limit(1);
  return row?.role ?? null;
}

/**
 * Queues one SMS per distinct number of the affected customers, in one transaction with the send's
 * row, its timeline entry and its audit row (the outbox rows commit with them, or nothing does).
 * The incident row is locked first, so two sends of the same text for the same incident queue
 * one after the other, and the second finds the first still going: 409.
 */
export async function sendIncidentMessage(
  ctx: ServiceContext,
  actor: Actor,
  incidentId: string,
  input: IncidentMessageInput,
): Promise<IncidentMessage> {
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const now = ctx.clock.now();
    const incident = await lockIncident(tx, incidentId, true);
    const notConfigured = notConfiguredReason(ctx.config);
    if (notConfigured) {
      throw new AppError(
        409,
        "incident.sms_not_configured",
        `${notConfigured}, so no message can go out. An admin can set it up (docs/sms.md).`,
      );
    }
    const plan = await planMessages(txCtx, incident, input);
    if (plan.recipients > BULK_MESSAGE_LIMIT && (await roleOf(tx, actor)) === "technician") {
      throw new AppError(
        403,
        "incident.bulk_message_forbidden",
        `This message would go to ${plan.recipients} customers; more than ${BULK_MESSAGE_LIMIT} at once needs an admin or an office agent.`,
      );
    }
    await refuseDuplicate(tx, incidentId, input.template ?? null, plan.text);

    const quiet = await quietHoursNow(txCtx);
    let holdUntil: Date | null = null;
    if (quiet.active) {
      if (!input.duringQuietHours) holdUntil = quiet.endsAt;
      else if (!mayOverrideQuietHours(incident, input)) {
        throw fieldError(
          "incident.quiet_hours_maintenance",
          "duringQuietHours",
          "A maintenance notice waits for quiet hours to end; send it without duringQuietHours",
        );
      }
    }
    const [send] = await tx
      .insert(incidentMessages)
      .values({
        incidentId,
        template: input.template ?? null,
        body: plan.text,
        recipients: plan.recipients,
        skipped: plan.skipped,
        holdUntil,
        duringQuietHours: quiet.active && input.duringQuietHours,
        createdById: actor.id,
        createdAt: now,
      })
      .returning();
    if (!send) throw new Error("inserting the incident message returned nothing");
    await writeIncidentSmsBatch(txCtx, {
      incidentId,
      incidentMessageId: send.id,
      userId: actor.id,
      notBefore: holdUntil,
      messages: plan.messages,
    });
    await recordIncidentEvents(tx, [
      {
        incidentId,
        kind: "message_queued",
        actorId: actor.id,
        changes: {
          messageId: send.id,
          template: send.template,
          recipients: plan.recipients,
          skipped: plan.skipped,
          holdUntil: holdUntil?.toISOString() ?? null,
        },
        at: now,
      },
    ]);
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "incident.message_send",
      entityType: "incident",
      entityId: incidentId,
      data: { messageId: send.id, template: send.template, recipients: plan.recipients, skipped: plan.skipped },
      ip: actor.ip,
      at: now,
    });
    const [message] = await toMessages(tx, [send]);
    return message as IncidentMessage;
  });
}

/** 409 while an earlier send of the same template (or the same custom text) still has messages to send. */
async function refuseDuplicate(db: Executor, incidentId: string, template: string | null, text: string) {
  const [running] = await queryRows<{ id: string }>(
    db,
    sql`select m.id from incident_messages m
         where m.incident_id = ${incidentId} and m.cancelled_at is null
           and ${template === null ? sql`m.template is null and m.body = ${text}` : sql`m.template = ${template}`}
           and exists (select 1 from sms_logs s
                        where s.incident_message_id = m.id and s.status in ('queued', 'sending'))
         limit 1`,
  );
  if (running) {
    throw new AppError(
      409,
      "incident.message_in_progress",
      "This message is already being sent to the incident's customers. Wait for it to finish, or cancel it first.",
      { messageId: running.id },
    );
  }
}

type SendRow = typeof incidentMessages.$inferSelect;

type SmsCountRow = { id: string | null; status: string; count: number };
type SmsCounts = IncidentMessage["counts"];

/**
 * The SMS rows of some sends by send and state: one grouped query on
 * sms_logs_incident_message_id_idx. `sends` is a list of send ids, or a subquery of them.
 */
function smsCountRows(db: Executor, sends: string[] | SQLWrapper): Promise<SmsCountRow[]> {
  return db
    .select({ id: smsLogs.incidentMessageId, status: smsLogs.status, count: sql<number>`count(*)::int` })
    .from(smsLogs)
    .where(inArray(smsLogs.incidentMessageId, sends))
    .groupBy(smsLogs.incidentMessageId, smsLogs.status);
}

/** Rows by state as a send's progress shows them (of one send, or of all the rows when sendId is left out). */
function countsByState(rows: SmsCountRow[], sendId?: string): SmsCounts {
  const byState: SmsCounts = { queued: 0, sent: 0, delivered: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const row of rows) {
    if (sendId !== undefined && row.id !== sendId) continue;
    const n = Number(row.count);
    if (row.status === "queued" || row.status === "sending") byState.queued += n;
    else if (row.status === "failed" || row.status === "undelivered") byState.failed += n;
    else if (row.status === "sent" || row.status === "delivered" || row.status === "skipped") byState[row.status] += n;
    else if (row.status === "cancelled") byState.cancelled += n;
  }
  return byState;
}

/**
 * The SMS rows of all an incident's sends by state, as each send counts them (the incident page).
 * The same grouped query as a send's progress, its sends picked on incident_messages_incident_id_idx.
 */
export async function incidentMessageCounts(db: Executor, incidentId: string): Promise<SmsCounts> {
  const sends = db
    .select({ id: incidentMessages.id })
    .from(incidentMessages)
    .where(eq(incidentMessages.incidentId, incidentId));
  return countsByState(await smsCountRows(db, sends));
}

/** The sends with their authors and their rows' counts by state. */
async function toMessages(db: Executor, sends: SendRow[]): Promise<IncidentMessage[]> {
  if (sends.length === 0) return [];
  const counts = await smsCountRows(
    db,
    sends.map((send) => send.id),
  );
  const authorIds = [...new Set(sends.map((send) => send.createdById).filter((id): id is string => id !== null))];
  const authors =
    authorIds.length > 0
      ? await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, authorIds))
      : [];
  return sends.map((send) => {
    return {
      id: send.id,
      incidentId: send.incidentId,
      template: (send.template as IncidentMessageTemplate | null) ?? null,
      body: send.body,
      recipients: send.recipients,
      skipped: send.skipped as IncidentMessage["skipped"],
      holdUntil: send.holdUntil?.toISOString() ?? null,
      duringQuietHours: send.duringQuietHours,
      createdBy: authors.find((author) => author.id === send.createdById) ?? null,
      createdAt: send.createdAt.toISOString(),
      cancelledAt: send.cancelledAt?.toISOString() ?? null,
      counts: countsByState(counts, send.id),
    };
  });
}

/** The incident's sends, newest first, each with its progress. */
export async function listIncidentMessages(db: Executor, incidentId: string): Promise<IncidentMessage[]> {
  await lockIncident(db, incidentId, false);
  const sends = await db
    .select()
    .from(incidentMessages)
    .where(eq(incidentMessages.incidentId, incidentId))
    .orderBy(desc(incidentMessages.createdAt), desc(incidentMessages.id));
  return toMessages(db, sends);
}

/** Stops what of a send is not yet sent (rows not yet claimed become cancelled) and notes it on the timeline. */
export async function cancelIncidentMessage(
  ctx: ServiceContext,
  actor: Actor,
  incidentId: string,
  messageId: string,
): Promise<CancelIncidentMessageResult> {
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const now = ctx.clock.now();
    const [send] = await tx
      .select()
      .from(incidentMessages)
      .where(and(eq(incidentMessages.id, messageId), eq(incidentMessages.incidentId, incidentId)))
      .for("update");
    if (!send) throw notFound("incident.message_not_found", "This message of this incident");
    const cancelled = await cancelQueuedIncidentSms(txCtx, messageId);
    const [updated] = await tx
      .update(incidentMessages)
      .set({ cancelledAt: send.cancelledAt ?? now, cancelledById: send.cancelledById ?? actor.id })
      .where(eq(incidentMessages.id, messageId))
      .returning();
    await recordIncidentEvents(tx, [
      { incidentId, kind: "message_cancelled", actorId: actor.id, changes: { messageId, cancelled }, at: now },
    ]);
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "incident.message_cancel",
      entityType: "incident",
      entityId: incidentId,
      data: { messageId, cancelled },
      ip: actor.ip,
      at: now,
    });
    const [message] = await toMessages(tx, [updated ?? send]);
    return { message: message as IncidentMessage, cancelled };
  });
}

/**
 * The inbound-SMS handler with the incident's automatic answer: after the text is filed (a
 * comment, or a ticket that auto-links to the active incident), a customer an active incident
 * affects gets the incident_update message (public message and ETA) once per incident, never
 * after STOP and never to an opted-out number. In the webhook's transaction.
 */
export function withIncidentAutoReply(fileInboundSms: InboundSmsHandler): InboundSmsHandler {
  return async (ctx, sms) => {
    const filing = await fileInboundSms(ctx, sms);
    if (!filing.customerId || (filing.outcome !== "commented" && filing.outcome !== "ticket_opened")) return filing;
    await autoReplyDuringIncident(ctx, { customerId: filing.customerId, ticketId: filing.ticketId, from: sms.from });
    return filing;
  };
}

async function autoReplyDuringIncident(
  ctx: ServiceContext,
  input: { customerId: string; ticketId: string | null; from: string },
): Promise<void> {
  const covering = await activeIncidentForCustomer(ctx.db, input.customerId);
  if (!covering || notConfiguredReason(ctx.config)) return;
  const [customer] = await ctx.db
    .select({ name: customers.name, optOut: customers.smsOptOut, siteId: customers.siteId })
    .from(customers)
    .where(eq(customers.id, input.customerId))
    .limit(1);
  if (!customer || customer.optOut) return;
  const number = checkNumber(input.from, "The customer", ctx.config);
  if (!number.ok) return;
  // Another affected account on this number opted out: the number gets no automatic answer either.
  const optedOut = await queryRows<Recipient>(
    ctx.db,
    sql`select c.id, c.name, c.phone, c.sms_opt_out, '' as site_name
          ${FROM_INCIDENT}
         where i.id = ${covering.id} and ${AFFECTED} and c.sms_opt_out`,
  );
  if (optedOutNumbers(optedOut, ctx.config).has(number.number)) return;
  const claimed = await ctx.db
    .insert(incidentAutoReplies)
    .values({ incidentId: covering.id, customerId: input.customerId, createdAt: ctx.clock.now() })
    .onConflictDoNothing()
    .returning({ incidentId: incidentAutoReplies.incidentId });
  if (claimed.length === 0) return;
  const incident = await lockIncident(ctx.db, covering.id, false);
  const [site] = await queryRows<{ site_name: string }>(
    ctx.db,
    sql`select coalesce(public_name, name) as site_name from network_sites where id = ${customer.siteId}`,
  );
  const text = await readTemplateText(ctx, "incident_update");
  const body = renderTemplate(
    text,
    valuesFor(
      incident,
      {
        id: input.customerId,
        name: customer.name,
        phone: number.number,
        sms_opt_out: false,
        site_name: site?.site_name ?? "",
      },
      ctx.config.TIME_ZONE,
    ),
  ).slice(0, SMS_MAX_LENGTH);
  await writeOutboundSms(ctx, {
    purpose: "incident",
    body,
    to: number.number,
    ticketId: input.ticketId,
    customerId: input.customerId,
    userId: null,
    incidentId: incident.id,
    skipReason: null,
  });
}
