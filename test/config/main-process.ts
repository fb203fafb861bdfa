import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export interface MainProcess {
  child: ChildProcessWithoutNullStreams;
  output(): { stdout: string; stderr: string };
  /** Resolves once stdout contains the text; rejects on exit or after the timeout. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Starts `src/server/main.ts` as `npm start` would (without the web build step). */
export function startMain(env: Record<string, string>): MainProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitFor(text, timeoutMs = 240_000) {
      const found = () => (typeof text === "string" ? stdout.includes(text) : text.exec(stdout)?.[0]);
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = found();
          if (match) {
            cleanup();
            resolve(typeof match === "string" ? match : String(text));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`main.ts never printed ${text} within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`main.ts exited before printing ${text}:\n${stdout}\n${stderr}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off("exit", onExit);
        };
        listeners.add(check);
        child.on("exit", onExit);
        check();
      });
    },
  };
}

/** Runs `src/server/main.ts` to its end; resolves with its exit code and output. */
export async function runMain(env: Record<string, string>, timeoutMs = 30_000) {
  const main = startMain(env);
  const timer = setTimeout(() => main.child.kill("SIGKILL"), timeoutMs);
  const code = await main.exited;
  clearTimeout(timer);
  return { code, ...main.output() };
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
