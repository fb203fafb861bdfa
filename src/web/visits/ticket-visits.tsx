import {
  Alert,
  Anchor,
  Button,
  Group,
  Loader,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMediaQuery } from "@mantine/hooks";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { IconCalendarPlus } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { Link } from "react-router";
import type { TicketCategory, VisitKind } from "../../shared/enums.js";
import { VISIT_KIND_LABELS } from "../../shared/labels.js";
import type { TicketDetail } from "../../shared/tickets.js";
import type { VisitDetail } from "../../shared/visits.js";
import { ApiError, errorMessage } from "../app/api.js";
import { ErrorSummary, focusFirstError } from "../app/form-errors.js";
import { useStaff } from "../users/api.js";
import { useCreateVisit, useUpdateVisit, useVisitStep, useVisits, visitsKey } from "./api.js";
import { VISIT_KIND_OPTIONS, VisitStatusBadge } from "./visit-badges.js";
import { formatDayWindow, instantInIspZone, ispZoneNote, wallClockInIspZone } from "./visit-format.js";

/** 409 visit.double_booked: the technician's visits the window overlaps. */
interface Overlap {
  id: string;
  ticketId: string;
  startsAt: string;
  endsAt: string;
  kind: VisitKind;
}

const overlapsOf = (error: unknown): Overlap[] | null =>
  error instanceof ApiError && error.status === 409 && error.problem.code === "visit.double_booked"
    ? ((error.problem.overlaps as Overlap[] | undefined) ?? [])
    : null;

/** The visit a ticket of this category most likely needs. */
const KIND_FOR_CATEGORY: Partial<Record<TicketCategory, VisitKind>> = {
  installation: "install",
  relocation: "install",
};

/** The instant of the form's date and time, in the ISP's zone (as the board and the SMS read them). */
const instantOf = (date: string, time: string) => instantInIspZone(date, time)?.toISOString() ?? null;

interface WindowValues {
  technicianId: string | null;
  kind: VisitKind;
  date: string;
  start: string;
  end: string;
  notes: string;
}

const FORM_LABELS: Record<keyof WindowValues, string> = {
  technicianId: "Technician",
  kind: "Kind",
  date: "Date",
  start: "From",
  end: "Until",
  notes: "Notes",
};

/** The API's field names for the form's. */
const FIELD_OF: Record<string, keyof WindowValues> = {
  technicianId: "technicianId",
  kind: "kind",
  startsAt: "start",
  endsAt: "end",
  notes: "notes",
};

/**
 * Schedule (no `visit`) or move a visit: technician, kind, day and window, notes. A technician
 * already booked then comes back as 409 with their overlapping visits, shown here; "Book anyway"
 * sends the same again with allowOverlap.
 */
function VisitForm({ ticket, visit, onClose }: { ticket: TicketDetail; visit?: VisitDetail; onClose: () => void }) {
  const isPhone = useMediaQuery("(max-width: 48em)");
  const staff = useStaff({ active: true });
  const create = useCreateVisit();
  const update = useUpdateVisit();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const [overlaps, setOverlaps] = useState<Overlap[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const start = wallClockInIspZone(visit?.startsAt ?? Date.now());
  const initial: WindowValues = {
    technicianId: visit?.technician.id ?? ticket.assigneeId,
    kind: visit?.kind ?? KIND_FOR_CATEGORY[ticket.category] ?? "repair",
    date: start.date,
    start: visit ? start.time : "09:00",
    end: visit ? wallClockInIspZone(visit.endsAt).time : "11:00",
    notes: visit?.notes ?? "",
  };
  const form = useForm<WindowValues>({
    initialValues: initial,
    validate: {
      technicianId: (value) => (value ? null : "Technician: choose who goes"),
      date: (value) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? null : "Date: choose the day"),
      start: (value) => (/^\d{2}:\d{2}$/.test(value) ? null : "From: a time"),
      end: (value, values) =>
        !/^\d{2}:\d{2}$/.test(value) ? "Until: a time" : value <= values.start ? "Until: after the start" : null,
    },
  });

  const technicians = (staff.data ?? []).map((user) => ({ value: user.id, label: user.name }));
  if (visit && !technicians.some((option) => option.value === visit.technician.id)) {
    technicians.push({ value: visit.technician.id, label: visit.technician.name });
  }

  const save = async (values: WindowValues, allowOverlap: boolean) => {
    setProblem(null);
    // A window left as it was keeps its instants: read back from the fields, a time in the hour a
    // DST change repeats could come out as the other of the two.
    const untouched = visit !== undefined && !form.isDirty("date") && !form.isDirty("start") && !form.isDirty("end");
    const startsAt = untouched ? visit.startsAt : (instantOf(values.date, values.start) ?? "");
    const endsAt = untouched ? visit.endsAt : (instantOf(values.date, values.end) ?? "");
    try {
      if (visit) {
        const changed = {
          ...(values.technicianId !== visit.technician.id ? { technicianId: values.technicianId ?? undefined } : {}),
          ...(values.kind !== visit.kind ? { kind: values.kind } : {}),
          ...(startsAt !== new Date(visit.startsAt).toISOString() ? { startsAt } : {}),
          ...(endsAt !== new Date(visit.endsAt).toISOString() ? { endsAt } : {}),
          ...(values.notes !== visit.notes ? { notes: values.notes } : {}),
        };
        await update.mutateAsync({ id: visit.id, version: visit.version, allowOverlap, ...changed });
        notifications.show({ color: "green", message: "Visit moved" });
      } else {
        await create.mutateAsync({
          ticketId: ticket.id,
          technicianId: values.technicianId ?? "",
          kind: values.kind,
          startsAt,
          endsAt,
          notes: values.notes,
          allowOverlap,
        });
        notifications.show({ color: "green", message: "Visit scheduled" });
      }
      onClose();
    } catch (error) {
      if (
        error instanceof ApiError &&
        (error.problem.code === "visit.version_conflict" || error.problem.code === "visit.not_movable")
      ) {
        // Someone changed or started the visit meanwhile: show it as it is now.
        queryClient.invalidateQueries({ queryKey: visitsKey });
        notifications.show({ color: "orange", title: "Not moved", message: errorMessage(error) });
        onClose();
        return;
      }
      const clashes = overlapsOf(error);
      if (clashes) {
        setOverlaps(clashes);
        return;
      }
      if (error instanceof ApiError && error.problem.errors?.length) {
        const errors = Object.fromEntries(
          error.problem.errors.map((e) => [FIELD_OF[e.field] ?? e.field, e.message] as const),
        );
        form.setErrors(errors);
        focusFirstError(formRef.current, errors);
        return;
      }
      setProblem(errorMessage(error));
    }
  };

  const saving = create.isPending || update.isPending;
  const submit = form.onSubmit(
    (values) => save(values, false),
    (errors) => focusFirstError(formRef.current, errors),
  );

  const zoneNote = ispZoneNote(instantInIspZone(form.values.date, form.values.start));

  return (
    <Modal
      opened
      onClose={onClose}
      title={visit ? `Move the visit: ${ticket.number}` : `Schedule a visit: ${ticket.number}`}
      fullScreen={isPhone}
      size="lg"
    >
      <form noValidate onSubmit={submit} ref={formRef}>
        <Stack>
          <Select
            label="Technician"
            required
            searchable
            data={technicians}
            placeholder={staff.isPending ? "Loading staff…" : "Choose who goes"}
            nothingFoundMessage="No active staff member matches"
            {...form.getInputProps("technicianId")}
            onChange={(value) => {
              form.setFieldValue("technicianId", value);
              setOverlaps(null);
            }}
          />
          <Select label="Kind" data={VISIT_KIND_OPTIONS} allowDeselect={false} {...form.getInputProps("kind")} />
          <SimpleGrid cols={{ base: 1, xs: 3 }}>
            <TextInput type="date" label="Date" required {...form.getInputProps("date")} />
            <TextInput type="time" label="From" required {...form.getInputProps("start")} />
            <TextInput type="time" label="Until" required {...form.getInputProps("end")} />
          </SimpleGrid>
          {zoneNote && (
            <Text size="sm" c="dimmed">
              {zoneNote}
            </Text>
          )}
          <Textarea
            label="Notes"
            description="For the technician: access, what to bring"
            autosize
            minRows={2}
            maxRows={8}
            {...form.getInputProps("notes")}
          />
          {overlaps && (
            <Alert color="orange" title="The technician is already booked then" aria-label="Overlapping visits">
              <Stack gap="xs">
                <Stack gap={2} component="ul" m={0} pl="md">
                  {overlaps.map((clash) => (
                    <Text component="li" size="sm" key={clash.id}>
                      {formatDayWindow(clash)}: {VISIT_KIND_LABELS[clash.kind]}
                      {clash.ticketId === ticket.id ? (
                        " (this ticket)"
                      ) : (
                        <>
                          {" "}
                          <Anchor component={Link} to={`/tickets/${clash.ticketId}`} size="sm">
                            (its ticket)
                          </Anchor>
                        </>
                      )}
                    </Text>
                  ))}
                </Stack>
                <Group gap="xs" wrap="wrap">
                  <Button color="orange" loading={saving} onClick={() => save(form.getValues(), true)}>
                    Book anyway
                  </Button>
                  <Button variant="default" onClick={() => setOverlaps(null)}>
                    Choose another time
                  </Button>
                </Group>
              </Stack>
            </Alert>
          )}
          <Group justify="flex-end" wrap="nowrap" align="center">
            <ErrorSummary errors={form.errors} labels={FORM_LABELS} message={problem} />
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={saving && !overlaps} disabled={Boolean(overlaps)}>
              {visit ? "Move visit" : "Schedule"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function VisitRow({ visit, onMove }: { visit: VisitDetail; onMove: () => void }) {
  const cancel = useVisitStep("cancel");
  const confirmCancel = () =>
    modals.openConfirmModal({
      title: "Cancel this visit?",
      children: (
        <Text size="sm">
          {formatDayWindow(visit)} with {visit.technician.name}. The customer is not texted; tell them if they expect
          the visit.
        </Text>
      ),
      labels: { confirm: "Cancel visit", cancel: "Keep it" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        cancel.mutate(
          { id: visit.id, body: {} },
          {
            onSuccess: () => notifications.show({ color: "green", message: "Visit cancelled" }),
            onError: (error) =>
              notifications.show({ color: "red", title: "Not cancelled", message: errorMessage(error) }),
          },
        ),
    });
  return (
    <Stack gap={4} component="li" aria-label={`${VISIT_KIND_LABELS[visit.kind]} visit ${formatDayWindow(visit)}`}>
      <Group gap="xs" wrap="wrap">
        <VisitStatusBadge status={visit.status} />
        <Text size="sm" fw={600}>
          {VISIT_KIND_LABELS[visit.kind]}
        </Text>
      </Group>
      <Text size="sm">
        {formatDayWindow(visit)} · {visit.technician.name}
      </Text>
      {visit.confirmedAt && (
        <Text size="xs" c="green.8">
          Confirmed by the customer
        </Text>
      )}
      {visit.changeRequestedAt && (
        <Text size="xs" c="orange.8">
          The customer asked to move it
        </Text>
      )}
      {visit.notes && (
        <Text size="sm" c="dimmed" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
          {visit.notes}
        </Text>
      )}
      {visit.report && (
        <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
          {visit.report}
        </Text>
      )}
      {visit.status === "scheduled" && (
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={onMove}>
            Move
          </Button>
          <Button size="xs" variant="subtle" color="red" onClick={confirmCancel} loading={cancel.isPending}>
            Cancel visit
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** The ticket page's Visits: each visit's state and window, Schedule visit, Move and Cancel. */
export function TicketVisits({ ticket }: { ticket: TicketDetail }) {
  const visits = useVisits({ ticketId: ticket.id });
  const [editing, setEditing] = useState<VisitDetail | "new" | null>(null);
  return (
    <Paper withBorder p="md" component="section" aria-label="Visits">
      <Group justify="space-between" mb="sm" wrap="wrap" gap="xs">
        <Title order={4}>Visits</Title>
        <Button size="xs" leftSection={<IconCalendarPlus size={14} />} onClick={() => setEditing("new")}>
          Schedule visit
        </Button>
      </Group>
      {visits.isPending && <Loader size="sm" aria-label="Loading visits" />}
      {visits.isError && <Alert color="red">{errorMessage(visits.error)}</Alert>}
      {visits.isSuccess && visits.data.length === 0 && (
        <Text size="sm" c="dimmed">
          No visits yet.
        </Text>
      )}
      {visits.isSuccess && visits.data.length > 0 && (
        <Stack gap="md" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
          {visits.data.map((visit) => (
            <VisitRow key={visit.id} visit={visit} onMove={() => setEditing(visit)} />
          ))}
        </Stack>
      )}
      {editing && (
        <VisitForm ticket={ticket} visit={editing === "new" ? undefined : editing} onClose={() => setEditing(null)} />
      )}
    </Paper>
  );
}
