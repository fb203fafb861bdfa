/**
 * How the web app writes dates, times, durations and money: in the browser's locale and time
 * zone, one formatter per kind, so every page says it the same way. Phone numbers: `phone.tsx`
 * (apart because their metadata weighs 30 KB gzip, which pages without a number need not load).
 */

/**
 * Each formatter is made when first used, not when the app loads: a page draws sooner without the
 * ones it never uses (a number formatter costs 25 ms on a slowed phone, for the money no first
 * screen shows).
 */
function whenFirstUsed<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

const dateFormat = whenFirstUsed(() => new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }));
const dateTimeFormat = whenFirstUsed(
  () => new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }),
);
const timeFormat = whenFirstUsed(() => new Intl.DateTimeFormat(undefined, { timeStyle: "medium" }));
// A YYYY-MM-DD day is already a local day: formatted in UTC so it does not shift.
const dayFormat = whenFirstUsed(
  () => new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" }),
);
const relativeFormat = whenFirstUsed(() => new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" }));
const moneyFormat = whenFirstUsed(
  () => new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
);

type Instant = string | number | Date;

let ispCountry = "US";
/**
 * The ISP's country (the server's DEFAULT_COUNTRY, from the session): its phone numbers are shown
 * in national format, everyone else's in international format. Set when the session is read.
 */
export const setIspCountry = (country: string) => {
  ispCountry = country;
};
export const getIspCountry = () => ispCountry;

/**
 * The browser's own time zone. Asked when first needed, not as the app loads: the first `Intl` call
 * of a page starts the browser's locale data (ICU), 150–300 ms on a slowed phone, which the
 * app's start-up task paid before the first screen, though only dates need it.
 */
let browserZone: string | undefined;
export const browserTimeZone = () => {
  browserZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  return browserZone;
};
/** The zone the session named, checked against this browser's zones when first used. */
let namedIspTimeZone: string | undefined;
let ispTimeZone: string | undefined;
/**
 * The ISP's time zone (the server's TIME_ZONE, from the session). Visits are planned and told to
 * customers in it, so the pages that show or set a visit's window use it, whatever the browser's.
 */
export const setIspTimeZone = (timeZone: string) => {
  if (timeZone === namedIspTimeZone) return;
  namedIspTimeZone = timeZone;
  ispTimeZone = undefined;
};
export const getIspTimeZone = () => {
  if (ispTimeZone === undefined) {
    ispTimeZone = browserTimeZone();
    if (namedIspTimeZone !== undefined && namedIspTimeZone !== ispTimeZone) {
      try {
        new Intl.DateTimeFormat(undefined, { timeZone: namedIspTimeZone });
        ispTimeZone = namedIspTimeZone;
      } catch {
        // A zone this browser does not know: its own is the nearest it can show.
      }
    }
  }
  return ispTimeZone;
};
/**
 * A zone's name as this browser writes it: Chrome says Asia/Calcutta for Asia/Kolkata and
 * US/Mountain is America/Denver, so names are compared in this form.
 */
const canonicalNames = new Map<string, string>();
export function canonicalTimeZone(timeZone: string): string {
  let name = canonicalNames.get(timeZone);
  if (name === undefined) {
    try {
      name = new Intl.DateTimeFormat(undefined, { timeZone }).resolvedOptions().timeZone;
    } catch {
      name = timeZone;
    }
    canonicalNames.set(timeZone, name);
  }
  return name;
}
/** Whether the browser's clock reads differently from the ISP's: pages then name the zone they show. */
export const isAwayFromIspTimeZone = () => canonicalTimeZone(browserTimeZone()) !== canonicalTimeZone(getIspTimeZone());

/** A date filter's day from the address ("2026-03-09"), or null when it is no such date. */
export const dayParam = (value: string | null) =>
  value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? value : null;
/** The instant a calendar day starts in the browser's zone: a date filter's "from". */
export const startOfLocalDay = (day: string) => new Date(`${day}T00:00:00`).toISOString();
/** The instant the next day starts: a date filter's "to" day is included. */
export const startOfNextLocalDay = (day: string) => {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + 1);
  return date.toISOString();
};

/** "Mar 9, 2026" */
export const formatDate = (at: Instant) => dateFormat().format(new Date(at));
/** "Mar 9, 2026, 2:05 PM" */
export const formatDateTime = (at: Instant) => dateTimeFormat().format(new Date(at));
/** "2:05:09 PM" */
export const formatTime = (at: Instant) => timeFormat().format(new Date(at));
/** "Mar 9" for a YYYY-MM-DD day. */
export const formatDay = (date: string) => dayFormat().format(new Date(`${date}T00:00:00Z`));

/** "in 3 hr.", "5 min. ago", "yesterday": how far a time is from `now`; a date beyond 30 days. */
export function formatRelative(at: Instant, now = Date.now()): string {
  const diff = new Date(at).getTime() - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return "just now";
  if (abs < 3_600_000) return relativeFormat().format(Math.round(diff / 60_000), "minute");
  if (abs < 86_400_000) return relativeFormat().format(Math.round(diff / 3_600_000), "hour");
  if (abs < 30 * 86_400_000) return relativeFormat().format(Math.round(diff / 86_400_000), "day");
  return formatDate(at);
}

/** "45 min", "3 h 20 min", "2 d 4 h": a duration at a glance. */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return "under 1 min";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest ? `${days} d ${rest} h` : `${days} d`;
}

/** "1,234.50": an amount in the ISP's currency (Uplink keeps no currency code, so none is shown). */
export const formatMoney = (amount: number) => moneyFormat().format(amount);
