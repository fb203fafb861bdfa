import {
  ZMarkedRead,
  ZNotification,
  ZNotificationId,
  ZNotificationList,
  ZNotificationListQuery,
  ZNotificationPreferences,
  ZUpdateNotificationPreferences,
} from "../../shared/notifications.js";
import { ZProblem } from "../../shared/problem.js";
import { actorOf, currentUser } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { getNotificationPreferences, updateNotificationPreferences } from "./notifications.preferences.js";
import { listNotifications, markAllNotificationsRead, markNotificationRead } from "./notifications.service.js";

const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 422: ZProblem };

/** The bell: every staff member reads and marks only their own (docs/notifications.md). */
export async function notificationsRoutes(app: App) {
  const { database } = app.deps;
  const ctx = serviceContext(app.deps);

  app.get(
    "/api/notifications",
    {
      schema: {
        tags: ["notifications"],
        operationId: "listNotifications",
        summary:
          "Your notifications, newest first (keyset pagination; unread=true for the unread only), and how many are unread",
        querystring: ZNotificationListQuery,
        response: { 200: ZNotificationList, ...problems },
      },
    },
    async (request) => listNotifications(database.db, currentUser(request).id, request.query),
  );

  app.post(
    "/api/notifications/:id/read",
    {
      schema: {
        tags: ["notifications"],
        operationId: "markNotificationRead",
        summary: "Mark one of your notifications read (someone else's: 404)",
        params: ZNotificationId,
        response: { 200: ZNotification, ...problems },
      },
    },
    async (request) => markNotificationRead(ctx, currentUser(request).id, request.params.id),
  );

  app.post(
    "/api/notifications/read-all",
    {
      schema: {
        tags: ["notifications"],
        operationId: "markAllNotificationsRead",
        summary: "Mark all your notifications read",
        response: { 200: ZMarkedRead, ...problems },
      },
    },
    async (request) => markAllNotificationsRead(ctx, currentUser(request).id),
  );

  app.get(
    "/api/notifications/preferences",
    {
      schema: {
        tags: ["notifications"],
        operationId: "getNotificationPreferences",
        summary: "What you are told, and how: per kind, in the app, by the browser, and (technicians) by SMS",
        response: { 200: ZNotificationPreferences, ...problems },
      },
    },
    async (request) => getNotificationPreferences(database.db, currentUser(request)),
  );

  app.put(
    "/api/notifications/preferences",
    {
      schema: {
        tags: ["notifications"],
        operationId: "updateNotificationPreferences",
        summary:
          "Change some of your notification switches (the others stay); SMS only for technicians (422 notification.sms_not_offered otherwise)",
        body: ZUpdateNotificationPreferences,
        response: { 200: ZNotificationPreferences, ...problems },
      },
    },
    async (request) => updateNotificationPreferences(ctx, actorOf(request), currentUser(request), request.body),
  );
}
