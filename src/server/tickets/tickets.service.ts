import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { formatAddress } from "../../shared/customers.js";
import { OPEN_TICKET_STATUSES, type TicketStatus } from "../../shared/enums.js";
import type { BulkTicketAction, CreateTicket, Ticket, TicketDetail, UpdateTicket } from "../../shared/tickets.js";
import { recordAudit } from "../audit/audit.service.js";
import type { Clock } from "../clock.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { customers, servicePlans, ticketEvents, tickets, users } from "../db/schema/index.js";
import { AppError, fieldError, notFound } from "../http/errors.js";
import { notifyTicketAssigned } from "../notifications/notifications.service.js";
import { queueTicketCreatedSms, queueTicketStatusSms, type TicketForSms } from "../sms/sms.notifications.js";
import { recordWebhookEvent } from "../webhooks/webhooks.service.js";
import { insertTicketWithEvents, recordTicketEvents, type TicketEvent } from "./tickets.events.js";
import { initialSla, readSlaPolicy, slaChange } from "./tickets.sla.js";

export type TicketRow = typeof tickets.$inferSelect;

const CLOSED_STATUSES: readonly TicketStatus[] = ["resolved", "closed"];
export const isOpenStatus = (status: TicketStatus) => (OPEN_TICKET_STATUSES as readonly string[]).includes(status);

/** Overdue: the SLA clock runs (a stopped clock has no due time) and the due time has come. */
export function isOverdue(row: Pick<TicketRow, "dueAt" | "status" | "slaRemainingSeconds">, now: Date): boolean {
  return (
    row.slaRemainingSeconds === null &&
    row.dueAt !== null &&
    row.dueAt.getTime() <= now.getTime() &&
    !CLOSED_STATUSES.includes(row.status)
  );
}

/** The first answer is late: none yet, the ticket still open, and its first-response due time has come. */
export function isFirstResponseOverdue(
  row: Pick<TicketRow, "firstResponseDueAt" | "firstResponseAt" | "status">,
  now: Date,
): boolean {
  return (
    row.firstResponseAt === null &&
    row.firstResponseDueAt !== null &&
    row.firstResponseDueAt.getTime() <= now.getTime() &&
    isOpenStatus(row.status)
  );
}

export function toTicket(row: TicketRow, now: Date): Ticket {
  return {
    id: row.id,
    number: row.number,
    customerId: row.customerId,
    subject: row.subject,
    description: row.description,
    category: row.category,
    priority: row.priority,
    status: row.status,
    assigneeId: row.assigneeId,
    createdById: row.createdById,
    dueAt: row.dueAt?.toISOString() ?? null,
    overdue: isOverdue(row, now),
    slaPaused: row.slaRemainingSeconds !== null,
    slaRemainingSeconds: row.slaRemainingSeconds,
    firstResponseDueAt: row.firstResponseDueAt?.toISOString() ?? null,
    firstResponseOverdue: isFirstResponseOverdue(row, now),
    firstResponseAt: row.firstResponseAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    closedAt: row.closedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
    incidentId: row.incidentId,
  };
}

export async function findTicketRow(db: Executor, id: string, options: { lock?: boolean } = {}) {
  const query = db.select().from(tickets).where(eq(tickets.id, id)).limit(1);
  const [row] = options.lock ? await query.for("update") : await query;
  return row;
}

const assigneeUser = alias(users, "assignee_user");
const creatorUser = alias(users, "creator_user");

/** The customer columns of a ticket's customer card. */
const cardColumns = {
  id: customers.id,
  name: customers.name,
  accountNumber: customers.accountNumber,
  phone: customers.phone,
  ipAddress: customers.ipAddress,
  street: customers.street,
  city: customers.city,
  region: customers.region,
  postalCode: customers.postalCode,
  deletedAt: customers.deletedAt,
};

/** A row of cardColumns. */
type CardRow = Parameters<typeof formatAddress>[0] & {
  id: string;
  name: string;
  accountNumber: string;
  phone: string | null;
  ipAddress: string | null;
  deletedAt: Date | null;
};

function toCustomerCard(customer: CardRow, planName: string | null): NonNullable<TicketDetail["customer"]> {
  return {
    id: customer.id,
    name: customer.name,
    accountNumber: customer.accountNumber,
    phone: customer.phone,
    planName,
    ipAddress: customer.ipAddress,
    address: formatAddress(customer),
    archived: customer.deletedAt !== null,
  };
}

/** The ticket page's data: the ticket, its customer card and the people involved. */
export async function getTicketDetail(db: Executor, clock: Clock, id: string): Promise<TicketDetail> {
  const [row] = await db
    .select({
      ticket: tickets,
      customer: cardColumns,
      planName: servicePlans.name,
      assignee: { id: assigneeUser.id, name: assigneeUser.name, active: assigneeUser.active },
      createdBy: { id: creatorUser.id, name: creatorUser.name, active: creatorUser.active },
    })
    .from(tickets)
    .leftJoin(customers, eq(customers.id, tickets.customerId))
    .leftJoin(servicePlans, eq(servicePlans.id, customers.servicePlanId))
    .leftJoin(assigneeUser, eq(assigneeUser.id, tickets.assigneeId))
    .leftJoin(creatorUser, eq(creatorUser.id, tickets.createdById))
    .where(eq(tickets.id, id))
    .limit(1);
  if (!row) throw notFound("ticket.not_found", "This ticket");
  return {
    ...toTicket(row.ticket, clock.now()),
    customer: row.customer ? toCustomerCard(row.customer, row.planName) : null,
    assignee: row.assignee,
    createdBy: row.createdBy,
  };
}

type Assignee = NonNullable<TicketForSms["assignee"]>;
type SmsCustomer = NonNullable<TicketForSms["customer"]>;

/** Only active staff can take tickets: a deactivated account would never see them. */
async function assertAssignable(db: Executor, assigneeId: string): Promise<Assignee> {
  const [user] = await db
    .select({ id: users.id, name: users.name, phone: users.phone, active: users.active })
    .from(users)
    .where(eq(users.id, assigneeId))
    .limit(1);
  if (!user) {
    throw fieldError("ticket.assignee_unknown", "assigneeId", "Assignee: no staff account has this id");
  }
  if (!user.active) {
    throw fieldError(
      "ticket.assignee_inactive",
      "assigneeId",
      `Assignee: ${user.name}'s account is deactivated; choose an active staff member`,
    );
  }
  return { id: user.id, name: user.name, phone: user.phone };
}

/** The customer as the ticket's SMS need them; undefined when there is no such customer. */
async function findSmsCustomer(db: Executor, customerId: string): Promise<SmsCustomer | undefined> {
  const [customer] = await db
    .select({
      id: customers.id,
      name: customers.name,
      phone: customers.phone,
      smsOptOut: customers.smsOptOut,
      deletedAt: customers.deletedAt,
    })
    .from(customers)
    .where(eq(customers.id, customerId))
    .limit(1);
  if (!customer) return undefined;
  const { deletedAt, ...rest } = customer;
  return { ...rest, archived: deletedAt !== null };
}

/** A new ticket's customer: what its SMS need and its answer's customer card, in one statement. */
async function findCardCustomer(db: Executor, customerId: string) {
  const [row] = await db
    .select({ customer: cardColumns, planName: servicePlans.name, smsOptOut: customers.smsOptOut })
    .from(customers)
    .leftJoin(servicePlans, eq(servicePlans.id, customers.servicePlanId))
    .where(eq(customers.id, customerId))
    .limit(1);
  if (!row) return undefined;
  const { customer, planName, smsOptOut } = row;
  const card = toCustomerCard(customer, planName);
  const sms: SmsCustomer = {
    id: customer.id,
    name: customer.name,
    phone: customer.phone,
    smsOptOut,
    archived: card.archived,
  };
  return { sms, card };
}

async function assertCustomerUsable(db: Executor, customerId: string) {
  const customer = await findCardCustomer(db, customerId);
  if (!customer) throw fieldError("ticket.customer_unknown", "customerId", "Customer: no customer has this id");
  if (customer.card.archived) {
    throw fieldError(
      "ticket.customer_archived",
      "customerId",
      "Customer: this customer is archived; restore them first or pick another customer",
    );
  }
  return customer;
}

function ticketForSms(row: TicketRow, customer: SmsCustomer | null, assignee: Assignee | null): TicketForSms {
  return { id: row.id, number: row.number, subject: row.subject, status: row.status, customer, assignee };
}

/**
 * Timestamps a status change implies. Reopening clears resolved/closed; closing a ticket that
 * was never resolved resolves it at the same moment (closed implies resolved).
 */
function statusTimestamps(
  existing: Pick<TicketRow, "resolvedAt" | "closedAt">,
  to: TicketStatus,
  now: Date,
): { resolvedAt: Date | null; closedAt: Date | null } {
  if (to === "resolved") return { resolvedAt: existing.resolvedAt ?? now, closedAt: null };
  if (to === "closed") return { resolvedAt: existing.resolvedAt ?? now, closedAt: existing.closedAt ?? now };
  return { resolvedAt: null, closedAt: null };
}

type Change = Omit<UpdateTicket, "version">;

export interface TicketChangeOptions {
  /**
   * Set when another message already tells the customer (an incident resolving its linked
   * tickets): the status change queues no per-ticket status SMS, and its timeline entry says why.
   */
  statusSmsCoveredBy?: { incidentId: string };
}

/**
 * Applies one edit to a locked ticket row inside the caller's transaction (`ctx.db`): the row, one
 * timeline event per kind of change, and the SMS the change triggers, so all of it commits or
 * none of it does.
 *
 * First response: the first status change made by staff (or, in comments, the first public
 * comment by staff) sets `firstResponseAt`; assignment and internal work do not, since the
 * customer sees neither.
 */
export async function applyTicketChange(
  ctx: ServiceContext,
  actor: Actor,
  existing: TicketRow,
  change: Change,
  options: TicketChangeOptions = {},
): Promise<TicketRow> {
  const tx = ctx.db;
  const now = ctx.clock.now();
  const events: TicketEvent[] = [];
  const set: Partial<typeof tickets.$inferInsert> = {};
  const nextVersion = existing.version + 1;
  const base = { ticketId: existing.id, actorId: actor.id, at: now, data: { version: nextVersion } };

  const statusChanged = change.status !== undefined && change.status !== existing.status;
  if (statusChanged && change.status) {
    set.status = change.status;
    Object.assign(set, statusTimestamps(existing, change.status, now));
    if (!existing.firstResponseAt && actor.id) set.firstResponseAt = now;
    events.push({
      ...base,
      kind: "status_changed",
      fromValue: existing.status,
      toValue: change.status,
      ...(options.statusSmsCoveredBy
        ? { data: { ...base.data, statusSmsCoveredBy: { incidentId: options.statusSmsCoveredBy.incidentId } } }
        : {}),
    });
  }

  const assigneeChanged = change.assigneeId !== undefined && change.assigneeId !== existing.assigneeId;
  let assignee: Assignee | null = null;
  if (assigneeChanged) {
    if (change.assigneeId) assignee = await assertAssignable(tx, change.assigneeId);
    set.assigneeId = change.assigneeId ?? null;
    events.push({
      ...base,
      kind: "assigned",
      fromValue: existing.assigneeId,
      toValue: change.assigneeId ?? null,
    });
  }

  const priorityChanged = change.priority !== undefined && change.priority !== existing.priority;
  if (priorityChanged || statusChanged) {
    // The SLA clock: a new priority re-targets it, a status change may stop or restart it.
    const sla = await slaChange(
      tx,
      await readSlaPolicy({ ...ctx, db: tx }),
      existing,
      { priority: priorityChanged ? change.priority : undefined, status: set.status },
      base,
      now,
    );
    Object.assign(set, sla.set);
    if (priorityChanged && change.priority) {
      set.priority = change.priority;
      const dueAt = "dueAt" in sla.set ? sla.set.dueAt : existing.dueAt;
      events.push({
        ...base,
        kind: "priority_changed",
        fromValue: existing.priority,
        toValue: change.priority,
        data: { ...base.data, dueAt: dueAt?.toISOString() ?? null },
      });
    }
    events.push(...sla.events);
  }

  const fieldChanges: Record<string, { from: unknown; to: unknown }> = {};
  let customer: SmsCustomer | undefined;
  if (change.customerId !== undefined && change.customerId !== existing.customerId) {
    if (change.customerId) customer = (await assertCustomerUsable(tx, change.customerId)).sms;
    set.customerId = change.customerId ?? null;
    fieldChanges.customerId = { from: existing.customerId, to: change.customerId ?? null };
  }
  if (change.subject !== undefined && change.subject !== existing.subject) {
    set.subject = change.subject;
    fieldChanges.subject = { from: existing.subject, to: change.subject };
  }
  if (change.category !== undefined && change.category !== existing.category) {
    set.category = change.category;
    fieldChanges.category = { from: existing.category, to: change.category };
  }
  if (change.description !== undefined && change.description !== existing.description) {
    set.description = change.description;
    // The text itself stays on the ticket; the timeline only says that it changed.
    fieldChanges.description = { from: null, to: null };
  }
  if (Object.keys(fieldChanges).length > 0) {
    events.push({
      ...base,
      kind: "updated",
      data: { ...base.data, fields: Object.keys(fieldChanges), changes: fieldChanges },
    });
  }

  if (events.length === 0) return existing;

  const [row] = await tx
    .update(tickets)
    .set({ ...set, updatedAt: now, version: nextVersion })
    .where(eq(tickets.id, existing.id))
    .returning();
  if (!row) throw notFound("ticket.not_found", "This ticket");
  await recordTicketEvents(tx, events);
  await recordTicketChangeWebhooks(ctx, existing, row, now);

  if ((assigneeChanged && assignee) || statusChanged) {
    // The SMS are built from what this change already holds; only what it did not read is read.
    if (!customer && row.customerId) customer = await findSmsCustomer(tx, row.customerId);
    if (!assignee && row.assigneeId && statusChanged) assignee = (await findAssignee(tx, row.assigneeId)) ?? null;
    const ticket = ticketForSms(row, customer ?? null, assignee);
    if (assigneeChanged && assignee) await notifyTicketAssigned(ctx, actor, { ticket, priority: row.priority });
    if (statusChanged && !options.statusSmsCoveredBy) await queueTicketStatusSms(ctx, actor, ticket);
  }
  return row;
}

/** The ticket's fields a webhook's `changes` lists (with their values before and after). */
const WEBHOOK_TICKET_FIELDS = [
  "status",
  "priority",
  "assigneeId",
  "customerId",
  "subject",
  "category",
  "description",
  "incidentId",
] as const;

/**
 * The webhook events of a change, in its transaction: ticket.updated with every changed field,
 * and ticket.status_changed and ticket.assigned for those changes (docs/webhooks.md).
 */
async function recordTicketChangeWebhooks(ctx: ServiceContext, before: TicketRow, after: TicketRow, now: Date) {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of WEBHOOK_TICKET_FIELDS) {
    if (before[field] !== after[field]) changes[field] = { from: before[field], to: after[field] };
  }
  if (Object.keys(changes).length === 0) return;
  const ticket = toTicket(after, now);
  await recordWebhookEvent(ctx, "ticket.updated", { ...ticket, changes });
  if (changes.status) {
    await recordWebhookEvent(ctx, "ticket.status_changed", { ...ticket, changes: { status: changes.status } });
  }
  if (changes.assigneeId) {
    await recordWebhookEvent(ctx, "ticket.assigned", { ...ticket, changes: { assigneeId: changes.assigneeId } });
  }
}

async function findAssignee(db: Executor, id: string): Promise<Assignee | undefined> {
  const [user] = await db
    .select({ id: users.id, name: users.name, phone: users.phone })
    .from(users)
    .where(eq(users.id, id))
    .limit(1);
  return user;
}

/** How a ticket came in, when not through a staff member's form: an SMS from a subscriber. */
export interface TicketOrigin {
  source: "sms";
  smsId: string;
}

/**
 * Opens a ticket in the caller's transaction (or its own): the row, its SLA due time, its
 * timeline, the customer's and the assignee's SMS, the assignee's notification and the audit row.
 * Every ticket comes through here, whether a person, an inbound SMS or another feature opens it.
 */
export async function createTicket(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateTicket,
  origin?: TicketOrigin,
): Promise<TicketDetail> {
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const customer = input.customerId ? await assertCustomerUsable(tx, input.customerId) : null;
    const assignee = input.assigneeId ? await assertAssignable(tx, input.assigneeId) : null;
    const now = ctx.clock.now();
    const priority = input.priority ?? "normal";
    const status = input.status ?? "open";
    const sla = initialSla(await readSlaPolicy(txCtx), now, priority, status);
    // A call from a customer an active incident covers is about that incident (docs/incidents.md).
    const incident =
      input.customerId && ctx.ports?.activeIncidentForCustomer
        ? await ctx.ports.activeIncidentForCustomer(txCtx, input.customerId)
        : null;
    // The id is chosen here so that the ticket and its first events go in one statement.
    const id = randomUUID();
    const category = input.category ?? "other";
    const assigneeId = input.assigneeId ?? null;
    const base = { ticketId: id, actorId: actor.id, at: now, data: { version: 1 } };
    const row = await insertTicketWithEvents(
      tx,
      {
        id,
        customerId: input.customerId ?? null,
        subject: input.subject,
        description: input.description ?? "",
        category,
        priority,
        status,
        assigneeId,
        createdById: actor.id,
        incidentId: incident?.id ?? null,
        version: 1,
        ...sla.set,
        ...statusTimestamps({ resolvedAt: null, closedAt: null }, status, now),
        createdAt: now,
        updatedAt: now,
      },
      [
        {
          ...base,
          kind: "created",
          toValue: status,
          data: { ...base.data, priority, category, ...origin },
        },
        ...(assigneeId ? [{ ...base, kind: "assigned" as const, fromValue: null, toValue: assigneeId }] : []),
        ...(sla.paused
          ? [
              {
                ...base,
                kind: "sla_paused" as const,
                toValue: status,
                data: { ...base.data, remainingSeconds: sla.set.slaRemainingSeconds },
              },
            ]
          : []),
        ...(incident
          ? [
              {
                ...base,
                kind: "incident_linked" as const,
                toValue: incident.id,
                data: { ...base.data, incidentId: incident.id, title: incident.title, automatic: true },
              },
            ]
          : []),
      ],
    );
    if (incident) {
      await ctx.ports?.ticketAutoLinked?.(txCtx, {
        incidentId: incident.id,
        ticketId: row.id,
        ticketNumber: row.number,
      });
    }
    const created = toTicket(row, now);
    await recordWebhookEvent(txCtx, "ticket.created", created);
    if (row.assigneeId) {
      await recordWebhookEvent(txCtx, "ticket.assigned", {
        ...created,
        changes: { assigneeId: { from: null, to: row.assigneeId } },
      });
    }
    const ticket = ticketForSms(row, customer?.sms ?? null, assignee);
    await queueTicketCreatedSms(txCtx, actor, ticket);
    if (assignee) await notifyTicketAssigned(txCtx, actor, { ticket, priority });
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "ticket.create",
      entityType: "ticket",
      entityId: row.id,
      data: { number: row.number, ...origin },
      ip: actor.ip,
      at: now,
    });
    // The answer from what is in hand (the inserted row, the customer and assignee read above, the
    // actor), not a read of what was just written: a statement fewer on every creation. Only a
    // caller that does not name its actor (none of the app's) gets the read.
    if (actor.id !== null && actor.name === undefined) return getTicketDetail(tx, ctx.clock, row.id);
    return {
      ...created,
      customer: customer?.card ?? null,
      // Only active staff can be assigned (assertAssignable) or act (the guard).
      assignee: assignee ? { id: assignee.id, name: assignee.name, active: true } : null,
      createdBy:
        actor.id !== null && actor.name !== undefined ? { id: actor.id, name: actor.name, active: true } : null,
    };
  });
}

/** What changed a ticket since the version an editor saw: the 409's "who changed what". */
export async function changesSince(db: Executor, ticketId: string, sinceVersion: number) {
  const rows = await db
    .select({
      kind: ticketEvents.kind,
      fromValue: ticketEvents.fromValue,
      toValue: ticketEvents.toValue,
      data: ticketEvents.data,
      createdAt: ticketEvents.createdAt,
      actorId: ticketEvents.actorId,
      actorName: users.name,
    })
    .from(ticketEvents)
    .leftJoin(users, eq(users.id, ticketEvents.actorId))
    .where(
      and(
        eq(ticketEvents.ticketId, ticketId),
        inArray(ticketEvents.kind, ["status_changed", "assigned", "priority_changed", "updated"]),
        sql`(${ticketEvents.data}->>'version')::int > ${sinceVersion}`,
      ),
    )
    .orderBy(ticketEvents.createdAt, ticketEvents.id);
  return rows.map((row) => ({
    kind: row.kind,
    fields:
      row.kind === "updated"
        ? ((row.data?.fields as string[] | undefined) ?? [])
        : [
            { status_changed: "status", assigned: "assigneeId", priority_changed: "priority" }[row.kind as string] ??
              row.kind,
          ],
    from: row.fromValue,
    to: row.toValue,
    by: row.actorId ? { id: row.actorId, name: row.actorName ?? "" } : null,
    at: row.createdAt.toISOString(),
  }));
}

export async function updateTicket(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateTicket,
): Promise<TicketDetail> {
  const { version, ...change } = input;
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    const existing = await findTicketRow(tx, id, { lock: true });
    if (!existing) throw notFound("ticket.not_found", "This ticket");
    if (existing.version !== version) {
      const changes = await changesSince(tx, id, version);
      const who = [...new Set(changes.map((c) => c.by?.name).filter(Boolean))].join(", ") || "Someone";
      throw new AppError(
        409,
        "ticket.version_conflict",
        `${who} changed this ticket after you opened it. Review the current values and apply your change again.`,
        { current: await getTicketDetail(tx, ctx.clock, id), changes },
      );
    }
    const row = await applyTicketChange(txCtx, actor, existing, change);
    if (row !== existing) {
      await recordAudit(tx, {
        actorId: actor.id,
        tokenId: actor.tokenId,
        action: "ticket.update",
        entityType: "ticket",
        entityId: id,
        // Before and after of each changed field: the audit log shows "who changed what" (docs/audit.md).
        data: { fields: Object.keys(change), changes: fieldChanges(existing, row, Object.keys(change)) },
        ip: actor.ip,
        at: ctx.clock.now(),
      });
    }
    return getTicketDetail(tx, ctx.clock, id);
  });
}

/** `{field: {from, to}}` for the fields of a change whose stored value changed. */
function fieldChanges(before: TicketRow, after: TicketRow, fields: string[]) {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of fields) {
    if (!(field in before)) continue;
    const from = before[field as keyof TicketRow];
    const to = after[field as keyof TicketRow];
    if (from instanceof Date || to instanceof Date) {
      if ((from as Date | null)?.getTime() !== (to as Date | null)?.getTime()) changes[field] = { from, to };
    } else if (from !== to) changes[field] = { from, to };
  }
  return changes;
}

/**
 * One change applied to many tickets in one transaction: every ticket gets its own events and
 * SMS, and an unknown id or an unusable assignee leaves all of them untouched. Bulk edits act
 * on the current state (no version check): the person chose the rows from a fresh list.
 */
export async function bulkUpdateTickets(ctx: ServiceContext, actor: Actor, input: BulkTicketAction): Promise<Ticket[]> {
  const { ids, ...change } = input;
  const unique = [...new Set(ids)];
  return inTransaction(ctx, async (txCtx) => {
    const tx = txCtx.db;
    // Lock in id order so two bulk edits over overlapping rows cannot deadlock.
    const rows = await tx.select().from(tickets).where(inArray(tickets.id, unique)).orderBy(tickets.id).for("update");
    if (rows.length !== unique.length) {
      const found = new Set(rows.map((row) => row.id));
      const missing = unique.filter((id) => !found.has(id));
      throw new AppError(
        404,
        "ticket.not_found",
        `${missing.length} of the selected tickets no longer exist; reload the list and try again.`,
        { missing },
      );
    }
    const updated: Ticket[] = [];
    const now = ctx.clock.now();
    for (const existing of rows) {
      const row = await applyTicketChange(txCtx, actor, existing, change);
      updated.push(toTicket(row, now));
    }
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "ticket.bulk_update",
      entityType: "ticket",
      data: { ids: unique, change },
      ip: actor.ip,
      at: now,
    });
    const order = new Map(ids.map((id, index) => [id, index]));
    return updated.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  });
}
