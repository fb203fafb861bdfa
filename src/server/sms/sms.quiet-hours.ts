import { eq } from "drizzle-orm";
import type { QuietHours, QuietHoursSetting } from "../../shared/incident-messages.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { writeSetting } from "../db/config-cache.js";
import { settings } from "../db/schema/index.js";

/** The `settings` row holding the SMS quiet hours (owned by sms/). */
export const QUIET_HOURS_KEY = "sms_quiet_hours";

export async function readQuietHours(db: Executor, timeZone: string): Promise<QuietHoursSetting> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, QUIET_HOURS_KEY));
  const value = (row?.value ?? null) as QuietHours | null;
  return { start: value?.start ?? null, end: value?.end ?? null, timeZone };
}

export async function updateQuietHours(
  ctx: ServiceContext,
  actor: Actor,
  input: QuietHours,
): Promise<QuietHoursSetting> {
  return inTransaction(ctx, async ({ db: tx }) => {
    const now = ctx.clock.now();
    const value = { start: input.start, end: input.end };
    await writeSetting(tx, QUIET_HOURS_KEY, value, actor, now);
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "settings.sms_quiet_hours",
      entityType: "settings",
      data: value,
      ip: actor.ip,
      at: now,
    });
    return readQuietHours(tx, ctx.config.TIME_ZONE);
  });
}

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Minutes since local midnight at `instant` in the zone. */
function localMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", hour: "numeric", minute: "numeric" })
    .formatToParts(instant)
    .reduce<Record<string, number>>((acc, part) => {
      if (part.type !== "literal") acc[part.type] = Number(part.value);
      return acc;
    }, {});
  return (parts.hour ?? 0) * 60 + (parts.minute ?? 0);
}

/**
 * Whether quiet hours are on at `now` and when they end (the first moment the local clock shows
 * the end time; a window may span midnight, 21:00–08:00). A DST change inside the wait moves the
 * end by the change, so it is corrected once against the local clock.
 */
export function quietHoursAt(hours: QuietHoursSetting, now: Date): { active: boolean; endsAt: Date | null } {
  if (!hours.start || !hours.end) return { active: false, endsAt: null };
  const start = minutesOf(hours.start);
  const end = minutesOf(hours.end);
  const current = localMinutes(now, hours.timeZone);
  const active = start < end ? current >= start && current < end : current >= start || current < end;
  if (!active) return { active: false, endsAt: null };
  const startOfMinute = now.getTime() - (now.getTime() % 60_000);
  let endsAt = startOfMinute + ((end - current + 1440) % 1440) * 60_000;
  const drift = ((end - localMinutes(new Date(endsAt), hours.timeZone) + 1440 + 720) % 1440) - 720;
  endsAt += drift * 60_000;
  return { active: true, endsAt: new Date(endsAt) };
}
