import { eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/server/db/client.js";
import { customers } from "../../src/server/db/schema/index.js";
import type { Dashboard } from "../../src/shared/dashboard.js";
import { DEMO, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";

/** Customers by status as the dashboard reads them from its trigger-kept table, against a real count. */
describe.each(testDatabaseKinds())("dashboard customer counts kept by triggers on %s", (kind) => {
  const t = useTestApp(kind);

  async function expectCountsRight(expected: Record<string, number>) {
    const admin = await signIn(t().app, DEMO.admin);
    const response = await admin.get("/api/dashboard");
    expect(response.statusCode).toBe(200);
    const { customers: shown } = response.json() as Dashboard;
    const truth = await queryRows<{ status: string; count: number }>(
      t().database.handle.db,
      sql`select status, count(*)::int as count from customers where deleted_at is null group by status`,
    );
    const actual = Object.fromEntries(shown.byStatus.map((row) => [row.status, row.count]));
    expect(actual).toEqual({ lead: 0, pending_install: 0, active: 0, suspended: 0, cancelled: 0, ...expected });
    expect(actual).toEqual({
      lead: 0,
      pending_install: 0,
      active: 0,
      suspended: 0,
      cancelled: 0,
      ...Object.fromEntries(truth.map((row) => [row.status, Number(row.count)])),
    });
    expect(shown.total).toBe(Object.values(expected).reduce((sum, n) => sum + n, 0));
  }

  it("follows inserts, status changes, archiving, restoring, deletes and rolled-back work", async () => {
    const { db } = t().database.handle;
    const admin = await signIn(t().app, DEMO.admin);
    // Through the customers API, as staff would.
    const alice = await makeCustomer(admin, { status: "active" });
    await makeCustomer(admin, { status: "lead" });
    await expectCountsRight({ active: 1, lead: 1 });

    // From here on straight to the table on purpose: the triggers must follow any statement
    // (bulk, multi-row updates, deletes, rollbacks), not only the ones the API happens to send.
    // A bulk insert of many rows in one statement (as an import does).
    const bulk = await db
      .insert(customers)
      .values(
        Array.from({ length: 50 }, (_, i) => ({
          name: `Bulk ${i}`,
          status: i % 5 === 0 ? ("suspended" as const) : ("active" as const),
        })),
      )
      .returning({ id: customers.id });
    await expectCountsRight({ active: 41, lead: 1, suspended: 10 });

    // One statement moving rows between statuses.
    await db.update(customers).set({ status: "cancelled" }).where(eq(customers.status, "suspended"));
    await expectCountsRight({ active: 41, lead: 1, cancelled: 10 });

    // An update that changes nothing the counts care about.
    await db.update(customers).set({ notes: "called" }).where(eq(customers.id, alice.id));
    await expectCountsRight({ active: 41, lead: 1, cancelled: 10 });

    // Archive (four active, one cancelled) and restore (soft delete), then a real delete.
    const archived = bulk.slice(0, 5).map((row) => row.id);
    await db.update(customers).set({ deletedAt: new Date() }).where(inArray(customers.id, archived));
    await expectCountsRight({ active: 37, lead: 1, cancelled: 9 });
    await db
      .update(customers)
      .set({ deletedAt: null, status: "pending_install" })
      .where(inArray(customers.id, archived));
    await expectCountsRight({ active: 37, lead: 1, cancelled: 9, pending_install: 5 });
    await db.delete(customers).where(inArray(customers.id, archived));
    await expectCountsRight({ active: 37, lead: 1, cancelled: 9 });

    // Work rolled back leaves the counts as they were.
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(customers).values({ name: "Never mind", status: "active" });
        throw new Error("rolled back on purpose");
      }),
    ).rejects.toThrow("rolled back on purpose");
    await expectCountsRight({ active: 37, lead: 1, cancelled: 9 });
  });
});
