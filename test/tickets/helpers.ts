import { randomInt } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import type { Executor } from "../../src/server/db/client.js";
import { customers, servicePlans, smsLogs, ticketEvents, tickets } from "../../src/server/db/schema/index.js";
import type { Session } from "../support/app.js";

/**
 * A customer row written straight to the table: the tickets suites need customers but must not
 * depend on the customers API being built.
 */
export async function insertCustomer(db: Executor, values: Partial<typeof customers.$inferInsert> = {}) {
  const [plan] = await db
    .insert(servicePlans)
    .values({ name: `Plan ${randomInt(1_000_000_000)}`, downloadMbps: 100, uploadMbps: 20, monthlyPrice: 49.99 })
    .returning();
  const [row] = await db
    .insert(customers)
    .values({
      name: `Customer ${randomInt(1_000_000_000)}`,
      phone: `+1415555${String(randomInt(10_000)).padStart(4, "0")}`,
      street: "12 Main St",
      city: "Springfield",
      region: "IL",
      postalCode: "62701",
      servicePlanId: plan?.id,
      ipAddress: "100.64.1.20",
      ...values,
    })
    .returning();
  if (!row) throw new Error("customer insert returned nothing");
  return row;
}

export async function eventsOf(db: Executor, ticketId: string) {
  return db
    .select()
    .from(ticketEvents)
    .where(eq(ticketEvents.ticketId, ticketId))
    .orderBy(asc(ticketEvents.createdAt), asc(ticketEvents.id));
}

export async function smsPurposesOf(db: Executor, ticketId: string) {
  const rows = await db
    .select({ purpose: smsLogs.purpose })
    .from(smsLogs)
    .where(eq(smsLogs.ticketId, ticketId))
    .orderBy(asc(smsLogs.createdAt), asc(smsLogs.id));
  // Rows of one instant have no reliable order: compare as a sorted list.
  return rows.map((row) => row.purpose).sort();
}

export async function ticketRow(db: Executor, id: string) {
  const [row] = await db
    .select()
    .from(tickets)
    .where(and(eq(tickets.id, id)));
  if (!row) throw new Error(`ticket ${id} not found`);
  return row;
}

/** A fresh technician account (so a test may deactivate it without touching the demo users). */
export async function makeTechnician(admin: Session, overrides: Record<string, unknown> = {}) {
  const response = await admin.post("/api/users", {
    name: `Tech ${randomInt(1_000_000)}`,
    email: `tech-${randomInt(1_000_000_000)}@isp.test`,
    role: "technician",
    password: "correct-horse-battery",
    ...overrides,
  });
  if (response.statusCode !== 201) throw new Error(`makeTechnician: ${response.statusCode} ${response.body}`);
  return response.json() as { id: string; name: string };
}

export const HOUR = 3_600_000;
