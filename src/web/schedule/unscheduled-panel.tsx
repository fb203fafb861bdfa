import { Draggable } from "@fullcalendar/interaction";
import { Alert, Anchor, Badge, Button, Group, Loader, Paper, Stack, Text, Title } from "@mantine/core";
import { useEffect, useRef } from "react";
import { Link } from "react-router";
import { CATEGORY_LABELS, PRIORITY_LABELS } from "../../shared/labels.js";
import type { UnscheduledTicket, VisitDetail } from "../../shared/visits.js";
import { errorMessage } from "../app/api.js";
import { formatDayWindow } from "../visits/visit-format.js";
import { UNSCHEDULED_LIMIT, useUnscheduledTickets } from "./api.js";
import { CHANGE_REQUESTED_WORDS, DEFAULT_VISIT_MINUTES } from "./board.js";

const PRIORITY_COLORS = { low: "gray", normal: "blue", high: "orange", urgent: "red" } as const;

const REASON_WORDS: Record<UnscheduledTicket["reason"], string> = {
  rebook: "Couldn't get in last time",
  field_category: "",
  technician_assigned: "",
};

const durationText = `${String(Math.floor(DEFAULT_VISIT_MINUTES / 60)).padStart(2, "0")}:${String(DEFAULT_VISIT_MINUTES % 60).padStart(2, "0")}`;

/**
 * The side panel: tickets waiting for a visit, each draggable onto a technician's lane (FullCalendar's
 * Draggable) or scheduled from the keyboard with its button; and the visits whose customer asked to
 * move them, which wait for the dispatcher too.
 */
export function UnscheduledPanel({
  onSchedule,
  flagged,
  onOpenVisit,
}: {
  onSchedule: (ticket: UnscheduledTicket) => void;
  /** Every visit ahead the customer asked to change (answered 2/CHANGE to the reminder), whatever day the board shows. */
  flagged: readonly VisitDetail[];
  onOpenVisit: (visit: VisitDetail) => void;
}) {
  const unscheduled = useUnscheduledTickets();
  const list = useRef<HTMLUListElement>(null);

  useEffect(() => {
    const element = list.current;
    if (!element) return;
    const draggable = new Draggable(element, {
      itemSelector: "[data-ticket-id]",
      eventData: (item) => ({
        title: item.dataset.title ?? "",
        duration: durationText,
        // The board creates the visit itself (POST /api/visits) and redraws from the answer.
        create: false,
      }),
    });
    return () => draggable.destroy();
  }, []);

  const items = unscheduled.data?.items ?? [];
  return (
    <Stack gap="md" component="aside" aria-label="Tickets to schedule">
      {flagged.length > 0 && (
        <Paper withBorder p="sm">
          <Title order={2} size="h4" mb="xs">
            {CHANGE_REQUESTED_WORDS}
          </Title>
          <Stack gap={6}>
            {flagged.map((visit) => (
              <Anchor
                key={visit.id}
                component="button"
                type="button"
                size="sm"
                ta="left"
                onClick={() => onOpenVisit(visit)}
              >
                {visit.ticket.number} · {visit.customer?.name ?? visit.ticket.subject} ({visit.technician.name},{" "}
                {formatDayWindow(visit)})
              </Anchor>
            ))}
          </Stack>
        </Paper>
      )}
      <Paper withBorder p="sm">
        <Title order={2} size="h4">
          Needs a visit
        </Title>
        <Text size="xs" c="dimmed" mb="xs">
          Drag a ticket onto a technician's lane, or use its Schedule button.
        </Text>
        {unscheduled.isPending && <Loader size="sm" aria-label="Loading tickets to schedule" />}
        {unscheduled.isError && <Alert color="red">{errorMessage(unscheduled.error)}</Alert>}
        {unscheduled.isSuccess && items.length === 0 && (
          <Text size="sm" c="dimmed">
            No open ticket is waiting for a visit.
          </Text>
        )}
        <ul ref={list} className="uplink-unscheduled">
          {items.map((ticket) => (
            <Paper
              component="li"
              key={ticket.id}
              withBorder
              p="xs"
              data-ticket-id={ticket.id}
              data-title={`${ticket.number} ${ticket.subject}`}
              style={{ cursor: "grab", touchAction: "none" }}
            >
              <Group justify="space-between" gap={4} wrap="nowrap">
                <Anchor component={Link} to={`/tickets/${ticket.id}`} size="sm" fw={600} draggable={false}>
                  {ticket.number}
                </Anchor>
                <Badge size="xs" variant="light" color={PRIORITY_COLORS[ticket.priority]}>
                  {PRIORITY_LABELS[ticket.priority]}
                </Badge>
              </Group>
              <Text size="sm" lineClamp={2}>
                {ticket.subject}
              </Text>
              <Text size="xs" c="dimmed">
                {[CATEGORY_LABELS[ticket.category], ticket.customer?.name, ticket.assignee?.name]
                  .filter(Boolean)
                  .join(" · ")}
              </Text>
              {ticket.customer?.address && (
                <Text size="xs" c="dimmed">
                  {ticket.customer.address}
                </Text>
              )}
              {REASON_WORDS[ticket.reason] && (
                <Text size="xs" fw={600} style={{ color: "var(--mantine-color-orange-text)" }}>
                  {REASON_WORDS[ticket.reason]}
                </Text>
              )}
              <Button size="compact-xs" variant="light" mt={4} onClick={() => onSchedule(ticket)}>
                Schedule {ticket.number}
              </Button>
            </Paper>
          ))}
        </ul>
        {unscheduled.data && unscheduled.data.total > items.length && (
          <Text size="xs" c="dimmed" mt="xs">
            The {UNSCHEDULED_LIMIT} most urgent of {unscheduled.data.total}.
          </Text>
        )}
      </Paper>
    </Stack>
  );
}
