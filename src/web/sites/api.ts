import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { CreateSite, Site, SiteList, UpdateSite } from "../../shared/sites.js";
import { api } from "../app/api.js";

export const sitesKey = ["sites"] as const;

/** All network sites (tens at most): one request of 200. */
export function useSites(options: { active?: boolean } = {}) {
  return useQuery({
    queryKey: [...sitesKey, options],
    queryFn: () => api<SiteList>("/api/sites", { query: { limit: 200, active: options.active } }),
    select: (list) => list.items,
  });
}

export function useSaveSite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: (CreateSite | UpdateSite) & { id?: string }) =>
      id ? api<Site>(`/api/sites/${id}`, { method: "PATCH", body }) : api<Site>("/api/sites", { method: "POST", body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sitesKey }),
  });
}

export function useDeleteSite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/sites/${id}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sitesKey }),
  });
}
