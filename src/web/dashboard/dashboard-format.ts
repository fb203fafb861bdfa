import type { ActivityEvent } from "../../shared/dashboard.js";
import { OPEN_TICKET_STATUSES, type TicketPriority, type TicketStatus } from "../../shared/enums.js";

export const TICKET_STATUS_LABELS: Record<TicketStatus, string> = {
  open: "Open",
  in_progress: "In progress",
  waiting_on_customer: "Waiting on customer",
  resolved: "Resolved",
  closed: "Closed",
};

export const TICKET_PRIORITY_LABELS: Record<TicketPriority, string> = {
  low: "Low",
  normal: "Normal",
  high: "High",
  urgent: "Urgent",
};

/**
 * A link to the tickets queue showing exactly what a number counts. The filters go in twice:
 * under the API's own names (`status`, `priority`, `assigneeId`, `overdue=true`: the agreed
 * link format), and as the tickets page's quick view (`view`) and `assignee` parameter, which is
 * what that page reads today. `open: true` adds the three open statuses, as the dashboard counts.
 */
export function queueLink(filters: {
  open?: boolean;
  status?: TicketStatus;
  priority?: TicketPriority;
  assigneeId?: string;
  overdue?: boolean;
}): string {
  const params = new URLSearchParams();
  const view = filters.overdue
    ? "overdue"
    : filters.assigneeId === "me"
      ? "mine"
      : filters.assigneeId === "none"
        ? "unassigned"
        : "open";
  params.set("view", view);
  if (filters.status) params.set("status", filters.status);
  else if (filters.open) params.set("status", OPEN_TICKET_STATUSES.join(","));
  if (filters.priority) params.set("priority", filters.priority);
  if (filters.assigneeId) {
    params.set("assigneeId", filters.assigneeId);
    params.set("assignee", filters.assigneeId);
  }
  if (filters.overdue) params.set("overdue", "true");
  // Commas read better in the address bar than %2C, and URLSearchParams decodes both.
  return `/tickets?${params.toString().replaceAll("%2C", ",")}`;
}

/** "45 min", "3 h 20 min", "2 d 4 h": a median duration at a glance. */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return "under 1 min";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest ? `${days} d ${rest} h` : `${days} d`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "5 minutes ago", "yesterday": how long ago an activity happened. */
export function formatTimeAgo(iso: string, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return "just now";
  if (abs < 3_600_000) return relative.format(Math.round(diff / 60_000), "minute");
  if (abs < 86_400_000) return relative.format(Math.round(diff / 3_600_000), "hour");
  if (abs < 30 * 86_400_000) return relative.format(Math.round(diff / 86_400_000), "day");
  return new Date(iso).toLocaleDateString();
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));

const dayLabel = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
/** "Mar 9" for a YYYY-MM-DD day (already a local day: formatted without shifting it). */
export const formatDay = (date: string) => dayLabel.format(new Date(`${date}T00:00:00Z`));

const statusOrPriority = (value: string | null) =>
  value === null
    ? "none"
    : (TICKET_STATUS_LABELS[value as TicketStatus] ?? TICKET_PRIORITY_LABELS[value as TicketPriority] ?? value);

/** What happened, as the verb phrase after the actor's name ("changed the status from Open to Resolved on"). */
export function describeActivity(event: ActivityEvent): string {
  switch (event.kind) {
    case "created":
      return "opened";
    case "status_changed":
      return `changed the status from ${statusOrPriority(event.fromValue)} to ${statusOrPriority(event.toValue)} on`;
    case "priority_changed":
      return `changed the priority from ${statusOrPriority(event.fromValue)} to ${statusOrPriority(event.toValue)} on`;
    case "assigned":
      return event.toValue === null ? "unassigned" : `assigned ${event.toValue} to`;
    case "updated":
      return "edited";
    case "commented":
      return "commented on";
    case "sms_queued":
      return "queued an SMS about";
    case "sms_skipped":
      return "skipped an SMS about";
    case "sms_sent":
      return "sent an SMS about";
    case "sms_delivered":
      return "delivered an SMS about";
    case "sms_failed":
      return "failed to send an SMS about";
    case "sms_received":
      return "received an SMS reply on";
    case "customer_opted_out":
      return "recorded an SMS opt-out on";
    case "customer_opted_in":
      return "recorded an SMS opt-in on";
  }
}
