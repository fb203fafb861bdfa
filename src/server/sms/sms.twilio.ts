import type { Config } from "../config.js";

/**
 * Twilio's Messages API over plain HTTP (Basic auth, form body, JSON answer): one request per
 * message, so the dispatcher owns timeouts and retries instead of a client library's defaults.
 */
export interface TwilioMessage {
  to: string;
  from: string;
  body: string;
  /** Where Twilio posts delivery receipts; omitted when PUBLIC_URL is unset. */
  statusCallback?: string;
}

export type TwilioSendResult =
  | { ok: true; sid: string }
  | {
      ok: false;
      /** Network errors, timeouts, 5xx and 429 may succeed later; anything else will not. */
      retryable: boolean;
      code: string | null;
      message: string;
      /** From a Retry-After header, when Twilio sent one. */
      retryAfterMs: number | null;
    };

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  baseUrl: string;
}

export function twilioCredentials(config: Config): TwilioCredentials | null {
  if (!config.TWILIO_ACCOUNT_SID || !config.TWILIO_AUTH_TOKEN) return null;
  return {
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    baseUrl: config.TWILIO_API_BASE_URL,
  };
}

function authorization(credentials: TwilioCredentials): string {
  return `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString("base64")}`;
}

function messagesUrl(credentials: TwilioCredentials): string {
  return `${credentials.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(credentials.accountSid)}/Messages.json`;
}

export async function sendTwilioMessage(
  credentials: TwilioCredentials,
  message: TwilioMessage,
  timeoutMs: number,
): Promise<TwilioSendResult> {
  const url = messagesUrl(credentials);
  const form = new URLSearchParams({ To: message.to, From: message.from, Body: message.body });
  if (message.statusCallback) form.set("StatusCallback", message.statusCallback);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        authorization: authorization(credentials),
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: form,
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : "";
    return {
      ok: false,
      retryable: true,
      code: null,
      message: timedOut ? `Twilio did not answer within ${timeoutMs / 1000} s` : `Could not reach Twilio (${cause})`,
      retryAfterMs: null,
    };
  }
  const json = parseJson(text);
  if (response.status === 201 || response.status === 200) {
    const sid = typeof json?.sid === "string" ? json.sid : null;
    if (sid) return { ok: true, sid };
    // Accepted but unreadable: sending again could double the message, so it is not retried.
    return {
      ok: false,
      retryable: false,
      code: null,
      message: "Twilio accepted the message without a SID",
      retryAfterMs: null,
    };
  }
  const code = json?.code !== undefined && json.code !== null ? String(json.code) : null;
  const twilioMessage = typeof json?.message === "string" ? json.message : text.slice(0, 200);
  const retryable = response.status === 429 || response.status === 408 || response.status >= 500;
  return {
    ok: false,
    retryable,
    code,
    message: `Twilio answered ${response.status}${code ? ` (error ${code})` : ""}: ${twilioMessage || response.statusText}`,
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
  };
}

export interface TwilioListedMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  dateCreated: Date | null;
}

export type TwilioListResult =
  | { ok: true; messages: TwilioListedMessage[] }
  | { ok: false; retryable: boolean; message: string };

/**
 * The newest messages from one number to another (Twilio's Message list, `To` and `From`
 * filters, newest first): what Twilio accepted, whatever the app managed to record.
 */
export async function listTwilioMessages(
  credentials: TwilioCredentials,
  filter: { to: string; from: string },
  timeoutMs: number,
): Promise<TwilioListResult> {
  const url = `${messagesUrl(credentials)}?${new URLSearchParams({ To: filter.to, From: filter.from, PageSize: "50" })}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      headers: { authorization: authorization(credentials), accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : "";
    return { ok: false, retryable: true, message: `Could not reach Twilio (${cause})` };
  }
  const json = parseJson(text);
  if (response.status !== 200 || !Array.isArray(json?.messages)) {
    return {
      ok: false,
      retryable: response.status === 429 || response.status === 408 || response.status >= 500,
      message: `Twilio answered ${response.status} to the message list`,
    };
  }
  const messages = (json.messages as Record<string, unknown>[]).flatMap((m) =>
    typeof m.sid === "string" && typeof m.body === "string"
      ? [
          {
            sid: m.sid,
            to: String(m.to ?? ""),
            from: String(m.from ?? ""),
            body: m.body,
            dateCreated: typeof m.date_created === "string" ? new Date(m.date_created) : null,
          },
        ]
      : [],
  );
  return { ok: true, messages };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Retry-After is seconds or an HTTP date. */
function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
