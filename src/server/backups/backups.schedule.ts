import { localParts, zonedInstant } from "../../shared/zoned-time.js";
import type { Config } from "../config.js";
import type { DatabaseKind } from "../db/client.js";

const HOUR_MS = 3_600_000;

/** BACKUP_SCHEDULE, parsed: `off`, `hourly` (on the hour) or `daily@HH:MM` (in TIME_ZONE). */
export type BackupSchedule = { kind: "off" } | { kind: "hourly" } | { kind: "daily"; minuteOfDay: number };

/**
 * How late a due backup may still be taken: a slot missed because the app was stopped for longer
 * is skipped (the next one is taken), so a start in the afternoon does not dump in business hours.
 */
export const BACKUP_SLOT_GRACE_MS = HOUR_MS;

/** The schedule in effect: BACKUP_SCHEDULE, else nightly on the embedded database and off on a server. */
export function backupScheduleSpec(config: Pick<Config, "BACKUP_SCHEDULE">, kind: DatabaseKind): string {
  return config.BACKUP_SCHEDULE ?? (kind === "pglite" ? "daily@02:00" : "off");
}

export function parseBackupSchedule(spec: string): BackupSchedule {
  if (spec === "hourly") return { kind: "hourly" };
  const daily = /^daily@(\d\d):(\d\d)$/.exec(spec);
  if (daily) return { kind: "daily", minuteOfDay: Number(daily[1]) * 60 + Number(daily[2]) };
  return { kind: "off" };
}

export function describeBackupSchedule(schedule: BackupSchedule, timeZone: string): string {
  if (schedule.kind === "off") return "off";
  if (schedule.kind === "hourly") return "every hour, on the hour";
  const hh = String(Math.floor(schedule.minuteOfDay / 60)).padStart(2, "0");
  const mm = String(schedule.minuteOfDay % 60).padStart(2, "0");
  return `every day at ${hh}:${mm} (${timeZone})`;
}

/** The latest time at or before `now` a backup was due; null when off. */
export function latestBackupSlot(schedule: BackupSchedule, now: Date, timeZone: string): Date | null {
  if (schedule.kind === "off") return null;
  if (schedule.kind === "hourly") return new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const today = localParts(now.getTime(), timeZone).day;
  const at = (day: number) => zonedInstant(day, schedule.minuteOfDay * 60_000, timeZone);
  const slot = at(today) <= now.getTime() ? at(today) : at(today - 1);
  return new Date(slot);
}

/** The next time after `now` a backup is due; null when off. */
export function nextBackupSlot(schedule: BackupSchedule, now: Date, timeZone: string): Date | null {
  if (schedule.kind === "off") return null;
  if (schedule.kind === "hourly") return new Date((Math.floor(now.getTime() / HOUR_MS) + 1) * HOUR_MS);
  const today = localParts(now.getTime(), timeZone).day;
  for (let day = today; day <= today + 2; day++) {
    const slot = zonedInstant(day, schedule.minuteOfDay * 60_000, timeZone);
    if (slot > now.getTime()) return new Date(slot);
  }
  return null;
}
