/**
 * Business-time arithmetic for the SLA clock: pure functions over a week schedule, holidays and a
 * time zone. Opening hours are wall-clock times in the ISP's zone (`Intl`, no date library), so a
 * day with a DST change simply has one hour more or less of real time between open and close.
 *
 * A calendar open around the clock with no holidays is plain elapsed time: every function then
 * takes a fast path that is exactly `Date` arithmetic, which is how the SLA behaved before
 * business hours existed.
 */

import { type DayNumber, isoDate, localParts, zonedInstant } from "../../shared/zoned-time.js";

/** One weekday's opening hours, "HH:MM" in the ISP's zone; close "24:00" means midnight at the end. */
export interface DayHours {
  open: string;
  close: string;
}

export interface BusinessCalendar {
  /** IANA zone name, such as "America/Chicago". */
  timeZone: string;
  /** Monday first, seven entries; null: closed all day. */
  week: (DayHours | null)[];
  /** Local dates ("YYYY-MM-DD") closed all day. */
  holidays: string[];
}

export const ALWAYS_OPEN_WEEK: DayHours[] = Array.from({ length: 7 }, () => ({ open: "00:00", close: "24:00" }));

/** How far a search for the next open minute may look before it decides the calendar never opens. */
const MAX_DAYS = 3 * 366;

export function isAlwaysOpen(calendar: BusinessCalendar): boolean {
  return (
    calendar.holidays.length === 0 &&
    calendar.week.length === 7 &&
    calendar.week.every((day) => day !== null && day.open === "00:00" && day.close === "24:00")
  );
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** The open interval of one local day, as instants; null when closed all day. */
function openInterval(calendar: BusinessCalendar, day: DayNumber, holidays: Set<string>): [number, number] | null {
  // 1970-01-01 was a Thursday: Monday-first index 3.
  const hours = calendar.week[(((day + 3) % 7) + 7) % 7];
  if (!hours || holidays.has(isoDate(day))) return null;
  const open = minutesOf(hours.open);
  const close = minutesOf(hours.close);
  if (close <= open) return null;
  const start = zonedInstant(day, open * 60_000, calendar.timeZone);
  const end =
    close >= 24 * 60
      ? zonedInstant(day + 1, 0, calendar.timeZone)
      : zonedInstant(day, close * 60_000, calendar.timeZone);
  return end > start ? [start, end] : null;
}

function neverOpen(): Error {
  return new Error("The business calendar has no open hours within three years");
}

/**
 * The instant `seconds` of business time after `from` (before it, for a negative amount). Zero
 * returns `from` itself, even outside opening hours.
 */
export function addBusinessTime(calendar: BusinessCalendar, from: Date, seconds: number): Date {
  if (seconds === 0 || isAlwaysOpen(calendar)) return new Date(from.getTime() + seconds * 1000);
  const holidays = new Set(calendar.holidays);
  let left = Math.abs(seconds) * 1000;
  const cursor = from.getTime();
  const startDay = localParts(cursor, calendar.timeZone).day;
  if (seconds > 0) {
    for (let i = -1; i <= MAX_DAYS; i++) {
      const interval = openInterval(calendar, startDay + i, holidays);
      if (!interval) continue;
      const start = Math.max(interval[0], cursor);
      if (start >= interval[1]) continue;
      if (interval[1] - start >= left) return new Date(start + left);
      left -= interval[1] - start;
    }
  } else {
    for (let i = 1; i >= -MAX_DAYS; i--) {
      const interval = openInterval(calendar, startDay + i, holidays);
      if (!interval) continue;
      const end = Math.min(interval[1], cursor);
      if (end <= interval[0]) continue;
      if (end - interval[0] >= left) return new Date(end - left);
      left -= end - interval[0];
    }
  }
  throw neverOpen();
}

/** Business milliseconds from `from` to `to`: negative when `to` is before `from`. */
export function businessMsBetween(calendar: BusinessCalendar, from: Date, to: Date): number {
  const a = from.getTime();
  const b = to.getTime();
  if (a === b) return 0;
  if (b < a) return -businessMsBetween(calendar, to, from);
  if (isAlwaysOpen(calendar)) return b - a;
  const holidays = new Set(calendar.holidays);
  const firstDay = localParts(a, calendar.timeZone).day;
  const lastDay = localParts(b, calendar.timeZone).day;
  let total = 0;
  for (let day = firstDay - 1; day <= lastDay + 1; day++) {
    const interval = openInterval(calendar, day, holidays);
    if (!interval) continue;
    const start = Math.max(interval[0], a);
    const end = Math.min(interval[1], b);
    if (end > start) total += end - start;
  }
  return total;
}

/**
 * Business seconds from `from` to `to`: negative when `to` is before `from` (a due time already
 * passed), whole seconds rounded toward zero.
 */
export function businessSecondsBetween(calendar: BusinessCalendar, from: Date, to: Date): number {
  return Math.trunc(businessMsBetween(calendar, from, to) / 1000);
}
