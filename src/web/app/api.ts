import type { Problem } from "../../shared/problem.js";
import { CSRF_HEADER } from "../../shared/protocol.js";

/** The request id in a problem's `instance` (urn:uplink:request:<id>), or undefined. */
export function problemReference(problem: Problem): string | undefined {
  return problem.instance?.startsWith("urn:uplink:request:") ? problem.instance.slice(19) : undefined;
}

/** An API failure, carrying the problem+json body the server sent. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    // A failure on the server's side carries its request id, so a person's report leads to the log.
    const reference = status >= 500 ? problemReference(problem) : undefined;
    const message = problem.detail || problem.title;
    super(reference ? `${message} (Reference: ${reference})` : message);
  }
  /** The message for one field, as the server's validation reported it. */
  fieldError(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === field)?.message;
  }
  /** All field messages keyed by field, ready for `form.setErrors`. */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries((this.problem.errors ?? []).map((e) => [e.field, e.message]));
  }
}

let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();
/** Called whenever any request answers 401: the app returns to the sign-in page. */
export function onUnauthorized(listener: UnauthorizedListener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null | readonly string[]>;
  signal?: AbortSignal;
  /**
   * Idempotency-Key of a creation (one per user action, from `idempotencyKeyFor`): the request is
   * retried with the same key after a lost connection or a 502/503/504, and the server answers a
   * repeat with the first answer instead of creating the record twice.
   */
  idempotencyKey?: string;
  /** Sent even as the page closes (a presence report's "left"): the browser finishes it on its own. */
  keepalive?: boolean;
}

const actionKeys = new WeakMap<object, string>();
/**
 * The Idempotency-Key of one user action: the mutation's variables object. A retry of the same
 * action (the same object) keeps its key; a new submission is a new object and a new key.
 */
export function idempotencyKeyFor(action: object): string {
  let key = actionKeys.get(action);
  if (!key) {
    key = crypto.randomUUID();
    actionKeys.set(action, key);
  }
  return key;
}

/** Answers worth retrying with the same Idempotency-Key: no answer, a gateway's, or the first still running. */
const retryable = (error: unknown) =>
  error instanceof ApiError &&
  (error.status === 0 ||
    error.status === 502 ||
    error.status === 503 ||
    error.status === 504 ||
    error.problem.code === "idempotency.in_flight");
const IDEMPOTENT_ATTEMPTS = 4;

export function buildQuery(query: RequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/**
 * The one way the web app talks to the API: JSON in and out, CSRF header on writes, and a
 * creation with an Idempotency-Key retried (same key) until it has an answer.
 */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  if (!options.idempotencyKey) return send<T>(path, options);
  for (let attempt = 1; ; attempt++) {
    try {
      return await send<T>(path, options);
    } catch (error) {
      if (attempt >= IDEMPOTENT_ATTEMPTS || !retryable(error) || options.signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

async function send<T>(path: string, options: RequestOptions): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers[CSRF_HEADER] = csrfToken;
  if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(`${path}${buildQuery(options.query)}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "same-origin",
      signal: options.signal,
      keepalive: options.keepalive,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, {
      type: "about:blank",
      title: "Network error",
      status: 0,
      code: "network.unreachable",
      detail: "Uplink could not be reached. Check your connection and try again.",
    });
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const problem: Problem =
      typeof body === "object" && body
        ? (body as Problem)
        : {
            type: "about:blank",
            title: response.statusText,
            status: response.status,
            code: "http.error",
            detail: String(body),
          };
    if (response.status === 401 && !path.startsWith("/api/auth/")) {
      for (const listener of unauthorizedListeners) listener();
    }
    throw new ApiError(response.status, problem);
  }
  return body as T;
}

/** A readable message for any error a query or mutation can throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
