import { Badge, type MantineColor, Tooltip } from "@mantine/core";
import type { TicketPriority, TicketStatus } from "../../shared/enums.js";
import { PRIORITY_LABELS, STATUS_LABELS } from "../../shared/tickets.js";

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
    <Tooltip label={dueAt ? `Was due ${formatDateTime(dueAt)}` : "Overdue"}>
      <Badge color="red" variant="filled">
        Overdue
      </Badge>
    </Tooltip>
  );
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));

/** "in 3 h", "5 min ago": how far a time is from now, for due times and the timeline. */
export function formatRelative(iso: string, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });
  if (abs < 60_000) return rtf.format(Math.round(diff / 1000), "second");
  if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), "minute");
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), "hour");
  return rtf.format(Math.round(diff / 86_400_000), "day");
}

export const STATUS_OPTIONS = Object.entries(STATUS_LABELS).map(([value, label]) => ({ value, label }));
export const PRIORITY_OPTIONS = Object.entries(PRIORITY_LABELS).map(([value, label]) => ({ value, label }));
