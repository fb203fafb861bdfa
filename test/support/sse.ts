import type { App } from "../../src/server/deps.js";

/** One event as a Server-Sent Events client sees it. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** A live stream client speaking the SSE wire format, as a browser's EventSource would read it. */
export interface SseClient {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** The last `id:` seen (what EventSource would send as Last-Event-ID). */
  lastEventId: string | undefined;
  /** Heartbeats and other comment lines seen. */
  comments: string[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  isEnded(): boolean;
  /** The parsed data of every event of `type`. */
  of<T = Record<string, unknown>>(type: string): T[];
  /** Waits (up to `timeoutMs`) for an event of `type` whose data passes `test`. */
  waitFor<T = Record<string, unknown>>(type: string, test?: (data: T) => boolean, timeoutMs?: number): Promise<T>;
  close(): void;
}

/** The app's base URL, listening on a free loopback port (once). */
export async function listening(app: App): Promise<string> {
  if (!app.server.listening) await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("the app is not listening on TCP");
  return `http://127.0.0.1:${address.port}`;
}

/** Opens `GET /api/events` with the given auth headers (a session cookie or a bearer token). */
export async function openEventStream(
  baseUrl: string,
  auth: { cookie?: string; token?: string },
  options: { lastEventId?: string } = {},
): Promise<SseClient> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (auth.cookie) headers.cookie = auth.cookie;
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (options.lastEventId) headers["last-event-id"] = options.lastEventId;
  const response = await fetch(`${baseUrl}/api/events`, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const client: SseClient = {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    lastEventId: undefined,
    ended: Promise.resolve(),
    isEnded: () => ended,
    of: <T>(type: string) => events.filter((event) => event.event === type).map((event) => JSON.parse(event.data) as T),
    async waitFor<T>(type: string, test: (data: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = client.of<T>(type).find(test);
        if (found !== undefined) return found;
        if (ended) throw new Error(`the stream ended before a matching "${type}" event`);
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `no matching "${type}" event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(", ")}`,
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.add(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => controller.abort(),
  };
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
    waiters.clear();
  };
  client.ended = (async () => {
    if (!response.body || response.status !== 200) {
      ended = true;
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { id: undefined, event: "message", data: "" };
          const data: string[] = [];
          let isEvent = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else if (line.startsWith("id: ")) {
              event.id = line.slice(4);
              client.lastEventId = event.id;
            } else if (line.startsWith("event: ")) {
              event.event = line.slice(7);
              isEvent = true;
            } else if (line.startsWith("data: ")) {
              data.push(line.slice(6));
              isEvent = true;
            }
          }
          if (isEvent) {
            event.data = data.join("\n");
            events.push(event);
          }
          end = buffer.indexOf("\n\n");
        }
        wake();
      }
    } catch {
      // Aborted by close(), or the connection was cut.
    } finally {
      ended = true;
      wake();
    }
  })();
  return client;
}
