import {
  Alert,
  Anchor,
  Button,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { Link } from "react-router";
import type { VisitKind } from "../../shared/enums.js";
import { optionsOf, VISIT_KIND_LABELS, VISIT_STATUS_LABELS } from "../../shared/labels.js";
import type { UnscheduledTicket, VisitDetail } from "../../shared/visits.js";
import { clockOf } from "../../shared/zoned-time.js";
import {
  formatClock,
  formatVisitDay,
  instantInIspZone as instantOf,
  ispZoneNote,
  wallClockInIspZone as wallClockOf,
  zoneSuffix,
} from "../visits/visit-format.js";
import { type BoardDay, CHANGE_REQUESTED_WORDS, changeRequested, DEFAULT_VISIT_MINUTES } from "./board.js";

const KIND_OPTIONS = optionsOf(VISIT_KIND_LABELS);
const NINE_AM = 9 * 3_600_000;

export interface VisitFormValues {
  ticketId: string | null;
  technicianId: string | null;
  kind: VisitKind;
  date: string;
  start: string;
  end: string;
  notes: string;
}

/** What the form asks the board to do: book a ticket, or move and reassign a visit. */
export type VisitFormSubmit =
  | {
      mode: "create";
      ticket: UnscheduledTicket;
      technicianId: string;
      kind: VisitKind;
      start: Date;
      end: Date;
      notes: string;
    }
  | { mode: "move"; visit: VisitDetail; technicianId: string; start: Date; end: Date };

export type VisitFormTarget =
  | { mode: "create"; ticket: UnscheduledTicket | null; technicianId: string | null; date: BoardDay }
  | { mode: "move"; visit: VisitDetail };

/**
 * Scheduling without a mouse: the same two things the board's drags do, as a form. "Schedule visit"
 * books a waiting ticket; opening a visit (click, or Enter on it) shows it and moves or reassigns it.
 */
export function VisitFormModal({
  target,
  tickets,
  technicians,
  onSubmit,
  onClose,
}: {
  target: VisitFormTarget | null;
  tickets: readonly UnscheduledTicket[];
  technicians: readonly { id: string; name: string }[];
  /** Resolves true once saved (the modal closes), false when put back (it stays, with what was typed). */
  onSubmit: (submit: VisitFormSubmit) => Promise<boolean>;
  onClose: () => void;
}) {
  return (
    <Modal
      opened={target !== null}
      onClose={onClose}
      title={target?.mode === "move" ? `Visit ${target.visit.ticket.number}` : "Schedule visit"}
      size="lg"
    >
      {target && (
        <VisitForm
          key={target.mode === "move" ? target.visit.id : "create"}
          target={target}
          tickets={tickets}
          technicians={technicians}
          onSubmit={onSubmit}
          onClose={onClose}
        />
      )}
    </Modal>
  );
}

function initialValues(target: VisitFormTarget): VisitFormValues {
  if (target.mode === "move") {
    const start = wallClockOf(target.visit.startsAt);
    return {
      ticketId: target.visit.ticketId,
      technicianId: target.visit.technician.id,
      kind: target.visit.kind,
      date: start.date,
      start: start.time,
      end: wallClockOf(target.visit.endsAt).time,
      notes: target.visit.notes,
    };
  }
  // 9:00 to 11:00 on the board's day: a window to adjust, not a guess at the ticket's.
  return {
    ticketId: target.ticket?.id ?? null,
    technicianId: target.technicianId,
    kind: target.ticket?.suggestedKind ?? "repair",
    date: target.date,
    start: clockOf(NINE_AM),
    end: clockOf(NINE_AM + DEFAULT_VISIT_MINUTES * 60_000),
    notes: "",
  };
}

function VisitForm({
  target,
  tickets,
  technicians,
  onSubmit,
  onClose,
}: {
  target: VisitFormTarget;
  tickets: readonly UnscheduledTicket[];
  technicians: readonly { id: string; name: string }[];
  onSubmit: (submit: VisitFormSubmit) => Promise<boolean>;
  onClose: () => void;
}) {
  const [saving, setSaving] = useState(false);
  const visit = target.mode === "move" ? target.visit : null;
  const movable = visit === null || visit.status === "scheduled";
  const form = useForm<VisitFormValues>({
    initialValues: initialValues(target),
    validate: {
      ticketId: (value) => (value ? null : "Ticket: choose the ticket to visit"),
      technicianId: (value) => (value ? null : "Technician: choose who goes"),
      date: (value) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? null : "Date: a day, like 2026-03-10"),
      start: (value) => (/^\d{2}:\d{2}$/.test(value) ? null : "From: a time, like 09:00"),
      end: (value, values) => {
        const from = instantOf(values.date, values.start);
        const until = instantOf(values.date, value);
        if (!until) return "Until: a time, like 11:00";
        return from && until <= from ? "Until: after the start" : null;
      },
    },
  });

  const submit = form.onSubmit(async (values) => {
    // A window left as it was keeps its instants: read back from the fields, a time in the hour a
    // DST change repeats could come out as the other of the two.
    const untouched = visit !== null && !form.isDirty("date") && !form.isDirty("start") && !form.isDirty("end");
    const start = untouched ? new Date(visit.startsAt) : instantOf(values.date, values.start);
    const end = untouched ? new Date(visit.endsAt) : instantOf(values.date, values.end);
    if (!start || !end || !values.technicianId) return;
    const ticket = tickets.find((candidate) => candidate.id === values.ticketId);
    setSaving(true);
    try {
      const saved = visit
        ? await onSubmit({ mode: "move", visit, technicianId: values.technicianId, start, end })
        : ticket
          ? await onSubmit({
              mode: "create",
              ticket,
              technicianId: values.technicianId,
              kind: values.kind,
              start,
              end,
              notes: values.notes,
            })
          : false;
      if (saved) onClose();
    } finally {
      setSaving(false);
    }
  });

  const zoneNote = ispZoneNote(instantOf(form.values.date, form.values.start));

  // A technician who left keeps their name on their visits; the list offers the active ones.
  const technicianOptions = [
    ...technicians.map((technician) => ({ value: technician.id, label: technician.name })),
    ...(visit && !technicians.some((technician) => technician.id === visit.technician.id)
      ? [{ value: visit.technician.id, label: visit.technician.name }]
      : []),
  ];

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {visit && (
          <Stack gap={4}>
            <Text size="sm">
              <Anchor component={Link} to={`/tickets/${visit.ticketId}`}>
                {visit.ticket.number} {visit.ticket.subject}
              </Anchor>
            </Text>
            <Text size="sm" c="dimmed">
              {[
                visit.customer?.name,
                visit.customer?.address,
                VISIT_KIND_LABELS[visit.kind],
                VISIT_STATUS_LABELS[visit.status],
              ]
                .filter(Boolean)
                .join(" · ")}
            </Text>
            {changeRequested(visit) && visit.changeRequestedAt && (
              <Alert color="red" title={CHANGE_REQUESTED_WORDS}>
                The customer answered the reminder asking for another time ({formatVisitDay(visit.changeRequestedAt)},{" "}
                {formatClock(visit.changeRequestedAt)}
                {zoneSuffix(visit.changeRequestedAt)}). Moving the visit clears the request; the customer gets a new
                reminder.
              </Alert>
            )}
            {!movable && (
              <Alert color="gray">{VISIT_STATUS_LABELS[visit.status]}: only a scheduled visit can be moved.</Alert>
            )}
          </Stack>
        )}
        {!visit && (
          <Select
            label="Ticket"
            required
            searchable
            data={tickets.map((ticket) => ({ value: ticket.id, label: `${ticket.number} ${ticket.subject}` }))}
            nothingFoundMessage="No ticket waiting for a visit"
            {...form.getInputProps("ticketId")}
            onChange={(value) => {
              form.setFieldValue("ticketId", value);
              const ticket = tickets.find((candidate) => candidate.id === value);
              if (ticket) form.setFieldValue("kind", ticket.suggestedKind);
            }}
          />
        )}
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <Select
            label="Technician"
            required
            searchable
            data={technicianOptions}
            disabled={!movable}
            {...form.getInputProps("technicianId")}
          />
          {!visit && (
            <Select label="Kind" required data={KIND_OPTIONS} allowDeselect={false} {...form.getInputProps("kind")} />
          )}
        </SimpleGrid>
        {zoneNote && (
          <Text size="sm" c="dimmed">
            {zoneNote}
          </Text>
        )}
        <SimpleGrid cols={{ base: 1, xs: 3 }}>
          <TextInput type="date" label="Date" required disabled={!movable} {...form.getInputProps("date")} />
          <TextInput type="time" label="From" required disabled={!movable} {...form.getInputProps("start")} />
          <TextInput type="time" label="Until" required disabled={!movable} {...form.getInputProps("end")} />
        </SimpleGrid>
        {!visit && <Textarea label="Notes for the technician" autosize minRows={2} {...form.getInputProps("notes")} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {movable ? "Cancel" : "Close"}
          </Button>
          {movable && (
            <Button type="submit" loading={saving}>
              {visit ? "Save" : "Schedule"}
            </Button>
          )}
        </Group>
      </Stack>
    </form>
  );
}
