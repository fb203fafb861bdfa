import { CSRF_HEADER, SESSION_COOKIE, type SessionInfo } from "../../src/shared/auth.js";
import type { Recorder } from "./stats.js";

/** A request that takes longer is an error: staff would have given up long before. */
const REQUEST_TIMEOUT_MS = 30_000;

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** A 409 version conflict is a legitimate answer here (two people editing one ticket). */
  conflictAllowed?: boolean;
}

export type Response<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; conflict: boolean; body: unknown };

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function problemCode(body: unknown): string {
  if (typeof body === "object" && body !== null && "code" in body && typeof body.code === "string") return body.code;
  return "no_problem_code";
}

/**
 * One staff member's browser: the session cookie, the CSRF token, and the address their office
 * proxy reports for them. Uses Node's fetch (undici), whose global agent keeps connections alive.
 * Every request is timed from sending to the last byte of the body and recorded by action.
 */
export class StaffClient {
  private cookie: string | undefined;
  private csrfToken: string | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly recorder: Recorder,
    private readonly forwardedFor?: string,
  ) {}

  async signIn(email: string, password: string): Promise<SessionInfo | undefined> {
    const response = await this.send<SessionInfo>("sign in", "POST", "/api/auth/login", { body: { email, password } });
    if (!response.ok) return undefined;
    this.csrfToken = response.body.csrfToken;
    return response.body;
  }

  async signOut(): Promise<void> {
    await this.send("sign out", "POST", "/api/auth/logout");
    this.cookie = undefined;
    this.csrfToken = undefined;
  }

  get<T>(action: string, path: string, query?: Query): Promise<Response<T>> {
    return this.send<T>(action, "GET", path, { query });
  }

  send<T>(action: string, method: string, path: string, options: RequestOptions = {}): Promise<Response<T>> {
    return this.timed<T>(action, method, `${path}${queryString(options.query)}`, options);
  }

  private async timed<T>(
    action: string,
    method: string,
    pathAndQuery: string,
    options: RequestOptions,
  ): Promise<Response<T>> {
    const headers: Record<string, string> = { accept: "application/json", "user-agent": "uplink-load-test" };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.forwardedFor) headers["x-forwarded-for"] = this.forwardedFor;
    if (method !== "GET" && this.csrfToken) headers[CSRF_HEADER] = this.csrfToken;
    if (options.body !== undefined) headers["content-type"] = "application/json";

    const started = performance.now();
    let status = 0;
    let text: string;
    let setCookies: string[] = [];
    let contentType = "";
    try {
      const response = await fetch(`${this.baseUrl}${pathAndQuery}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = response.status;
      setCookies = response.headers.getSetCookie();
      contentType = response.headers.get("content-type") ?? "";
      text = await response.text();
    } catch (error) {
      const latency = performance.now() - started;
      const name = error instanceof Error ? error.name : "Error";
      const code = name === "TimeoutError" ? "timeout" : "network";
      const message = error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ""}` : "";
      this.recorder.record(action, latency, "error");
      this.recorder.recordError(code, { action, method, path: pathAndQuery, status: 0, body: message });
      return { ok: false, status: 0, conflict: false, body: message };
    }
    const latency = performance.now() - started;

    const session = setCookies.find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
    if (session) this.cookie = session.split(";")[0];

    let body: unknown = text;
    if (contentType.includes("json") && text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (status >= 200 && status < 300) {
      this.recorder.record(action, latency, "ok");
      return { ok: true, status, body: body as T };
    }
    const conflict =
      status === 409 && options.conflictAllowed === true && problemCode(body) === "ticket.version_conflict";
    this.recorder.record(action, latency, conflict ? "conflict" : "error");
    if (!conflict) {
      this.recorder.recordError(problemCode(body), { action, method, path: pathAndQuery, status, body: text });
    }
    return { ok: false, status, conflict, body };
  }
}
