import type { InjectOptions, LightMyRequestResponse } from "fastify";
import type { App } from "../../src/server/deps.js";

/** Paths that answer a stream without end (the live events, docs/live.md). */
export const STREAMING_PATHS: ReadonlySet<string> = new Set(["/api/events"]);

/**
 * `app.inject`, except that a successful GET of a streaming path is read only up to its first
 * event (`ready`) and let go: the route table suites call every route, and a stream never ends.
 * The answer has the statusCode, headers and body (text) of what was read.
 */
export async function injectAnswer(app: App, options: InjectOptions): Promise<LightMyRequestResponse> {
  const path = String(options.url ?? "").split("?")[0] ?? "";
  if ((options.method ?? "GET") !== "GET" || !STREAMING_PATHS.has(path)) return app.inject(options);
  const response = await app.inject({ ...options, payloadAsStream: true });
  const stream = response.stream();
  let body = "";
  for await (const chunk of stream) {
    body += String(chunk);
    if (response.statusCode !== 200 || /event: ready\ndata: .*\n\n/.test(body)) break;
  }
  stream.destroy();
  const answer = {
    isLightMyRequest: true,
    statusCode: response.statusCode,
    statusMessage: response.statusMessage,
    headers: response.headers,
    raw: response.raw,
    rawPayload: Buffer.from(body),
    payload: body,
    body,
    trailers: response.trailers,
    cookies: response.cookies,
    json: () => JSON.parse(body),
    stream: () => {
      throw new Error("the stream was already read");
    },
  };
  return answer as unknown as LightMyRequestResponse;
}
