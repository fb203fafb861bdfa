import { pipeline, Readable } from "node:stream";
import { stringify } from "csv-stringify";
import { CUSTOMER_CSV_FIELDS, type Customer, type CustomerCsvField } from "../../shared/customers.js";
import type { ServiceContext } from "../context.js";
import { networkSites, servicePlans } from "../db/schema/index.js";
import { protectCell } from "./customers.csv.js";
import type { CustomerFilter } from "./customers.search.js";
import { listCustomers } from "./customers.service.js";

const PAGE = 1000;
/** Values that are validated to never start with a formula character keep their plain form. */
const VALIDATED_FIELDS = new Set<CustomerCsvField>(["phone", "altPhone", "latitude", "longitude", "vlanId"]);

/**
 * The filtered customers as CSV, read one keyset page at a time so 200,000 rows never sit in
 * memory together; the stream's back-pressure paces the reads.
 *
 * The first page is read before the stream exists, so a filter the service refuses (a phone
 * that is not a number) is a 4xx answer, not an error thrown into a response already begun.
 * A failure after that destroys the stream (pipeline forwards it), which ends the download
 * short instead of crashing the process.
 */
export async function exportCustomersCsv(
  ctx: ServiceContext,
  filter: CustomerFilter & { sort?: string },
): Promise<Readable> {
  const [plans, sites, first] = await Promise.all([
    ctx.db.select({ id: servicePlans.id, name: servicePlans.name }).from(servicePlans),
    ctx.db.select({ id: networkSites.id, name: networkSites.name }).from(networkSites),
    listCustomers(ctx, { ...filter, limit: PAGE }),
  ]);
  const planNames = new Map(plans.map((p) => [p.id, p.name]));
  const siteNames = new Map(sites.map((s) => [s.id, s.name]));
  async function* rows() {
    yield [...CUSTOMER_CSV_FIELDS];
    let page = first;
    for (;;) {
      for (const customer of page.items) yield toCsvRow(customer, planNames, siteNames);
      if (!page.nextCursor) return;
      page = await listCustomers(ctx, { ...filter, limit: PAGE, cursor: page.nextCursor });
    }
  }
  // The callback only swallows the error pipeline already passed on to the last stream.
  return pipeline(Readable.from(rows()), stringify(), () => {});
}

function toCsvRow(customer: Customer, planNames: Map<string, string>, siteNames: Map<string, string>): string[] {
  return CUSTOMER_CSV_FIELDS.map((field) => {
    const value =
      field === "servicePlan"
        ? customer.servicePlanId && planNames.get(customer.servicePlanId)
        : field === "site"
          ? customer.siteId && siteNames.get(customer.siteId)
          : field === "smsOptOut"
            ? customer.smsOptOut
              ? "yes"
              : "no"
            : customer[field];
    const text = value === null || value === undefined ? "" : String(value);
    return VALIDATED_FIELDS.has(field) ? text : protectCell(text);
  });
}
