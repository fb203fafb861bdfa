import "./schedule.css";
import {
  ActionIcon,
  Alert,
  Anchor,
  Box,
  Button,
  Group,
  Loader,
  Paper,
  Progress,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { IconCalendarPlus, IconChevronLeft, IconChevronRight } from "@tabler/icons-react";
import { type ReactNode, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { UnscheduledTicket, VisitDetail } from "../../shared/visits.js";
import { errorMessage } from "../app/api.js";
import { getIspTimeZone, isAwayFromIspTimeZone } from "../app/format.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { useStaff } from "../users/api.js";
import {
  useBoardVisits,
  useBoardWrites,
  useChangeRequestedVisits,
  useUnscheduledTickets,
  type VisitMove,
} from "./api.js";
import {
  addDays,
  type BoardDay,
  type BoardView,
  type BoardWindow,
  bookedHours,
  changeRequested,
  DEFAULT_VISIT_MINUTES,
  formatHours,
  onBoard,
  parseDay,
  slotBounds,
  todayIn,
  viewWindow,
  workingHours,
} from "./board.js";
import { useScheduling } from "./scheduling.js";
import { UnscheduledPanel } from "./unscheduled-panel.js";
import { type CalendarHandlers, VisitCalendar } from "./visit-calendar.js";
import { VisitFormModal, type VisitFormSubmit, type VisitFormTarget } from "./visit-form.js";

interface Technician {
  id: string;
  name: string;
}

// A board day is a calendar date already: formatted at its UTC noon in UTC, so no zone shifts it.
const dayTitle = new Intl.DateTimeFormat(undefined, {
  weekday: "long",
  month: "long",
  day: "numeric",
  year: "numeric",
  timeZone: "UTC",
});
const shortDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const noonOf = (day: BoardDay) => new Date(`${day}T12:00:00Z`);

function windowTitle(view: BoardView, window: BoardWindow) {
  return view === "day"
    ? dayTitle.format(noonOf(window.first))
    : `Week of ${shortDay.format(noonOf(window.first))} – ${shortDay.format(noonOf(addDays(window.first, window.days - 1)))}`;
}

/** "5.5 h of 8 h booked", with a bar that turns red past the working hours. */
function Workload({ booked, working, label }: { booked: number; working: number; label: string }) {
  const share = working > 0 ? (booked / working) * 100 : booked > 0 ? 100 : 0;
  const text = working > 0 ? `${formatHours(booked)} of ${formatHours(working)}` : `${formatHours(booked)}, day off`;
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed">
        {text}
      </Text>
      <Progress
        size="sm"
        value={Math.min(share, 100)}
        color={share > 100 ? "red" : "blue"}
        aria-label={`${label}: ${text} booked`}
      />
    </Stack>
  );
}

/**
 * The dispatch board (/schedule): each technician's day side by side (one FullCalendar time grid per
 * technician: resource views are FullCalendar's paid plugin), or one technician's week; the tickets
 * waiting for a visit beside them. Drag a ticket onto a lane to book it, a visit along a lane to
 * move it, or onto another lane to reassign it; the double-booking check asks before it overlaps.
 */
export default function SchedulePage() {
  usePageTitle("Schedule");
  const [params, setParams] = useSearchParams();
  const view: BoardView = params.get("view") === "week" ? "week" : "day";
  const timeZone = getIspTimeZone();
  const today = useMemo(() => todayIn(timeZone), [timeZone]);
  const date = parseDay(params.get("date")) ?? today;
  const window = viewWindow(view, date, timeZone);

  const visits = useBoardVisits(window);
  const staff = useStaff({ active: true });
  const unscheduled = useUnscheduledTickets();
  const changeRequestedVisits = useChangeRequestedVisits();
  const writes = useBoardWrites();
  const board = useMemo(() => (visits.data ?? []).filter(onBoard), [visits.data]);
  const scheduling = useScheduling(board);
  const leaving = useRef(new Map<string, () => void>());
  const [formTarget, setFormTarget] = useState<VisitFormTarget | null>(null);

  // A lane for each active technician, and for anyone else with a visit in the window (an agent
  // who went out, a technician since deactivated), so no visit is off the board.
  const technicians = useMemo(() => {
    const lanes = new Map<string, Technician>();
    for (const user of staff.data ?? []) {
      if (user.role === "technician") lanes.set(user.id, { id: user.id, name: user.name });
    }
    for (const visit of board) lanes.set(visit.technician.id, lanes.get(visit.technician.id) ?? visit.technician);
    return [...lanes.values()].sort((a, b) => a.name.localeCompare(b.name));
  }, [staff.data, board]);
  const assignable = useMemo(
    () =>
      (staff.data ?? []).map((user) => ({ id: user.id, name: user.name })).sort((a, b) => a.name.localeCompare(b.name)),
    [staff.data],
  );
  const weekTechnician =
    technicians.find((technician) => technician.id === params.get("technician")) ?? technicians[0] ?? null;
  const bounds = useMemo(() => slotBounds(board, timeZone), [board, timeZone]);
  const nameOf = (technicianId: string) =>
    assignable.find((user) => user.id === technicianId)?.name ??
    technicians.find((technician) => technician.id === technicianId)?.name ??
    "The technician";

  const go = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) next.delete(key);
      else next.set(key, value);
    }
    setParams(next, { replace: true });
  };
  const step = (direction: 1 | -1) => go({ date: addDays(date, direction * (view === "day" ? 1 : 7)) });

  const book = (
    ticket: UnscheduledTicket,
    technicianId: string,
    start: Date,
    end: Date,
    kind = ticket.suggestedKind,
    notes = "",
  ) =>
    scheduling.run({
      send: (allowOverlap) =>
        writes.create(
          {
            ticketId: ticket.id,
            technicianId,
            kind,
            startsAt: start.toISOString(),
            endsAt: end.toISOString(),
            ...(notes ? { notes } : {}),
          },
          allowOverlap,
        ),
      revert: () => undefined,
      technicianName: nameOf(technicianId),
      done: "Booked",
    });

  const move = (visit: VisitDetail, technicianId: string, start: Date, end: Date, revert: () => void) => {
    const left = leaving.current.get(visit.id);
    leaving.current.delete(visit.id);
    const changes: VisitMove = { startsAt: start.toISOString(), endsAt: end.toISOString() };
    const reassigned = technicianId !== visit.technician.id;
    if (reassigned) changes.technicianId = technicianId;
    return scheduling.run({
      send: (allowOverlap) => writes.move(visit, changes, allowOverlap),
      revert: () => {
        revert();
        left?.();
      },
      technicianName: nameOf(technicianId),
      done: reassigned ? `Reassigned to ${nameOf(technicianId)}` : "Moved",
    });
  };

  const handlers: CalendarHandlers = {
    onTicketDrop: (ticketId, technicianId, start) => {
      const ticket = unscheduled.data?.items.find((item) => item.id === ticketId);
      if (ticket) book(ticket, technicianId, start, new Date(start.getTime() + DEFAULT_VISIT_MINUTES * 60_000));
    },
    onVisitChange: (visit, technicianId, start, end, revert) => {
      move(visit, technicianId, start, end, revert);
    },
    onVisitLeave: (visitId, revert) => leaving.current.set(visitId, revert),
    onVisitOpen: (visit) => setFormTarget({ mode: "move", visit }),
  };

  const submitForm = (submit: VisitFormSubmit) =>
    submit.mode === "create"
      ? book(submit.ticket, submit.technicianId, submit.start, submit.end, submit.kind, submit.notes)
      : move(submit.visit, submit.technicianId, submit.start, submit.end, () => undefined);

  const flagged = (changeRequestedVisits.data ?? []).filter(changeRequested);
  const visitsOf = (technicianId: string) => board.filter((visit) => visit.technician.id === technicianId);
  const working = workingHours(window);

  let content: ReactNode;
  if (visits.isPending || staff.isPending) {
    content = <Loader aria-label="Loading the schedule" />;
  } else if (visits.isError || staff.isError) {
    content = (
      <Alert color="red" title="The schedule could not be loaded">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{errorMessage(visits.error ?? staff.error)}</Text>
          <Button variant="light" size="xs" onClick={() => (visits.isError ? visits.refetch() : staff.refetch())}>
            Try again
          </Button>
        </Stack>
      </Alert>
    );
  } else if (technicians.length === 0) {
    content = (
      <Alert color="blue" title="No technicians yet">
        Visits are planned for staff with the technician role. Add them in{" "}
        <Anchor component={Link} to="/settings/staff">
          Settings → Staff
        </Anchor>
        .
      </Alert>
    );
  } else if (view === "day") {
    content = (
      <Box className="uplink-board uplink-lanes">
        {technicians.map((technician) => {
          const mine = visitsOf(technician.id);
          const headingId = `lane-${technician.id}`;
          return (
            <Paper
              key={technician.id}
              withBorder
              p="xs"
              className="uplink-lane"
              component="section"
              aria-labelledby={headingId}
            >
              <Title order={2} size="h5" id={headingId}>
                {technician.name}
              </Title>
              <Workload booked={bookedHours(mine, window)} working={working} label={technician.name} />
              <VisitCalendar
                view="day"
                date={window.first}
                timeZone={timeZone}
                technicianId={technician.id}
                visits={mine}
                bounds={bounds}
                handlers={handlers}
              />
            </Paper>
          );
        })}
      </Box>
    );
  } else if (weekTechnician) {
    const mine = visitsOf(weekTechnician.id);
    content = (
      <Paper
        withBorder
        p="xs"
        className="uplink-board"
        component="section"
        aria-label={`${weekTechnician.name}'s week`}
      >
        <Group align="flex-end" mb="xs" wrap="wrap">
          <Select
            label="Technician"
            data={technicians.map((technician) => ({
              value: technician.id,
              label: `${technician.name} (${formatHours(bookedHours(visitsOf(technician.id), window))})`,
            }))}
            value={weekTechnician.id}
            allowDeselect={false}
            onChange={(value) => value && go({ technician: value })}
            w={280}
          />
          <Box miw={200}>
            <Workload booked={bookedHours(mine, window)} working={working} label={`${weekTechnician.name}'s week`} />
          </Box>
        </Group>
        <VisitCalendar
          view="week"
          date={window.first}
          timeZone={timeZone}
          technicianId={weekTechnician.id}
          visits={mine}
          bounds={bounds}
          handlers={handlers}
        />
      </Paper>
    );
  }

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <PageHeading>Schedule</PageHeading>
        <Button
          leftSection={<IconCalendarPlus size={16} aria-hidden />}
          onClick={() =>
            setFormTarget({
              mode: "create",
              ticket: null,
              technicianId: view === "week" ? (weekTechnician?.id ?? null) : null,
              date: window.first,
            })
          }
        >
          Schedule visit
        </Button>
      </Group>
      <Group gap="sm" wrap="wrap" align="flex-end">
        <SegmentedControl
          aria-label="View"
          value={view}
          onChange={(value) => go({ view: value === "week" ? "week" : null })}
          data={[
            { value: "day", label: "Day" },
            { value: "week", label: "Week" },
          ]}
        />
        <Group gap={4} wrap="nowrap">
          <ActionIcon variant="default" size="lg" aria-label={`Previous ${view}`} onClick={() => step(-1)}>
            <IconChevronLeft size={18} aria-hidden />
          </ActionIcon>
          <Button variant="default" onClick={() => go({ date: null })}>
            Today
          </Button>
          <ActionIcon variant="default" size="lg" aria-label={`Next ${view}`} onClick={() => step(1)}>
            <IconChevronRight size={18} aria-hidden />
          </ActionIcon>
        </Group>
        <TextInput
          type="date"
          label="Go to date"
          value={date}
          onChange={(event) => {
            const picked = parseDay(event.currentTarget.value);
            if (picked) go({ date: picked });
          }}
          w={170}
        />
        <Text fw={600} aria-live="polite">
          {windowTitle(view, window)}
        </Text>
        {isAwayFromIspTimeZone() && (
          <Text size="sm" c="dimmed">
            Times in {timeZone}
          </Text>
        )}
      </Group>
      <div className="uplink-schedule">
        <div className="uplink-schedule-main">{content}</div>
        <div className="uplink-schedule-side">
          <UnscheduledPanel
            flagged={flagged}
            onOpenVisit={(visit) => setFormTarget({ mode: "move", visit })}
            onSchedule={(ticket) =>
              setFormTarget({
                mode: "create",
                ticket,
                technicianId:
                  view === "week"
                    ? (weekTechnician?.id ?? null)
                    : ticket.assignee?.role === "technician"
                      ? ticket.assignee.id
                      : null,
                date: window.first,
              })
            }
          />
        </div>
      </div>
      <VisitFormModal
        target={formTarget}
        tickets={unscheduled.data?.items ?? []}
        technicians={assignable}
        onSubmit={submitForm}
        onClose={() => setFormTarget(null)}
      />
      {scheduling.dialog}
    </Stack>
  );
}
