import { localParts, zonedInstant } from "../../shared/zoned-time.js";

/** Visits' days and windows in the ISP's time zone (TIME_ZONE). */

const DAY_MS = 86_400_000;

/** The local day `offsetDays` after the one `now` falls on: its first and last instant, and its date. */
export function dayBounds(now: Date, timeZone: string, offsetDays: number): { start: Date; end: Date; date: string } {
  const day = localParts(now.getTime(), timeZone).day + offsetDays;
  return {
    start: new Date(zonedInstant(day, 0, timeZone)),
    end: new Date(zonedInstant(day + 1, 0, timeZone)),
    date: new Date(day * DAY_MS).toISOString().slice(0, 10),
  };
}

const time = (instant: Date, timeZone: string) =>
  new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", minute: "2-digit" }).format(instant);

/** "between 9:00 AM and 12:00 PM", in the ISP's time zone. */
export function visitWindowWords(startsAt: Date, endsAt: Date, timeZone: string): string {
  return `between ${time(startsAt, timeZone)} and ${time(endsAt, timeZone)}`;
}

/** "today", "tomorrow, Thu, Dec 5" or "on Mon, Dec 9": the visit's day as the customer reads it. */
export function visitDayWords(startsAt: Date, now: Date, timeZone: string): string {
  const days = localParts(startsAt.getTime(), timeZone).day - localParts(now.getTime(), timeZone).day;
  const date = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", month: "short", day: "numeric" }).format(
    startsAt,
  );
  if (days === 0) return "today";
  if (days === 1) return `tomorrow, ${date}`;
  return `on ${date}`;
}
