import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../../config/main-process.js";

/** Where Debian's postgresql-15 package puts the server binaries. */
export const POSTGRES_BIN = process.env.UPLINK_FAULTS_PG_BIN ?? "/usr/lib/postgresql/15/bin";

/**
 * A PostgreSQL 15 cluster of the suite's own, in a temp directory on a free port, so stopping,
 * killing and restarting it never touches the machine's shared cluster on 5432. PostgreSQL refuses
 * to run as root, so as root every server command runs as the `postgres` OS user.
 */
export class PrivateCluster {
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  port = 0;
  private owner: { uid: number; gid: number } | null;

  private constructor() {
    this.owner = process.getuid?.() === 0 ? postgresUser() : null;
    this.dir = mkdtempSync(path.join(os.tmpdir(), "uplink-faults-pg-"));
    if (this.owner) chownSync(this.dir, this.owner.uid, this.owner.gid);
    this.dataDir = path.join(this.dir, "data");
    this.logFile = path.join(this.dir, "server.log");
  }

  /** initdb (trust auth for local connections, fsync on as in production) and start. */
  static async create(): Promise<PrivateCluster> {
    if (!existsSync(path.join(POSTGRES_BIN, "pg_ctl"))) {
      throw new Error(
        `The fault suite needs PostgreSQL 15's server binaries in ${POSTGRES_BIN} (Debian: apt-get install postgresql-15), or UPLINK_FAULTS_PG_BIN pointing at them.`,
      );
    }
    const cluster = new PrivateCluster();
    cluster.port = await freePort();
    await cluster.run("initdb", [
      "-D",
      cluster.dataDir,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--no-instructions",
    ]);
    await cluster.start();
    return cluster;
  }

  /** The connection string of one database on this cluster. */
  url(database = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server and returns once it accepts connections (pg_ctl -w). */
  async start(): Promise<void> {
    await this.run("pg_ctl", [
      "start",
      "-w",
      "-t",
      "60",
      "-D",
      this.dataDir,
      "-l",
      this.logFile,
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200`,
    ]);
  }

  /**
   * `fast`: disconnects every client and shuts down cleanly. `immediate`: every server process
   * quits at once, as in a crash; the next start replays the WAL.
   */
  async stop(mode: "fast" | "immediate"): Promise<void> {
    await this.run("pg_ctl", ["stop", "-w", "-m", mode, "-D", this.dataDir]);
  }

  /** Resolves when a fresh connection succeeds; returns when that was (performance.now()). */
  async waitUntilAccepting(timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query("select 1");
        return performance.now();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25));
      } finally {
        await client.end().catch(() => {});
      }
    }
  }

  async createDatabase(name: string): Promise<string> {
    await this.sql(`create database "${name}"`);
    return this.url(name);
  }

  async sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = [], database = "postgres"): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** Stops the server if it runs (immediately: its data is thrown away) and deletes the directory. */
  destroy(): void {
    if (existsSync(path.join(this.dataDir, "postmaster.pid"))) {
      spawnSync(...this.command("pg_ctl", ["stop", "-w", "-m", "immediate", "-D", this.dataDir]), { stdio: "ignore" });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Asynchronous, so the test process (and the Twilio stand-in in it) keeps serving meanwhile. */
  private async run(binary: string, args: string[]): Promise<void> {
    const [file, argv] = this.command(binary, args);
    try {
      await promisify(execFile)(file, argv, { cwd: this.dir });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${binary} ${args.join(" ")} failed:\n${stdout ?? ""}${stderr ?? ""}`);
    }
  }

  private command(binary: string, args: string[]): [string, string[]] {
    const file = path.join(POSTGRES_BIN, binary);
    return this.owner ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
  }
}

function postgresUser(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "The fault suite runs as root, and PostgreSQL refuses to: it needs a `postgres` OS user to run its private cluster as (Debian's postgresql package creates one).",
    );
  }
}
