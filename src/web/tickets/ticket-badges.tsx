import { Badge, type MantineColor, Text } from "@mantine/core";
import type { TicketPriority, TicketStatus } from "../../shared/enums.js";
import { CATEGORY_LABELS, optionsOf, PRIORITY_LABELS, STATUS_LABELS } from "../../shared/labels.js";
import type { TicketListItem } from "../../shared/tickets.js";
import { DateTime } from "../app/date-time.js";
import { formatDateTime, formatDuration } from "../app/format.js";
import { Hint } from "../app/hint.js";

export const STATUS_COLORS: Record<TicketStatus, MantineColor> = {
  open: "blue",
  in_progress: "violet",
  waiting_on_customer: "yellow",
  resolved: "green",
  closed: "gray",
};

export const PRIORITY_COLORS: Record<TicketPriority, MantineColor> = {
  low: "gray",
  normal: "blue",
  high: "orange",
  urgent: "red",
};

export function StatusBadge({ status }: { status: TicketStatus }) {
  return (
    <Badge variant="light" color={STATUS_COLORS[status]}>
      {STATUS_LABELS[status]}
    </Badge>
  );
}

export function PriorityBadge({ priority }: { priority: TicketPriority }) {
  return (
    <Badge variant={priority === "urgent" ? "filled" : "light"} color={PRIORITY_COLORS[priority]}>
      {PRIORITY_LABELS[priority]}
    </Badge>
  );
}

export function OverdueBadge({ dueAt }: { dueAt: string | null }) {
  return (
    <Hint label={dueAt ? `Was due ${formatDateTime(dueAt)}` : "Overdue"}>
      <Badge color="red" variant="filled">
        Overdue
      </Badge>
    </Hint>
  );
}

/** "3 h 20 min left" or "2 h late": what a stopped SLA clock holds. */
export function slaRemainingWords(seconds: number | null): string {
  if (seconds === null) return "";
  return seconds >= 0 ? `${formatDuration(seconds)} left` : `${formatDuration(-seconds)} late`;
}

/** The SLA clock is stopped (waiting on the customer, resolved or closed): never overdue meanwhile. */
export function SlaPausedBadge({ remainingSeconds }: { remainingSeconds: number | null }) {
  return (
    <Hint
      label={`The SLA clock is stopped while the ticket waits on the customer or is resolved. ${slaRemainingWords(
        remainingSeconds,
      )} when it runs again.`}
      multiline
      w={260}
    >
      <Badge color="gray" variant="outline">
        SLA paused
      </Badge>
    </Hint>
  );
}

export const STATUS_OPTIONS = optionsOf(STATUS_LABELS);
export const PRIORITY_OPTIONS = optionsOf(PRIORITY_LABELS);
export const CATEGORY_OPTIONS = optionsOf(CATEGORY_LABELS);

/** A ticket's due moment as a queue shows it: overdue, its SLA clock stopped, or when it is due. */
export function DueCell({ ticket }: { ticket: TicketListItem }) {
  if (ticket.overdue) return <OverdueBadge dueAt={ticket.dueAt} />;
  if (ticket.slaPaused && ticket.status === "waiting_on_customer") {
    return <SlaPausedBadge remainingSeconds={ticket.slaRemainingSeconds} />;
  }
  if (!ticket.dueAt || ticket.status === "resolved" || ticket.status === "closed") return <Text size="sm">—</Text>;
  return (
    <Text size="sm">
      <DateTime value={ticket.dueAt} />
    </Text>
  );
}
