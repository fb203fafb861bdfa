import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { Login, SessionInfo } from "../../shared/auth.js";
import { api, setCsrfToken } from "../app/api.js";
import { SESSION_QUERY_KEY } from "../app/auth.js";

/** Signs in; the session it answers becomes the app's session at once. */
export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Login) => api<SessionInfo>("/api/auth/login", { method: "POST", body }),
    onSuccess: (info) => {
      setCsrfToken(info.csrfToken);
      queryClient.setQueryData(SESSION_QUERY_KEY, info);
    },
  });
}

/** Signs out; whatever the server answers, this browser forgets the session and its data. */
export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>("/api/auth/logout", { method: "POST" }),
    onSettled: () => {
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(SESSION_QUERY_KEY, null);
    },
  });
}
