import { type SQL, sql } from "drizzle-orm";
import { formatAddress } from "../../shared/customers.js";
import {
  FINAL_VISIT_STATUSES,
  OPEN_TICKET_STATUSES,
  type UserRole,
  VISIT_STATUSES,
  type VisitStatus,
} from "../../shared/enums.js";
import { firstNameOf } from "../../shared/sms.js";
import type {
  CreateVisit,
  Equipment,
  MyDay,
  Position,
  UpdateVisit,
  Visit,
  VisitCancel,
  VisitComplete,
  VisitDetail,
  VisitEnRoute,
  VisitListQuery,
  VisitNoAccess,
  VisitsToday,
} from "../../shared/visits.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import { findCustomerRow, updateCustomer } from "../customers/customers.service.js";
import { type Executor, queryRows } from "../db/client.js";
import { AppError, fieldError, forbidden, notFound } from "../http/errors.js";
import { notifyVisitMoved } from "../notifications/notifications.service.js";
import { customerSmsBlock } from "../sms/sms.notifications.js";
import { writeOutboundSms } from "../sms/sms.outbox.js";
import { renderPurposeTemplate } from "../sms/sms.templates.js";
import { recordTicketEvents } from "../tickets/tickets.events.js";
import { applyTicketChange, findTicketRow } from "../tickets/tickets.service.js";
import { recordWebhookEvent } from "../webhooks/webhooks.service.js";
import { dayBounds, visitDayWords, visitWindowWords } from "./visits.time.js";

/** A visit's row as this module reads it (snake_case from SQL; with VISIT_COLUMNS, the technician's name). */
export interface VisitRow {
  id: string;
  ticket_id: string;
  technician_id: string;
  technician_name: string;
  kind: Visit["kind"];
  status: VisitStatus;
  starts_at: Date | string;
  ends_at: Date | string;
  notes: string;
  report: string | null;
  equipment: Visit["equipment"];
  en_route_at: Date | string | null;
  eta_at: Date | string | null;
  arrived_at: Date | string | null;
  arrived_latitude: number | null;
  arrived_longitude: number | null;
  arrived_accuracy: number | null;
  finished_at: Date | string | null;
  finished_latitude: number | null;
  finished_longitude: number | null;
  finished_accuracy: number | null;
  reminder_sent_at: Date | string | null;
  confirmed_at: Date | string | null;
  change_requested_at: Date | string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

interface VisitDetailRow extends VisitRow {
  ticket_number: string;
  ticket_subject: string;
  ticket_status: VisitDetail["ticket"]["status"];
  customer_id: string | null;
  account_number: string | null;
  customer_name: string | null;
  phone: string | null;
  alt_phone: string | null;
  street: string | null;
  city: string | null;
  region: string | null;
  postal_code: string | null;
  latitude: number | null;
  longitude: number | null;
  plan_name: string | null;
  site_name: string | null;
  connection_type: NonNullable<VisitDetail["customer"]>["connectionType"];
  ip_address: string | null;
  mac_address: string | null;
  cpe_model: string | null;
  cpe_serial: string | null;
  vlan_id: number | null;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
const position = (latitude: number | null, longitude: number | null, accuracy: number | null): Position | null =>
  latitude === null || longitude === null ? null : { latitude, longitude, accuracy };

export function toVisit(row: VisitRow): Visit {
  return {
    id: row.id,
    ticketId: row.ticket_id,
    technician: { id: row.technician_id, name: row.technician_name },
    kind: row.kind,
    status: row.status,
    startsAt: new Date(row.starts_at).toISOString(),
    endsAt: new Date(row.ends_at).toISOString(),
    notes: row.notes,
    report: row.report,
    equipment: row.equipment,
    enRouteAt: iso(row.en_route_at),
    etaAt: iso(row.eta_at),
    arrivedAt: iso(row.arrived_at),
    arrivedPosition: position(row.arrived_latitude, row.arrived_longitude, row.arrived_accuracy),
    finishedAt: iso(row.finished_at),
    finishedPosition: position(row.finished_latitude, row.finished_longitude, row.finished_accuracy),
    reminderSentAt: iso(row.reminder_sent_at),
    confirmedAt: iso(row.confirmed_at),
    changeRequestedAt: iso(row.change_requested_at),
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function toVisitDetail(row: VisitDetailRow): VisitDetail {
  return {
    ...toVisit(row),
    ticket: { id: row.ticket_id, number: row.ticket_number, subject: row.ticket_subject, status: row.ticket_status },
    customer:
      row.customer_id && row.customer_name !== null
        ? {
            id: row.customer_id,
            accountNumber: row.account_number ?? "",
            name: row.customer_name,
            phone: row.phone,
            altPhone: row.alt_phone,
            address: formatAddress({ ...row, postalCode: row.postal_code }),
            latitude: row.latitude,
            longitude: row.longitude,
            planName: row.plan_name,
            siteName: row.site_name,
            connectionType: row.connection_type,
            ipAddress: row.ip_address,
            macAddress: row.mac_address,
            cpeModel: row.cpe_model,
            cpeSerial: row.cpe_serial,
            vlanId: row.vlan_id,
          }
        : null,
  };
}

export const VISIT_COLUMNS = sql.raw(`v.*, u.name as technician_name`);

/** Visits with their ticket and customer (the doorstep view), in start order. */
export async function visitDetails(db: Executor, where: SQL, limit = 1_000): Promise<VisitDetail[]> {
  const rows = await queryRows<VisitDetailRow>(
    db,
    sql`select ${VISIT_COLUMNS}, t.number as ticket_number, t.subject as ticket_subject, t.status as ticket_status,
               c.id as customer_id, c.account_number, c.name as customer_name, c.phone, c.alt_phone, c.street,
               c.city, c.region, c.postal_code, c.latitude, c.longitude, p.name as plan_name, n.name as site_name,
               c.connection_type, host(c.ip_address) as ip_address, c.mac_address::text as mac_address,
               c.cpe_model, c.cpe_serial, c.vlan_id
          from visits v
          join users u on u.id = v.technician_id
          join tickets t on t.id = v.ticket_id
          left join customers c on c.id = t.customer_id
          left join service_plans p on p.id = c.service_plan_id
          left join network_sites n on n.id = c.site_id
         where ${where}
         order by v.starts_at, v.id
         limit ${limit}`,
  );
  return rows.map(toVisitDetail);
}

export async function getVisit(db: Executor, id: string): Promise<VisitDetail> {
  const [visit] = await visitDetails(db, sql`v.id = ${id}`, 1);
  if (!visit) throw notFound("visit.not_found", "This visit");
  return visit;
}

async function lockVisit(db: Executor, id: string): Promise<VisitRow> {
  const [row] = await queryRows<VisitRow>(
    db,
    sql`select ${VISIT_COLUMNS} from visits v join users u on u.id = v.technician_id where v.id = ${id} for update of v`,
  );
  if (!row) throw notFound("visit.not_found", "This visit");
  return row;
}

/** The list for a window (the dispatch board, a technician's calendar), a ticket or a customer. */
export async function listVisits(db: Executor, query: VisitListQuery): Promise<VisitDetail[]> {
  if (!query.ticketId && !query.customerId && !query.changeRequested && !(query.from && query.to)) {
    throw new AppError(
      400,
      "visit.list_unbounded",
      "Name a ticketId, a customerId, changeRequested=true, or a window with both from and to (at most 62 days).",
    );
  }
  const parts: SQL[] = [];
  if (query.from && query.to) {
    const from = new Date(query.from);
    const to = new Date(query.to);
    if (to.getTime() <= from.getTime() || to.getTime() - from.getTime() > 62 * 86_400_000) {
      throw fieldError("visit.window_invalid", "to", "to: after from, and at most 62 days after it");
    }
    // Visits that overlap the window (one that started yesterday evening and runs into today counts).
    // A window is at most 24 h long, so a visit overlapping this one started after from − 24 h: the
    // bound lets visits_starts_at_idx (or the technician's index) read only that range.
    parts.push(
      sql`v.starts_at < ${to} and v.starts_at > ${new Date(from.getTime() - MAX_WINDOW_MS)} and v.ends_at > ${from}`,
    );
  }
  if (query.technicianId) parts.push(sql`v.technician_id = ${query.technicianId}`);
  if (query.ticketId) parts.push(sql`v.ticket_id = ${query.ticketId}`);
  if (query.customerId) parts.push(sql`t.customer_id = ${query.customerId}`);
  // Few at any time (a reminder's answer the dispatcher has not acted on): visits_change_requested_idx.
  if (query.changeRequested) parts.push(sql`v.status = 'scheduled' and v.change_requested_at is not null`);
  return visitDetails(db, sql.join(parts, sql` and `));
}

const ACTIVE = sql.raw(`('scheduled', 'en_route', 'on_site')`);

/**
 * The technician's other live visits that overlap the window. The technician's user row is
 * locked first, so two dispatchers booking the same person at once take turns and the second
 * sees the first's visit.
 */
async function overlapping(db: Executor, technicianId: string, startsAt: Date, endsAt: Date, exceptId?: string) {
  await queryRows(db, sql`select id from users where id = ${technicianId} for update`);
  return queryRows<{ id: string; ticket_id: string; starts_at: Date | string; ends_at: Date | string; kind: string }>(
    db,
    sql`select id, ticket_id, starts_at, ends_at, kind from visits
         where technician_id = ${technicianId} and status in ${ACTIVE}
           and starts_at < ${endsAt} and starts_at > ${new Date(startsAt.getTime() - MAX_WINDOW_MS)}
           and ends_at > ${startsAt}
           ${exceptId ? sql`and id <> ${exceptId}` : sql``}
         order by starts_at`,
  );
}

async function assertNotDoubleBooked(
  db: Executor,
  input: { technicianId: string; startsAt: Date; endsAt: Date; allowOverlap: boolean; exceptId?: string },
) {
  const clashes = await overlapping(db, input.technicianId, input.startsAt, input.endsAt, input.exceptId);
  if (clashes.length === 0 || input.allowOverlap) return;
  throw new AppError(
    409,
    "visit.double_booked",
    `The technician already has ${clashes.length === 1 ? "a visit" : `${clashes.length} visits`} in this window. Choose another time or technician, or confirm the overlap.`,
    {
      overlaps: clashes.map((clash) => ({
        id: clash.id,
        ticketId: clash.ticket_id,
        startsAt: new Date(clash.starts_at).toISOString(),
        endsAt: new Date(clash.ends_at).toISOString(),
        kind: clash.kind,
      })),
    },
  );
}

/** The visit's technician must be active staff (any role: an agent may go out too). */
async function assertTechnician(db: Executor, technicianId: string) {
  const [user] = await queryRows<{ active: boolean }>(db, sql`select active from users where id = ${technicianId}`);
  if (!user) throw fieldError("visit.technician_unknown", "technicianId", "Technician: no such staff member");
  if (!user.active) {
    throw fieldError("visit.technician_inactive", "technicianId", "Technician: this account is deactivated");
  }
}

/** The longest window a visit may have; window queries rely on it to bound their index range. */
const MAX_WINDOW_MS = 24 * 3_600_000;

function assertWindow(startsAt: Date, endsAt: Date) {
  if (endsAt.getTime() <= startsAt.getTime()) {
    throw fieldError("visit.window_invalid", "endsAt", "Ends: after the start");
  }
  if (endsAt.getTime() - startsAt.getTime() > MAX_WINDOW_MS) {
    throw fieldError("visit.window_invalid", "endsAt", "Ends: a visit's window is at most 24 hours");
  }
}

/** Office staff schedule anyone; a technician schedules and moves only their own visits. */
function assertMayPlan(actor: Actor, role: UserRole | null, technicianId: string) {
  if (role === "technician" && actor.id !== technicianId) {
    throw forbidden("Technicians schedule and move their own visits only; the office plans the others.");
  }
}

/** The steps of a visit: its technician, or the office on their behalf. */
function assertMayAct(actor: Actor, role: UserRole | null, visit: VisitRow) {
  if (role === "technician" && actor.id !== visit.technician_id) {
    throw forbidden("Only the visit's technician (or the office) records its steps.");
  }
}

async function emit(ctx: ServiceContext, type: "visit.scheduled" | "visit.updated" | "visit.completed", data: unknown) {
  await recordWebhookEvent(ctx, type, data);
}

async function audit(
  ctx: ServiceContext,
  actor: Actor,
  action: string,
  visitId: string,
  data: Record<string, unknown>,
) {
  await recordAudit(ctx.db, {
    actorId: actor.id,
    tokenId: actor.tokenId,
    action,
    entityType: "visit",
    entityId: visitId,
    data,
    ip: actor.ip,
    at: ctx.clock.now(),
  });
}

export async function createVisit(
  ctx: ServiceContext,
  actor: Actor,
  role: UserRole | null,
  input: CreateVisit,
): Promise<VisitDetail> {
  const startsAt = new Date(input.startsAt);
  const endsAt = new Date(input.endsAt);
  assertWindow(startsAt, endsAt);
  assertMayPlan(actor, role, input.technicianId);
  return inTransaction(ctx, async (tx) => {
    const ticket = await findTicketRow(tx.db, input.ticketId);
    if (!ticket) throw fieldError("visit.ticket_unknown", "ticketId", "Ticket: no such ticket");
    await assertTechnician(tx.db, input.technicianId);
    await assertNotDoubleBooked(tx.db, { ...input, startsAt, endsAt });
    const now = ctx.clock.now();
    const [created] = await queryRows<{ id: string }>(
      tx.db,
      sql`insert into visits (ticket_id, technician_id, kind, starts_at, ends_at, notes, created_by_id, created_at, updated_at)
          values (${input.ticketId}, ${input.technicianId}, ${input.kind}, ${startsAt}, ${endsAt}, ${input.notes ?? ""},
                  ${actor.id}, ${now}, ${now})
          returning id`,
    );
    if (!created) throw new Error("inserting the visit returned nothing");
    const visit = await getVisit(tx.db, created.id);
    await recordTicketEvents(tx.db, {
      ticketId: input.ticketId,
      kind: "visit_scheduled",
      actorId: actor.id,
      toValue: visit.technician.name,
      data: { visitId: visit.id, kind: visit.kind, startsAt: visit.startsAt, endsAt: visit.endsAt },
      at: now,
    });
    await emit(tx, "visit.scheduled", toVisit(await lockVisit(tx.db, visit.id)));
    await audit(tx, actor, "visit.create", visit.id, { ticketId: input.ticketId, technicianId: input.technicianId });
    return visit;
  });
}

/** Moving, reassigning, changing the kind or notes: only while the visit is ahead. */
export async function updateVisit(
  ctx: ServiceContext,
  actor: Actor,
  role: UserRole | null,
  id: string,
  input: UpdateVisit,
): Promise<VisitDetail> {
  return inTransaction(ctx, async (tx) => {
    const existing = await lockVisit(tx.db, id);
    assertMayPlan(actor, role, existing.technician_id);
    if (input.technicianId) assertMayPlan(actor, role, input.technicianId);
    if (existing.version !== input.version) {
      throw new AppError(
        409,
        "visit.version_conflict",
        "Someone changed this visit after you opened it. Review the current values and apply your change again.",
        { current: await getVisit(tx.db, id) },
      );
    }
    if (existing.status !== "scheduled") {
      throw new AppError(
        409,
        "visit.not_movable",
        `This visit is ${existing.status.replace("_", " ")}: only a scheduled visit can be moved or reassigned.`,
      );
    }
    const startsAt = input.startsAt ? new Date(input.startsAt) : new Date(existing.starts_at);
    const endsAt = input.endsAt ? new Date(input.endsAt) : new Date(existing.ends_at);
    const technicianId = input.technicianId ?? existing.technician_id;
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (startsAt.getTime() !== new Date(existing.starts_at).getTime()) {
      changes.startsAt = { from: iso(existing.starts_at), to: startsAt.toISOString() };
    }
    if (endsAt.getTime() !== new Date(existing.ends_at).getTime()) {
      changes.endsAt = { from: iso(existing.ends_at), to: endsAt.toISOString() };
    }
    if (technicianId !== existing.technician_id)
      changes.technicianId = { from: existing.technician_id, to: technicianId };
    if (input.kind && input.kind !== existing.kind) changes.kind = { from: existing.kind, to: input.kind };
    if (input.notes !== undefined && input.notes !== existing.notes)
      changes.notes = { from: existing.notes, to: input.notes };
    if (Object.keys(changes).length === 0) return getVisit(tx.db, id);
    assertWindow(startsAt, endsAt);
    if (changes.technicianId) await assertTechnician(tx.db, technicianId);
    if (changes.startsAt || changes.endsAt || changes.technicianId) {
      await assertNotDoubleBooked(tx.db, {
        technicianId,
        startsAt,
        endsAt,
        allowOverlap: input.allowOverlap,
        exceptId: id,
      });
    }
    const now = ctx.clock.now();
    const moved = Boolean(changes.startsAt || changes.endsAt);
    await tx.db.execute(
      sql`update visits set technician_id = ${technicianId}, kind = ${input.kind ?? existing.kind},
                 starts_at = ${startsAt}, ends_at = ${endsAt}, notes = ${input.notes ?? existing.notes},
                 -- A new time needs a new reminder and a new answer; the customer's request to move it is met.
                 reminder_sent_at = ${moved ? null : existing.reminder_sent_at},
                 confirmed_at = ${moved ? null : existing.confirmed_at},
                 change_requested_at = ${moved || changes.technicianId ? null : existing.change_requested_at},
                 version = version + 1, updated_at = ${now}
           where id = ${id}`,
    );
    const visit = await getVisit(tx.db, id);
    await recordTicketEvents(tx.db, {
      ticketId: existing.ticket_id,
      kind: "visit_updated",
      actorId: actor.id,
      data: { visitId: id, changes },
      at: now,
    });
    await emit(tx, "visit.updated", { ...toVisit(await lockVisit(tx.db, id)), changes });
    await audit(tx, actor, "visit.update", id, { changes });
    // The technician it was with and the one it is with now hear of a new time or a new hand.
    const when = `${visitDayWords(startsAt, now, ctx.config.TIME_ZONE)} ${visitWindowWords(startsAt, endsAt, ctx.config.TIME_ZONE)}`;
    if (moved || changes.technicianId)
      await notifyVisitMoved(tx, actor, { visit, fromTechnicianId: existing.technician_id, when });
    return visit;
  });
}

type Step = "en_route" | "on_site" | "completed" | "no_access" | "cancelled";

/** The moves the state machine allows: scheduled → en route → on site → completed, or no access / cancelled. */
const ALLOWED: Record<Step, readonly VisitStatus[]> = {
  // On the way again: a new ETA (held up), told to the customer again.
  en_route: ["scheduled", "en_route"],
  on_site: ["scheduled", "en_route"],
  // "Done" without "Arrived" first: the check-in is simply missing.
  completed: ["scheduled", "en_route", "on_site"],
  no_access: ["scheduled", "en_route", "on_site"],
  cancelled: ["scheduled", "en_route", "on_site"],
};

const STEP_WORDS: Record<Step, string> = {
  en_route: "set off for",
  on_site: "arrive at",
  completed: "complete",
  no_access: "record no access for",
  cancelled: "cancel",
};

function assertStep(visit: VisitRow, step: Step) {
  if (ALLOWED[step].includes(visit.status)) return;
  const final = (FINAL_VISIT_STATUSES as readonly string[]).includes(visit.status);
  throw new AppError(
    409,
    "visit.status_invalid",
    final
      ? `This visit is already ${visit.status.replace("_", " ")}; it cannot ${STEP_WORDS[step].replace(" for", "").replace(" at", "")} now. Schedule a new visit if one is needed.`
      : `This visit is ${visit.status.replace("_", " ")}; you cannot ${STEP_WORDS[step]} it now.`,
  );
}

/** The visit SMS to the ticket's customer (on the way, missed visit, the reminder), in the caller's transaction. */
export async function queueVisitSms(
  ctx: ServiceContext,
  visit: VisitRow,
  purpose: "technician_en_route" | "visit_missed" | "visit_reminder",
) {
  const [row] = await queryRows<{
    number: string;
    customer_id: string | null;
    name: string | null;
    phone: string | null;
    sms_opt_out: boolean | null;
    deleted_at: Date | string | null;
  }>(
    ctx.db,
    sql`select t.number, c.id as customer_id, c.name, c.phone, c.sms_opt_out, c.deleted_at
          from tickets t left join customers c on c.id = t.customer_id where t.id = ${visit.ticket_id}`,
  );
  if (!row) return null;
  const customer =
    row.customer_id && row.name !== null
      ? {
          id: row.customer_id,
          name: row.name,
          phone: row.phone,
          smsOptOut: row.sms_opt_out ?? false,
          archived: row.deleted_at !== null,
        }
      : null;
  const timeZone = ctx.config.TIME_ZONE;
  const body = await renderPurposeTemplate(ctx, purpose, {
    "customer.name": customer?.name ?? "customer",
    "customer.firstName": customer ? firstNameOf(customer.name) || "customer" : "customer",
    "ticket.number": row.number,
    "technician.firstName": firstNameOf(visit.technician_name) || "Our technician",
    "visit.day": visitDayWords(new Date(visit.starts_at), ctx.clock.now(), timeZone),
    "visit.window": visitWindowWords(new Date(visit.starts_at), new Date(visit.ends_at), timeZone),
    "visit.eta": visit.eta_at ? etaWords(new Date(visit.eta_at), ctx.clock.now()) : "a little while",
  });
  const { reason, to } = customerSmsBlock(customer, ctx.config);
  return writeOutboundSms(ctx, {
    purpose,
    body,
    to,
    ticketId: visit.ticket_id,
    customerId: customer?.id ?? null,
    userId: null,
    skipReason: reason,
  });
}

function etaWords(eta: Date, now: Date): string {
  const minutes = Math.max(1, Math.round((eta.getTime() - now.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} hour${hours === 1 ? "" : "s"}` : `${hours} h ${rest} min`;
}

/**
 * One step of a visit, in one transaction: the row, the ticket's timeline entry, the SMS the step
 * sends (on the way, no access), the customer's equipment and the ticket's status (done), the
 * webhook and the audit row. A retried request with the same Idempotency-Key is answered from the
 * first one (src/server/http/idempotency.ts), so a report sent twice from a flaky phone counts once.
 */
async function visitStep(
  ctx: ServiceContext,
  actor: Actor,
  role: UserRole | null,
  id: string,
  step: Step,
  apply: (tx: ServiceContext, visit: VisitRow, now: Date) => Promise<{ set: SQL; event: Record<string, unknown> }>,
): Promise<VisitDetail> {
  return inTransaction(ctx, async (tx) => {
    const visit = await lockVisit(tx.db, id);
    assertMayAct(actor, role, visit);
    assertStep(visit, step);
    const now = ctx.clock.now();
    const { set, event } = await apply(tx, visit, now);
    await tx.db.execute(
      sql`update visits set status = ${step}, ${set}, version = version + 1, updated_at = ${now} where id = ${id}`,
    );
    const after = await lockVisit(tx.db, id);
    const kind = (
      {
        en_route: "visit_en_route",
        on_site: "visit_arrived",
        completed: "visit_completed",
        no_access: "visit_no_access",
        cancelled: "visit_cancelled",
      } as const
    )[step];
    await recordTicketEvents(tx.db, {
      ticketId: visit.ticket_id,
      kind,
      actorId: actor.id,
      fromValue: visit.status,
      toValue: step,
      data: { visitId: id, ...event },
      at: now,
    });
    const payload = toVisit(after);
    if (step === "completed") await emit(tx, "visit.completed", payload);
    await emit(tx, "visit.updated", { ...payload, changes: { status: { from: visit.status, to: step } } });
    await audit(tx, actor, `visit.${step}`, id, { from: visit.status, ...event });
    return getVisit(tx.db, id);
  });
}

const positionSet = (prefix: "arrived" | "finished", value: Position | null | undefined) =>
  value
    ? sql`${sql.raw(`${prefix}_latitude`)} = ${value.latitude}, ${sql.raw(`${prefix}_longitude`)} = ${value.longitude},
          ${sql.raw(`${prefix}_accuracy`)} = ${value.accuracy ?? null}`
    : sql`${sql.raw(`${prefix}_latitude`)} = null, ${sql.raw(`${prefix}_longitude`)} = null, ${sql.raw(`${prefix}_accuracy`)} = null`;

/** On my way: the ETA, and the customer is told (technician_en_route) with the technician's first name. */
export async function visitEnRoute(
  ctx: ServiceContext,
  actor: Actor,
  role: UserRole | null,
  id: string,
  input: VisitEnRoute,
) {
  return visitStep(ctx, actor, role, id, "en_route", async (tx, visit, now) => {
    const eta = new Date(now.getTime() + input.etaMinutes * 60_000);
    const sms = await queueVisitSms(tx, { ...visit, eta_at: eta }, "technician_en_route");
    return {
      set: sql`en_route_at = ${now}, eta_at = ${eta}`,
      event: {
        etaMinutes: input.etaMinutes,
        etaAt: eta.toISOString(),
        smsId: sms?.id ?? null,
        smsSkipped: sms?.reason ?? null,
      },
    };
  });
}

/** Arrived: the check-in time and, when the phone shares it, where. */
export async function visitArrived(
  ctx: ServiceContext,
  actor: Actor,
  role: UserRole | null,
  id: string,
  input: { position?: Position | null },
) {
  return visitStep(ctx, actor, role, id, "on_site", async (_tx, _visit, now) => ({
    set: sql`arrived_at = ${now}, ${positionSet("arrived", input.position)}`,
    event: { position: input.position ?? null },
  }));
}

/**
 * Done: the report, the equipment now at the customer (their connection details change in this
 * same transaction, through the customers feature, which audits the before and after), and the
 * ticket's new status if one is chosen (through the tickets feature, with its SMS as usual).
 */
export async function visitComplete(
  ctx: ServiceContext,
  actor: Actor,
  role: UserRole | null,
  id: string,
  input: VisitComplete,
) {
  return visitStep(ctx, actor, role, id, "completed", async (tx, visit, now) => {
    const ticket = await findTicketRow(tx.db, visit.ticket_id, { lock: true });
    if (!ticket) throw notFound("ticket.not_found", "The visit's ticket");
    let equipment: { before: Equipment; after: Equipment } | null = null;
    const asked = input.equipment;
    if (asked && Object.values(asked).some((value) => value !== undefined)) {
      if (!ticket.customerId) {
        throw fieldError("visit.no_customer", "equipment", "Equipment: this ticket has no customer to record it on");
      }
      const customer = await findCustomerRow(tx.db, ticket.customerId);
      const before: Equipment = {
        cpeModel: customer.cpeModel,
        cpeSerial: customer.cpeSerial,
        macAddress: customer.macAddress,
      };
      // Only what differs from the record: equipment confirmed as it was changes nothing on the
      // customer (no new version, no empty audit entry), and the visit still records it. The
      // schema has trimmed the texts and written the MAC as the record holds it (lower case, colons).
      const change: Record<string, string | null> = {};
      for (const key of ["cpeModel", "cpeSerial", "macAddress"] as const) {
        const value = asked[key];
        if (value !== undefined && before[key] !== (value ?? null)) change[key] = value ?? null;
      }
      if (Object.keys(change).length === 0) {
        equipment = { before, after: before };
      } else {
        const updated = await updateCustomer(tx, actor, customer.id, { version: customer.version, ...change });
        equipment = {
          before,
          after: { cpeModel: updated.cpeModel, cpeSerial: updated.cpeSerial, macAddress: updated.macAddress },
        };
      }
    }
    if (input.ticketStatus && input.ticketStatus !== ticket.status) {
      await applyTicketChange(tx, actor, ticket, { status: input.ticketStatus });
    }
    return {
      set: sql`report = ${input.report}, equipment = ${equipment ? JSON.stringify(equipment) : null}::jsonb,
               finished_at = ${now}, ${positionSet("finished", input.position)}`,
      event: {
        report: input.report,
        equipment,
        ticketStatus: input.ticketStatus ?? null,
        position: input.position ?? null,
      },
    };
  });
}

/** Couldn't get in: the customer is told (visit_missed) and asked to reply to rebook. */
export async function visitNoAccess(
  ctx: ServiceContext,
  actor: Actor,
  role: UserRole | null,
  id: string,
  input: VisitNoAccess,
) {
  return visitStep(ctx, actor, role, id, "no_access", async (tx, visit, now) => {
    const sms = await queueVisitSms(tx, visit, "visit_missed");
    return {
      set: sql`report = ${input.note ?? null}, finished_at = ${now}, ${positionSet("finished", input.position)}`,
      event: { note: input.note ?? null, smsId: sms?.id ?? null, smsSkipped: sms?.reason ?? null },
    };
  });
}

export async function visitCancel(
  ctx: ServiceContext,
  actor: Actor,
  role: UserRole | null,
  id: string,
  input: VisitCancel,
) {
  return visitStep(ctx, actor, role, id, "cancelled", async () => ({
    set: sql`report = ${input.reason ?? null}`,
    event: { reason: input.reason ?? null },
  }));
}

/**
 * A technician's day (My day): today's visits in order, tomorrow's, and their open tickets with
 * no visit ahead, "today" being the ISP's (TIME_ZONE).
 */
export async function myDay(ctx: ServiceContext, technicianId: string): Promise<MyDay> {
  const timeZone = ctx.config.TIME_ZONE;
  const now = ctx.clock.now();
  const today = dayBounds(now, timeZone, 0);
  const tomorrow = dayBounds(now, timeZone, 1);
  const mine = sql`v.technician_id = ${technicianId} and v.status <> 'cancelled'`;
  const [todays, tomorrows, unscheduled] = await Promise.all([
    visitDetails(
      ctx.db,
      sql`${mine} and v.starts_at < ${today.end} and v.starts_at > ${new Date(today.start.getTime() - MAX_WINDOW_MS)}
            and v.ends_at > ${today.start}`,
    ),
    visitDetails(ctx.db, sql`${mine} and v.starts_at >= ${tomorrow.start} and v.starts_at < ${tomorrow.end}`),
    queryRows<{
      id: string;
      number: string;
      subject: string;
      status: MyDay["unscheduled"][number]["status"];
      customer_name: string | null;
      street: string | null;
      city: string | null;
      region: string | null;
      postal_code: string | null;
    }>(
      ctx.db,
      sql`select t.id, t.number, t.subject, t.status, c.name as customer_name, c.street, c.city, c.region, c.postal_code
            from tickets t left join customers c on c.id = t.customer_id
           where t.assignee_id = ${technicianId}
             and t.status in ${sql.raw(`(${OPEN_TICKET_STATUSES.map((s) => `'${s}'`).join(", ")})`)}
             and not exists (select 1 from visits v where v.ticket_id = t.id and v.status in ${ACTIVE}
                                                     and v.ends_at > ${now})
           order by t.priority desc, t.created_at
           limit 50`,
    ),
  ]);
  return {
    date: today.date,
    timeZone,
    today: todays,
    tomorrow: tomorrows,
    unscheduled: unscheduled.map((row) => ({
      id: row.id,
      number: row.number,
      subject: row.subject,
      status: row.status,
      customerName: row.customer_name,
      address: formatAddress({ ...row, postalCode: row.postal_code }),
    })),
  };
}

/** Today's visits (the ISP's day) counted by state, for the dashboard; one scan of visits_starts_at_idx. */
export async function visitsToday(ctx: ServiceContext): Promise<VisitsToday> {
  const timeZone = ctx.config.TIME_ZONE;
  const now = ctx.clock.now();
  const today = dayBounds(now, timeZone, 0);
  const [counts, flagged] = await Promise.all([
    queryRows<{ status: VisitStatus; count: number }>(
      ctx.db,
      sql`select status, count(*)::int as count from visits
           where starts_at >= ${today.start} and starts_at < ${today.end}
           group by status`,
    ),
    queryRows<{ count: number }>(
      ctx.db,
      sql`select count(*)::int as count from visits
           where status = 'scheduled' and change_requested_at is not null and ends_at > ${now}`,
    ),
  ]);
  const byStatus = Object.fromEntries(VISIT_STATUSES.map((status) => [status, 0])) as VisitsToday["byStatus"];
  for (const row of counts) byStatus[row.status] = Number(row.count);
  return {
    date: today.date,
    timeZone,
    total: Object.values(byStatus).reduce((sum, count) => sum + count, 0),
    byStatus,
    changeRequested: Number(flagged[0]?.count ?? 0),
  };
}
