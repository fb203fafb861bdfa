import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { CreateUser, UpdateProfile, UpdateUser, User, UserDetail, UserList } from "../../shared/users.js";
import { api } from "../app/api.js";
import { SESSION_QUERY_KEY } from "../app/auth.js";

export const usersKey = ["users"] as const;

/** All staff (active and not); staff lists are short, so one request of 200 covers them. */
export function useStaff(options: { active?: boolean } = {}) {
  return useQuery({
    queryKey: [...usersKey, options],
    queryFn: () => api<UserList>("/api/users", { query: { limit: 200, active: options.active } }),
    select: (list) => list.items,
  });
}

/** One staff account with the open tickets it holds (asked fresh when a deactivation is confirmed). */
export function useStaffMember(id: string | null) {
  return useQuery({
    queryKey: [...usersKey, "detail", id],
    queryFn: () => api<UserDetail>(`/api/users/${id}`),
    enabled: id !== null,
    staleTime: 0,
  });
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUser) => api<User>("/api/users", { method: "POST", body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKey }),
  });
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateUser & { id: string }) =>
      api<User>(`/api/users/${id}`, { method: "PATCH", body }),
    onSuccess: (_user, variables) => {
      queryClient.invalidateQueries({ queryKey: usersKey });
      queryClient.invalidateQueries({ queryKey: SESSION_QUERY_KEY });
      // A deactivation may have moved open tickets to someone else.
      if (variables.reassignTo !== undefined) {
        queryClient.invalidateQueries({ queryKey: ["tickets"] });
        queryClient.invalidateQueries({ queryKey: ["dashboard"] });
      }
    },
  });
}

export function useUpdateProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateProfile) => api<User>("/api/users/me", { method: "PATCH", body }),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: usersKey });
      queryClient.invalidateQueries({ queryKey: SESSION_QUERY_KEY });
    },
  });
}
