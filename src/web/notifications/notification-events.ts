import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import type { NotificationKind } from "../../shared/notifications.js";
import { useLiveEvent } from "../live/live-provider.js";
import { notificationsKey, useMarkNotificationRead, useNotificationPreferences } from "./api.js";

/** Whether this browser has the Notification API at all (not on every phone browser). */
export const browserNotificationsSupported = () => typeof window !== "undefined" && "Notification" in window;

/**
 * What a `notification` event from the live stream does (mounted once, with the bell): the bell
 * refetches; and while the tab is in the background, if the person allowed notifications in this
 * browser and keeps the browser channel on for the kind, the browser shows it. Clicking it brings
 * the tab forward on what it is about and marks it read. The tag is the event's key, so several
 * open tabs show one.
 */
export function useNotificationEvents() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const markRead = useMarkNotificationRead();
  const preferences = useNotificationPreferences();
  useLiveEvent("notification", (event) => {
    void queryClient.invalidateQueries({ queryKey: [...notificationsKey, "list"] });
    if (!document.hidden || !browserNotificationsSupported() || Notification.permission !== "granted") return;
    if (!preferences.data?.kinds[event.kind as NotificationKind]?.browser) return;
    const shown = new Notification(event.title, { body: event.body, tag: event.key });
    shown.onclick = () => {
      window.focus();
      markRead.mutate(event.id);
      if (event.link) navigate(event.link);
      shown.close();
    };
  });
}
