import type { VisitDetail } from "../../shared/visits.js";

/**
 * How visits' windows read. My day writes them in the ISP's time zone (the server's TIME_ZONE, which
 * its answer names), so "today" and the times agree with the SMS the customer got; the office's
 * pages, like every other page, in the browser's.
 */

const timeFormats = new Map<string, Intl.DateTimeFormat>();
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function cached(
  cache: Map<string, Intl.DateTimeFormat>,
  timeZone: string | undefined,
  options: Intl.DateTimeFormatOptions,
) {
  const key = timeZone ?? "";
  let format = cache.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, { ...options, ...(timeZone ? { timeZone } : {}) });
    cache.set(key, format);
  }
  return format;
}

/** "9:00 AM" */
export const formatClock = (at: string | Date, timeZone?: string) =>
  cached(timeFormats, timeZone, { hour: "numeric", minute: "2-digit" }).format(new Date(at));

/** "Tue, Mar 10" */
export const formatVisitDay = (at: string | Date, timeZone?: string) =>
  cached(dayFormats, timeZone, { weekday: "short", month: "short", day: "numeric" }).format(new Date(at));

/** "9:00 AM – 12:00 PM" */
export const formatWindow = (visit: Pick<VisitDetail, "startsAt" | "endsAt">, timeZone?: string) =>
  `${formatClock(visit.startsAt, timeZone)} – ${formatClock(visit.endsAt, timeZone)}`;

/** "Tue, Mar 10, 9:00 AM – 12:00 PM" */
export const formatDayWindow = (visit: Pick<VisitDetail, "startsAt" | "endsAt">, timeZone?: string) =>
  `${formatVisitDay(visit.startsAt, timeZone)}, ${formatWindow(visit, timeZone)}`;

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
