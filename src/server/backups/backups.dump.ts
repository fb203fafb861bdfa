import { type ChildProcess, spawn } from "node:child_process";
import { Readable } from "node:stream";
import type pg from "pg";

/** pg_dump's options for both databases: a plain-SQL dump that loads into any owner's database. */
export const DUMP_ARGS = ["--no-owner", "--no-privileges"] as const;

/** A dump on its way out: the SQL text as a stream, and its outcome once the stream has ended. */
export interface DumpSource {
  stream: Readable;
  /** Rejects with pg_dump's own message when the dump failed (a stream that ended is not enough). */
  finished(): Promise<void>;
  /** Stops the dump (the file could not be written). */
  cancel(): void;
}

/** Why a server backup cannot be taken here, in words; null when the system pg_dump runs. */
export async function serverDumpUnavailable(): Promise<string | null> {
  const version = await new Promise<string | null>((resolve) => {
    const child = spawn("pg_dump", ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.on("error", () => resolve(null));
    child.on("close", (code) => resolve(code === 0 ? out.trim() : null));
  });
  return version
    ? null
    : "pg_dump is not installed on this app's host. Install the PostgreSQL client tools (the server's version or newer, e.g. postgresql-client-17), or back the server up with your own tools (docs/operations.md).";
}

/**
 * A dump of the server database by the system's pg_dump, which takes a consistent snapshot (one
 * REPEATABLE READ transaction) while the app keeps writing. The connection is the pool's; its
 * password goes in PGPASSWORD, never on the command line (other users could see it in `ps`).
 */
export function dumpServerDatabase(pool: pg.Pool): DumpSource {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const args: string[] = [...DUMP_ARGS];
  const connectionString = pool.options.connectionString;
  if (connectionString) {
    const url = new URL(connectionString);
    if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
    url.password = "";
    args.push(`--dbname=${url.toString()}`);
  }
  const child: ChildProcess = spawn("pg_dump", args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    if (stderr.length < 4000) stderr += chunk;
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", (error) => reject(new Error(`pg_dump could not be started: ${error.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`pg_dump failed (exit code ${code}): ${stderr.trim() || "no message"}`));
    });
  });
  // A rejection nobody awaits yet (the stream is still being written) must not crash the process.
  exited.catch(() => {});
  return {
    stream: child.stdout ?? Readable.from([]),
    finished: () => exited,
    cancel: () => child.kill(),
  };
}
