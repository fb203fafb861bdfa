import type { IncomingMessage } from "node:http";
import proxyAddr from "@fastify/proxy-addr";
import type { FastifyInstance } from "fastify";

/**
 * Every request's id (docs/operations.md, "Request ids"): Fastify binds it to the request's logger
 * (`reqId` on each log line), the response carries it in X-Request-Id, and problem+json in
 * `instance`, so a person's error report ("Reference: …") leads to that request's log lines.
 */
export const REQUEST_ID_HEADER = "x-request-id";

/** What an incoming id may look like: short, and nothing that could forge a log line or a header. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's genReqId. An X-Request-Id is honoured only when the peer is a trusted proxy
 * (TRUST_PROXY, read as Fastify reads it), so a proxy's or load balancer's id joins its own log to
 * ours; from anyone else, or malformed, the header is ignored and a fresh UUID is made.
 */
export function requestIdGenerator(trustProxy: boolean | string): (request: IncomingMessage) => string {
  const trusts = trustedPeer(trustProxy);
  if (trusts === null) return () => crypto.randomUUID();
  return (request) => {
    const incoming = request.headers[REQUEST_ID_HEADER];
    if (typeof incoming === "string" && SANE_ID.test(incoming)) {
      const peer = request.socket?.remoteAddress;
      if (peer !== undefined && trusts(peer)) return incoming;
    }
    return crypto.randomUUID();
  };
}

function trustedPeer(trustProxy: boolean | string): ((address: string) => boolean) | null {
  if (trustProxy === false) return null;
  if (trustProxy === true) return () => true;
  const trust = proxyAddr.compile(trustProxy.split(",").map((entry) => entry.trim()));
  // The peers are the few proxies in front: their answers are kept (parsing an address each time
  // cost 2–3 µs a request), in a map that starts afresh rather than grow without bound.
  const known = new Map<string, boolean>();
  return (address) => {
    let trusted = known.get(address);
    if (trusted === undefined) {
      trusted = trust(address, 0);
      if (known.size >= 1024) known.clear();
      known.set(address, trusted);
    }
    return trusted;
  };
}

/** The problem+json `instance` of a request: a URN naming its id (RFC 9457 allows any URI). */
export function problemInstance(requestId: string): string {
  return `urn:uplink:request:${requestId}`;
}

/** Sends X-Request-Id on every routed answer and 404 (problems and unrouted answers set it in sendProblem). */
export function registerRequestId(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
