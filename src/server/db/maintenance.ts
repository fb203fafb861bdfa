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

/**
 * On the embedded database, refreshes statistics shortly after start and then every hour; a
 * server runs its own autovacuum. Returns a function that stops the schedule.
 */
export function scheduleEmbeddedMaintenance(database: DatabaseHandle, log: Logger): () => void {
  if (database.kind !== "pglite") return () => {};
  const run = () => {
    refreshEmbeddedStatistics(database).then(
      (ms) => log.info(`Embedded database: planner statistics refreshed in ${Math.round(ms)} ms`),
      (error: unknown) => log.warn({ err: error }, "Embedded database: refreshing planner statistics failed"),
    );
  };
  const first = setTimeout(run, 5_000);
  const every = setInterval(run, EMBEDDED_ANALYZE_INTERVAL_MS);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
