import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The app as `npm start` runs it, in a child process the benchmark can watch. */
export class AppProcess {
  private readonly child: ChildProcess;
  private readonly output: string[] = [];
  private printed = 0;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitPromise: Promise<void>;
  readonly origin: string;
  readonly spawnedAt = performance.now();

  /** `nodeArgs`: options for node itself, such as `--inspect` (the live benchmark reads the heap through it). */
  constructor(env: NodeJS.ProcessEnv, port: number, nodeArgs: string[] = []) {
    this.origin = `http://127.0.0.1:${port}`;
    this.child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "src/server/main.ts"], {
      cwd: ROOT,
      env: { ...env, PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() === "") continue;
        this.output.push(line);
        if (this.output.length > 200) this.output.shift();
        // The app logs at warn: whatever it says is worth seeing, up to a point.
        if (this.printed < 30) {
          this.printed++;
          console.error(`  [app] ${line.slice(0, 400)}`);
        }
      }
    };
    this.child.stdout?.on("data", collect);
    this.child.stderr?.on("data", collect);
    this.exitPromise = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Waits for GET /readyz to answer 200; returns the milliseconds since spawn. */
  async waitUntilReady(timeoutMs = 180_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.exited) {
        throw new Error(
          `The app exited during start-up (code ${this.exited.code}, signal ${this.exited.signal}):\n${this.output.join("\n")}`,
        );
      }
      try {
        const response = await fetch(`${this.origin}/readyz`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.status === 200) return performance.now() - this.spawnedAt;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`The app did not answer /readyz within ${timeoutMs / 1000} s:\n${this.output.join("\n")}`);
  }

  /** Resident memory in bytes (VmRSS), or null once the process is gone. */
  rss(): number | null {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
      const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : null;
    } catch {
      return null;
    }
  }

  /**
   * CPU time (user + system) the app has used, in milliseconds: the process and its live child
   * processes (the app workers of WEB_CONCURRENCY > 1, whose time the primary's /proc entry does
   * not count until they exit).
   */
  cpuMs(): number | null {
    const own = processCpuMs(this.pid);
    if (own === null) return null;
    return own + childPids(this.pid).reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0);
  }

  recentOutput(): string {
    return this.output.slice(-40).join("\n");
  }

  /** SIGTERM, as a service manager stops it; SIGKILL if it has not exited after 30 s. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const started = performance.now();
    if (!this.exited) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 30_000);
      await this.exitPromise;
      clearTimeout(timer);
    }
    const exited = this.exited ?? { code: null, signal: null };
    return { ...exited, ms: performance.now() - started };
  }
}

/** Samples a process's memory while the benchmark runs, tagged with what was running. */
export class MemorySampler {
  private readonly samples: { phase: string; rss: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  phase = "idle";

  constructor(private readonly read: () => number | null) {}

  start(intervalMs = 200): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const rss = this.read();
    if (rss !== null) this.samples.push({ phase: this.phase, rss });
  }

  peak(filter: (phase: string) => boolean = () => true): number | null {
    let peak: number | null = null;
    for (const sample of this.samples) {
      if (filter(sample.phase) && (peak === null || sample.rss > peak)) peak = sample.rss;
    }
    return peak;
  }

  median(phase: string): number | null {
    const values = this.samples.filter((sample) => sample.phase === phase).map((sample) => sample.rss);
    values.sort((a, b) => a - b);
    return values.length ? (values[Math.floor(values.length / 2)] ?? null) : null;
  }
}

function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The pids of a process's children (Linux: /proc/<pid>/task/<tid>/children). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}
