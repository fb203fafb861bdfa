import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { EndedSessions, StaffSessionList } from "../../shared/sessions.js";
import { api } from "../app/api.js";

/** Whose sessions: one's own (Profile), or a staff member's (an admin, Settings → Staff). */
export type SessionsOwner = { kind: "own" } | { kind: "staff"; userId: string };

const sessionsKey = (owner: SessionsOwner) => ["sessions", owner.kind === "own" ? "own" : owner.userId] as const;
const listUrl = (owner: SessionsOwner) =>
  owner.kind === "own" ? "/api/auth/sessions" : `/api/users/${owner.userId}/sessions`;

/** Where someone is signed in, refreshed each minute (last seen moves as they work). */
export function useSessions(owner: SessionsOwner) {
  return useQuery({
    queryKey: sessionsKey(owner),
    queryFn: () => api<StaffSessionList>(listUrl(owner)),
    select: (list) => list.items,
    refetchInterval: 60_000,
  });
}

/** Ends one session (by its public id): it is signed out at its next request. */
export function useEndSession(owner: SessionsOwner) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      api<void>(owner.kind === "own" ? `/api/auth/sessions/${id}` : `/api/users/${owner.userId}/sessions/${id}`, {
        method: "DELETE",
      }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionsKey(owner) }),
  });
}

/** Own: every session but this one. A staff member's: all of them. */
export function useEndOtherSessions(owner: SessionsOwner) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      owner.kind === "own"
        ? api<EndedSessions>("/api/auth/sessions/end-others", { method: "POST" })
        : api<EndedSessions>(`/api/users/${owner.userId}/sessions`, { method: "DELETE" }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionsKey(owner) }),
  });
}
