import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { DatabaseHandle } from "./client.js";

/** How often the embedded database's planner statistics are refreshed while the app runs. */
export const EMBEDDED_ANALYZE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * PGlite runs no autovacuum daemon, so nothing refreshes its planner statistics: a queue that
 * grew from a few open tickets to thousands keeps being planned as if it held a few (a sort of
 * every open ticket instead of reading the newest 50 from an index). ANALYZE samples each table
 * (30,000 rows at most), so it stays quick at the sizes the embedded database is meant for.
 */
export async function refreshEmbeddedStatistics(database: DatabaseHandle): Promise<number> {
  const started = performance.now();
  await database.db.execute(sql`analyze`);
  return performance.now() - started;
}

/** A piece of housekeeping the running app does on a schedule. */
export interface MaintenanceJob {
  name: string;
  /** Milliseconds after start of the first run. */
  firstAfterMs: number;
  everyMs: number;
  /** Resolves to a short note for the log (what it did), or nothing. */
  run(): Promise<string | undefined>;
}

/**
 * Runs each job shortly after start and then at its interval, never two runs of one job at once;
 * a failure is logged and the next run tries again. Every instance runs the schedule: each job is
 * safe to run concurrently (a delete of expired rows, an ANALYZE). Returns a function that stops it.
 */
export function scheduleMaintenance(jobs: MaintenanceJob[], log: Pick<Logger, "info" | "warn">): () => void {
  const timers: NodeJS.Timeout[] = [];
  for (const job of jobs) {
    let running = false;
    const run = () => {
      if (running) return;
      running = true;
      job.run().then(
        (note) => {
          running = false;
          if (note) log.info(`Maintenance (${job.name}): ${note}`);
        },
        (error: unknown) => {
          running = false;
          log.warn({ err: error }, `Maintenance (${job.name}) failed; it runs again at its next interval`);
        },
      );
    };
    timers.push(setTimeout(run, job.firstAfterMs), setInterval(run, job.everyMs));
  }
  for (const timer of timers) timer.unref();
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}

/** Refreshes the embedded database's planner statistics shortly after start and then hourly (a server runs autovacuum). */
export function embeddedStatisticsJob(database: DatabaseHandle): MaintenanceJob[] {
  if (database.kind !== "pglite") return [];
  return [
    {
      name: "planner statistics",
      firstAfterMs: 5_000,
      everyMs: EMBEDDED_ANALYZE_INTERVAL_MS,
      run: async () => `refreshed in ${Math.round(await refreshEmbeddedStatistics(database))} ms`,
    },
  ];
}
