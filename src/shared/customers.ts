import { z } from "zod";
import { refineCoordinatePair, refineCoordinatePairUpdate } from "./coordinates.js";
import { CONNECTION_TYPES, CUSTOMER_STATUSES } from "./enums.js";
import { ZPageQuery, ZSearchText } from "./pagination.js";
import { ZProblem } from "./problem.js";

export const ZCustomer = z
  .object({
    id: z.uuid(),
    accountNumber: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    altPhone: z.string().nullable(),
    street: z.string().nullable(),
    city: z.string().nullable(),
    region: z.string().nullable(),
    postalCode: z.string().nullable(),
    country: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    servicePlanId: z.uuid().nullable(),
    connectionType: z.enum(CONNECTION_TYPES).nullable(),
    siteId: z.uuid().nullable(),
    ipAddress: z.string().nullable(),
    macAddress: z.string().nullable(),
    cpeModel: z.string().nullable(),
    cpeSerial: z.string().nullable(),
    vlanId: z.number().int().nullable(),
    status: z.enum(CUSTOMER_STATUSES),
    installDate: z.string().nullable(),
    smsOptOut: z.boolean(),
    notes: z.string().nullable(),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    /** When an admin archived the customer; null while the customer is current. */
    archivedAt: z.iso.datetime({ offset: true }).nullable(),
    version: z.number().int(),
  })
  .meta({ id: "Customer" });
export type Customer = z.infer<typeof ZCustomer>;

/** A customer in a list, a warning or a problem: enough to name them and link to them. */
export const ZCustomerRef = z.object({ id: z.uuid(), accountNumber: z.string(), name: z.string() });
export type CustomerRef = z.infer<typeof ZCustomerRef>;

/**
 * One customer's page (GET /api/customers/:id): the record, plus who archived them (from the
 * audit log; null while current, or when the system did it). Lists stay lean without it.
 */
export const ZCustomerDetail = ZCustomer.extend({
  archivedBy: z.object({ id: z.uuid(), name: z.string() }).nullable(),
}).meta({ id: "CustomerDetail" });
export type CustomerDetail = z.infer<typeof ZCustomerDetail>;

/**
 * The 409 of a create, edit or restore whose IP or MAC address another current customer holds
 * (`customer.ip_taken`, `customer.mac_taken`): `holder` is that customer, `errors` name the field.
 */
export const ZAddressTaken = ZProblem.extend({
  code: z.enum(["customer.ip_taken", "customer.mac_taken"]),
  holder: ZCustomerRef,
}).meta({ id: "CustomerAddressTaken" });
export type AddressTaken = z.infer<typeof ZAddressTaken>;

/**
 * Another current customer sharing this one's phone or email (households share them): shown to
 * staff, never blocking. IP and MAC appear only for duplicates older than the rule that refuses
 * them, on an edit that leaves the address as it was.
 */
export const ZDuplicateWarning = z.object({
  field: z.enum(["phone", "altPhone", "email", "ipAddress", "macAddress"]),
  message: z.string(),
  customers: z.array(ZCustomerRef),
});
export type DuplicateWarning = z.infer<typeof ZDuplicateWarning>;

/** Create and update answer the customer plus any duplicate warnings. */
export const ZCustomerWithWarnings = ZCustomer.extend({ warnings: z.array(ZDuplicateWarning) }).meta({
  id: "CustomerWithWarnings",
});
export type CustomerWithWarnings = z.infer<typeof ZCustomerWithWarnings>;

export const ZCustomerList = z.object({ items: z.array(ZCustomer), nextCursor: z.string().nullable() });
export type CustomerList = z.infer<typeof ZCustomerList>;

/** Lower-case colon notation, from any common notation (`AA-BB-..`, `aabb.ccdd.eeff`, `aabbccddeeff`). */
export function normalizeMac(input: string): string | null {
  const hex = input.trim().replace(/[\s:.-]/g, "");
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return null;
  return hex.toLowerCase().match(/../g)?.join(":") ?? null;
}

/** Blank text means "no value": forms send "" for an emptied field. */
const blankToNull = (value: unknown) => (typeof value === "string" && value.trim() === "" ? null : value);

/** A MAC address in any common notation, stored in lower-case colon notation; blank is none. */
export const ZOptionalMac = z.preprocess(
  blankToNull,
  z
    .string({ error: "MAC address must be text" })
    .transform((value, ctx) => {
      const mac = normalizeMac(value);
      if (!mac) {
        ctx.addIssue({ code: "custom", message: "MAC address must be 12 hex digits, such as AA:BB:CC:DD:EE:FF" });
        return z.NEVER;
      }
      return mac;
    })
    .nullable()
    .optional(),
);

const optionalText = (label: string, max: number) =>
  z.preprocess(
    blankToNull,
    z
      .string({ error: `${label} must be text` })
      .trim()
      .max(max, `${label} must be at most ${max} characters`)
      .nullable()
      .optional(),
  );

const optionalNumber = (label: string, min: number, max: number, integer = false) =>
  z.preprocess(
    blankToNull,
    (integer
      ? z.number({ error: `${label} must be a number` }).int(`${label} must be a whole number`)
      : z.number({ error: `${label} must be a number` })
    )
      .min(min, `${label} must be between ${min} and ${max}`)
      .max(max, `${label} must be between ${min} and ${max}`)
      .nullable()
      .optional(),
  );

const optionalId = (label: string) =>
  z.preprocess(blankToNull, z.uuid(`${label} must be chosen from the list`).nullable().optional());

export const customerFields = {
  name: z
    .string({ error: "Name is required" })
    .trim()
    .min(1, "Name is required")
    .max(200, "Name must be at most 200 characters"),
  email: z.preprocess(
    blankToNull,
    z
      .string({ error: "Email must be text" })
      .trim()
      .max(254, "Email must be at most 254 characters")
      .pipe(z.email("Email must look like name@example.com"))
      .nullable()
      .optional(),
  ),
  /** Free text here; the server parses it to E.164 with the configured default country. */
  phone: optionalText("Phone", 40),
  altPhone: optionalText("Alternative phone", 40),
  street: optionalText("Street", 200),
  city: optionalText("City", 100),
  region: optionalText("Region", 100),
  postalCode: optionalText("Postal code", 20),
  country: z.preprocess(
    (value) => (typeof value === "string" ? (value.trim() === "" ? null : value.trim().toUpperCase()) : value),
    z
      .string({ error: "Country must be text" })
      .regex(/^[A-Z]{2}$/, "Country must be a two-letter code such as US")
      .nullable()
      .optional(),
  ),
  latitude: optionalNumber("Latitude", -90, 90),
  longitude: optionalNumber("Longitude", -180, 180),
  servicePlanId: optionalId("Service plan"),
  connectionType: z.preprocess(
    blankToNull,
    z
      .enum(CONNECTION_TYPES, { error: `Connection type must be one of ${CONNECTION_TYPES.join(", ")}` })
      .nullable()
      .optional(),
  ),
  siteId: optionalId("Network site"),
  ipAddress: z.preprocess(
    blankToNull,
    z
      .union([z.ipv4(), z.ipv6()], { error: "IP address must be an IPv4 or IPv6 address such as 10.0.0.12" })
      .nullable()
      .optional(),
  ),
  macAddress: ZOptionalMac,
  cpeModel: optionalText("CPE model", 100),
  cpeSerial: optionalText("CPE serial", 100),
  vlanId: optionalNumber("VLAN", 1, 4094, true),
  status: z.enum(CUSTOMER_STATUSES, { error: `Status must be one of ${CUSTOMER_STATUSES.join(", ")}` }).optional(),
  installDate: z.preprocess(
    blankToNull,
    z.iso
      .date("Install date must be a date like 2026-03-31")
      // ISO 8601 has a year 0000; PostgreSQL's dates do not.
      .refine((value) => !value.startsWith("0000-"), "Install date must be in the year 1 or later")
      .nullable()
      .optional(),
  ),
  smsOptOut: z.boolean({ error: "SMS opt-out must be true or false" }).optional(),
  notes: optionalText("Notes", 10_000),
};

export const ZCreateCustomer = z.object(customerFields).strict().superRefine(refineCoordinatePair);
export type CreateCustomer = z.input<typeof ZCreateCustomer>;
export type CreateCustomerParsed = z.output<typeof ZCreateCustomer>;

export const ZUpdateCustomer = z
  .object({
    ...customerFields,
    name: customerFields.name.optional(),
    version: z.number({ error: "version is required" }).int("version must be a whole number"),
  })
  .strict()
  .superRefine(refineCoordinatePairUpdate);
export type UpdateCustomer = z.input<typeof ZUpdateCustomer>;
export type UpdateCustomerParsed = z.output<typeof ZUpdateCustomer>;

export const CUSTOMER_SORTS = ["relevance", "name", "-name", "created", "-created", "updated", "-updated"] as const;

/** The customer list's filters; the CSV export takes the same ones. */
export const ZCustomerFilterQuery = z.object({
  q: ZSearchText.optional(),
  status: z.enum(CUSTOMER_STATUSES, { error: `status must be one of ${CUSTOMER_STATUSES.join(", ")}` }).optional(),
  servicePlanId: z.uuid("servicePlanId must be a service plan id").optional(),
  siteId: z.uuid("siteId must be a network site id").optional(),
  connectionType: z
    .enum(CONNECTION_TYPES, { error: `connectionType must be one of ${CONNECTION_TYPES.join(", ")}` })
    .optional(),
  archived: z
    .enum(["true", "false", "all"], { error: "archived must be true, false or all" })
    .transform((value) => (value === "all" ? ("all" as const) : value === "true"))
    .optional(),
  sort: z.enum(CUSTOMER_SORTS, { error: `sort must be one of ${CUSTOMER_SORTS.join(", ")}` }).optional(),
  /** Customers whose mobile or alternative phone is this number (any format the server reads). */
  phone: z.string().trim().min(1, "phone must not be empty").max(40, "phone must be at most 40 characters").optional(),
});
export type CustomerFilterQuery = z.infer<typeof ZCustomerFilterQuery>;

/** GET /api/customers: the filters and a page. */
export const ZCustomerListQuery = ZCustomerFilterQuery.extend(ZPageQuery.shape);
export type CustomerListQuery = z.infer<typeof ZCustomerListQuery>;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

/** The fields a CSV file may carry, in export order; headers match them by name (case and spacing ignored). */
export const CUSTOMER_CSV_FIELDS = [
  "accountNumber",
  "name",
  "email",
  "phone",
  "altPhone",
  "street",
  "city",
  "region",
  "postalCode",
  "country",
  "latitude",
  "longitude",
  "servicePlan",
  "connectionType",
  "site",
  "ipAddress",
  "macAddress",
  "cpeModel",
  "cpeSerial",
  "vlanId",
  "status",
  "installDate",
  "smsOptOut",
  "notes",
] as const;
export type CustomerCsvField = (typeof CUSTOMER_CSV_FIELDS)[number];

export const ZImportRequest = z
  .object({
    csv: z.string({ error: "csv must be the file's text" }).min(1, "The file is empty"),
    /** CSV header → field; a header mapped to null is ignored. Unmapped headers are matched by name. */
    mapping: z.record(z.string(), z.enum(CUSTOMER_CSV_FIELDS).nullable()).optional(),
    /** true: validate only and report, write nothing. */
    dryRun: z.boolean().optional(),
  })
  .strict();
export type ImportRequest = z.input<typeof ZImportRequest>;

export const ZImportRowError = z.object({ row: z.number().int(), field: z.string(), message: z.string() });
export type ImportRowError = z.infer<typeof ZImportRowError>;

export const ZImportResult = z
  .object({
    rows: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    errors: z.array(ZImportRowError),
    /** Worth a look, never blocking: a mobile phone another current customer (or another row) has too. */
    warnings: z.array(ZImportRowError),
    /** Header → field as used, so the UI can show and edit the matching. */
    mapping: z.record(z.string(), z.enum(CUSTOMER_CSV_FIELDS).nullable()),
    dryRun: z.boolean(),
  })
  .meta({ id: "CustomerImportResult" });
export type ImportResult = z.infer<typeof ZImportResult>;

/** A customer's address on one line ("12 Pine St, 80302 Boulder, CO"); null when nothing is known. */
export function formatAddress(parts: {
  street: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
}): string | null {
  const cityLine = [parts.postalCode, parts.city].filter(Boolean).join(" ");
  return [parts.street, cityLine, parts.region].filter(Boolean).join(", ") || null;
}
