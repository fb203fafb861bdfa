import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { formatAddress } from "../../shared/customers.js";
import { ACTIVE_INCIDENT_STATUSES, OPEN_TICKET_STATUSES, type SmsStatus } from "../../shared/enums.js";
import { type IncidentCustomerList, type IncidentMap, MAP_CUSTOMER_LIMIT } from "../../shared/incidents.js";
import { type Executor, queryRows } from "../db/client.js";
import { decodeCursor, encodeCursor } from "../http/pagination.js";

/**
 * Affected customers, computed live: current (not archived) customers with status active,
 * suspended or pending install, at one of the incident's sites, matching its narrowing filter
 * (a null criterion narrows nothing). `i` is the incident's row and `c` the customer's in every
 * query here, so the count, the list and auto-linking share one definition.
 */
export const AFFECTED = sql.raw(`
  c.deleted_at is null
  and c.status in ('active', 'suspended', 'pending_install')
  and (i.plan_ids is null or c.service_plan_id = any(i.plan_ids))
  and (i.connection_types is null or c.connection_type = any(i.connection_types))
  and (i.cities is null or lower(btrim(c.city)) in (select lower(btrim(x)) from unnest(i.cities) x))
  and (i.postal_codes is null
       or upper(replace(c.postal_code, ' ', '')) in (select upper(replace(x, ' ', '')) from unnest(i.postal_codes) x))`);

/** From the incident through its sites to their customers (customers_site_id_idx). */
export const FROM_INCIDENT = sql.raw(`
  from incidents i
  join incident_sites s on s.incident_id = i.id
  join customers c on c.site_id = s.site_id`);

/**
 * AFFECTED for one incident, written out with its own values (its site ids, the filter criteria it
 * sets) instead of joined from its row: the same customers, but the planner sees which sites and
 * how many customers they hold. For a page by name it then walks customers_name_sort_idx and stops
 * after a page where an incident holds a tenth of all customers (14 ms at demo size L), and
 * gathers the few customers of a small site instead; through the join it could not tell and
 * sorted all of them (0.9 s for 20,000). Null when the incident does not exist.
 */
export async function affectedConditionsOf(db: Executor, incidentId: string): Promise<SQL | null> {
  const [incident] = await queryRows<{
    site_ids: string[];
    plan_ids: string[] | null;
    connection_types: string[] | null;
    cities: string[] | null;
    postal_codes: string[] | null;
  }>(
    db,
    sql`select array(select site_id from incident_sites where incident_id = i.id)::text[] as site_ids,
               i.plan_ids::text[] as plan_ids, i.connection_types::text[] as connection_types, i.cities, i.postal_codes
          from incidents i where i.id = ${incidentId}`,
  );
  if (!incident) return null;
  const list = (values: string[], cast: string) =>
    sql.join(
      values.map((value) => sql`${value}${sql.raw(cast)}`),
      sql`, `,
    );
  const siteIds = incident.site_ids;
  if (siteIds.length === 0) return sql`false`;
  const parts: SQL[] = [
    sql`c.deleted_at is null`,
    sql`c.status in ('active', 'suspended', 'pending_install')`,
    sql`c.site_id in (${list(siteIds, "::uuid")})`,
  ];
  const plans = incident.plan_ids;
  if (plans?.length) parts.push(sql`c.service_plan_id in (${list(plans, "::uuid")})`);
  const types = incident.connection_types;
  if (types?.length) parts.push(sql`c.connection_type::text in (${list(types, "")})`);
  const cities = incident.cities;
  if (cities?.length) {
    parts.push(
      sql`lower(btrim(c.city)) in (${sql.join(
        cities.map((city) => sql`lower(btrim(${city}))`),
        sql`, `,
      )})`,
    );
  }
  const postalCodes = incident.postal_codes;
  if (postalCodes?.length) {
    parts.push(
      sql`upper(replace(c.postal_code, ' ', '')) in (${sql.join(
        postalCodes.map((code) => sql`upper(replace(${code}, ' ', ''))`),
        sql`, `,
      )})`,
    );
  }
  return sql.join(parts, sql` and `);
}

export async function countAffectedCustomers(db: Executor, incidentId: string): Promise<number> {
  // With the incident's own values the count is an index-only scan of customers_site_status_idx.
  const conditions = await affectedConditionsOf(db, incidentId);
  if (!conditions) return 0;
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`select count(*)::int as count from customers c where ${conditions}`,
  );
  return Number(row?.count ?? 0);
}

/** The ids of an incident's affected customers among `customerIds` (for checks on a few). */
export async function affectedAmong(db: Executor, incidentId: string, customerIds: string[]): Promise<Set<string>> {
  if (customerIds.length === 0) return new Set();
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select c.id ${FROM_INCIDENT} where i.id = ${incidentId} and c.id in ${inList(customerIds)} and ${AFFECTED}`,
  );
  return new Set(rows.map((row) => row.id));
}

const inList = (ids: string[]): SQL =>
  sql`(${sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  )})`;

/**
 * The active incident (investigating, identified, monitoring) that covers this customer now: the
 * latest to start if several do. Reads the customer's site's incidents (incident_sites_site_id_idx).
 * The incident row is share-locked until the caller's transaction ends: a resolve (which locks it
 * for update) waits for the ticket being linked and then resolves it too, or the ticket waits and
 * finds the incident resolved, never a ticket linked to a resolved incident and left open.
 */
export async function activeIncidentForCustomer(
  db: Executor,
  customerId: string,
): Promise<{ id: string; title: string } | null> {
  const [row] = await queryRows<{ id: string; title: string }>(
    db,
    sql`select i.id, i.title
          from customers c
          join incident_sites s on s.site_id = c.site_id
          join incidents i on i.id = s.incident_id
         where c.id = ${customerId}
           and i.status in ${sql.raw(`(${ACTIVE_INCIDENT_STATUSES.map((status) => `'${status}'`).join(", ")})`)}
           and ${AFFECTED}
         order by i.starts_at desc, i.id desc
         limit 1
           for share of i`,
  );
  return row ?? null;
}

const OPEN_TICKETS = sql.raw(`(${OPEN_TICKET_STATUSES.map((status) => `'${status}'`).join(", ")})`);

/** A page of the affected customers, by name (keyset on lower(name), id). */
export async function listAffectedCustomers(
  db: Executor,
  incidentId: string,
  options: { limit: number; cursor?: string },
): Promise<IncidentCustomerList> {
  const after = decodeCursor(options.cursor, z.tuple([z.string(), z.uuid()]));
  const conditions = await affectedConditionsOf(db, incidentId);
  if (!conditions) return { items: [], nextCursor: null };
  const rows = await queryRows<{
    id: string;
    account_number: string;
    name: string;
    status: "lead" | "pending_install" | "active" | "suspended" | "cancelled";
    phone: string | null;
    street: string | null;
    city: string | null;
    region: string | null;
    postal_code: string | null;
    site_id: string;
    plan_name: string | null;
    has_open_ticket: boolean;
    message_status: SmsStatus | null;
    message_at: Date | string | null;
  }>(
    db,
    // The page first (by name), then what each of its rows needs: a plan, an open ticket, the
    // latest message, looked up for the page's rows only, never for every affected customer.
    sql`select c.id, c.account_number, c.name, c.status, c.phone, c.street, c.city, c.region, c.postal_code,
               c.site_id, p.name as plan_name,
               exists (select 1 from tickets t where t.customer_id = c.id and t.status in ${OPEN_TICKETS}) as has_open_ticket,
               m.status as message_status, m.created_at as message_at
          from (select c.* from customers c
                 where ${conditions}
                   ${after ? sql`and (lower(c.name), c.id) > (${after[0]}, ${after[1]}::uuid)` : sql``}
                 order by lower(c.name), c.id
                 limit ${options.limit + 1}) c
          left join service_plans p on p.id = c.service_plan_id
          -- The incident's latest message naming this customer (sms_logs_incident_id_idx).
          left join lateral (
            select l.status, l.created_at from sms_logs l
             where l.incident_id = ${incidentId} and l.customer_id = c.id
             order by l.created_at desc, l.id desc
             limit 1) m on true
         order by lower(c.name), c.id`,
  );
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      id: row.id,
      accountNumber: row.account_number,
      name: row.name,
      status: row.status,
      phone: row.phone,
      address: formatAddress({ ...row, postalCode: row.postal_code }),
      siteId: row.site_id,
      planName: row.plan_name,
      hasOpenTicket: row.has_open_ticket,
      message:
        row.message_status && row.message_at
          ? { status: row.message_status, at: new Date(row.message_at).toISOString() }
          : null,
    })),
    nextCursor: rows.length > options.limit && last ? encodeCursor([last.name.toLowerCase(), last.id]) : null,
  };
}

/**
 * The incident's map: each site with its affected count, and the affected customers with
 * coordinates. Above MAP_CUSTOMER_LIMIT a sample is drawn (by id, which is random, so it spreads
 * over the whole area) and the totals say how many there are.
 */
export async function incidentMapData(
  db: Executor,
  incidentId: string,
  tiles: IncidentMap["tiles"],
): Promise<IncidentMap> {
  const [sites, counts, customers] = await Promise.all([
    queryRows<{ id: string; name: string; latitude: number | null; longitude: number | null }>(
      db,
      sql`select n.id, n.name, n.latitude, n.longitude
            from incident_sites s
            join network_sites n on n.id = s.site_id
           where s.incident_id = ${incidentId}
           order by lower(n.name)`,
    ),
    // One pass over the affected customers: each site's count, and who has coordinates.
    queryRows<{ site_id: string; affected: number; located: number }>(
      db,
      sql`select s.site_id, count(*)::int as affected,
                 count(*) filter (where c.latitude is not null and c.longitude is not null)::int as located
            ${FROM_INCIDENT}
           where i.id = ${incidentId} and ${AFFECTED}
           group by s.site_id`,
    ),
    queryRows<{ id: string; name: string; latitude: number; longitude: number; has_open_ticket: boolean }>(
      db,
      sql`select c.id, c.name, c.latitude, c.longitude,
                 exists (select 1 from tickets t where t.customer_id = c.id and t.status in ${OPEN_TICKETS}) as has_open_ticket
            ${FROM_INCIDENT}
           where i.id = ${incidentId} and ${AFFECTED}
             and c.latitude is not null and c.longitude is not null
           order by c.id
           limit ${MAP_CUSTOMER_LIMIT}`,
    ),
  ]);
  const countsBySite = new Map(counts.map((row) => [row.site_id, row]));
  const affected = counts.reduce((sum, row) => sum + Number(row.affected), 0);
  const located = counts.reduce((sum, row) => sum + Number(row.located), 0);
  return {
    tiles,
    sites: sites.map((site) => ({
      id: site.id,
      name: site.name,
      latitude: site.latitude,
      longitude: site.longitude,
      affectedCustomers: Number(countsBySite.get(site.id)?.affected ?? 0),
    })),
    customers: customers.map((customer) => ({
      id: customer.id,
      name: customer.name,
      latitude: customer.latitude,
      longitude: customer.longitude,
      hasOpenTicket: customer.has_open_ticket,
    })),
    customersWithLocation: located,
    customersWithoutLocation: affected - located,
  };
}
