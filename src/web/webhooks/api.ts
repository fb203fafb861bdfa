import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type {
  CreateWebhook,
  UpdateWebhook,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookList,
  WebhookWithSecret,
} from "../../shared/webhooks.js";
import { api } from "../app/api.js";

export const webhooksKey = ["webhooks"] as const;
const deliveriesKey = (id: string) => [...webhooksKey, id, "deliveries"] as const;

/** The endpoints (an admin's short list, never with secrets). */
export function useWebhooks() {
  return useQuery({
    queryKey: webhooksKey,
    queryFn: () => api<WebhookList>("/api/webhooks"),
    select: (list) => list.items,
  });
}

/** Creates an endpoint; the answer holds the secret, which the page shows once. */
export function useCreateWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateWebhook) => api<WebhookWithSecret>("/api/webhooks", { method: "POST", body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhooksKey }),
  });
}

export function useUpdateWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateWebhook & { id: string }) =>
      api<Webhook>(`/api/webhooks/${id}`, { method: "PATCH", body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhooksKey }),
  });
}

export function useDeleteWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/webhooks/${id}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhooksKey }),
  });
}

/** A new secret, shown once; the old one keeps signing for 24 h. */
export function useRotateWebhookSecret() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<WebhookWithSecret>(`/api/webhooks/${id}/rotate-secret`, { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhooksKey }),
  });
}

/** The newest 50 deliveries, refreshed every 5 s while shown (retries and test events land in the background). */
export function useWebhookDeliveries(id: string) {
  return useQuery({
    queryKey: deliveriesKey(id),
    queryFn: () => api<WebhookDeliveryPage>(`/api/webhooks/${id}/deliveries`, { query: { limit: 50 } }),
    select: (page) => page.items,
    refetchInterval: 5_000,
  });
}

export function useRedeliver(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (deliveryId: string) =>
      api<WebhookDelivery>(`/api/webhooks/${id}/deliveries/${deliveryId}/redeliver`, { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: deliveriesKey(id) }),
  });
}

export function useSendTestEvent(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<WebhookDelivery>(`/api/webhooks/${id}/test`, { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: deliveriesKey(id) }),
  });
}
