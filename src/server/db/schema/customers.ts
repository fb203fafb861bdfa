import { sql } from "drizzle-orm";
import {
  boolean,
  date,
  doublePrecision,
  index,
  inet,
  integer,
  macaddr,
  numeric,
  pgSequence,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { connectionType, customerStatus, siteKind } from "./enums.js";
import { timestamps } from "./users.js";

export const servicePlans = pgTable(
  "service_plans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    downloadMbps: numeric("download_mbps", { precision: 10, scale: 2, mode: "number" }).notNull(),
    uploadMbps: numeric("upload_mbps", { precision: 10, scale: 2, mode: "number" }).notNull(),
    monthlyPrice: numeric("monthly_price", { precision: 10, scale: 2, mode: "number" }).notNull(),
    active: boolean("active").notNull().default(true),
    ...timestamps,
  },
  // Plan names are how staff tell plans apart; two of the same name would be a mistake.
  (t) => [uniqueIndex("service_plans_name_lower_key").on(sql`lower(${t.name})`)],
);

export const networkSites = pgTable(
  "network_sites",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: siteKind("kind").notNull(),
    address: text("address"),
    latitude: doublePrecision("latitude"),
    longitude: doublePrecision("longitude"),
    notes: text("notes"),
    active: boolean("active").notNull().default(true),
    /**
     * The name the public status page may show ("North Boulder"); null keeps the site private
     * (tower locations are not published by default).
     */
    publicName: text("public_name"),
    ...timestamps,
  },
  (t) => [uniqueIndex("network_sites_name_lower_key").on(sql`lower(${t.name})`)],
);

// Account numbers come from a sequence: unique across concurrent requests and app instances, never reused.
export const customerAccountSeq = pgSequence("customer_account_seq", { startWith: 1 });

export const customers = pgTable(
  "customers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // C-000001 … C-999999, then C-1000000: padded to six digits, never cut (see migration 0009).
    accountNumber: text("account_number").notNull().default(sql`uplink_next_account_number()`),
    name: text("name").notNull(),
    email: text("email"),
    phone: text("phone"),
    altPhone: text("alt_phone"),
    street: text("street"),
    city: text("city"),
    region: text("region"),
    postalCode: text("postal_code"),
    country: text("country"),
    latitude: doublePrecision("latitude"),
    longitude: doublePrecision("longitude"),
    servicePlanId: uuid("service_plan_id").references(() => servicePlans.id),
    connectionType: connectionType("connection_type"),
    siteId: uuid("site_id").references(() => networkSites.id),
    ipAddress: inet("ip_address"),
    macAddress: macaddr("mac_address"),
    cpeModel: text("cpe_model"),
    cpeSerial: text("cpe_serial"),
    vlanId: integer("vlan_id"),
    status: customerStatus("status").notNull().default("active"),
    installDate: date("install_date", { mode: "string" }),
    smsOptOut: boolean("sms_opt_out").notNull().default(false),
    notes: text("notes"),
    ...timestamps,
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    version: integer("version").notNull().default(1),
    /**
     * Everything the search box matches as text, lower-cased, in one column so one trigram index
     * serves name fragments with typos, email, street, city, CPE serial and account number.
     */
    searchText: text("search_text")
      .notNull()
      .generatedAlwaysAs(
        sql`lower(name || ' ' || coalesce(email, '') || ' ' || coalesce(street, '') || ' ' || coalesce(city, '') || ' ' || coalesce(postal_code, '') || ' ' || coalesce(cpe_serial, '') || ' ' || coalesce(cpe_model, '') || ' ' || account_number)`,
      ),
  },
  (t) => [
    uniqueIndex("customers_account_number_key").on(t.accountNumber),
    // FK indexes; also "customers on this plan/site" (delete guard, outage reach).
    index("customers_service_plan_id_idx").on(t.servicePlanId),
    index("customers_site_id_idx").on(t.siteId),
    // Inbound SMS and duplicate warnings match a customer by E.164 phone.
    index("customers_phone_idx").on(t.phone),
    // Search box: text forms (`ilike '%…%'` and word similarity `<%` for typos).
    index("customers_search_text_trgm_idx").using("gin", sql`${t.searchText} gin_trgm_ops`),
    // Search box, phone in any form: E.164 ends with every form staff type (local number, last 4+
    // digits), so a phone search is a prefix range on the reversed digits.
    index("customers_phone_suffix_idx").on(sql`reverse(${t.phone}) text_pattern_ops`),
    index("customers_alt_phone_suffix_idx").on(sql`reverse(${t.altPhone}) text_pattern_ops`),
    // Search box: names with typos (word similarity over the short name, not the long search text).
    index("customers_name_trgm_idx").using("gin", sql`lower(${t.name}) gin_trgm_ops`),
    // Search box (exact IP / MAC in any notation) and duplicate warnings.
    index("customers_ip_address_idx").on(t.ipAddress),
    index("customers_mac_address_idx").on(t.macAddress),
    // Duplicate warnings and exact email search compare emails regardless of case.
    index("customers_email_lower_idx").on(sql`lower(${t.email})`),
    // Customer list keyset pages: sort by name (default), created, updated.
    index("customers_name_sort_idx").on(sql`lower(${t.name})`, t.id),
    index("customers_created_sort_idx").on(t.createdAt, t.id),
    index("customers_updated_sort_idx").on(t.updatedAt, t.id),
  ],
);
