/**
 * Wall-clock arithmetic in a named time zone (the ISP's TIME_ZONE), with `Intl` and no date
 * library, for the server (SLA clock, reminders, backups) and the web (the dispatch board and the
 * visit form) alike. A calendar date is a day number; a day number plus milliseconds since local
 * midnight is a wall-clock time, and `zonedInstant` turns it into an instant.
 */

export const DAY_MS = 86_400_000;

/** A calendar date, counted as days since 1970-01-01 (no zone: pure calendar arithmetic). */
export type DayNumber = number;

export interface LocalParts {
  day: DayNumber;
  /** Milliseconds since local midnight. */
  ms: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether `name` is a time zone this runtime knows. */
export function isValidTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The local date and time of day of an instant in the zone. */
export function localParts(instant: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const day = Math.floor(Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1) / DAY_MS);
  const ms =
    ((parts.hour ?? 0) * 3600 + (parts.minute ?? 0) * 60 + (parts.second ?? 0)) * 1000 +
    (((instant % 1000) + 1000) % 1000);
  return { day, ms };
}

/** The zone's offset from UTC at `instant`, in milliseconds (local = utc + offset). */
function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const local = localParts(whole, timeZone);
  return local.day * DAY_MS + local.ms - whole;
}

/**
 * The instant of a local wall-clock time. In a spring-forward gap (02:30 that never happens) it
 * is the instant the clocks jumped over it; in a fall-back overlap, the first of the two.
 */
export function zonedInstant(day: DayNumber, msOfDay: number, timeZone: string): number {
  const wall = day * DAY_MS + msOfDay;
  // The offsets a day either side: at most one change lies between them.
  const candidates = [...new Set([wall - offsetAt(wall - DAY_MS, timeZone), wall - offsetAt(wall + DAY_MS, timeZone)])];
  const matching = candidates.filter((instant) => {
    const local = localParts(instant, timeZone);
    return local.day * DAY_MS + local.ms === wall;
  });
  // Overlap: the earlier reading; gap: neither reads as this wall time, the later one is past the jump.
  return matching.length > 0 ? Math.min(...matching) : Math.max(...candidates);
}

/** "2026-03-02" of a day number. */
export const isoDate = (day: DayNumber): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The day number of "2026-03-02", or null for anything that is not a real date written so. */
export function dayNumberOf(text: string | null | undefined): DayNumber | null {
  const match = text?.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(ms) || isoDate(ms / DAY_MS) !== text) return null;
  return ms / DAY_MS;
}

/** The weekday of a day number, Sunday 0 to Saturday 6 (as `Date.getDay`): 1970-01-01 was a Thursday. */
export const weekdayOf = (day: DayNumber): number => (((day + 4) % 7) + 7) % 7;

/** "09:30" of milliseconds since midnight. */
export function clockOf(msOfDay: number): string {
  const minutes = Math.floor(msOfDay / 60_000);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** Milliseconds since midnight of "09:30", or null for anything else. */
export function msOfClock(text: string): number | null {
  const match = text.match(/^([01]\d|2[0-3]):([0-5]\d)$/);
  return match ? (Number(match[1]) * 60 + Number(match[2])) * 60_000 : null;
}
