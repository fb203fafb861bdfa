import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** What the receiver does with the next request: answer with a status (and body), maybe after a delay; hang; or redirect. */
export type ScriptedReply =
  | { kind: "status"; status: number; body?: string; delayMs?: number }
  | { kind: "hang" }
  | { kind: "redirect"; location: string };

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  /** What the receiver answered. */
  status: number | "hung";
}

/**
 * A webhook receiver on loopback that checks every request with the `standardwebhooks` package
 * (with the secret it is told) and answers 204 unless told otherwise. A request whose signature
 * does not verify is answered 401 and kept in `rejected`.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly rejected: { headers: http.IncomingHttpHeaders; body: string; error: string }[] = [];
  private readonly script: ScriptedReply[] = [];
  private readonly hanging = new Set<http.ServerResponse>();
  private server: http.Server | undefined;
  secret = "";

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => this.answer(request, response, Buffer.concat(chunks).toString("utf8")));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return this;
  }

  get port(): number {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error("the receiver is not listening");
    return address.port;
  }

  url(path = "/hooks"): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The next requests' answers, in order; after them, 204. */
  reply(...replies: ScriptedReply[]): void {
    this.script.push(...replies);
  }

  reset(): void {
    this.received.length = 0;
    this.rejected.length = 0;
    this.script.length = 0;
  }

  /** Successfully answered (2xx) deliveries, by webhook-id. */
  delivered(): ReceivedWebhook[] {
    return this.received.filter((r) => typeof r.status === "number" && r.status >= 200 && r.status < 300);
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse, body: string): void {
    const headers = {
      "webhook-id": String(request.headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
    };
    try {
      new Webhook(this.secret).verify(body, headers);
    } catch (error) {
      this.rejected.push({ headers: request.headers, body, error: (error as Error).message });
      response.writeHead(401).end("bad signature");
      return;
    }
    const scripted = this.script.shift() ?? { kind: "status", status: 204 };
    this.received.push({
      id: headers["webhook-id"],
      timestamp: headers["webhook-timestamp"],
      signature: headers["webhook-signature"],
      body,
      payload: JSON.parse(body),
      status: scripted.kind === "status" ? scripted.status : scripted.kind === "redirect" ? 302 : "hung",
    });
    if (scripted.kind === "hang") {
      this.hanging.add(response);
      return;
    }
    if (scripted.kind === "redirect") {
      response.writeHead(302, { location: scripted.location }).end();
      return;
    }
    const send = () => response.writeHead(scripted.status, { "content-type": "text/plain" }).end(scripted.body ?? "");
    if (scripted.delayMs) setTimeout(send, scripted.delayMs);
    else send();
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
