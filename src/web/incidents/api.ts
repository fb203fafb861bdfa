import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type { CustomerIncidents } from "../../shared/incident-banner.js";
import type {
  CreateIncident,
  IncidentCustomerList,
  IncidentDetail,
  IncidentList,
  IncidentListState,
  IncidentMap,
  IncidentTimeline,
  ResolveIncidentResult,
  UpdateIncident,
  ZResolveIncident,
} from "../../shared/incidents.js";
import type { Ticket } from "../../shared/tickets.js";
import { api, idempotencyKeyFor } from "../app/api.js";
import { ticketsKey } from "../tickets/api.js";

export const incidentsKey = ["incidents"] as const;

/** The incidents list of one state (active, scheduled, resolved), page by page. */
export function useIncidents(state: IncidentListState | undefined, limit = 50) {
  return useInfiniteQuery({
    queryKey: [...incidentsKey, "list", state ?? "all", limit],
    queryFn: ({ pageParam, signal }) =>
      api<IncidentList>("/api/incidents", { query: { state, limit, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useIncident(id: string | null | undefined) {
  return useQuery({
    queryKey: [...incidentsKey, "detail", id],
    queryFn: () => api<IncidentDetail>(`/api/incidents/${id}`),
    enabled: Boolean(id),
  });
}

export function useIncidentTimeline(id: string) {
  return useQuery({
    queryKey: [...incidentsKey, "timeline", id],
    queryFn: () => api<IncidentTimeline>(`/api/incidents/${id}/timeline`, { query: { limit: 200 } }),
    select: (timeline) => timeline.items,
  });
}

/** The affected customers, page by page ("Load more"). */
export function useIncidentCustomers(id: string, limit = 25) {
  return useInfiniteQuery({
    queryKey: [...incidentsKey, "customers", id, limit],
    queryFn: ({ pageParam, signal }) =>
      api<IncidentCustomerList>(`/api/incidents/${id}/customers`, { query: { limit, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** The incident's sites and located customers, for its map. */
export function useIncidentMap(id: string) {
  return useQuery({
    queryKey: [...incidentsKey, "map", id],
    queryFn: ({ signal }) => api<IncidentMap>(`/api/incidents/${id}/map`, { signal }),
  });
}

/** The active incidents affecting a customer: the "Affected by" banner. */
export function useCustomerIncidents(customerId: string | null | undefined) {
  return useQuery({
    queryKey: [...incidentsKey, "customer", customerId],
    queryFn: () => api<CustomerIncidents>(`/api/customers/${customerId}/incidents`),
    select: (found) => found.items,
    enabled: Boolean(customerId),
  });
}

export function useCreateIncident() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateIncident) =>
      api<IncidentDetail>("/api/incidents", { method: "POST", body, idempotencyKey: idempotencyKeyFor(body) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: incidentsKey }),
  });
}

/** Every view of incidents and tickets may have changed (counts, links, banners). */
function invalidateAll(queryClient: ReturnType<typeof useQueryClient>) {
  queryClient.invalidateQueries({ queryKey: incidentsKey });
  queryClient.invalidateQueries({ queryKey: ticketsKey });
}

/** Sends a change; the 409 of a stale version is thrown as an ApiError carrying the IncidentConflict. */
export function useUpdateIncident(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateIncident) => api<IncidentDetail>(`/api/incidents/${id}`, { method: "PATCH", body }),
    onSuccess: (incident) => {
      queryClient.setQueryData([...incidentsKey, "detail", id], incident);
      invalidateAll(queryClient);
    },
  });
}

export function useLinkIncidentTicket(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ticketId: string) =>
      api<Ticket>(`/api/incidents/${id}/tickets`, { method: "POST", body: { ticketId } }),
    onSuccess: () => invalidateAll(queryClient),
  });
}

export function useUnlinkIncidentTicket(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ticketId: string) => api<void>(`/api/incidents/${id}/tickets/${ticketId}`, { method: "DELETE" }),
    onSuccess: () => invalidateAll(queryClient),
  });
}

export function useResolveIncident(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    // The input: fields with defaults (resolveTickets, sendMessage) may be left out.
    mutationFn: (body: z.input<typeof ZResolveIncident>) =>
      api<ResolveIncidentResult>(`/api/incidents/${id}/resolve`, { method: "POST", body }),
    onSuccess: () => invalidateAll(queryClient),
  });
}
