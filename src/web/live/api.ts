import { useQuery } from "@tanstack/react-query";
import type { LivePresenceEvent, PresenceReport, PresenceViewer } from "../../shared/live.js";
import { PRESENCE_REPORT_EVERY_MS } from "../../shared/protocol.js";
import { api } from "../app/api.js";
import { useLiveStatus } from "./live-provider.js";

export const LIVE_HELD_FLAG = "liveHeld";
/**
 * A list's query `meta` when it must not move under the pointer (the ticket queue, the customer
 * list): live events never refetch it; its page offers their news in a pill (list-news.tsx).
 */
export const LIVE_HELD = { [LIVE_HELD_FLAG]: true } as const;

export const presenceKey = (resource: string) => ["presence", resource] as const;

/**
 * Who is on a ticket or customer now: asked once when the page opens, then kept current by the
 * stream's `presence` events (live-invalidation.ts writes them into this query). While the stream
 * is down, asked again as often as viewers report.
 */
export function usePresenceViewers(resource: string | null) {
  const live = useLiveStatus();
  return useQuery({
    queryKey: presenceKey(resource ?? ""),
    queryFn: ({ signal }) => api<LivePresenceEvent>("/api/presence", { query: { resource }, signal }),
    enabled: resource !== null,
    select: (presence): PresenceViewer[] => presence.viewers,
    staleTime: live.connected ? Number.POSITIVE_INFINITY : PRESENCE_REPORT_EVERY_MS,
    refetchInterval: live.connected ? false : PRESENCE_REPORT_EVERY_MS,
  });
}

/** A presence report; `keepalive` for the "left" sent as the page goes away. */
export function reportPresence(report: PresenceReport, options: { keepalive?: boolean } = {}) {
  return api<void>("/api/presence", { method: "POST", body: report, keepalive: options.keepalive });
}
