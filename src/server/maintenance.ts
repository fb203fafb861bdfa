import { purgeExpiredSessions } from "./auth/sessions.service.js";
import { scheduledBackupJob } from "./backups/backups.service.js";
import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import { SYSTEM_ACTOR, serviceContext } from "./context.js";
import type { DatabaseHandle } from "./db/client.js";
import { embeddedStatisticsJob, type MaintenanceJob } from "./db/maintenance.js";
import { purgeOldIdempotencyKeys } from "./http/idempotency.js";
import { activateDueIncidents } from "./incidents/incidents.service.js";
import { NOTIFICATION_RETENTION_DAYS, purgeOldNotifications } from "./notifications/notifications.service.js";
import { notifySlaTargets } from "./notifications/notifications.sla.js";
import { sendDueVisitReminders } from "./visits/visits.reminders.js";
import { purgeOldWebhookDeliveries } from "./webhooks/webhooks.service.js";

/** How often sessions past their idle or absolute timeout are deleted. */
export const SESSION_PURGE_INTERVAL_MS = 15 * 60 * 1000;
/** How often Idempotency-Key records past their 24 hours are deleted. */
export const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 60 * 1000;
/** How often webhook deliveries past WEBHOOK_LOG_RETENTION_DAYS are deleted. */
export const WEBHOOK_LOG_PURGE_INTERVAL_MS = 60 * 60 * 1000;
/**
 * How often scheduled incidents whose start has come are activated: a maintenance window opens on
 * the status page and starts linking new tickets at most this long after its start.
 */
export const INCIDENT_ACTIVATION_INTERVAL_MS = 30 * 1000;
/**
 * How often due visit reminders are queued: a reminder goes out at most this long after
 * VISIT_REMINDER_HOUR (or after quiet hours end, or after a late booking).
 */
export const VISIT_REMINDER_INTERVAL_MS = 60 * 1000;

/**
 * How often the assignees of tickets whose first-response or resolution target is near (30
 * minutes) or past are told (docs/notifications.md): at most this late.
 */
export const SLA_NOTIFICATION_INTERVAL_MS = 60 * 1000;
/** How often notifications past NOTIFICATION_RETENTION_DAYS are deleted. */
export const NOTIFICATION_PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** The app's housekeeping, each job from the feature that owns its table; main.ts schedules them. */
export function maintenanceJobs(deps: { database: DatabaseHandle; clock: Clock; config: Config }): MaintenanceJob[] {
  return [
    ...embeddedStatisticsJob(deps.database),
    ...scheduledBackupJob(deps),
    {
      name: "expired sessions",
      firstAfterMs: 30_000,
      everyMs: SESSION_PURGE_INTERVAL_MS,
      run: async () => {
        const purged = await purgeExpiredSessions(deps.database.db, deps.clock);
        return purged > 0 ? `${purged} expired sessions deleted` : undefined;
      },
    },
    {
      name: "old idempotency keys",
      firstAfterMs: 45_000,
      everyMs: IDEMPOTENCY_PURGE_INTERVAL_MS,
      run: async () => {
        const purged = await purgeOldIdempotencyKeys(deps.database.db, deps.clock);
        return purged > 0 ? `${purged} idempotency keys older than 24 hours deleted` : undefined;
      },
    },
    {
      name: "old webhook deliveries",
      firstAfterMs: 60_000,
      everyMs: WEBHOOK_LOG_PURGE_INTERVAL_MS,
      run: async () => {
        const days = deps.config.WEBHOOK_LOG_RETENTION_DAYS;
        const purged = await purgeOldWebhookDeliveries(deps.database.db, deps.clock.now(), days);
        return purged.deliveries + purged.events > 0
          ? `${purged.deliveries} webhook deliveries and ${purged.events} events older than ${days} days deleted`
          : undefined;
      },
    },
    {
      name: "scheduled incidents",
      firstAfterMs: 5_000,
      everyMs: INCIDENT_ACTIVATION_INTERVAL_MS,
      run: async () => {
        const activated = await activateDueIncidents(serviceContext(deps), SYSTEM_ACTOR);
        return activated > 0 ? `${activated} scheduled incidents activated` : undefined;
      },
    },
    {
      name: "visit reminders",
      firstAfterMs: 20_000,
      everyMs: VISIT_REMINDER_INTERVAL_MS,
      run: async () => {
        const reminded = await sendDueVisitReminders(serviceContext(deps));
        return reminded > 0 ? `${reminded} visit reminders queued (or skipped with the reason)` : undefined;
      },
    },
    {
      name: "SLA notifications",
      firstAfterMs: 15_000,
      everyMs: SLA_NOTIFICATION_INTERVAL_MS,
      run: async () => {
        const told = await notifySlaTargets(serviceContext(deps));
        return told > 0 ? `${told} SLA notifications (due soon or overdue) written` : undefined;
      },
    },
    {
      name: "old notifications",
      firstAfterMs: 75_000,
      everyMs: NOTIFICATION_PURGE_INTERVAL_MS,
      run: async () => {
        const purged = await purgeOldNotifications(deps.database.db, deps.clock.now());
        return purged > 0
          ? `${purged} notifications older than ${NOTIFICATION_RETENTION_DAYS} days deleted`
          : undefined;
      },
    },
  ];
}
