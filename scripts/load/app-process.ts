import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
/** The address the simulated office proxy connects from; the app trusts its X-Forwarded-For. */
export const PROXY_ADDRESS = "127.0.0.1";

export interface RunningApp {
  url: string;
  pid: number;
  /** SIGTERM, then waits for the exit (SIGKILL after 30 s); answers how it ended. */
  stop(): Promise<string>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function forwardLines(stream: NodeJS.ReadableStream, recent: string[]) {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      process.stderr.write(`[app] ${line}\n`);
      recent.push(line);
      if (recent.length > 20) recent.shift();
    }
  });
}

function exited(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null) return Promise.resolve(`exit ${child.exitCode}`);
  if (child.signalCode !== null) return Promise.resolve(`signal ${child.signalCode}`);
  return new Promise((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ? `signal ${signal}` : `exit ${code}`)),
  );
}

/**
 * Starts the app as `npm start` would run it in production (without the web build), on a free
 * port, and waits until /readyz answers 200. Twilio variables are dropped from the environment so
 * a load run never texts anyone; DATABASE_POOL_SIZE and the like pass through.
 */
export async function startApp(databaseUrl: string): Promise<RunningApp> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("TWILIO_")) delete env[key];
  Object.assign(env, {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    SEED_DEMO_USERS: "false",
    // Staff sit behind the office proxy: each has their own address in X-Forwarded-For, so the
    // sign-in limiter and the audit log see people, not one machine.
    TRUST_PROXY: PROXY_ADDRESS,
    NODE_ENV: "production",
  });
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: Ctrl-C in the terminal must not stop the app while the staff finish
    // their last actions; the script stops it afterwards (and kills it if the script dies first).
    detached: true,
  });
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  const recent: string[] = [];
  if (child.stdout) forwardLines(child.stdout, recent);
  if (child.stderr) forwardLines(child.stderr, recent);
  const exit = exited(child);
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let early: string | undefined;
  void exit.then((how) => {
    early = how;
  });
  for (;;) {
    if (early !== undefined) {
      throw new Error(`the app stopped before it was ready (${early}):\n${recent.join("\n")}`);
    }
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      killOnExit();
      throw new Error(`the app was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${recent.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (child.pid === undefined) throw new Error("the app has no process id");

  return {
    url,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      const how = await exit;
      clearTimeout(timer);
      process.off("exit", killOnExit);
      return how;
    },
  };
}

export interface ProcessSample {
  rssMb: number;
  cpuSeconds: number;
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux build in practice. */
const CLOCK_TICKS = 100;

/** Resident memory and CPU time of a process from /proc, or undefined when it cannot be read. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!rss?.[1]) return undefined;
    return { rssMb: Math.round(Number(rss[1]) / 102.4) / 10, cpuSeconds: ticks / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/** Samples a process every second: RSS min and max, CPU time used over the run. */
export class ProcessMonitor {
  private timer: NodeJS.Timeout | undefined;
  private first: ProcessSample | undefined;
  private last: ProcessSample | undefined;
  minRssMb = Number.POSITIVE_INFINITY;
  maxRssMb = 0;
  samples = 0;

  constructor(readonly pid: number) {}

  start(): void {
    this.take();
    this.timer = setInterval(() => this.take(), 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.take();
  }

  get currentRssMb(): number | undefined {
    return this.last?.rssMb;
  }

  get cpuSeconds(): number | undefined {
    return this.first && this.last ? Math.round((this.last.cpuSeconds - this.first.cpuSeconds) * 10) / 10 : undefined;
  }

  private take(): void {
    const sample = sampleProcess(this.pid);
    if (!sample) return;
    this.first ??= sample;
    this.last = sample;
    this.samples++;
    this.minRssMb = Math.min(this.minRssMb, sample.rssMb);
    this.maxRssMb = Math.max(this.maxRssMb, sample.rssMb);
  }
}
