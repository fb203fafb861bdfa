import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { CreateServicePlan, ServicePlan, ServicePlanList, UpdateServicePlan } from "../../shared/plans.js";
import { api } from "../app/api.js";

export const plansKey = ["service-plans"] as const;

/** All plans (there are tens at most): one request of 200. */
export function useServicePlans(options: { active?: boolean } = {}) {
  return useQuery({
    queryKey: [...plansKey, options],
    queryFn: () => api<ServicePlanList>("/api/service-plans", { query: { limit: 200, active: options.active } }),
    select: (list) => list.items,
  });
}

export function useSavePlan() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: (CreateServicePlan | UpdateServicePlan) & { id?: string }) =>
      id
        ? api<ServicePlan>(`/api/service-plans/${id}`, { method: "PATCH", body })
        : api<ServicePlan>("/api/service-plans", { method: "POST", body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: plansKey }),
  });
}

export function useDeletePlan() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/service-plans/${id}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: plansKey }),
  });
}
