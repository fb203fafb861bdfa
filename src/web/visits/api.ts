import { type QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type {
  CreateVisit,
  MyDay,
  UpdateVisit,
  VisitArrived,
  VisitCancel,
  VisitComplete,
  VisitDetail,
  VisitEnRoute,
  VisitList,
  VisitListQuery,
  VisitNoAccess,
  VisitsToday,
} from "../../shared/visits.js";
import { api, idempotencyKeyFor } from "../app/api.js";
import { customersKey } from "../customers/api.js";
import { ticketsKey } from "../tickets/api.js";

export const visitsKey = ["visits"] as const;

/** The signed-in technician's day: today's visits in order, tomorrow's, unscheduled work. */
export function useMyDay() {
  return useQuery({
    queryKey: [...visitsKey, "my-day"],
    queryFn: ({ signal }) => api<MyDay>("/api/visits/my-day", { signal }),
    // A technician leaves the page open all day: the office may add or move a visit meanwhile.
    refetchInterval: 60_000,
  });
}

/** Today's visits by state (the dashboard's card). */
export function useVisitsToday() {
  return useQuery({
    queryKey: [...visitsKey, "today"],
    queryFn: ({ signal }) => api<VisitsToday>("/api/visits/today", { signal }),
    refetchInterval: 60_000,
  });
}

/** Visits of a ticket, a customer, or a window (from and to), by start. */
export function useVisits(query: VisitListQuery, options: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: [...visitsKey, "list", query],
    queryFn: ({ signal }) => api<VisitList>("/api/visits", { query: { ...query }, signal }),
    select: (list) => list.items,
    enabled: options.enabled ?? true,
  });
}

/**
 * What a visit's change shows elsewhere: every visit list, the ticket (its status, its timeline),
 * the customer (equipment a completion swapped), the SMS log (on the way, couldn't get in).
 */
export function invalidateAfterVisit(queryClient: QueryClient, visit: Pick<VisitDetail, "ticketId" | "customer">) {
  queryClient.invalidateQueries({ queryKey: visitsKey });
  queryClient.invalidateQueries({ queryKey: [...ticketsKey, "detail", visit.ticketId] });
  queryClient.invalidateQueries({ queryKey: [...ticketsKey, "timeline", visit.ticketId] });
  // Queues and the customer's ticket list show the ticket's status, which Done may change.
  queryClient.invalidateQueries({ queryKey: [...ticketsKey, "list"] });
  if (visit.customer) queryClient.invalidateQueries({ queryKey: [...customersKey, "one", visit.customer.id] });
  queryClient.invalidateQueries({ queryKey: ["sms"] });
  queryClient.invalidateQueries({ queryKey: ["dashboard"] });
}

/** Scheduling. `allowOverlap: true` books a technician already busy then (after a 409 visit.double_booked). */
export function useCreateVisit() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<CreateVisit> & Omit<CreateVisit, "allowOverlap">) =>
      api<VisitDetail>("/api/visits", { method: "POST", body, idempotencyKey: idempotencyKeyFor(body) }),
    onSuccess: (visit) => invalidateAfterVisit(queryClient, visit),
  });
}

/** Moving or reassigning: the changed fields with the version shown (409 visit.version_conflict). */
export function useUpdateVisit() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string } & Partial<UpdateVisit> & Pick<UpdateVisit, "version">) =>
      api<VisitDetail>(`/api/visits/${id}`, { method: "PATCH", body }),
    onSuccess: (visit) => invalidateAfterVisit(queryClient, visit),
  });
}

/** The steps of a visit and the body each takes. */
export interface VisitSteps {
  "en-route": VisitEnRoute;
  arrived: VisitArrived;
  complete: VisitComplete;
  "no-access": VisitNoAccess;
  cancel: VisitCancel;
}
export type VisitStep = keyof VisitSteps;

/**
 * One step: POST /api/visits/:id/<step>. `idempotencyKey` is the action's key (a retry of the
 * same action sends the same key, and the server answers it from the first request).
 */
export function sendVisitStep<S extends VisitStep>(id: string, step: S, body: VisitSteps[S], idempotencyKey: string) {
  return api<VisitDetail>(`/api/visits/${id}/${step}`, { method: "POST", body, idempotencyKey });
}

/** On my way, Arrived, Couldn't get in, Cancel: one user action, one Idempotency-Key. */
export function useVisitStep<S extends Exclude<VisitStep, "complete">>(step: S) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (variables: { id: string; body: VisitSteps[S] }) =>
      sendVisitStep(variables.id, step, variables.body, idempotencyKeyFor(variables)),
    onSuccess: (visit) => invalidateAfterVisit(queryClient, visit),
  });
}
