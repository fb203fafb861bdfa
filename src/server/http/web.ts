import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { App } from "../deps.js";
import { problem, sendProblem } from "./problem.js";

export const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../dist/web");
const assetsDir = path.join(webRoot, "assets") + path.sep;

/** Serves the built web app and answers unknown paths: problem+json for the API, the SPA otherwise. */
export async function registerWeb(app: App) {
  const hasBuild = existsSync(path.join(webRoot, "index.html"));
  if (hasBuild) {
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      index: false,
      // The build writes a brotli and a gzip copy of every text file above 1 KB (vite.config.ts):
      // each browser gets the smallest it accepts, with Vary: Accept-Encoding for caches.
      preCompressed: true,
      // …but those copies are not URLs of their own (`/index.html.gz` is no page of the app).
      globIgnore: ["**/*.br", "**/*.gz"],
      cacheControl: false,
      // Hashed asset names never change content: cache them for a year. Anything else (index.html,
      // favicon.svg) is revalidated, so a deploy is picked up at once.
      setHeaders(res, filePath) {
        res.header(
          "cache-control",
          filePath.startsWith(assetsDir) ? "public, max-age=31536000, immutable" : "no-cache",
        );
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
