import { useQuery } from "@tanstack/react-query";
import type { Dashboard } from "../../shared/dashboard.js";
import { api } from "../app/api.js";
import { browserTimeZone } from "../app/format.js";

export const dashboardKey = ["dashboard"] as const;

/** How often the dashboard refreshes itself while the tab is visible. */
export const DASHBOARD_REFRESH_MS = 30_000;

export function useDashboard() {
  // The browser's zone, so "today" on the chart is the viewer's today.
  const tz = browserTimeZone();
  return useQuery({
    queryKey: [...dashboardKey, tz],
    queryFn: ({ signal }) => api<Dashboard>("/api/dashboard", { query: { tz }, signal }),
    // TanStack Query pauses the interval while the tab is hidden (refetchIntervalInBackground is off).
    refetchInterval: DASHBOARD_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}
