import { z } from "zod";
import type { App } from "../deps.js";
import { problem, sendProblem } from "../http/problem.js";

export async function healthRoutes(app: App) {
  const { database } = app.deps;

  app.get(
    "/healthz",
    {
      schema: {
        tags: ["health"],
        summary: "The process is up",
        response: { 200: z.object({ status: z.literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["health"],
        summary: "The database answers (503 while it does not)",
        response: { 200: z.object({ status: z.literal("ready"), database: z.string() }) },
      },
    },
    async (request, reply) => {
      try {
        await database.ping(2000);
        return { status: "ready" as const, database: database.kind };
      } catch (error) {
        request.log.warn({ err: error }, "readiness check failed");
        return sendProblem(
          reply,
          problem(503, "service.database_unavailable", "The database is not reachable right now."),
          { "retry-after": "5" },
        );
      }
    },
  );
}
