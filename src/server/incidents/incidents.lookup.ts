import { and, desc, eq, inArray } from "drizzle-orm";
import { ACTIVE_INCIDENT_STATUSES } from "../../shared/enums.js";
import { type CustomerIncidents, ZCustomerIncidents } from "../../shared/incident-banner.js";
import { ZProblem } from "../../shared/problem.js";
import { ZCustomerId } from "../customers/customers.schemas.js";
import type { Executor } from "../db/client.js";
import { customers, incidentSites, incidents } from "../db/schema/index.js";
import type { App } from "../deps.js";
import { notFound } from "../http/errors.js";
import { affectedAmong } from "./incidents.affected.js";

/**
 * The active incidents affecting one customer now, latest start first: the banner the customer
 * page, the ticket page, the new-ticket form and the /call screen-pop show the person on the phone.
 * The customer's site narrows the candidates (incident_sites_site_id_idx); each candidate's own
 * filter (plans, connection types, cities, postal codes) and the customer's status then decide,
 * through the one definition of "affected" in incidents.affected.ts.
 */
export async function findCustomerIncidents(db: Executor, customerId: string): Promise<CustomerIncidents> {
  const [customer] = await db.select({ siteId: customers.siteId }).from(customers).where(eq(customers.id, customerId));
  if (!customer) throw notFound("customer.not_found", "The customer");
  if (!customer.siteId) return { items: [] };
  const candidates = await db
    .select({
      id: incidents.id,
      title: incidents.title,
      kind: incidents.kind,
      severity: incidents.severity,
      status: incidents.status,
      publicMessage: incidents.publicMessage,
      startsAt: incidents.startsAt,
      expectedEndAt: incidents.expectedEndAt,
    })
    .from(incidents)
    .innerJoin(incidentSites, eq(incidentSites.incidentId, incidents.id))
    .where(and(eq(incidentSites.siteId, customer.siteId), inArray(incidents.status, [...ACTIVE_INCIDENT_STATUSES])))
    .orderBy(desc(incidents.startsAt), desc(incidents.id));
  const items = [];
  // A handful at most: the incidents going on at one site.
  for (const incident of candidates) {
    if (!(await affectedAmong(db, incident.id, [customerId])).has(customerId)) continue;
    items.push({
      ...incident,
      startsAt: incident.startsAt.toISOString(),
      expectedEndAt: incident.expectedEndAt?.toISOString() ?? null,
    });
  }
  return { items };
}

/** GET /api/customers/:id/incidents: under the customer it reads; served by incidents/, which owns the query. */
export async function incidentLookupRoutes(app: App) {
  const db = app.deps.database.db;
  app.get(
    "/api/customers/:id/incidents",
    {
      schema: {
        tags: ["incidents"],
        summary: "The active incidents affecting this customer now (the banner for whoever is on the phone)",
        params: ZCustomerId,
        response: {
          200: ZCustomerIncidents,
          400: ZProblem,
          401: ZProblem,
          403: ZProblem,
          404: ZProblem,
          422: ZProblem,
        },
      },
    },
    async (request) => findCustomerIncidents(db, request.params.id),
  );
}
