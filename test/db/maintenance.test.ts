import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/server/db/client.js";
import { refreshEmbeddedStatistics } from "../../src/server/db/maintenance.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

/** The planner's idea of how many open tickets there are (pg_class.reltuples of the table). */
async function plannedTickets(database: TestDatabase): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    database.handle.db,
    sql`select reltuples::float8 as n from pg_class where relname = 'tickets'`,
  );
  return Number(row?.n ?? -1);
}

describe("planner statistics on the embedded database", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
  });
  afterAll(async () => {
    await database.drop();
  });

  it("are refreshed by refreshEmbeddedStatistics, so a grown queue is planned from its real size", async () => {
    await database.handle.db.execute(sql`analyze tickets`);
    expect(await plannedTickets(database)).toBeLessThanOrEqual(0);
    // Raw SQL on purpose: a bare database without an app, and volume is the point.
    await database.handle.db.execute(
      sql`insert into tickets (subject, category, priority, status, due_at)
          select 'Grown queue ' || i, 'other', 'normal', 'open', now() + interval '1 day'
          from generate_series(1, 2000) as i`,
    );
    // Without a refresh (PGlite has no autovacuum) the planner still believes the table is empty.
    expect(await plannedTickets(database)).toBeLessThanOrEqual(0);
    await refreshEmbeddedStatistics(database.handle);
    expect(await plannedTickets(database)).toBe(2000);
  });
});
