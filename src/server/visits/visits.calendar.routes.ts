import { z } from "zod";
import { ZCalendarFeed, ZCreatedCalendarFeed } from "../../shared/calendar-feeds.js";
import { ZProblem } from "../../shared/problem.js";
import { actorOf, currentUser } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { AppError } from "../http/errors.js";
import { calendarFeedIcs, createCalendarFeed, getCalendarFeed, revokeCalendarFeed } from "./visits.calendar.js";

const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 422: ZProblem };
const tags = ["visits"];
/**
 * Session-only, like API tokens: the address is a credential, so a leaked API token cannot mint
 * one. Every staff member has their own; nobody manages another's (an admin deactivates the user).
 */
const feedRoute = { sessionOnly: true } as const;

/** A technician's visits in the phone's calendar (docs/field-work.md, "Calendar feeds"). */
export async function calendarFeedRoutes(app: App) {
  const ctx = serviceContext(app.deps);
  const { config } = app.deps;

  app.get(
    "/api/calendar-feed",
    {
      config: feedRoute,
      schema: {
        tags,
        operationId: "getCalendarFeedStatus",
        summary: "Whether you have a calendar feed, since when and when it was last fetched (never its address)",
        response: { 200: ZCalendarFeed, ...problems },
      },
    },
    async (request) => getCalendarFeed(app.deps.database.db, currentUser(request).id),
  );

  app.post(
    "/api/calendar-feed",
    {
      config: feedRoute,
      schema: {
        tags,
        operationId: "createCalendarFeed",
        summary: "A new secret calendar address for your visits, shown this once; the previous one stops working",
        response: { 201: ZCreatedCalendarFeed, ...problems },
      },
    },
    async (request, reply) => {
      const baseUrl = config.PUBLIC_URL ?? `${request.protocol}://${request.host}`;
      return reply.code(201).send(await createCalendarFeed(ctx, actorOf(request), baseUrl));
    },
  );

  app.delete(
    "/api/calendar-feed",
    {
      config: feedRoute,
      schema: {
        tags,
        operationId: "revokeCalendarFeed",
        summary: "Turn your calendar feed off: its address answers 404",
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await revokeCalendarFeed(ctx, actorOf(request));
      return reply.code(204).send(null);
    },
  );

  // The feed itself: no session (calendar apps send none), the token is the credential. Hidden
  // from the OpenAPI document like the status page's Atom feed: it is iCalendar, not the JSON API.
  app.get(
    "/ical/:token.ics",
    { config: { access: "public" }, schema: { hide: true, params: z.object({ token: z.string() }) } },
    async (request, reply) => {
      const ics = await calendarFeedIcs(ctx, request.params.token);
      if (ics === null) {
        throw new AppError(
          404,
          "calendar_feed.not_found",
          "This calendar address does not work: it was replaced or turned off, or its account is deactivated. Create a new one under Your account → Calendar feed.",
        );
      }
      return reply
        .header("cache-control", "private, max-age=300")
        .header("content-security-policy", "default-src 'none'; frame-ancestors 'none'")
        .header("x-robots-tag", "noindex")
        .type("text/calendar; charset=utf-8")
        .send(ics);
    },
  );
}
