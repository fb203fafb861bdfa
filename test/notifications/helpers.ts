import { expect } from "vitest";
import type { Notification, NotificationList, NotificationPreferences } from "../../src/shared/notifications.js";
import type { Session } from "../support/app.js";

/** One page of the session's bell (GET /api/notifications), asserting a 200. */
export async function bell(session: Session, query: Record<string, string> = {}): Promise<NotificationList> {
  const response = await session.get(`/api/notifications?${new URLSearchParams(query)}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** The session's notifications about one ticket, incident or visit (every page), of a kind if given. */
export async function notificationsAbout(
  session: Session,
  about: { ticketId?: string; incidentId?: string; visitId?: string; kind?: Notification["kind"] },
): Promise<Notification[]> {
  const all: Notification[] = [];
  let cursor: string | null = null;
  do {
    const page: NotificationList = await bell(session, { limit: "200", ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all.filter(
    (item) =>
      (about.ticketId === undefined || item.ticketId === about.ticketId) &&
      (about.incidentId === undefined || item.incidentId === about.incidentId) &&
      (about.visitId === undefined || item.visitId === about.visitId) &&
      (about.kind === undefined || item.kind === about.kind),
  );
}

/** Changes some of the session's switches (PUT …/preferences), asserting a 200. */
export async function setPreferences(
  session: Session,
  kinds: Record<string, Record<string, boolean>>,
): Promise<NotificationPreferences> {
  const response = await session.put("/api/notifications/preferences", { kinds });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}
