import { useQuery } from "@tanstack/react-query";
import type { Dashboard } from "../../shared/dashboard.js";
import { api } from "../app/api.js";

export const dashboardKey = ["dashboard"] as const;

/** The browser's time zone, so "today" on the chart is the viewer's today. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** How often the dashboard refreshes itself while the tab is visible. */
export const DASHBOARD_REFRESH_MS = 30_000;

export function useDashboard() {
  const tz = browserTimeZone();
  return useQuery({
    queryKey: [...dashboardKey, tz],
    queryFn: ({ signal }) => api<Dashboard>("/api/dashboard", { query: { tz }, signal }),
    // TanStack Query pauses the interval while the tab is hidden (refetchIntervalInBackground is off).
    refetchInterval: DASHBOARD_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}
