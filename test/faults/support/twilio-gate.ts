import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { STAND_IN_ACCOUNT_SID, type TwilioStandIn } from "../../support/twilio-stand-in.js";

const MESSAGES_PATH = `/2010-04-01/Accounts/${STAND_IN_ACCOUNT_SID}/Messages.json`;

export type GateMode = "open" | "unavailable" | "refused";

/**
 * A switch in front of the Twilio stand-in, on one fixed loopback port for the whole scenario:
 * `open` passes requests through, `unavailable` answers 503 with Twilio's error JSON (Twilio
 * degraded), `refused` closes the listening socket so connections are refused (Twilio, or the
 * network to it, gone). The app is configured with the gate's URL and never knows.
 */
export class TwilioGate {
  private server: Server | undefined;
  private port = 0;
  mode: GateMode = "open";
  /** Messages to these numbers get 503 whatever the mode: Twilio never takes them (the retry cap). */
  readonly alwaysUnavailableTo = new Set<string>();
  /** Requests the gate answered itself with 503. */
  unavailableAnswers = 0;
  /** Message creations passed through to the stand-in. */
  forwarded = 0;
  /** Message-list look-ups the app made. */
  listRequests = 0;

  /** Called the moment the stand-in accepts a message, before the app hears the 201. */
  onAccepted: (() => void) | undefined;

  constructor(private readonly standIn: TwilioStandIn) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await this.listen();
    return this;
  }

  async set(mode: GateMode): Promise<void> {
    if (mode === "refused" && this.server) await this.close();
    if (mode !== "refused" && !this.server) await this.listen();
    this.mode = mode;
  }

  /** The stand-in's environment, pointed at the gate. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return this.standIn.env({ TWILIO_API_BASE_URL: this.url, ...extra });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Twilio's Message list (`GET …/Messages.json?To=&From=&PageSize=`, newest first), read from
   * what the stand-in accepted: the shared stand-in implements only create, and the dispatcher
   * asks this list before re-sending a message whose first attempt may have been accepted.
   */
  private answerMessageList(url: URL, res: ServerResponse): void {
    const to = url.searchParams.get("To");
    const from = url.searchParams.get("From");
    const pageSize = Number(url.searchParams.get("PageSize") ?? 50);
    this.listRequests++;
    const messages = this.standIn.messages
      .filter((m) => (to === null || m.to === to) && (from === null || m.from === from))
      .reverse()
      .slice(0, pageSize)
      .map((m) => ({
        sid: m.sid,
        to: m.to,
        from: m.from,
        body: m.body,
        status: "sent",
        direction: "outbound-api",
        date_created: new Date(m.at).toUTCString(),
      }));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ messages, page: 0, page_size: pageSize, next_page_uri: null }));
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    // The same port every time: the app keeps the URL it started with.
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const to = new URLSearchParams(body.toString("utf8")).get("To");
    if (this.mode === "unavailable" || (to !== null && this.alwaysUnavailableTo.has(to))) {
      this.unavailableAnswers++;
      res.writeHead(503, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          code: 20503,
          message: "Service is unavailable. Please try again",
          more_info: "https://www.twilio.com/docs/errors/20503",
          status: 503,
        }),
      );
      return;
    }
    const target = new URL(req.url ?? "/", this.standIn.url);
    if (req.method === "GET" && target.pathname === MESSAGES_PATH) return this.answerMessageList(target, res);
    this.forwarded++;
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      if (answer.statusCode === 201 && this.onAccepted) {
        // Twilio has the message; what the app hears of it is up to the test (kill -9 it now).
        this.onAccepted();
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    upstream.end(body);
  }
}
