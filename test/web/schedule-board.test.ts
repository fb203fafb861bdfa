import { describe, expect, it } from "vitest";
import type { VisitDetail } from "../../src/shared/visits.js";
import { dayNumberOf, zonedInstant } from "../../src/shared/zoned-time.js";
import {
  bookedHours,
  CHANGE_REQUESTED_BORDER,
  formatHours,
  parseDay,
  STATUS_EVENT_COLORS,
  slotBounds,
  todayIn,
  viewWindow,
  visitEvent,
  workingHours,
} from "../../src/web/schedule/board.js";

/**
 * The dispatch board's arithmetic, without a browser, in the ISP's zone (America/Denver here: UTC-7
 * in winter, UTC-6 from the second Sunday of March), whatever the machine's zone.
 */
const ZONE = "America/Denver";
const at = (day: string, hour: number, minute = 0, timeZone = ZONE) =>
  new Date(zonedInstant(dayNumberOf(day) ?? Number.NaN, (hour * 60 + minute) * 60_000, timeZone)).toISOString();

function visit(overrides: Partial<VisitDetail> = {}): VisitDetail {
  return {
    id: "00000000-0000-4000-8000-000000000001",
    ticketId: "00000000-0000-4000-8000-000000000002",
    technician: { id: "00000000-0000-4000-8000-000000000003", name: "Ada Field" },
    kind: "repair",
    status: "scheduled",
    startsAt: at("2026-03-09", 9),
    endsAt: at("2026-03-09", 11),
    notes: "",
    report: null,
    equipment: null,
    enRouteAt: null,
    etaAt: null,
    arrivedAt: null,
    arrivedPosition: null,
    finishedAt: null,
    finishedPosition: null,
    reminderSentAt: null,
    confirmedAt: null,
    changeRequestedAt: null,
    version: 1,
    createdAt: at("2026-03-01", 9),
    updatedAt: at("2026-03-01", 9),
    ticket: { id: "00000000-0000-4000-8000-000000000002", number: "T-000042", subject: "No signal", status: "open" },
    customer: null,
    ...overrides,
  };
}

describe("the dispatch board", () => {
  it("counts a lane's booked hours inside the day: cancelled visits hold none, a visit across midnight only its part", () => {
    const day = viewWindow("day", "2026-03-09", ZONE);
    expect(day.start.toISOString()).toBe("2026-03-09T06:00:00.000Z");
    const visits = [
      visit(),
      visit({ startsAt: at("2026-03-09", 13), endsAt: at("2026-03-09", 16, 30) }),
      visit({ status: "cancelled", startsAt: at("2026-03-09", 17), endsAt: at("2026-03-09", 19) }),
      visit({ startsAt: at("2026-03-09", 23), endsAt: at("2026-03-10", 1) }),
    ];
    expect(bookedHours(visits, day)).toBe(6.5);
    expect(formatHours(bookedHours(visits, day))).toBe("6.5 h");
    expect(workingHours(day)).toBe(8);
  });

  it("has 8 working hours a weekday and none at the weekend: 40 a week, Monday to Monday", () => {
    const week = viewWindow("week", "2026-03-11", ZONE);
    expect(week.first).toBe("2026-03-09");
    // Midnight in Denver: MST before the 8th's change to daylight time, MDT after it.
    expect(week.start.toISOString()).toBe("2026-03-09T06:00:00.000Z");
    expect(week.end.toISOString()).toBe("2026-03-16T06:00:00.000Z");
    expect(workingHours(week)).toBe(40);
    expect(workingHours(viewWindow("day", "2026-03-14", ZONE))).toBe(0);
    // The week across the change: it starts at MST midnight and ends at MDT midnight, an hour short.
    const changing = viewWindow("week", "2026-03-05", ZONE);
    expect(changing.start.toISOString()).toBe("2026-03-02T07:00:00.000Z");
    expect(changing.end.toISOString()).toBe("2026-03-09T06:00:00.000Z");
  });

  it("counts days in the ISP's zone, not the browser's: a Denver evening is already tomorrow in UTC", () => {
    const evening = Date.parse("2026-03-10T04:30:00Z"); // 22:30 on the 9th in Denver
    expect(todayIn(ZONE, evening)).toBe("2026-03-09");
    expect(todayIn("UTC", evening)).toBe("2026-03-10");
    expect(todayIn("Asia/Tokyo", evening)).toBe("2026-03-10");
  });

  it("marks a visit the customer asked to change: a red border and the words, still coloured by its status", () => {
    const plain = visitEvent(visit());
    expect(plain).toMatchObject({ editable: true, borderColor: STATUS_EVENT_COLORS.scheduled });
    expect(plain.title).not.toContain("Customer asked to change");
    const flagged = visitEvent(visit({ changeRequestedAt: at("2026-03-08", 19) }));
    expect(flagged).toMatchObject({
      backgroundColor: STATUS_EVENT_COLORS.scheduled,
      borderColor: CHANGE_REQUESTED_BORDER,
      classNames: ["uplink-visit", "uplink-visit-flagged"],
    });
    expect(flagged.title).toBe("T-000042 No signal · Repair · Scheduled · Customer asked to change");
    expect(visitEvent(visit({ confirmedAt: at("2026-03-08", 19) })).title).toBe(
      "T-000042 No signal · Repair · Scheduled · Customer confirmed",
    );
    // Under way, it cannot be moved (the server refuses too), and a request no longer waits on it.
    const underWay = visitEvent(visit({ status: "en_route", changeRequestedAt: at("2026-03-08", 19) }));
    expect(underWay).toMatchObject({ editable: false, borderColor: STATUS_EVENT_COLORS.en_route });
  });

  it("shows 7:00 to 19:00, widened to every visit's hours", () => {
    expect(slotBounds([visit()], ZONE)).toEqual({ min: "07:00:00", max: "19:00:00" });
    expect(slotBounds([visit({ startsAt: at("2026-03-09", 6, 30), endsAt: at("2026-03-09", 20, 15) })], ZONE)).toEqual({
      min: "06:00:00",
      max: "21:00:00",
    });
    // The same visit read in Tokyo falls across midnight there: the whole day shows.
    expect(
      slotBounds([visit({ startsAt: at("2026-03-09", 6, 30), endsAt: at("2026-03-09", 20, 15) })], "Asia/Tokyo"),
    ).toEqual({ min: "00:00:00", max: "24:00:00" });
  });

  it("reads only real days from the address", () => {
    expect(parseDay("2026-02-30")).toBeNull();
    expect(parseDay("next week")).toBeNull();
    expect(parseDay("2026-13-01")).toBeNull();
    expect(parseDay("2026-03-09")).toBe("2026-03-09");
  });
});
