import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ApiToken, CreateApiToken, CreatedApiToken } from "../../shared/tokens.js";
import { api } from "../app/api.js";

export const tokensKey = ["api-tokens"] as const;

/** API tokens: the signed-in staff member's own (admins: everyone's). */
export function useApiTokens() {
  return useQuery({
    queryKey: tokensKey,
    queryFn: () => api<{ items: ApiToken[] }>("/api/tokens"),
    select: (list) => list.items,
  });
}

/** Creates a token; the answer holds the secret, which the page shows once. */
export function useCreateApiToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateApiToken) => api<CreatedApiToken>("/api/tokens", { method: "POST", body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokensKey }),
  });
}

export function useRevokeApiToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/tokens/${id}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokensKey }),
  });
}
