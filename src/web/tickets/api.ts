import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type {
  BulkTicketAction,
  CreateComment,
  CreatedComment,
  CreateTicket,
  SiteTickets,
  SlaHours,
  SlaSettingsPatch,
  SlaSettingsView,
  Ticket,
  TicketDetail,
  TicketList,
  TimelineEntry,
  UpdateTicket,
} from "../../shared/tickets.js";
import { api, idempotencyKeyFor } from "../app/api.js";
import { LIVE_HELD } from "../live/api.js";
import { useLiveStatus } from "../live/live-provider.js";

export const ticketsKey = ["tickets"] as const;

/** Query parameters of the queue, as the API takes them (lists comma-joined). */
export interface TicketFilters {
  q?: string;
  status?: string[];
  priority?: string[];
  category?: string[];
  assigneeId?: string;
  customerId?: string;
  /** Tickets linked to this incident. */
  incidentId?: string;
  overdue?: boolean;
  sort?: string;
}

function queryOf(filters: TicketFilters) {
  return {
    q: filters.q,
    status: filters.status?.join(","),
    priority: filters.priority?.join(","),
    category: filters.category?.join(","),
    assigneeId: filters.assigneeId,
    customerId: filters.customerId,
    incidentId: filters.incidentId,
    overdue: filters.overdue ? "true" : undefined,
    sort: filters.sort,
  };
}

/**
 * The queue, page by page (keyset cursors): "Load more" fetches the next page. `held`: others'
 * changes do not refetch it (the queue offers them in a pill instead, src/web/live/list-news.tsx).
 */
export function useTicketQueue(filters: TicketFilters, limit = 50, options: { held?: boolean } = {}) {
  return useInfiniteQuery({
    queryKey: [...ticketsKey, "list", filters, limit],
    meta: options.held ? LIVE_HELD : undefined,
    queryFn: ({ pageParam, signal }) =>
      api<TicketList>("/api/tickets", { query: { ...queryOf(filters), limit, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useTicket(id: string) {
  return useQuery({
    queryKey: [...ticketsKey, "detail", id],
    queryFn: () => api<TicketDetail>(`/api/tickets/${id}`),
  });
}

const smsInFlight = (entry: TimelineEntry) =>
  entry.type === "comment"
    ? entry.sms?.status === "queued" || entry.sms?.status === "sending"
    : entry.kind === "sms_queued";

export function useTimeline(id: string) {
  const live = useLiveStatus();
  return useQuery({
    queryKey: [...ticketsKey, "timeline", id],
    queryFn: () => api<{ items: TimelineEntry[] }>(`/api/tickets/${id}/timeline`),
    select: (data) => data.items,
    // An SMS on its way (queued, sending) changes state in the background: the live stream says
    // when; without it, look again until it settles.
    refetchInterval: (query) => (!live.connected && query.state.data?.items.some(smsInFlight) ? 5_000 : false),
  });
}

export function useCreateTicket() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateTicket) =>
      api<TicketDetail>("/api/tickets", { method: "POST", body, idempotencyKey: idempotencyKeyFor(body) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ticketsKey }),
  });
}

export function useUpdateTicket(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateTicket) => api<TicketDetail>(`/api/tickets/${id}`, { method: "PATCH", body }),
    onSuccess: (ticket) => {
      queryClient.setQueryData([...ticketsKey, "detail", id], ticket);
      queryClient.invalidateQueries({ queryKey: ticketsKey });
    },
  });
}

export function useAddComment(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateComment) =>
      api<CreatedComment>(`/api/tickets/${id}/comments`, {
        method: "POST",
        body,
        idempotencyKey: idempotencyKeyFor(body),
      }),
    onSuccess: (comment) => {
      queryClient.invalidateQueries({ queryKey: ticketsKey });
      if (comment.sms) queryClient.invalidateQueries({ queryKey: ["sms"] });
    },
  });
}

export function useBulkUpdateTickets() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BulkTicketAction) => api<{ items: Ticket[] }>("/api/tickets/bulk", { method: "POST", body }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ticketsKey }),
  });
}

export function useSlaHours() {
  return useQuery({ queryKey: [...ticketsKey, "sla-hours"], queryFn: () => api<SlaHours>("/api/tickets/sla-hours") });
}

export function useUpdateSlaHours() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SlaHours) => api<SlaHours>("/api/tickets/sla-hours", { method: "PUT", body }),
    onSuccess: (hours) => queryClient.setQueryData([...ticketsKey, "sla-hours"], hours),
  });
}

export function useSlaSettings() {
  return useQuery({
    queryKey: [...ticketsKey, "sla-settings"],
    queryFn: () => api<SlaSettingsView>("/api/tickets/sla-settings"),
  });
}

export function useUpdateSlaSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SlaSettingsPatch) => api<SlaSettingsView>("/api/tickets/sla-settings", { method: "PUT", body }),
    onSuccess: (saved) => {
      queryClient.setQueryData([...ticketsKey, "sla-settings"], saved);
      queryClient.setQueryData([...ticketsKey, "sla-hours"], saved.resolutionHours);
    },
  });
}

/** Other customers' open tickets at this customer's network site (a problem there, until incidents exist). */
export function useSiteTickets(customerId: string) {
  return useQuery({
    queryKey: [...ticketsKey, "site-of-customer", customerId],
    queryFn: ({ signal }) => api<SiteTickets>(`/api/customers/${customerId}/site-tickets`, { signal }),
  });
}
