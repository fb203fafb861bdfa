import type { EventChangeArg, EventContentArg } from "@fullcalendar/core";
import interactionPlugin, { type DropArg, type EventLeaveArg, type EventReceiveArg } from "@fullcalendar/interaction";
import luxonPlugin from "@fullcalendar/luxon3";
import FullCalendar from "@fullcalendar/react";
import timeGridPlugin from "@fullcalendar/timegrid";
import { useMemo } from "react";
import type { VisitDetail } from "../../shared/visits.js";
import {
  type BoardDay,
  type BoardView,
  CHANGE_REQUESTED_WORDS,
  CONFIRMED_WORDS,
  changeRequested,
  confirmed,
  type slotBounds,
  visitEvent,
  visitTitle,
  WORKING_DAY,
  WORKING_DAYS,
} from "./board.js";

/** A drop on a calendar, as the board handles it: whose calendar, where, and how to undo it. */
export interface CalendarHandlers {
  /** A ticket from the side panel, dropped at `start`. */
  onTicketDrop: (ticketId: string, technicianId: string, start: Date) => void;
  /**
   * A visit moved or stretched within a calendar, or received from another technician's. (The
   * refetch that follows replaces each calendar's events: FullCalendar resets an array source whole.)
   */
  onVisitChange: (visit: VisitDetail, technicianId: string, start: Date, end: Date, revert: () => void) => void;
  /** A visit dragged out of this calendar: its revert, for the receiving calendar to undo both. */
  onVisitLeave: (visitId: string, revert: () => void) => void;
  onVisitOpen: (visit: VisitDetail) => void;
}

/** The visit behind an event; none while a ticket from the side panel is dragged over (its preview). */
const visitOf = (event: { extendedProps: Record<string, unknown> }) =>
  event.extendedProps.visit as VisitDetail | undefined;

function VisitBlock({ event, timeText }: EventContentArg) {
  const visit = visitOf(event);
  if (!visit) {
    return (
      <div className="uplink-visit-body">
        <div className="uplink-visit-time">{timeText}</div>
        <div className="uplink-visit-title">{event.title}</div>
      </div>
    );
  }
  const flagged = changeRequested(visit);
  return (
    <div className="uplink-visit-body">
      {flagged && <div className="uplink-visit-flag">⚠ {CHANGE_REQUESTED_WORDS}</div>}
      {confirmed(visit) && <div className="uplink-visit-flag">✓ {CONFIRMED_WORDS}</div>}
      <div className="uplink-visit-time">{timeText}</div>
      <div className="uplink-visit-title">
        {visit.ticket.number} · {visit.customer?.name ?? visit.ticket.subject}
      </div>
    </div>
  );
}

/**
 * One technician's visits on FullCalendar's time grid: a day (a lane of the day view) or a week,
 * drawn in the ISP's time zone (FullCalendar's Luxon plugin gives it named zones: the dates it
 * hands back are then real instants, whatever the browser's zone).
 * Scheduled visits drag and stretch; tickets from the side panel and other technicians' visits
 * drop in. Several of these share the page, so a visit can be dragged from one lane to another.
 */
export function VisitCalendar({
  view,
  date,
  timeZone,
  technicianId,
  visits,
  bounds,
  handlers,
}: {
  view: BoardView;
  /** The day shown, or a day of the week shown. */
  date: BoardDay;
  timeZone: string;
  technicianId: string;
  visits: readonly VisitDetail[];
  /** The board's slot range, the same for every lane so that their hours line up. */
  bounds: ReturnType<typeof slotBounds>;
  handlers: CalendarHandlers;
}) {
  const events = useMemo(() => visits.map(visitEvent), [visits]);
  const change = (info: EventChangeArg) => {
    const visit = visitOf(info.event);
    if (!visit) return info.revert();
    handlers.onVisitChange(
      visit,
      technicianId,
      info.event.start ?? new Date(),
      info.event.end ?? info.event.start ?? new Date(),
      info.revert,
    );
  };
  return (
    <div className="uplink-calendar">
      <FullCalendar
        // A new day or week is a new calendar: FullCalendar keeps its own date once mounted.
        key={`${view}-${date}-${timeZone}`}
        plugins={[timeGridPlugin, interactionPlugin, luxonPlugin]}
        timeZone={timeZone}
        initialView={view === "day" ? "timeGridDay" : "timeGridWeek"}
        initialDate={date}
        firstDay={1}
        headerToolbar={false}
        dayHeaders={view === "week"}
        dayHeaderFormat={{ weekday: "short", month: "numeric", day: "numeric", omitCommas: true }}
        allDaySlot={false}
        slotMinTime={bounds.min}
        slotMaxTime={bounds.max}
        slotDuration="00:30:00"
        snapDuration="00:15:00"
        businessHours={{
          daysOfWeek: [...WORKING_DAYS],
          startTime: WORKING_DAY.start,
          endTime: WORKING_DAY.end,
        }}
        nowIndicator
        height="auto"
        editable
        droppable
        eventInteractive
        eventDurationEditable
        eventOverlap
        events={events}
        eventContent={(arg) => <VisitBlock {...arg} />}
        eventDidMount={(arg) => {
          const visit = visitOf(arg.event);
          if (visit) arg.el.title = visitTitle(visit);
        }}
        eventClick={(arg) => {
          const visit = visitOf(arg.event);
          if (visit) handlers.onVisitOpen(visit);
        }}
        eventDrop={change}
        eventResize={change}
        eventLeave={(info: EventLeaveArg) => handlers.onVisitLeave(info.event.id, info.revert)}
        eventReceive={(info: EventReceiveArg) => {
          const visit = visitOf(info.event);
          if (!visit) return info.revert();
          handlers.onVisitChange(
            visit,
            technicianId,
            info.event.start ?? new Date(),
            info.event.end ?? info.event.start ?? new Date(),
            info.revert,
          );
        }}
        drop={(info: DropArg) => {
          const ticketId = info.draggedEl.dataset.ticketId;
          if (ticketId) handlers.onTicketDrop(ticketId, technicianId, info.date);
        }}
      />
    </div>
  );
}
