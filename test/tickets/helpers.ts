import { and, asc, eq } from "drizzle-orm";
import type { Executor } from "../../src/server/db/client.js";
import { smsLogs, ticketEvents, tickets } from "../../src/server/db/schema/index.js";
import type { Session } from "../support/app.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeServicePlan } from "../support/factories/service-plans.js";

let ipSequence = 0;

/**
 * A customer with an address, an IP address and a service plan, made through the customers and
 * plans APIs (an admin's session), as the tickets suites' customer summaries show them.
 */
export async function makeCustomerWithPlan(admin: Session, overrides: Record<string, unknown> = {}) {
  const plan = await makeServicePlan(admin);
  // Each its own address: two current customers cannot share one.
  ipSequence += 1;
  return makeCustomer(admin, {
    street: "12 Main St",
    city: "Springfield",
    region: "IL",
    postalCode: "62701",
    servicePlanId: plan.id,
    ipAddress: `100.64.${Math.floor(ipSequence / 250) + 1}.${(ipSequence % 250) + 1}`,
    ...overrides,
  });
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

export const HOUR = 3_600_000;
