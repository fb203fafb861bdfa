import { CSRF_HEADER, SESSION_COOKIE } from "../../src/shared/auth.js";
import type { Account } from "./fixtures.js";
import type { RequestSpec } from "./scenarios.js";

/** A signed-in staff member, as a browser holds it: the cookie and the CSRF token. */
export interface Session {
  email: string;
  cookie: string;
  csrfToken: string;
}

export class BenchHttpError extends Error {
  override name = "BenchHttpError";
}

export function headersFor(session: Session | undefined, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: "application/json", "user-agent": "uplink-bench" };
  if (hasBody) headers["content-type"] = "application/json";
  if (session) {
    headers.cookie = session.cookie;
    headers[CSRF_HEADER] = session.csrfToken;
  }
  return headers;
}

export async function signIn(origin: string, account: Account): Promise<Session> {
  const response = await fetch(`${origin}/api/auth/login`, {
    method: "POST",
    headers: headersFor(undefined, true),
    body: JSON.stringify({ email: account.email, password: account.password }),
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw new BenchHttpError(
      `Signing in as ${account.email} with the demo password failed (${response.status}): ${text.slice(0, 300)}`,
    );
  }
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(";")[0] ?? "")
    .find((pair) => pair.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new BenchHttpError(`Signing in as ${account.email} set no ${SESSION_COOKIE} cookie.`);
  const { csrfToken } = JSON.parse(text) as { csrfToken: string };
  return { email: account.email, cookie, csrfToken };
}

export async function signOut(origin: string, session: Session): Promise<void> {
  await fetch(`${origin}/api/auth/logout`, { method: "POST", headers: headersFor(session, false) });
}

export async function send(
  origin: string,
  spec: RequestSpec,
  session: Session | undefined,
): Promise<{ status: number; body: unknown; text: string }> {
  const response = await fetch(`${origin}${spec.path}`, {
    method: spec.method,
    headers: headersFor(session, spec.body !== undefined),
    body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text is reported as is
  }
  return { status: response.status, body, text };
}
