import { sql } from "drizzle-orm";
import type { UserRole } from "../../shared/enums.js";
import {
  DEFAULT_NOTIFICATION_PREFERENCES,
  NOTIFICATION_KINDS,
  type NotificationKindPreferences,
  type NotificationPreferences,
  type UpdateNotificationPreferences,
} from "../../shared/notifications.js";
import type { Actor, ServiceContext } from "../context.js";
import { type Executor, queryRows } from "../db/client.js";
import { AppError } from "../http/errors.js";

/** SMS is offered to technicians only: office staff sit at the bell. */
export const smsOfferedTo = (role: UserRole) => role === "technician";

/**
 * A person's preferences: the defaults, with what they changed on top. A stored value of the wrong
 * type (written by hand, or by a version that named it differently) falls back to the default.
 */
export function mergePreferences(stored: unknown): NotificationKindPreferences {
  const saved = stored && typeof stored === "object" ? (stored as Record<string, unknown>) : {};
  const merged = structuredClone(DEFAULT_NOTIFICATION_PREFERENCES);
  for (const kind of NOTIFICATION_KINDS) {
    const own = saved[kind];
    if (!own || typeof own !== "object") continue;
    const target = merged[kind] as Record<string, boolean>;
    for (const [channel, value] of Object.entries(own as Record<string, unknown>)) {
      if (channel in target && typeof value === "boolean") target[channel] = value;
    }
  }
  return merged;
}

export async function getNotificationPreferences(
  db: Executor,
  user: { id: string; role: UserRole },
): Promise<NotificationPreferences> {
  const [row] = await queryRows<{ prefs: unknown }>(
    db,
    sql`select prefs from notification_preferences where user_id = ${user.id}`,
  );
  return { kinds: mergePreferences(row?.prefs), smsOffered: smsOfferedTo(user.role) };
}

/**
 * Changes some of one's own switches. The change is merged into the stored ones by the database
 * (per kind, one statement), so two switches flipped at the same moment from two tabs both stay.
 */
export async function updateNotificationPreferences(
  ctx: ServiceContext,
  actor: Actor,
  user: { id: string; role: UserRole },
  input: UpdateNotificationPreferences,
): Promise<NotificationPreferences> {
  if (!actor.id || actor.id !== user.id) {
    throw new AppError(401, "auth.required", "Sign in to change your notifications.");
  }
  const patch: Record<string, Record<string, boolean>> = {};
  for (const [kind, channels] of Object.entries(input.kinds)) {
    if (!channels) continue;
    const set = Object.fromEntries(Object.entries(channels).filter(([, value]) => value !== undefined));
    if (!smsOfferedTo(user.role) && ("sms" in set || "smsUrgentOnly" in set)) {
      throw new AppError(
        422,
        "notification.sms_not_offered",
        "SMS notifications are offered to technicians only; choose in the app or in the browser instead.",
        { errors: [{ field: `kinds.${kind}.sms`, message: "SMS is offered to technicians only" }] },
      );
    }
    if (Object.keys(set).length > 0) patch[kind] = set as Record<string, boolean>;
  }
  const now = ctx.clock.now();
  await ctx.db.execute(
    sql`insert into notification_preferences (user_id, prefs, updated_at)
        values (${user.id}, ${JSON.stringify(patch)}::jsonb, ${now})
        on conflict (user_id) do update set
          prefs = notification_preferences.prefs || coalesce(
            (select jsonb_object_agg(kind, coalesce(notification_preferences.prefs -> kind, '{}'::jsonb) || channels)
               from jsonb_each(excluded.prefs) as changed(kind, channels)),
            '{}'::jsonb),
          updated_at = excluded.updated_at`,
  );
  return getNotificationPreferences(ctx.db, user);
}
