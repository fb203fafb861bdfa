import { eq } from "drizzle-orm";
import type { TicketPriority } from "../../shared/enums.js";
import { DEFAULT_SLA_HOURS, type SlaHours, ZSlaHours } from "../../shared/tickets.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { settings } from "../db/schema/index.js";

/** The `settings` row holding the resolution target per priority, in hours. */
export const SLA_SETTING_KEY = "sla_hours";

export async function readSlaHours(db: Executor): Promise<SlaHours> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, SLA_SETTING_KEY));
  // A row written by an older version (or by hand) that no longer parses falls back to the defaults.
  const parsed = ZSlaHours.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_SLA_HOURS;
}

export async function updateSlaHours(ctx: ServiceContext, actor: Actor, hours: SlaHours): Promise<SlaHours> {
  return inTransaction(ctx, async ({ db: tx }) => {
    const before = await readSlaHours(tx);
    const now = ctx.clock.now();
    await tx
      .insert(settings)
      .values({ key: SLA_SETTING_KEY, value: hours, updatedAt: now, updatedById: actor.id })
      .onConflictDoUpdate({ target: settings.key, set: { value: hours, updatedAt: now, updatedById: actor.id } });
    await recordAudit(tx, {
      actorId: actor.id,
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
 * The resolution target is measured from when the ticket was reported, so escalating an old
 * ticket makes it due (or overdue) at once instead of granting it a fresh window.
 */
export function dueTimeFor(createdAt: Date, priority: TicketPriority, hours: SlaHours): Date {
  return new Date(createdAt.getTime() + hours[priority] * 3_600_000);
}
