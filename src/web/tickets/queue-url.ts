import { OPEN_TICKET_STATUSES, type TicketPriority, type TicketStatus } from "../../shared/enums.js";
import type { TicketFilters } from "./api.js";

/** The queue's quick views: each asks the server for a base filter that the page's filters narrow. */
export const QUEUE_VIEWS = [
  { value: "mine", label: "My open" },
  { value: "unassigned", label: "Unassigned" },
  { value: "overdue", label: "Overdue" },
  { value: "open", label: "All open" },
  { value: "all", label: "All" },
] as const;
export type QueueView = (typeof QUEUE_VIEWS)[number]["value"];

export const VIEW_FILTERS: Record<QueueView, TicketFilters> = {
  mine: { assigneeId: "me", status: [...OPEN_TICKET_STATUSES], sort: "due" },
  unassigned: { assigneeId: "none", status: [...OPEN_TICKET_STATUSES], sort: "-created" },
  overdue: { overdue: true, sort: "due" },
  open: { status: [...OPEN_TICKET_STATUSES], sort: "-created" },
  all: { sort: "-created" },
};

const isView = (value: string | null): value is QueueView => QUEUE_VIEWS.some((view) => view.value === value);
const listOf = (value: string | null) => (value ? value.split(",").filter(Boolean) : undefined);

/**
 * The queue as its address says it. The parameters carry the API's own names (`status`,
 * `priority`, `category`, `assigneeId`, `customerId`, `incidentId`, `overdue`, `sort`, `q`) over the `view`.
 */
export function queueFromParams(params: URLSearchParams, defaultView: QueueView) {
  const requested = params.get("view");
  const view = isView(requested) ? requested : defaultView;
  const base = VIEW_FILTERS[view];
  const filters: TicketFilters = {
    ...base,
    q: params.get("q") || undefined,
    status: listOf(params.get("status")) ?? base.status,
    priority: listOf(params.get("priority")),
    category: listOf(params.get("category")),
    assigneeId: params.get("assigneeId") || base.assigneeId,
    customerId: params.get("customerId") || undefined,
    incidentId: params.get("incidentId") || undefined,
    overdue: params.get("overdue") === "true" || base.overdue,
    sort: params.get("sort") || base.sort,
  };
  return { view, filters };
}

/**
 * A link to the queue showing exactly what a number counts (the dashboard's, for one).
 * `open: true` asks for the three open statuses, as the dashboard counts them.
 */
export function queueUrl(link: {
  open?: boolean;
  status?: TicketStatus;
  priority?: TicketPriority;
  assigneeId?: string;
  overdue?: boolean;
}): string {
  const params = new URLSearchParams();
  const view: QueueView = link.overdue
    ? "overdue"
    : link.assigneeId === "me"
      ? "mine"
      : link.assigneeId === "none"
        ? "unassigned"
        : "open";
  params.set("view", view);
  if (link.status) params.set("status", link.status);
  else if (link.open) params.set("status", OPEN_TICKET_STATUSES.join(","));
  if (link.priority) params.set("priority", link.priority);
  if (link.assigneeId) params.set("assigneeId", link.assigneeId);
  if (link.overdue) params.set("overdue", "true");
  // Commas read better in the address bar than %2C, and URLSearchParams decodes both.
  return `/tickets?${params.toString().replaceAll("%2C", ",")}`;
}
