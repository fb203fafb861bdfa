import { and, count, countDistinct, desc, eq, inArray, ne } from "drizzle-orm";
import { OPEN_TICKET_STATUSES } from "../../shared/enums.js";
import type { SiteTickets } from "../../shared/tickets.js";
import type { Executor } from "../db/client.js";
import { customers, networkSites, tickets } from "../db/schema/index.js";
import { notFound } from "../http/errors.js";

/** How many of the site's tickets a customer's page lists; the count covers the rest. */
export const SITE_TICKETS_SHOWN = 5;

/**
 * Other customers' open tickets at a customer's network site: when a caller's line is down and
 * their neighbours on the same tower or cabinet have reported the same, the agent should know
 * before troubleshooting one router. The caller's own tickets are on their page already.
 */
export async function getSiteTickets(db: Executor, customerId: string): Promise<SiteTickets> {
  const [customer] = await db
    .select({ siteId: customers.siteId, siteName: networkSites.name })
    .from(customers)
    .leftJoin(networkSites, eq(networkSites.id, customers.siteId))
    .where(eq(customers.id, customerId));
  if (!customer) throw notFound("customer.not_found", "The customer");
  if (!customer.siteId) return { site: null, count: 0, customerCount: 0, items: [] };

  // customers_site_id_idx finds the neighbours, tickets_customer_id_idx their tickets.
  const atSite = and(
    eq(customers.siteId, customer.siteId),
    ne(customers.id, customerId),
    inArray(tickets.status, [...OPEN_TICKET_STATUSES]),
  );
  const [totals, items] = await Promise.all([
    db
      .select({ count: count(), customerCount: countDistinct(tickets.customerId) })
      .from(tickets)
      .innerJoin(customers, eq(customers.id, tickets.customerId))
      .where(atSite),
    db
      .select({
        id: tickets.id,
        number: tickets.number,
        subject: tickets.subject,
        status: tickets.status,
        priority: tickets.priority,
        createdAt: tickets.createdAt,
        customer: { id: customers.id, name: customers.name, accountNumber: customers.accountNumber },
      })
      .from(tickets)
      .innerJoin(customers, eq(customers.id, tickets.customerId))
      .where(atSite)
      .orderBy(desc(tickets.createdAt), desc(tickets.id))
      .limit(SITE_TICKETS_SHOWN),
  ]);
  return {
    site: { id: customer.siteId, name: customer.siteName ?? "" },
    count: totals[0]?.count ?? 0,
    customerCount: totals[0]?.customerCount ?? 0,
    items: items.map((item) => ({ ...item, createdAt: item.createdAt.toISOString() })),
  };
}
