import { Badge, type MantineColor, Tooltip } from "@mantine/core";
import type { TicketPriority, TicketStatus } from "../../shared/enums.js";
import { CATEGORY_LABELS, optionsOf, PRIORITY_LABELS, STATUS_LABELS } from "../../shared/labels.js";
import { formatDateTime } from "../app/format.js";

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

export const STATUS_OPTIONS = optionsOf(STATUS_LABELS);
export const PRIORITY_OPTIONS = optionsOf(PRIORITY_LABELS);
export const CATEGORY_OPTIONS = optionsOf(CATEGORY_LABELS);
