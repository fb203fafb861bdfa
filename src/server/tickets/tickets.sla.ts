import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { TicketPriority, TicketStatus } from "../../shared/enums.js";
import {
  ALWAYS_OPEN_DAY,
  DEFAULT_FIRST_RESPONSE_HOURS,
  DEFAULT_SLA_HOURS,
  type SlaHours,
  type SlaSettings,
  type SlaSettingsPatch,
  type SlaSettingsView,
  ZSlaHours,
  ZSlaSettings,
} from "../../shared/tickets.js";
import { recordAudit } from "../audit/audit.service.js";
import type { Config } from "../config.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { cachedConfig, configChanged, writeSetting } from "../db/config-cache.js";
import { settings, ticketEvents, type tickets } from "../db/schema/index.js";
import {
  addBusinessTime,
  type BusinessCalendar,
  businessMsBetween,
  businessSecondsBetween,
} from "./tickets.business-time.js";
import type { TicketEvent } from "./tickets.events.js";

/** The `settings` row holding the resolution target per priority, in hours. */
export const SLA_SETTING_KEY = "sla_hours";
/** The `settings` row holding the rest of the policy: first-response targets, hours, holidays, zone. */
export const SLA_POLICY_KEY = "sla_policy";
/** Both rows, cached together (db/config-cache.ts). */
const SLA_CACHE_KEY = "sla";

const ZStoredPolicy = ZSlaSettings.omit({ resolutionHours: true });
type StoredPolicy = Omit<SlaSettings, "resolutionHours">;

const DEFAULT_POLICY: StoredPolicy = {
  firstResponseHours: DEFAULT_FIRST_RESPONSE_HOURS,
  timeZone: null,
  week: Array.from({ length: 7 }, () => ALWAYS_OPEN_DAY),
  holidays: [],
};

/**
 * Statuses in which the SLA clock stands still: the ball is in the customer's court, or the work
 * is done (until it is reopened).
 */
export const SLA_PAUSED_STATUSES: readonly TicketStatus[] = ["waiting_on_customer", "resolved", "closed"];
export const pausesSla = (status: TicketStatus) => SLA_PAUSED_STATUSES.includes(status);

type TicketRow = typeof tickets.$inferSelect;

async function readSetting(db: Executor, key: string): Promise<unknown> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key));
  return row?.value;
}

export async function readSlaHours(db: Executor): Promise<SlaHours> {
  // A row written by an older version (or by hand) that no longer parses falls back to the defaults.
  const parsed = ZSlaHours.safeParse(await readSetting(db, SLA_SETTING_KEY));
  return parsed.success ? parsed.data : DEFAULT_SLA_HOURS;
}

export async function readSlaSettings(db: Executor, config: Pick<Config, "TIME_ZONE">): Promise<SlaSettingsView> {
  // One statement for both rows: every ticket creation and status or priority change reads them.
  const rows = await db
    .select({ key: settings.key, value: settings.value })
    .from(settings)
    .where(inArray(settings.key, [SLA_SETTING_KEY, SLA_POLICY_KEY]));
  const stored = (key: string) => rows.find((row) => row.key === key)?.value;
  const hours = ZSlaHours.safeParse(stored(SLA_SETTING_KEY));
  const policy = ZStoredPolicy.safeParse(stored(SLA_POLICY_KEY));
  return {
    resolutionHours: hours.success ? hours.data : DEFAULT_SLA_HOURS,
    ...(policy.success ? policy.data : DEFAULT_POLICY),
    defaultTimeZone: config.TIME_ZONE,
  };
}

/** What the ticket service computes with: both targets and the business calendar. */
export interface SlaPolicy {
  resolutionHours: SlaHours;
  firstResponseHours: SlaHours;
  calendar: BusinessCalendar;
}

/**
 * The policy new tickets and SLA changes compute with, from the app's cache (every ticket's
 * creation reads it; an admin changes it now and then: the change empties the cache everywhere).
 */
export async function readSlaPolicy(ctx: Pick<ServiceContext, "db" | "config" | "cache">): Promise<SlaPolicy> {
  const view = await cachedConfig(ctx, SLA_CACHE_KEY, () => readSlaSettings(ctx.db, ctx.config));
  return {
    resolutionHours: view.resolutionHours,
    firstResponseHours: view.firstResponseHours,
    calendar: { timeZone: view.timeZone ?? view.defaultTimeZone, week: view.week, holidays: view.holidays },
  };
}

export async function updateSlaHours(ctx: ServiceContext, actor: Actor, hours: SlaHours): Promise<SlaHours> {
  return inTransaction(ctx, async ({ db: tx }) => {
    const before = await readSlaHours(tx);
    const now = ctx.clock.now();
    await writeSetting(tx, SLA_SETTING_KEY, hours, actor, now);
    await configChanged({ db: tx, cache: ctx.cache }, SLA_CACHE_KEY);
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "settings.sla_hours",
      entityType: "settings",
      entityId: SLA_SETTING_KEY,
      data: { from: before, to: hours },
      ip: actor.ip,
      at: now,
    });
    return hours;
  });
}

/**
 * Saves the whole SLA policy. Like the targets alone, it applies to new tickets, to priority
 * changes and to clocks stopped or restarted from now on; due times already set stay as they are.
 */
export async function updateSlaSettings(
  ctx: ServiceContext,
  actor: Actor,
  input: SlaSettingsPatch,
): Promise<SlaSettingsView> {
  return inTransaction(ctx, async ({ db: tx }) => {
    // Serialise concurrent saves: each merges its parts into what the one before it wrote.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('uplink.settings.sla'))`);
    const { defaultTimeZone: _, ...before } = await readSlaSettings(tx, ctx.config);
    const now = ctx.clock.now();
    const { defaultTimeZone: __, ...changes } = input;
    const next: SlaSettings = { ...before, ...changes };
    const { resolutionHours, ...policy } = next;
    await writeSetting(tx, SLA_SETTING_KEY, resolutionHours, actor, now);
    await writeSetting(tx, SLA_POLICY_KEY, policy, actor, now);
    await configChanged({ db: tx, cache: ctx.cache }, SLA_CACHE_KEY);
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "settings.sla",
      entityType: "settings",
      entityId: SLA_POLICY_KEY,
      data: { fields: Object.keys(changes), from: before, to: next },
      ip: actor.ip,
      at: now,
    });
    return { ...next, defaultTimeZone: ctx.config.TIME_ZONE };
  });
}

const hoursToSeconds = (hours: number) => hours * 3600;

/** The SLA columns of a new ticket, and the pause event when it is opened already waiting or resolved. */
export function initialSla(
  policy: SlaPolicy,
  createdAt: Date,
  priority: TicketPriority,
  status: TicketStatus,
): {
  set: Pick<TicketRow, "dueAt" | "firstResponseDueAt" | "slaRemainingSeconds">;
  paused: boolean;
} {
  const target = hoursToSeconds(policy.resolutionHours[priority]);
  const firstResponseDueAt = addBusinessTime(
    policy.calendar,
    createdAt,
    hoursToSeconds(policy.firstResponseHours[priority]),
  );
  if (pausesSla(status)) {
    return { set: { dueAt: null, firstResponseDueAt, slaRemainingSeconds: target }, paused: true };
  }
  return {
    set: { dueAt: addBusinessTime(policy.calendar, createdAt, target), firstResponseDueAt, slaRemainingSeconds: null },
    paused: false,
  };
}

/**
 * Business milliseconds the clock has run since the ticket was opened: from creation to the first
 * pause, from each resume to the next pause, and from the last resume to now while running.
 * Read from the timeline's sla_paused / sla_resumed events; a ticket from before the SLA pause
 * (no such events) has run since it was opened.
 */
export async function runningTimeSpent(
  db: Executor,
  calendar: BusinessCalendar,
  ticket: Pick<TicketRow, "id" | "createdAt" | "slaRemainingSeconds">,
  now: Date,
): Promise<number> {
  const events = await db
    .select({ kind: ticketEvents.kind, at: ticketEvents.createdAt })
    .from(ticketEvents)
    .where(and(eq(ticketEvents.ticketId, ticket.id), inArray(ticketEvents.kind, ["sla_paused", "sla_resumed"])))
    .orderBy(asc(ticketEvents.createdAt), asc(ticketEvents.id));
  let spent = 0;
  let runningSince: Date | null = ticket.createdAt;
  for (const event of events) {
    if (event.kind === "sla_paused" && runningSince) {
      spent += businessMsBetween(calendar, runningSince, event.at);
      runningSince = null;
    } else if (event.kind === "sla_resumed" && !runningSince) {
      runningSince = event.at;
    }
  }
  if (runningSince && ticket.slaRemainingSeconds === null) spent += businessMsBetween(calendar, runningSince, now);
  return spent;
}

/**
 * The SLA part of a ticket change: a new priority re-targets the clock (the new target minus the
 * business time already run, so waiting periods never count), and a status change stops or
 * restarts it. Returns the columns to set and the timeline events to record.
 */
export async function slaChange(
  db: Executor,
  policy: SlaPolicy,
  existing: TicketRow,
  change: { priority?: TicketPriority; status?: TicketStatus },
  base: Omit<TicketEvent, "kind">,
  now: Date,
): Promise<{
  set: Partial<Pick<TicketRow, "dueAt" | "firstResponseDueAt" | "slaRemainingSeconds">>;
  events: TicketEvent[];
}> {
  const set: Partial<Pick<TicketRow, "dueAt" | "firstResponseDueAt" | "slaRemainingSeconds">> = {};
  const events: TicketEvent[] = [];
  const { calendar } = policy;
  let dueAt = existing.dueAt;
  let remaining = existing.slaRemainingSeconds;

  if (change.priority && change.priority !== existing.priority) {
    // In milliseconds, so that around the clock this is exactly "creation time + new target".
    const spentMs = await runningTimeSpent(db, calendar, existing, now);
    const leftMs = hoursToSeconds(policy.resolutionHours[change.priority]) * 1000 - spentMs;
    if (remaining === null) dueAt = addBusinessTime(calendar, now, leftMs / 1000);
    else remaining = Math.round(leftMs / 1000);
    if (!existing.firstResponseAt) {
      set.firstResponseDueAt = addBusinessTime(
        calendar,
        existing.createdAt,
        hoursToSeconds(policy.firstResponseHours[change.priority]),
      );
    }
  }

  const status = change.status ?? existing.status;
  if (pausesSla(status) && remaining === null && dueAt !== null) {
    remaining = businessSecondsBetween(calendar, now, dueAt);
    events.push({ ...base, kind: "sla_paused", toValue: status, data: { ...base.data, remainingSeconds: remaining } });
    dueAt = null;
  } else if (!pausesSla(status) && remaining !== null) {
    dueAt = addBusinessTime(calendar, now, remaining);
    events.push({
      ...base,
      kind: "sla_resumed",
      toValue: status,
      data: { ...base.data, remainingSeconds: remaining, dueAt: dueAt.toISOString() },
    });
    remaining = null;
  }

  if (dueAt?.getTime() !== existing.dueAt?.getTime()) set.dueAt = dueAt;
  if (remaining !== existing.slaRemainingSeconds) set.slaRemainingSeconds = remaining;
  return { set, events };
}
