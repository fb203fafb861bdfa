import type { EventInput } from "@fullcalendar/core";
import type { VisitStatus } from "../../shared/enums.js";
import { VISIT_KIND_LABELS, VISIT_STATUS_LABELS } from "../../shared/labels.js";
import type { VisitDetail } from "../../shared/visits.js";
import { dayNumberOf, isoDate, localParts, weekdayOf, zonedInstant } from "../../shared/zoned-time.js";

/**
 * The dispatch board's arithmetic, apart from the calendar so it reads (and changes) on its own.
 * Days and hours are the ISP's (its TIME_ZONE, from the session), whatever zone the browser is in:
 * a visit booked at 10:00 on the board is the "10:00" the customer's SMS says.
 */

/**
 * The working day: 8:00 to 17:00 with an hour's break, so 8 bookable hours a weekday. Uplink has
 * no per-technician hours yet; these are the board's (docs/field-work.md, "Dispatch board").
 */
export const WORKING_DAY = { start: "08:00", end: "17:00", hours: 8 } as const;
/** Monday to Friday. */
export const WORKING_DAYS = [1, 2, 3, 4, 5] as const;
/** A ticket dropped on a lane books this long; the dispatcher stretches it after. */
export const DEFAULT_VISIT_MINUTES = 120;

export type BoardView = "day" | "week";

/** A day of the board: "2026-03-02", a date in the ISP's time zone. */
export type BoardDay = string;

const pad = (value: number) => String(value).padStart(2, "0");
const dayNumber = (day: BoardDay) => dayNumberOf(day) ?? 0;

/** Today in the zone. */
export const todayIn = (timeZone: string, now = Date.now()): BoardDay => isoDate(localParts(now, timeZone).day);

/** "2026-03-02" when it is a real date written so, else null. */
export const parseDay = (text: string | null): BoardDay | null => (dayNumberOf(text) === null ? null : text);

export const addDays = (day: BoardDay, days: number): BoardDay => isoDate(dayNumber(day) + days);

/** Monday of the day's week. */
export const startOfWeek = (day: BoardDay): BoardDay => addDays(day, -((weekdayOf(dayNumber(day)) + 6) % 7));

/** The window a view shows: a day, or Monday to Monday; its first day and its instants in the zone. */
export interface BoardWindow {
  first: BoardDay;
  days: number;
  start: Date;
  end: Date;
}

export function viewWindow(view: BoardView, day: BoardDay, timeZone: string): BoardWindow {
  const first = view === "day" ? day : startOfWeek(day);
  const days = view === "day" ? 1 : 7;
  return {
    first,
    days,
    start: new Date(zonedInstant(dayNumber(first), 0, timeZone)),
    end: new Date(zonedInstant(dayNumber(first) + days, 0, timeZone)),
  };
}

/** Cancelled visits leave the board: they hold no time and would only cover the live ones. */
export const onBoard = (visit: VisitDetail) => visit.status !== "cancelled";

/** Hours a technician's visits take inside the window (overlaps counted once each: both are booked). */
export function bookedHours(visits: readonly VisitDetail[], window: Pick<BoardWindow, "start" | "end">): number {
  let ms = 0;
  for (const visit of visits) {
    if (!onBoard(visit)) continue;
    const start = Math.max(Date.parse(visit.startsAt), window.start.getTime());
    const end = Math.min(Date.parse(visit.endsAt), window.end.getTime());
    if (end > start) ms += end - start;
  }
  return ms / 3_600_000;
}

/** Working hours in the window: 8 a weekday. */
export function workingHours(window: Pick<BoardWindow, "first" | "days">): number {
  let hours = 0;
  for (let offset = 0; offset < window.days; offset++) {
    const weekday = weekdayOf(dayNumber(window.first) + offset);
    if ((WORKING_DAYS as readonly number[]).includes(weekday)) hours += WORKING_DAY.hours;
  }
  return hours;
}

/** "5.5 h", "8 h" */
export const formatHours = (hours: number) => `${Math.round(hours * 10) / 10} h`;

/**
 * Event colours by status (Mantine's darker shades), dark enough for white text (WCAG AA, 4.5:1) in both themes. A visit the
 * customer asked to move keeps its colour and gets a red border and words that say so.
 */
export const STATUS_EVENT_COLORS: Record<VisitStatus, string> = {
  scheduled: "#1864ab",
  en_route: "#6741d9",
  on_site: "#087f5b",
  completed: "#2b7a3b",
  no_access: "#a93c0b",
  cancelled: "#495057",
};
export const CHANGE_REQUESTED_BORDER = "#e03131";
export const CHANGE_REQUESTED_WORDS = "Customer asked to change";

/** Whether the visit waits for the dispatcher: the customer answered the reminder 2/CHANGE. */
export const changeRequested = (visit: VisitDetail) => visit.status === "scheduled" && visit.changeRequestedAt !== null;

export const CONFIRMED_WORDS = "Customer confirmed";
/** The customer answered the reminder 1/YES (and has not asked to move it since). */
export const confirmed = (visit: VisitDetail) =>
  visit.status === "scheduled" && visit.confirmedAt !== null && visit.changeRequestedAt === null;

/** What a visit's block says, and its tooltip: ticket, customer, kind, status, the customer's answer to the reminder. */
export function visitTitle(visit: VisitDetail): string {
  const parts = [
    `${visit.ticket.number} ${visit.ticket.subject}`,
    visit.customer?.name,
    VISIT_KIND_LABELS[visit.kind],
    VISIT_STATUS_LABELS[visit.status],
    changeRequested(visit) ? CHANGE_REQUESTED_WORDS : undefined,
    confirmed(visit) ? CONFIRMED_WORDS : undefined,
  ];
  return parts.filter(Boolean).join(" · ");
}

/** A visit as a calendar event; only a scheduled visit can be moved or stretched (the server agrees). */
export function visitEvent(visit: VisitDetail): EventInput {
  const flagged = changeRequested(visit);
  return {
    id: visit.id,
    title: visitTitle(visit),
    start: visit.startsAt,
    end: visit.endsAt,
    editable: visit.status === "scheduled",
    backgroundColor: STATUS_EVENT_COLORS[visit.status],
    borderColor: flagged ? CHANGE_REQUESTED_BORDER : STATUS_EVENT_COLORS[visit.status],
    textColor: "#fff",
    classNames: flagged ? ["uplink-visit", "uplink-visit-flagged"] : ["uplink-visit"],
    extendedProps: { visit },
  };
}

/** "08:00:00" for FullCalendar's slot bounds: the working day, widened to show every visit of the window. */
export function slotBounds(visits: readonly VisitDetail[], timeZone: string): { min: string; max: string } {
  let min = 7;
  let max = 19;
  for (const visit of visits) {
    const start = localParts(Date.parse(visit.startsAt), timeZone);
    const end = localParts(Date.parse(visit.endsAt), timeZone);
    const sameDay = start.day === end.day;
    const hourOf = (ms: number) => Math.floor(ms / 3_600_000);
    min = Math.min(min, sameDay ? hourOf(start.ms) : 0);
    max = Math.max(max, sameDay ? hourOf(end.ms) + (end.ms % 3_600_000 > 0 ? 1 : 0) : 24);
  }
  return { min: `${pad(min)}:00:00`, max: `${pad(max)}:00:00` };
}
