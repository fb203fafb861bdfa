import { type QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect } from "react";
import type { SessionInfo } from "../../shared/auth.js";
import { ApiError, api, onUnauthorized, setCsrfToken } from "./api.js";
import { setIspCountry, setIspTimeZone } from "./format.js";
import { takePageData } from "./page-data.js";

export const SESSION_QUERY_KEY = ["auth", "me"] as const;

/**
 * The session the server put in the page (src/server/http/web.ts), taken once at start into the
 * query cache, so the first screen shows without asking /api/auth/me. A page without it (the
 * database could not say) leaves the query to ask.
 */
export function primeSessionFromPage(queryClient: QueryClient) {
  const data = takePageData<SessionInfo | null>("uplink-session");
  if (!data) return;
  setCsrfToken(data.value?.csrfToken ?? null);
  queryClient.setQueryData(SESSION_QUERY_KEY, data.value);
}

/** Reads the session once; `null` means signed out. */
export function useSessionQuery() {
  return useQuery({
    queryKey: SESSION_QUERY_KEY,
    queryFn: async () => {
      try {
        const info = await api<SessionInfo>("/api/auth/me");
        setCsrfToken(info.csrfToken);
        return info;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          setCsrfToken(null);
          return null;
        }
        throw error;
      }
    },
    staleTime: 5 * 60_000,
    retry: false,
  });
}

const SessionContext = createContext<SessionInfo | null>(null);

export function SessionProvider({ session, children }: { session: SessionInfo; children: ReactNode }) {
  const queryClient = useQueryClient();
  // Before the pages render: phone numbers are formatted for the ISP's country, visits' times in its zone.
  setIspCountry(session.defaultCountry);
  setIspTimeZone(session.timeZone);
  useEffect(() => {
    const unsubscribe = onUnauthorized(() => {
      setCsrfToken(null);
      queryClient.setQueryData(SESSION_QUERY_KEY, null);
    });
    return () => {
      unsubscribe();
    };
  }, [queryClient]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The signed-in user's session; only inside the signed-in part of the app. */
export function useSession(): SessionInfo {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

export function useIsAdmin(): boolean {
  return useSession().user.role === "admin";
}

/** Admins and office agents: office work beyond the field's (customer imports, SMS retries). */
export function useIsOffice(): boolean {
  const { role } = useSession().user;
  return role === "admin" || role === "agent";
}
