import type { Server } from "node:http";
import type { Socket } from "node:net";
import net from "node:net";

/**
 * Lets a stopping app serve the connections it had accepted but not yet read a request from.
 * Node's `http.Server.close()` drops every connection without a request in progress as idle, and in
 * a rolling restart the cluster primary may have handed this worker a connection a moment ago
 * whose request is still in its socket buffer: closing it answers that client with a reset.
 *
 * `trackFreshConnections` (at start) remembers each connection until its first request arrives or
 * it closes. `stopAccepting` (the app's first preClose hook) closes only the listening socket
 * (`net.Server`'s own close), which sends new connections to the other workers, and waits until
 * every fresh connection has sent its request, for at most `graceMs`. Fastify is already closing
 * then, so those requests are served with `Connection: close` (app.ts sets
 * `return503OnClosing: false`), and its own close afterwards drops the kept-alive idle ones.
 * Open live streams and idle kept-alive connections do not hold the wait.
 */
export function trackFreshConnections(server: Server): () => number {
  const fresh = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    fresh.add(socket);
    socket.once("close", () => fresh.delete(socket));
  });
  server.on("request", (request) => fresh.delete(request.socket));
  return () => fresh.size;
}

export async function stopAccepting(server: Server, freshConnections: () => number, graceMs: number): Promise<void> {
  if (!server.listening) return;
  net.Server.prototype.close.call(server);
  const deadline = Date.now() + graceMs;
  while (freshConnections() > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
