import { describe, expect, it } from "vitest";
import {
  ALWAYS_OPEN_WEEK,
  addBusinessTime,
  type BusinessCalendar,
  businessSecondsBetween,
} from "../../src/server/tickets/tickets.business-time.js";
import { zonedInstant } from "../../src/shared/zoned-time.js";

const HOUR = 3600;
const office = { open: "09:00", close: "17:00" };
const weekdays = (timeZone = "UTC", holidays: string[] = []): BusinessCalendar => ({
  timeZone,
  week: [office, office, office, office, office, null, null],
  holidays,
});
const add = (calendar: BusinessCalendar, from: string, seconds: number) =>
  addBusinessTime(calendar, new Date(from), seconds).toISOString();
const between = (calendar: BusinessCalendar, from: string, to: string) =>
  businessSecondsBetween(calendar, new Date(from), new Date(to));

describe("business time", () => {
  it("around the clock is plain elapsed time, also across a DST change", () => {
    const calendar = { timeZone: "Europe/Berlin", week: ALWAYS_OPEN_WEEK, holidays: [] };
    expect(add(calendar, "2026-03-28T12:00:00.123Z", 24 * HOUR)).toBe("2026-03-29T12:00:00.123Z");
    expect(between(calendar, "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z")).toBe(24 * HOUR);
    expect(add(calendar, "2026-03-28T12:00:00Z", -HOUR)).toBe("2026-03-28T11:00:00.000Z");
  });

  it("counts only opening hours of the week schedule", () => {
    const calendar = weekdays();
    // Friday 6 March 2026, 16:00: one hour on Friday, seven on Monday.
    expect(add(calendar, "2026-03-06T16:00:00Z", 8 * HOUR)).toBe("2026-03-09T16:00:00.000Z");
    // Before opening: starts at 09:00.
    expect(add(calendar, "2026-03-09T06:00:00Z", HOUR)).toBe("2026-03-09T10:00:00.000Z");
    // Saturday: starts Monday 09:00.
    expect(add(calendar, "2026-03-07T12:00:00Z", 2 * HOUR)).toBe("2026-03-09T11:00:00.000Z");
    // Ending exactly at closing time stays on that day.
    expect(add(calendar, "2026-03-09T09:00:00Z", 8 * HOUR)).toBe("2026-03-09T17:00:00.000Z");
    expect(between(calendar, "2026-03-06T16:00:00Z", "2026-03-09T16:00:00Z")).toBe(8 * HOUR);
    expect(between(calendar, "2026-03-07T00:00:00Z", "2026-03-08T23:59:59Z")).toBe(0);
    // Backwards: the amount is negative.
    expect(between(calendar, "2026-03-09T16:00:00Z", "2026-03-06T16:00:00Z")).toBe(-8 * HOUR);
    expect(add(calendar, "2026-03-09T10:00:00Z", -2 * HOUR)).toBe("2026-03-06T16:00:00.000Z");
    // Zero is the start itself, even outside opening hours.
    expect(add(calendar, "2026-03-07T12:00:00Z", 0)).toBe("2026-03-07T12:00:00.000Z");
  });

  it("skips holidays: a due time spanning a weekend and a holiday", () => {
    const calendar = weekdays("UTC", ["2026-03-09"]);
    expect(add(calendar, "2026-03-06T16:00:00Z", 8 * HOUR)).toBe("2026-03-10T16:00:00.000Z");
    expect(between(calendar, "2026-03-06T16:00:00Z", "2026-03-10T16:00:00Z")).toBe(8 * HOUR);
  });

  it("reads opening hours in the zone, across the spring and autumn changes", () => {
    const chicago = weekdays("America/Chicago");
    // Friday 16:00 CST (UTC−6) + 8 h: Monday 16:00 CDT (UTC−5).
    expect(add(chicago, "2026-03-06T22:00:00Z", 8 * HOUR)).toBe("2026-03-09T21:00:00.000Z");
    // Autumn: Friday 30 October 16:00 CDT + 8 h: Monday 2 November 16:00 CST.
    expect(add(chicago, "2026-10-30T21:00:00Z", 8 * HOUR)).toBe("2026-11-02T22:00:00.000Z");
    // A 24-hour day on the short day has 23 hours; on the long day 25.
    const allDay = { timeZone: "America/Chicago", week: ALWAYS_OPEN_WEEK.map((d) => d), holidays: ["2026-03-09"] };
    expect(between(allDay, "2026-03-08T06:00:00Z", "2026-03-09T05:00:00Z")).toBe(23 * HOUR);
    const fallDay = { ...allDay, holidays: ["2026-11-02"] };
    expect(between(fallDay, "2026-11-01T05:00:00Z", "2026-11-02T06:00:00Z")).toBe(25 * HOUR);
  });

  it("resolves wall times in DST gaps and overlaps", () => {
    const day = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
    // 02:30 does not exist on 8 March 2026 in Chicago: the instant after the jump (03:30 CDT).
    expect(new Date(zonedInstant(day("2026-03-08"), 2.5 * HOUR * 1000, "America/Chicago")).toISOString()).toBe(
      "2026-03-08T08:30:00.000Z",
    );
    // 01:30 happens twice on 1 November 2026: the first (CDT).
    expect(new Date(zonedInstant(day("2026-11-01"), 1.5 * HOUR * 1000, "America/Chicago")).toISOString()).toBe(
      "2026-11-01T06:30:00.000Z",
    );
    expect(new Date(zonedInstant(day("2026-07-01"), 9 * HOUR * 1000, "Asia/Kolkata")).toISOString()).toBe(
      "2026-07-01T03:30:00.000Z",
    );
  });

  it("handles a day open until midnight and a calendar that never opens", () => {
    const late = {
      timeZone: "UTC",
      week: [{ open: "18:00", close: "24:00" }, null, null, null, null, null, null],
      holidays: [],
    };
    // Four hours on Monday 9th (20:00–24:00), one on the next Monday from 18:00.
    expect(add(late, "2026-03-09T20:00:00Z", 5 * HOUR)).toBe("2026-03-16T19:00:00.000Z");
    const never = { timeZone: "UTC", week: [null, null, null, null, null, null, null], holidays: [] };
    expect(() => add(never, "2026-03-09T20:00:00Z", HOUR)).toThrow(/no open hours/);
  });
});
