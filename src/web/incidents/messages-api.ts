import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type {
  CancelIncidentMessageResult,
  IncidentMessage,
  IncidentMessageInput,
  IncidentMessageList,
  IncidentMessagePreview,
} from "../../shared/incident-messages.js";
import { api, idempotencyKeyFor } from "../app/api.js";
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

/** The incident's sends with their progress; polled every 2 s while one still has messages to send. */
export function useIncidentMessages(incidentId: string) {
  return useQuery({
    queryKey: messagesKey(incidentId),
    queryFn: () => api<IncidentMessageList>(`/api/incidents/${incidentId}/messages`),
    select: (list) => list.items,
    refetchInterval: (query) => (query.state.data?.items.some((message) => message.counts.queued > 0) ? 2_000 : false),
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
