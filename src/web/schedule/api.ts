import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import type { CreateVisit, UnscheduledTickets, UpdateVisit, VisitDetail, VisitList } from "../../shared/visits.js";
import { api, idempotencyKeyFor } from "../app/api.js";

/** Under ["visits"], so whatever changes a visit elsewhere (My day, the ticket page) refreshes the board too. */
export const boardKey = ["visits", "board"] as const;

/** Every visit overlapping the window (at most 62 days: a week is 7), by start. */
export function useBoardVisits(window: { start: Date; end: Date }) {
  const from = window.start.toISOString();
  const to = window.end.toISOString();
  return useQuery({
    queryKey: [...boardKey, "visits", from, to],
    queryFn: ({ signal }) => api<VisitList>("/api/visits", { query: { from, to }, signal }),
    select: (list) => list.items,
    // Technicians step through their day meanwhile (on the way, arrived, done): keep the board current.
    refetchInterval: 60_000,
  });
}

/**
 * Every scheduled visit whose customer asked to change it, any day (the board's window shows only
 * its own): they wait for the dispatcher until moved.
 */
export function useChangeRequestedVisits() {
  return useQuery({
    queryKey: [...boardKey, "change-requested"],
    queryFn: ({ signal }) => api<VisitList>("/api/visits", { query: { changeRequested: "true" }, signal }),
    select: (list) => list.items,
    refetchInterval: 60_000,
  });
}

export const UNSCHEDULED_LIMIT = 100;

/** Open tickets that need a visit and have none ahead, most urgent first. */
export function useUnscheduledTickets() {
  return useQuery({
    queryKey: [...boardKey, "unscheduled"],
    queryFn: ({ signal }) =>
      api<UnscheduledTickets>("/api/visits/unscheduled", { query: { limit: UNSCHEDULED_LIMIT }, signal }),
    refetchInterval: 60_000,
  });
}

export type NewVisit = Omit<CreateVisit, "allowOverlap">;
export type VisitMove = Pick<UpdateVisit, "technicianId" | "startsAt" | "endsAt">;

/**
 * The board's writes, plain: each answers the visit or throws the ApiError (409 double booking,
 * version conflict, not movable), which the board turns into a question or a revert. The board
 * refreshes either way (`refresh`).
 */
export function useBoardWrites() {
  const queryClient = useQueryClient();
  const refresh = useCallback(() => queryClient.invalidateQueries({ queryKey: ["visits"] }), [queryClient]);
  const create = useCallback((body: NewVisit, allowOverlap: boolean) => {
    // One key per attempt: "Book anyway" is a new request, not a retry of the refused one.
    const payload = { ...body, allowOverlap };
    return api<VisitDetail>("/api/visits", {
      method: "POST",
      body: payload,
      idempotencyKey: idempotencyKeyFor(payload),
    });
  }, []);
  const move = useCallback(
    (visit: Pick<VisitDetail, "id" | "version">, changes: VisitMove, allowOverlap: boolean) =>
      api<VisitDetail>(`/api/visits/${visit.id}`, {
        method: "PATCH",
        body: { ...changes, version: visit.version, allowOverlap },
      }),
    [],
  );
  return { create, move, refresh };
}
