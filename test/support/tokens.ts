import type { InjectOptions, LightMyRequestResponse } from "fastify";
import type { App } from "../../src/server/deps.js";
import type { CreateApiToken, CreatedApiToken } from "../../src/shared/tokens.js";
import type { Session } from "./app.js";
import { injectAnswer } from "./inject.js";

/** A client that authenticates with `Authorization: Bearer upl_…` only: no cookie, no CSRF header. */
export interface TokenClient {
  token: string;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: InjectOptions["payload"]): Promise<LightMyRequestResponse>;
}

export function tokenClient(app: App, token: string): TokenClient {
  const request = (options: InjectOptions) =>
    injectAnswer(app, { ...options, headers: { authorization: `Bearer ${token}`, ...options.headers } });
  return {
    token,
    request,
    get: (url) => request({ method: "GET", url }),
    post: (url, payload) => request({ method: "POST", url, payload }),
  };
}

/** Creates a token through the API as `session` (a signed-in staff member) and returns it. */
export async function makeToken(
  session: Session,
  input: Partial<CreateApiToken> & Pick<CreateApiToken, "scopes">,
): Promise<CreatedApiToken> {
  const response = await session.post("/api/tokens", {
    name: `Token ${Math.random().toString(36).slice(2)}`,
    ...input,
  });
  if (response.statusCode !== 201) throw new Error(`token creation failed: ${response.statusCode} ${response.body}`);
  return response.json();
}
