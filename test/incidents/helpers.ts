import { and, asc, eq } from "drizzle-orm";
import type { Executor } from "../../src/server/db/client.js";
import { smsLogs, webhookEvents } from "../../src/server/db/schema/index.js";
import type { IncidentDetail } from "../../src/shared/incidents.js";
import type { Site } from "../../src/shared/sites.js";
import type { Session } from "../support/app.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeSite } from "../support/factories/sites.js";

/** Opens an incident through the API (any staff session) and returns its detail. */
export async function makeIncident(session: Session, overrides: Record<string, unknown> = {}): Promise<IncidentDetail> {
  const response = await session.post("/api/incidents", {
    title: "Outage: North Tower",
    kind: "outage",
    severity: "major",
    publicMessage: "Internet is down in the north; crews are on site.",
    ...overrides,
  });
  if (response.statusCode !== 201) throw new Error(`makeIncident failed: ${response.statusCode} ${response.body}`);
  return response.json() as IncidentDetail;
}

/** A site and customers on it, one per entry of `customers` (fields of the customer create body). */
export async function makeSiteWithCustomers(
  admin: Session,
  customers: Record<string, unknown>[],
  siteOverrides: Record<string, unknown> = {},
): Promise<{ site: Site; customers: Awaited<ReturnType<typeof makeCustomer>>[] }> {
  const site = await makeSite(admin, siteOverrides);
  const made = [];
  for (const fields of customers) made.push(await makeCustomer(admin, { siteId: site.id, ...fields }));
  return { site, customers: made };
}

export async function smsPurposesOfTicket(db: Executor, ticketId: string) {
  const rows = await db
    .select({ purpose: smsLogs.purpose })
    .from(smsLogs)
    .where(eq(smsLogs.ticketId, ticketId))
    .orderBy(asc(smsLogs.createdAt), asc(smsLogs.id));
  return rows.map((row) => row.purpose).sort();
}

/** The webhook events of one type recorded so far, their `data` parsed. */
export async function webhookEventsOf(db: Executor, type: string): Promise<Record<string, unknown>[]> {
  const rows = await db
    .select({ body: webhookEvents.body })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.type, type)))
    .orderBy(asc(webhookEvents.createdAt));
  return rows.map((row) => (JSON.parse(row.body) as { data: Record<string, unknown> }).data);
}
