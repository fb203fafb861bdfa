import type { VisitDetail } from "../../shared/visits.js";
import { clockOf, dayNumberOf, isoDate, localParts, msOfClock, zonedInstant } from "../../shared/zoned-time.js";
import { browserTimeZone, canonicalTimeZone, getIspTimeZone, isAwayFromIspTimeZone } from "../app/format.js";

/**
 * How visits' windows read: in the ISP's time zone (the server's TIME_ZONE, from the session, or
 * the zone an answer names, as My day's does), so the times agree with the SMS the customer got and
 * with the dispatch board, whatever zone the browser is in. Where the browser's zone differs, the
 * window names its zone ("9:00 AM – 11:00 AM MST").
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function cached(kind: string, timeZone: string, options: Intl.DateTimeFormatOptions) {
  const key = `${kind} ${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, { ...options, timeZone });
    formats.set(key, format);
  }
  return format;
}

/** "9:00 AM" */
export const formatClock = (at: string | Date, timeZone = getIspTimeZone()) =>
  cached("time", timeZone, { hour: "numeric", minute: "2-digit" }).format(new Date(at));

/** "Tue, Mar 10" */
export const formatVisitDay = (at: string | Date, timeZone = getIspTimeZone()) =>
  cached("day", timeZone, { weekday: "short", month: "short", day: "numeric" }).format(new Date(at));

/** " MST" when the browser's zone is not `timeZone` (the zone's short name at that moment), else "". */
export function zoneSuffix(at: string | Date, timeZone = getIspTimeZone()): string {
  if (canonicalTimeZone(timeZone) === canonicalTimeZone(browserTimeZone())) return "";
  const name = cached("zone", timeZone, { timeZoneName: "short" })
    .formatToParts(new Date(at))
    .find((part) => part.type === "timeZoneName")?.value;
  return name ? ` ${name}` : ` (${timeZone})`;
}

/** "9:00 AM – 12:00 PM" (" MST" after it in a browser elsewhere) */
export const formatWindow = (visit: Pick<VisitDetail, "startsAt" | "endsAt">, timeZone = getIspTimeZone()) =>
  `${formatClock(visit.startsAt, timeZone)} – ${formatClock(visit.endsAt, timeZone)}${zoneSuffix(visit.startsAt, timeZone)}`;

/** "Tue, Mar 10, 9:00 AM – 12:00 PM" */
export const formatDayWindow = (visit: Pick<VisitDetail, "startsAt" | "endsAt">, timeZone = getIspTimeZone()) =>
  `${formatVisitDay(visit.startsAt, timeZone)}, ${formatWindow(visit, timeZone)}`;

/**
 * The instant of a visit form's date and time ("2026-03-10", "09:00"), read in the ISP's zone as
 * the board and the customer's SMS read them; null while either is incomplete.
 */
export function instantInIspZone(date: string, time: string): Date | null {
  const day = dayNumberOf(date);
  const ms = msOfClock(time);
  return day === null || ms === null ? null : new Date(zonedInstant(day, ms, getIspTimeZone()));
}

/** The date and time ("2026-03-10", "09:00") an instant reads as in the ISP's zone, for a visit form's fields. */
export function wallClockInIspZone(at: string | number | Date): { date: string; time: string } {
  const parts = localParts(new Date(at).getTime(), getIspTimeZone());
  return { date: isoDate(parts.day), time: clockOf(parts.ms) };
}

/** What a visit form says under its fields when the browser is elsewhere: "Times are the ISP's (America/Denver, MST)…". */
export function ispZoneNote(at: Date | null): string | null {
  const timeZone = getIspTimeZone();
  if (!isAwayFromIspTimeZone()) return null;
  return `Times are the ISP's (${timeZone}${zoneSuffix(at ?? new Date(), timeZone).replace(/^ /, ", ")}), as the customer's SMS says them.`;
}

export interface DirectionLinks {
  /** The phone's own maps app (Android; iOS ignores geo:). */
  geo: string;
  openStreetMap: string;
  googleMaps: string;
}

/**
 * Directions to the customer: by coordinates when the record has them (exact), else by the
 * address text. Built from numbers and the encoded address only, never from a URL in the record.
 */
export function directionLinks(customer: {
  latitude: number | null;
  longitude: number | null;
  address: string | null;
}): DirectionLinks | null {
  if (customer.latitude !== null && customer.longitude !== null) {
    const at = `${customer.latitude},${customer.longitude}`;
    return {
      geo: `geo:${at}?q=${at}`,
      openStreetMap: `https://www.openstreetmap.org/directions?route=%3B${encodeURIComponent(at)}#map=17/${customer.latitude}/${customer.longitude}`,
      googleMaps: `https://www.google.com/maps/dir/?api=1&destination=${encodeURIComponent(at)}`,
    };
  }
  if (!customer.address) return null;
  const address = encodeURIComponent(customer.address);
  return {
    geo: `geo:0,0?q=${address}`,
    openStreetMap: `https://www.openstreetmap.org/search?query=${address}`,
    googleMaps: `https://www.google.com/maps/dir/?api=1&destination=${address}`,
  };
}
