import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type {
  CancelIncidentMessageResult,
  IncidentMessage,
  IncidentMessageInput,
  IncidentMessageList,
  IncidentMessagePreview,
} from "../../shared/incident-messages.js";
import { api, idempotencyKeyFor } from "../app/api.js";
import { useLiveStatus } from "../live/live-provider.js";
import { incidentsKey } from "./api.js";

const messagesKey = (incidentId: string) => [...incidentsKey, "messages", incidentId] as const;

/** What a message would do (sample, recipients, segments, skipped); asked again as the choice changes. */
export function useIncidentMessagePreview(incidentId: string, input: IncidentMessageInput | null) {
  return useQuery({
    queryKey: [...messagesKey(incidentId), "preview", input],
    queryFn: ({ signal }) =>
      api<IncidentMessagePreview>(`/api/incidents/${incidentId}/messages/preview`, {
        method: "POST",
        body: input,
        signal,
      }),
    enabled: input !== null,
    placeholderData: keepPreviousData,
  });
}

const RECEIPT_WINDOW_MS = 30 * 60_000;

/**
 * The incident's sends with their progress. The live stream's SMS hints name the incident as its
 * messages go out and their receipts come in (src/web/live/live-invalidation.ts), so nothing is
 * polled while it is up; while it is down, a slower poll stands in.
 */
export function useIncidentMessages(incidentId: string) {
  const live = useLiveStatus();
  return useQuery({
    queryKey: messagesKey(incidentId),
    queryFn: () => api<IncidentMessageList>(`/api/incidents/${incidentId}/messages`),
    select: (list) => list.items,
    // Without the stream: every 5 s while a send is going out; then every 15 s for half an hour
    // while delivery receipts still come in (sent → delivered or failed), so the bar settles.
    refetchInterval: (query) => {
      if (live.connected) return false;
      const items = query.state.data?.items ?? [];
      if (items.some((message) => message.counts.queued > 0)) return 5_000;
      const settling = items.some(
        (message) => message.counts.sent > 0 && Date.now() - Date.parse(message.createdAt) < RECEIPT_WINDOW_MS,
      );
      return settling ? 15_000 : false;
    },
  });
}

export function useSendIncidentMessage(incidentId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: IncidentMessageInput) =>
      api<IncidentMessage>(`/api/incidents/${incidentId}/messages`, {
        method: "POST",
        body,
        idempotencyKey: idempotencyKeyFor(body),
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: incidentsKey }),
  });
}

export function useCancelIncidentMessage(incidentId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sendId: string) =>
      api<CancelIncidentMessageResult>(`/api/incidents/${incidentId}/messages/${sendId}/cancel`, { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: incidentsKey }),
  });
}
