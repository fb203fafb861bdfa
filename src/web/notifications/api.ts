import { type InfiniteData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type {
  MarkedRead,
  MentionableList,
  Notification,
  NotificationList,
  NotificationPreferences,
  UpdateNotificationPreferences,
} from "../../shared/notifications.js";
import { api } from "../app/api.js";
import { useLiveStatus } from "../live/live-provider.js";

export const notificationsKey = ["notifications"] as const;
const listKey = (unread: boolean) => [...notificationsKey, "list", { unread }] as const;
const preferencesKey = [...notificationsKey, "preferences"] as const;

/** Without the live stream (it is down, or reconnecting), the bell looks again this often. */
const POLL_WITHOUT_LIVE_MS = 60_000;

/**
 * The bell's list, newest first, 20 at a time, with the unread count. The live stream's
 * `notification` event refetches it (notification-events.ts); while the stream is down it is
 * asked again every minute.
 */
export function useNotifications(options: { unread: boolean; enabled?: boolean }) {
  const live = useLiveStatus();
  return useInfiniteQuery({
    queryKey: listKey(options.unread),
    queryFn: ({ pageParam, signal }) =>
      api<NotificationList>("/api/notifications", {
        query: { unread: options.unread || undefined, limit: 20, cursor: pageParam },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    enabled: options.enabled ?? true,
    refetchInterval: live.connected ? false : POLL_WITHOUT_LIVE_MS,
  });
}

/** The unread count, from the first page of whichever list was fetched last. */
export const unreadCountOf = (data: InfiniteData<NotificationList> | undefined) => data?.pages[0]?.unreadCount ?? 0;

/** Marks one read: it leaves the unread list at once (the server confirms in the background). */
export function useMarkNotificationRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api<Notification>(`/api/notifications/${id}/read`, { method: "POST" }),
    onMutate: async (id) => {
      await queryClient.cancelQueries({ queryKey: notificationsKey });
      queryClient.setQueriesData<InfiniteData<NotificationList>>({ queryKey: [...notificationsKey, "list"] }, (data) =>
        data ? markInPages(data, (item) => item.id === id) : data,
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: notificationsKey }),
  });
}

export function useMarkAllNotificationsRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<MarkedRead>("/api/notifications/read-all", { method: "POST" }),
    onMutate: async () => {
      await queryClient.cancelQueries({ queryKey: notificationsKey });
      queryClient.setQueriesData<InfiniteData<NotificationList>>({ queryKey: [...notificationsKey, "list"] }, (data) =>
        data ? markInPages(data, () => true) : data,
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: notificationsKey }),
  });
}

/** The pages with the chosen unread items read and the count lowered to match. */
function markInPages(
  data: InfiniteData<NotificationList>,
  chosen: (item: Notification) => boolean,
): InfiniteData<NotificationList> {
  const readAt = new Date().toISOString();
  let marked = 0;
  const pages = data.pages.map((page) => ({
    ...page,
    items: page.items.map((item) => {
      if (item.readAt !== null || !chosen(item)) return item;
      marked += 1;
      return { ...item, readAt };
    }),
  }));
  return {
    ...data,
    pages: pages.map((page) => ({ ...page, unreadCount: Math.max(0, page.unreadCount - marked) })),
  };
}

export function useNotificationPreferences() {
  return useQuery({
    queryKey: preferencesKey,
    queryFn: ({ signal }) => api<NotificationPreferences>("/api/notifications/preferences", { signal }),
    staleTime: 5 * 60_000,
  });
}

/** Flips switches at once on screen, and back if the server refuses. */
export function useUpdateNotificationPreferences() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateNotificationPreferences) =>
      api<NotificationPreferences>("/api/notifications/preferences", { method: "PUT", body }),
    onMutate: async (body) => {
      await queryClient.cancelQueries({ queryKey: preferencesKey });
      const before = queryClient.getQueryData<NotificationPreferences>(preferencesKey);
      if (before) {
        const kinds = structuredClone(before.kinds) as Record<string, Record<string, boolean>>;
        for (const [kind, channels] of Object.entries(body.kinds)) {
          for (const [channel, value] of Object.entries(channels ?? {})) {
            const target = kinds[kind];
            if (target && typeof value === "boolean") target[channel] = value;
          }
        }
        queryClient.setQueryData(preferencesKey, { ...before, kinds: kinds as NotificationPreferences["kinds"] });
      }
      return { before };
    },
    onError: (_error, _body, context) => {
      if (context?.before) queryClient.setQueryData(preferencesKey, context.before);
    },
    onSuccess: (preferences) => queryClient.setQueryData(preferencesKey, preferences),
  });
}

/** Staff an internal note can mention, for what was typed after the @ (staff lists are short). */
export function useMentionable(typed: string | null) {
  return useQuery({
    queryKey: [...notificationsKey, "mentionable", typed],
    queryFn: ({ signal }) =>
      api<MentionableList>("/api/users/mentionable", { query: { q: typed ?? "", limit: 8 }, signal }),
    enabled: typed !== null,
    staleTime: 60_000,
    placeholderData: (previous) => previous,
    select: (list) => list.items,
  });
}
