import { z } from "zod";
import { ZLivePresenceEvent, ZPresenceQuery, ZPresenceReport } from "../../shared/live.js";
import { ZProblem } from "../../shared/problem.js";
import { currentUser } from "../auth/guard.js";
import type { App } from "../deps.js";
import { LiveHub } from "./live.hub.js";

declare module "fastify" {
  interface FastifyInstance {
    /** This instance's live streams (docs/live.md). */
    liveHub: LiveHub;
  }
}

/** The stream's own headers, on its answer and on a HEAD's. */
const STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  // nginx and similar proxies would otherwise buffer the stream.
  "x-accel-buffering": "no",
};

const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 422: ZProblem };

/**
 * This instance's hub (docs/live.md): started when the app is ready; before the server closes it
 * ends every stream (an open stream would hold the close up), and their clients reconnect (to
 * another instance) and resume from their Last-Event-ID. Decorates the root app, like the
 * dispatchers, so the app's other parts (and the benchmarks) can read it.
 */
export function registerLiveHub(app: App): void {
  const hub = new LiveHub({
    database: app.deps.database,
    clock: app.deps.clock,
    log: app.log,
    heartbeatMs: Math.round(app.deps.config.LIVE_HEARTBEAT_SECONDS * 1000),
  });
  app.decorate("liveHub", hub);
  app.addHook("onReady", async () => {
    await hub.start();
  });
  app.addHook("preClose", async () => {
    await hub.stop();
  });
}

/** The live event stream and presence. */
export async function liveRoutes(app: App) {
  const hub = app.liveHub;

  app.get(
    "/api/events",
    {
      schema: {
        tags: ["live"],
        operationId: "streamEvents",
        summary: "The live event stream (Server-Sent Events): what changed, as it commits; resumes with Last-Event-ID",
        description:
          "`text/event-stream`. Events: `ready`, `ticket`, `incident`, `customer`, `sms`, `notification`, `presence` " +
          "(schemas in docs/live.md). Each timeline event is followed by its `id:` (the stream's cursor); reconnecting " +
          "with it as `Last-Event-ID` replays what was missed. Heartbeats are comment lines. The stream closes when its " +
          "session ends or its token is revoked.",
        headers: z.object({
          "last-event-id": z.string().max(400).optional().describe("The last `id:` received, to resume after it"),
        }),
        response: {
          200: z.string(),
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      // The session may have come from the cache: a stream must not start while the database is
      // away (it could not replay nor follow anything); the error handler answers 503.
      await app.deps.database.ping();
      // A HEAD (which Fastify answers with the GET route) gets the stream's headers and ends: a
      // stream opened for it would never end, since a HEAD answer has no body to stream.
      if (request.method === "HEAD") {
        return reply.headers(STREAM_HEADERS).send("");
      }
      // The stream outlives the request cycle: written to the socket directly, never compressed
      // (each event must leave at once), with the security headers the hooks already set.
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        ...STREAM_HEADERS,
        connection: "keep-alive",
      });
      response.flushHeaders();
      // Each event leaves as written (no Nagle delay); an in-process request (inject) has no TCP socket.
      if (typeof request.raw.socket?.setNoDelay === "function") request.raw.socket.setNoDelay(true);
      await hub.open(
        {
          userId: user.id,
          userName: user.name,
          sessionId: request.session?.id ?? null,
          tokenId: request.apiToken?.id ?? null,
          response,
        },
        request.headers["last-event-id"],
      );
    },
  );

  app.post(
    "/api/presence",
    {
      schema: {
        tags: ["live"],
        operationId: "reportPresence",
        summary: "Report that you are viewing or editing a ticket or customer (every 20 s), or that you left",
        description:
          "Shared with every instance; a `presence` event goes to every stream when who is there, or in which state, changes. Presence ends with `left`, with the stream named by `streamId`, or 45 s after the last report.",
        body: ZPresenceReport,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      await hub.reportPresence({ ...request.body, userId: user.id, name: user.name });
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/presence",
    {
      schema: {
        tags: ["live"],
        operationId: "listViewers",
        summary: "Who is viewing or editing a ticket or customer now",
        description: "The same list the `presence` events carry, for a page that has just opened.",
        querystring: ZPresenceQuery,
        response: { 200: ZLivePresenceEvent, ...problems },
      },
    },
    async (request) => ({ resource: request.query.resource, viewers: hub.viewersOf(request.query.resource) }),
  );
}
