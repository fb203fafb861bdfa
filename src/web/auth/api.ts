import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Login, SessionInfo, Setup, SetupStatus } from "../../shared/auth.js";
import type { SecondFactorRequired } from "../../shared/two-factor.js";
import { api, setCsrfToken } from "../app/api.js";
import { SESSION_QUERY_KEY } from "../app/auth.js";

/**
 * Signs in; the session it answers becomes the app's session at once. With two-factor sign-in set
 * up, the answer asks for the second step instead (no session yet).
 */
export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Login) => api<SessionInfo | SecondFactorRequired>("/api/auth/login", { method: "POST", body }),
    onSuccess: (answer) => {
      if ("secondFactor" in answer) return;
      setCsrfToken(answer.csrfToken);
      queryClient.setQueryData(SESSION_QUERY_KEY, answer);
    },
  });
}

const SETUP_STATUS_KEY = ["auth", "setup"] as const;

/** Whether the installation still needs its first admin (no one could sign in yet). */
export function useSetupStatus() {
  return useQuery({
    queryKey: SETUP_STATUS_KEY,
    queryFn: () => api<SetupStatus>("/api/setup"),
    staleTime: 30_000,
  });
}

/** First-run setup: creates the first admin and signs them in, like a sign-in. */
export function useCompleteSetup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Setup) => api<SessionInfo>("/api/setup", { method: "POST", body }),
    onSuccess: (info) => {
      setCsrfToken(info.csrfToken);
      queryClient.setQueryData(SETUP_STATUS_KEY, { needed: false });
      queryClient.setQueryData(SESSION_QUERY_KEY, info);
    },
  });
}
