import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, setCsrfToken } from "../app/api.js";
import { SESSION_QUERY_KEY } from "../app/auth.js";

// Apart from the sign-in form's calls (./api.ts, in the sign-in page's kit): the account menu signs
// out on every page and should not download that kit for it (vite.config.ts, group "sign-in").

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
