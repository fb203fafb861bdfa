import cluster, { type Worker } from "node:cluster";
import os from "node:os";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { usesServerDatabase } from "./config.js";

/** Set on each worker: its place (0 … n-1), kept by its replacement after a restart. */
export const WORKER_INDEX_ENV = "UPLINK_WORKER_INDEX";
/** Set on each worker: the primary has run the migrations and the seed already. */
export const PREPARED_ENV = "UPLINK_PREPARED";

/**
 * How many app processes serve the port: WEB_CONCURRENCY, else the machine's cores, on a server
 * database; always one on the embedded database (its data directory is one process's).
 */
export function workerCount(config: Config): number {
  if (!usesServerDatabase(config)) return 1;
  return config.WEB_CONCURRENCY ?? os.availableParallelism();
}

/**
 * Each worker's share of DATABASE_POOL_SIZE, so that all of them together stay within what the
 * operator gave Uplink of PostgreSQL's connections (at least 2 each: a request and a dispatcher).
 * Each worker also holds its LISTEN connections outside the pool (docs/operations.md).
 */
export function workerPoolSize(config: Config, workers: number): number {
  return Math.max(2, Math.floor(config.DATABASE_POOL_SIZE / workers));
}

/** This process's worker index (0 in a single process). */
export function workerIndex(): number {
  const index = Number.parseInt(process.env[WORKER_INDEX_ENV] ?? "0", 10);
  return Number.isInteger(index) && index >= 0 ? index : 0;
}

/**
 * The primary process of a multi-process Uplink: forks the workers (which share the port through
 * Node's cluster module), replaces one that dies, restarts them one at a time on SIGHUP (a new one
 * listens before the old one stops taking requests), and stops them all on SIGTERM/SIGINT.
 */
export function runPrimary(config: Config, workers: number, log: Logger): void {
  const poolSize = workerPoolSize(config, workers);
  const slots: (Worker | undefined)[] = new Array(workers).fill(undefined);
  /** Workers replaced in a rolling restart, still finishing their requests. */
  const retiring = new Set<Worker>();
  let stopping = false;
  let restarting = false;
  const crashes: number[] = [];

  const fork = (index: number): Promise<Worker> =>
    new Promise((resolve) => {
      const worker = cluster.fork({
        [WORKER_INDEX_ENV]: String(index),
        [PREPARED_ENV]: "true",
        DATABASE_POOL_SIZE: String(poolSize),
      });
      slots[index] = worker;
      worker.once("listening", () => resolve(worker));
      worker.once("exit", (code, signal) => {
        // A worker replaced in a rolling restart was told to stop: its exit starts no other.
        if (slots[index] !== worker) return;
        slots[index] = undefined;
        if (stopping || worker.exitedAfterDisconnect) return;
        // A worker died on its own: log it and start another, unless they keep dying at once.
        const now = Date.now();
        crashes.push(now);
        while (crashes.length > 0 && (crashes[0] ?? 0) < now - 60_000) crashes.shift();
        log.error({ worker: index, code, signal }, "app worker exited; starting another");
        if (crashes.length > workers * 5) {
          log.fatal("app workers keep exiting (more than 5 each within a minute); stopping");
          void stop(1);
          return;
        }
        setTimeout(() => void fork(index), Math.min(5_000, 200 * crashes.length)).unref();
      });
    });

  const stop = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      log.error("workers took longer than 30 s to stop; exiting");
      process.exit(1);
    }, 30_000);
    force.unref();
    await Promise.all(
      [...slots, ...retiring].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (!worker || worker.isDead()) return resolve();
            worker.once("exit", () => resolve());
            worker.process.kill("SIGTERM");
          }),
      ),
    );
    process.exit(exitCode);
  };

  /** One worker at a time: the new one listens, then the old one finishes its requests and exits. */
  const rollingRestart = async () => {
    if (restarting || stopping) return;
    restarting = true;
    log.info("SIGHUP: restarting the app workers one at a time");
    try {
      for (let index = 0; index < workers; index++) {
        if (stopping) return;
        const old = slots[index];
        // Retiring from here: stop() (should it come now) waits for it and ends it too, since the
        // primary exiting would end it mid-request.
        if (old) {
          retiring.add(old);
          old.once("exit", () => retiring.delete(old));
        }
        // The replacement owns the slot from here; the old one's exit must not start another.
        await fork(index);
        // SIGTERM, not disconnect(): the worker's own shutdown stops listening first and serves the
        // connections it was already handed (http/drain.ts); disconnect() would drop those as idle.
        if (old && !old.isDead() && !stopping) old.process.kill("SIGTERM");
      }
      log.info("app workers restarted");
    } finally {
      restarting = false;
    }
  };

  process.on("SIGTERM", () => void stop(0));
  process.on("SIGINT", () => void stop(0));
  process.on("SIGHUP", () => void rollingRestart());
  void Promise.all(slots.map((_, index) => fork(index))).then(() =>
    log.info(`Uplink: ${workers} app workers listening on port ${config.PORT} (pool of ${poolSize} each)`),
  );
}
