import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, createWriteStream, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { CSRF_HEADER, SESSION_COOKIE } from "../../../src/shared/auth.js";
import { freePort } from "../../config/main-process.js";

const root = path.resolve(import.meta.dirname, "../../..");

/**
 * `src/server/main.ts` as a child process, as production runs it: the fault suite kills it with
 * SIGKILL and SIGTERM, which an in-process app cannot survive. Its log goes to a file in the
 * scenario's temp directory, for the post-mortem when an assertion fails.
 */
export class AppProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly baseUrl: string;

  private constructor(
    readonly port: number,
    readonly logFile: string,
    env: Record<string, string>,
  ) {
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        LOG_LEVEL: "info",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const log = createWriteStream(logFile, { flags: "a" });
    this.child.stdout?.pipe(log, { end: false });
    this.child.stderr?.pipe(log, { end: false });
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => {
        resolve({ code, signal });
      }),
    );
  }

  /** Starts the app and returns once /healthz answers (migrations done, listening). */
  static async start(env: Record<string, string>, logFile: string, port?: number): Promise<AppProcess> {
    const app = new AppProcess(port ?? (await freePort()), logFile, env);
    await app.waitUntilHealthy();
    return app;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("the app process has no pid");
    return this.child.pid;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, "utf8");
    } catch {
      return "";
    }
  }

  async waitUntilHealthy(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    for (;;) {
      if (exited) throw new Error(`the app exited during start-up:\n${this.log().slice(-4000)}`);
      try {
        const response = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the app did not start within ${timeoutMs} ms:\n${this.log()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL: no shutdown hook runs, in-flight requests and sends are cut off. */
  async kill9(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** For afterAll: ends the process whatever state it is in. */
  async ensureStopped(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}

export interface ApiAnswer<T = unknown> {
  status: number;
  contentType: string;
  body: T;
  ms: number;
}

/** A signed-in staff member talking to a running app over real HTTP (cookie + CSRF header). */
export class StaffClient {
  private constructor(
    readonly baseUrl: string,
    private readonly cookie: string,
    private readonly csrfToken: string,
  ) {}

  static async signIn(baseUrl: string, email = "admin@isp.com", password = "admin123"): Promise<StaffClient> {
    const response = await fetch(`${baseUrl}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    if (response.status !== 200) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
    const token = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(response.headers.get("set-cookie") ?? "")?.[1];
    const { csrfToken } = (await response.json()) as { csrfToken: string };
    if (!token) throw new Error("sign-in set no session cookie");
    return new StaffClient(baseUrl, `${SESSION_COOKIE}=${token}`, csrfToken);
  }

  /** The headers a raw request needs to ride on this session. */
  headers(): Record<string, string> {
    return { cookie: this.cookie, [CSRF_HEADER]: this.csrfToken, "content-type": "application/json" };
  }

  /** Same session, another instance (several app processes on one database). */
  on(baseUrl: string): StaffClient {
    return new StaffClient(baseUrl, this.cookie, this.csrfToken);
  }

  async request<T = unknown>(
    method: string,
    url: string,
    body?: unknown,
    options: { timeoutMs?: number } = {},
  ): Promise<ApiAnswer<T>> {
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}${url}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(method === "GET" ? {} : { [CSRF_HEADER]: this.csrfToken }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    const contentType = response.headers.get("content-type") ?? "";
    let parsed: unknown = text;
    if (contentType.includes("json") && text !== "") parsed = JSON.parse(text);
    return { status: response.status, contentType, body: parsed as T, ms: performance.now() - started };
  }
}

/** GET /readyz without a session; never throws (a refused connection is status 0). */
export async function readiness(baseUrl: string): Promise<ApiAnswer> {
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    const contentType = response.headers.get("content-type") ?? "";
    return {
      status: response.status,
      contentType,
      body: contentType.includes("json") ? JSON.parse(text) : text,
      ms: performance.now() - started,
    };
  } catch (error) {
    return { status: 0, contentType: "", body: String(error), ms: performance.now() - started };
  }
}

/** Runs `task` over `items` with at most `concurrency` at once; results in item order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** A US mobile-or-landline number (valid, not known to be fixed-line) unique per index. */
export function mobileNumber(index: number): string {
  return `+1212555${String(index).padStart(4, "0")}`;
}

/** Customers with mobile numbers, created through the API: each ticket for one of them queues an SMS. */
export async function createCustomers(
  staff: StaffClient,
  count: number,
  label: string,
  firstNumber = 0,
): Promise<string[]> {
  const answers = await mapConcurrently(
    Array.from({ length: count }, (_, i) => i),
    4,
    (i) =>
      staff.request<{ id: string }>("POST", "/api/customers", {
        name: `${label} customer ${i}`,
        phone: mobileNumber(firstNumber + i),
      }),
  );
  return answers.map((answer) => {
    if (answer.status !== 201) throw new Error(`creating a customer answered ${answer.status}`);
    return answer.body.id;
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/**
 * Prints one measured result and appends it to $TMPDIR/uplink-faults-results.jsonl, from which
 * docs/faults.md's numbers are taken.
 */
export function report(scenario: string, numbers: Record<string, unknown>): void {
  const line = JSON.stringify({ at: new Date().toISOString(), scenario, ...numbers });
  console.info(`[faults] ${line}`);
  appendFileSync(path.join(os.tmpdir(), "uplink-faults-results.jsonl"), `${line}\n`);
}

export type BurstResult =
  | { index: number; status: number; id?: string; number?: string }
  | { index: number; status: 0; error: string };

/**
 * POSTs `total` tickets, `concurrency` at a time, round-robin over the customers, and calls
 * `midway` once `killAfter` answers have come back (the test kills the app there). Requests
 * after that are not sent. Every answer is recorded: what got a 2xx must survive.
 */
export async function ticketBurst(
  staff: StaffClient,
  options: {
    customerIds: readonly string[];
    total: number;
    concurrency: number;
    label: string;
    killAfter: number;
    midway: () => Promise<void>;
  },
): Promise<{ results: BurstResult[]; killedAtAnswer: number; seconds: number }> {
  const results: BurstResult[] = [];
  let answered = 0;
  let killed: Promise<void> | undefined;
  let killedAtAnswer = -1;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (!killed && next < options.total) {
      const index = next++;
      try {
        const answer = await staff.request<{ id: string; number: string }>(
          "POST",
          "/api/tickets",
          {
            customerId: options.customerIds[index % options.customerIds.length],
            subject: `${options.label} ticket ${index}`,
          },
          { timeoutMs: 60_000 },
        );
        results.push(
          answer.status >= 200 && answer.status < 300
            ? { index, status: answer.status, id: answer.body.id, number: answer.body.number }
            : { index, status: answer.status },
        );
      } catch (error) {
        results.push({ index, status: 0, error: String((error as Error).cause ?? error) });
      }
      answered++;
      if (answered >= options.killAfter && !killed) {
        killedAtAnswer = answered;
        killed = options.midway();
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await killed;
  return { results, killedAtAnswer, seconds: (performance.now() - started) / 1000 };
}

/**
 * A request whose headers and first half of the body go out now and the rest on `finish()`: it is
 * certainly in flight at the server until then. Resolves with the status line's code and body.
 */
export function slowRequest(
  baseUrl: string,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string,
) {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  let raw = "";
  socket.on("data", (chunk) => {
    raw += chunk;
  });
  /** Status 0 with the socket error when the connection broke before an answer. */
  const answer = new Promise<{ status: number; body: string; error?: string }>((resolve) => {
    const done = (error?: Error) => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
      resolve({ status, body: raw.slice(raw.indexOf("\r\n\r\n") + 4), error: error?.message });
    };
    socket.on("end", () => done());
    socket.on("close", () => done());
    socket.on("error", done);
  });
  const half = Math.floor(body.length / 2);
  const headerLines = Object.entries({ ...headers, "content-length": String(Buffer.byteLength(body)) })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  const started = new Promise<void>((resolve) =>
    socket.on("connect", () =>
      socket.write(
        `${method} ${url} HTTP/1.1\r\nhost: ${hostname}\r\nconnection: close\r\n${headerLines}\r\n${body.slice(0, half)}`,
        () => resolve(),
      ),
    ),
  );
  return { started, finish: () => socket.write(body.slice(half)), answer };
}
