import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { App } from "../deps.js";
import { problem, sendProblem } from "./problem.js";

export const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../dist/web");

/** Serves the built web app and answers unknown paths: problem+json for the API, the SPA otherwise. */
export async function registerWeb(app: App) {
  const hasBuild = existsSync(path.join(webRoot, "index.html"));
  if (hasBuild) {
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      index: false,
      // Hashed asset names never change content: cache them for a year. index.html is not cached.
      setHeaders(res, filePath) {
        if (filePath.includes(`${path.sep}assets${path.sep}`)) {
          res.header("cache-control", "public, max-age=31536000, immutable");
        }
      },
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split("?")[0] ?? "/";
    const isApi = url === "/api" || url.startsWith("/api/") || url.startsWith("/webhooks/");
    if (!isApi && (request.method === "GET" || request.method === "HEAD") && !path.extname(url)) {
      if (hasBuild) {
        return reply.header("cache-control", "no-cache").sendFile("index.html");
      }
      return reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send("The web app has not been built. Run `npm run build` (npm start does it for you).");
    }
    return sendProblem(
      reply,
      problem(404, "route.not_found", `There is no ${request.method} ${url}. See /api/docs for the API.`),
    );
  });
}
