import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";

/**
 * A loopback HTTP server speaking Twilio's Messages API wire format: Basic auth, form fields,
 * 201 with Twilio's message JSON, Twilio's error JSON (`code`, `message`, `more_info`, `status`).
 * Tests script what the next requests get (`failNext`), then read what arrived (`messages`).
 */
export interface StandInMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | null;
  at: number;
}

export type ScriptedAnswer =
  | { kind: "error"; status: number; code?: number; message?: string; retryAfter?: string }
  | { kind: "drop" }
  | { kind: "delay"; ms: number };

export const STAND_IN_ACCOUNT_SID = `AC${"0".repeat(31)}1`;
export const STAND_IN_AUTH_TOKEN = "stand-in-auth-token-0123456789ab";
export const STAND_IN_FROM = "+15005550006";
export const STAND_IN_PUBLIC_URL = "https://uplink.example.test";

export class TwilioStandIn {
  /** Messages Twilio accepted (201). */
  readonly messages: StandInMessage[] = [];
  /** Every request, accepted or not. */
  readonly requests: { to: string; status: number; at: number }[] = [];
  private readonly script: ScriptedAnswer[] = [];
  private readonly scriptByNumber = new Map<string, ScriptedAnswer[]>();
  private server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The environment that points the app at this stand-in. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      TWILIO_ACCOUNT_SID: STAND_IN_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: STAND_IN_AUTH_TOKEN,
      TWILIO_PHONE_NUMBER: STAND_IN_FROM,
      TWILIO_API_BASE_URL: this.url,
      PUBLIC_URL: STAND_IN_PUBLIC_URL,
      ...extra,
    };
  }

  /** The next requests get these answers, in order; later ones succeed. */
  failNext(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  /**
   * The next requests to this number get these answers, in order; later ones succeed. Requests to
   * other numbers (another test's leftover messages) leave them alone.
   */
  failNextTo(number: string, ...answers: ScriptedAnswer[]): void {
    this.scriptByNumber.set(number, [...(this.scriptByNumber.get(number) ?? []), ...answers]);
  }

  reset(): void {
    this.messages.length = 0;
    this.requests.length = 0;
    this.script.length = 0;
    this.scriptByNumber.clear();
  }

  messagesTo(number: string): StandInMessage[] {
    return this.messages.filter((message) => message.to === number);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const form = new URLSearchParams(raw);
    const to = form.get("To") ?? "";
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ to, status, at: Date.now() });
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const path = `/2010-04-01/Accounts/${STAND_IN_ACCOUNT_SID}/Messages.json`;
    if (req.method !== "POST" || req.url !== path) {
      return answer(404, twilioError(20404, "The requested resource was not found", 404));
    }
    const expectedAuth = `Basic ${Buffer.from(`${STAND_IN_ACCOUNT_SID}:${STAND_IN_AUTH_TOKEN}`).toString("base64")}`;
    if (req.headers.authorization !== expectedAuth) {
      return answer(401, twilioError(20003, "Authenticate", 401));
    }
    if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) {
      return answer(400, twilioError(21620, "Invalid media type", 400));
    }
    const scripted = this.scriptByNumber.get(to)?.shift() ?? this.script.shift();
    if (scripted?.kind === "drop") {
      this.requests.push({ to, status: 0, at: Date.now() });
      req.socket.destroy();
      return;
    }
    if (scripted?.kind === "delay") await new Promise((resolve) => setTimeout(resolve, scripted.ms));
    if (scripted?.kind === "error") {
      return answer(
        scripted.status,
        twilioError(
          scripted.code ?? (scripted.status === 429 ? 20429 : 20500),
          scripted.message ?? "Scripted failure",
          scripted.status,
        ),
        scripted.retryAfter ? { "retry-after": scripted.retryAfter } : {},
      );
    }
    if (!to.startsWith("+")) {
      return answer(400, twilioError(21211, `The 'To' number ${to} is not a valid phone number.`, 400));
    }
    if (!form.get("Body")) return answer(400, twilioError(21602, "Message body is required.", 400));
    const sid = `SM${randomBytes(16).toString("hex")}`;
    const message: StandInMessage = {
      sid,
      to,
      from: form.get("From") ?? "",
      body: form.get("Body") ?? "",
      statusCallback: form.get("StatusCallback"),
      at: Date.now(),
    };
    this.messages.push(message);
    const now = new Date().toUTCString();
    return answer(201, {
      account_sid: STAND_IN_ACCOUNT_SID,
      api_version: "2010-04-01",
      body: message.body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: "outbound-api",
      error_code: null,
      error_message: null,
      from: message.from,
      messaging_service_sid: null,
      num_media: "0",
      num_segments: "1",
      price: null,
      price_unit: "USD",
      sid,
      status: "queued",
      to,
      uri: `/2010-04-01/Accounts/${STAND_IN_ACCOUNT_SID}/Messages/${sid}.json`,
    });
  }
}

function twilioError(code: number, message: string, status: number) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** A webhook request as Twilio sends it: form-encoded, signed with the auth token over PUBLIC_URL + path. */
export function signedWebhook(
  path: string,
  params: Record<string, string>,
  options: { authToken?: string; publicUrl?: string; signature?: string | null } = {},
) {
  const signature =
    options.signature === undefined
      ? getExpectedTwilioSignature(
          options.authToken ?? STAND_IN_AUTH_TOKEN,
          `${options.publicUrl ?? STAND_IN_PUBLIC_URL}${path}`,
          params,
        )
      : options.signature;
  return {
    method: "POST" as const,
    url: path,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(signature === null ? {} : { "x-twilio-signature": signature }),
    },
    payload: new URLSearchParams(params).toString(),
  };
}

/** Polls until the check passes (the dispatcher works in the background). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
