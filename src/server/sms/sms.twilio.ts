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

export async function sendTwilioMessage(
  credentials: TwilioCredentials,
  message: TwilioMessage,
  timeoutMs: number,
): Promise<TwilioSendResult> {
  const url = `${credentials.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(credentials.accountSid)}/Messages.json`;
  const form = new URLSearchParams({ To: message.to, From: message.from, Body: message.body });
  if (message.statusCallback) form.set("StatusCallback", message.statusCallback);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString("base64")}`,
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
