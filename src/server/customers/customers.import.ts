import { parse } from "csv-parse/sync";
import { and, isNull, or, sql } from "drizzle-orm";
import { coordinatePairProblem } from "../../shared/coordinates.js";
import {
  CUSTOMER_CSV_FIELDS,
  type CustomerCsvField,
  customerFields,
  type ImportRequest,
  type ImportResult,
  type ImportRowError,
} from "../../shared/customers.js";
import { CONNECTION_TYPES, CUSTOMER_STATUSES } from "../../shared/enums.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import { type Executor, queryRows } from "../db/client.js";
import { customers, networkSites, servicePlans } from "../db/schema/index.js";
import { AppError } from "../http/errors.js";
import { recordWebhookEvents } from "../webhooks/webhooks.service.js";
import { fieldForHeader, unprotectCell } from "./customers.csv.js";
import { addressTakenMessage, findCustomersByIds, lockAllCustomerAddresses, parsePhones } from "./customers.service.js";

export const MAX_IMPORT_ROWS = 50_000;
const WRITE_BATCH = 2000;
const ACCOUNT_NUMBER = /^C-\d{6,}$/;

/** The columns a row writes: field → database column and the SQL type jsonb_to_recordset reads it as. */
const COLUMNS = {
  name: ["name", "text"],
  email: ["email", "text"],
  phone: ["phone", "text"],
  altPhone: ["alt_phone", "text"],
  street: ["street", "text"],
  city: ["city", "text"],
  region: ["region", "text"],
  postalCode: ["postal_code", "text"],
  country: ["country", "text"],
  latitude: ["latitude", "double precision"],
  longitude: ["longitude", "double precision"],
  servicePlanId: ["service_plan_id", "uuid"],
  connectionType: ["connection_type", "connection_type"],
  siteId: ["site_id", "uuid"],
  ipAddress: ["ip_address", "inet"],
  macAddress: ["mac_address", "macaddr"],
  cpeModel: ["cpe_model", "text"],
  cpeSerial: ["cpe_serial", "text"],
  vlanId: ["vlan_id", "integer"],
  status: ["status", "customer_status"],
  installDate: ["install_date", "date"],
  smsOptOut: ["sms_opt_out", "boolean"],
  notes: ["notes", "text"],
} as const;
type Column = keyof typeof COLUMNS;
/** Columns that cannot be null: an empty cell keeps what the customer has (or the default). */
const NOT_NULL = new Set<Column>(["name", "status", "smsOptOut"]);

interface PlannedRow {
  row: number;
  values: Partial<Record<Column, unknown>>;
  existingId?: string;
}

/** What a row's matched customer holds now: the address, phone and coordinate checks compare with it. */
interface ExistingCustomer {
  id: string;
  accountNumber: string;
  phone: string | null;
  ipAddress: string | null;
  macAddress: string | null;
  latitude: number | null;
  longitude: number | null;
}

const squash = (value: string) =>
  value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");

function toNumber(value: string): number | string {
  const number = Number(value.replace(",", "."));
  return Number.isFinite(number) ? number : value;
}

function toBoolean(value: string): boolean | string {
  const key = value.trim().toLowerCase();
  if (["yes", "y", "true", "1", "x"].includes(key)) return true;
  if (["no", "n", "false", "0"].includes(key)) return false;
  return value;
}

/**
 * Reads a CSV of customers, validates every row, and only when no row is wrong writes them all in
 * one transaction: existing customers (same account number, else same phone) are updated, the rest
 * created, so importing the same file twice changes nothing the second time.
 */
export async function importCustomersCsv(
  ctx: ServiceContext,
  actor: Actor,
  request: ImportRequest,
): Promise<ImportResult> {
  let records: string[][];
  try {
    records = parse(request.csv, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (error) {
    throw new AppError(422, "customer_import.csv_invalid", `The file is not valid CSV: ${(error as Error).message}`, {
      errors: [{ field: "csv", message: (error as Error).message }],
    });
  }
  const [header, ...data] = records;
  if (!header || header.length === 0) {
    throw new AppError(422, "customer_import.empty", "The file has no header row.", {
      errors: [{ field: "csv", message: "needs a header row naming the columns" }],
    });
  }
  if (data.length > MAX_IMPORT_ROWS) {
    throw new AppError(
      422,
      "customer_import.too_many_rows",
      `The file has ${data.length} rows; import at most ${MAX_IMPORT_ROWS} at a time (split the file).`,
      { errors: [{ field: "csv", message: `at most ${MAX_IMPORT_ROWS} rows` }] },
    );
  }
  // Headers are the file's words: a Map and Object.hasOwn, so "constructor" or "__proto__" is a
  // column name like any other, never something inherited from Object.prototype.
  const chosen = request.mapping ?? {};
  const mapping = new Map<string, CustomerCsvField | null>();
  for (const title of header) {
    mapping.set(title, Object.hasOwn(chosen, title) ? (chosen[title] ?? null) : fieldForHeader(title));
  }
  const fieldIndex = new Map<CustomerCsvField, number>();
  header.forEach((title, index) => {
    const field = mapping.get(title);
    if (field && !fieldIndex.has(field)) fieldIndex.set(field, index);
  });
  const errors: ImportRowError[] = [];
  if (!fieldIndex.has("name") && !fieldIndex.has("accountNumber") && !fieldIndex.has("phone")) {
    throw new AppError(
      422,
      "customer_import.no_name_column",
      "No column is matched to Name. Match the column holding the customer's name to the Name field.",
      { errors: [{ field: "mapping", message: "match a column to Name" }] },
    );
  }

  const [plans, sites] = await Promise.all([
    ctx.db.select({ id: servicePlans.id, name: servicePlans.name }).from(servicePlans),
    ctx.db.select({ id: networkSites.id, name: networkSites.name }).from(networkSites),
  ]);
  const planIds = new Map(plans.map((p) => [p.name.toLowerCase(), p.id]));
  const siteIds = new Map(sites.map((s) => [s.name.toLowerCase(), s.id]));

  const planned: (PlannedRow & { accountNumber?: string })[] = [];
  data.forEach((cells, index) => {
    const row = index + 2; // the spreadsheet's row number: the header is row 1
    const cell = (field: CustomerCsvField) => {
      const at = fieldIndex.get(field);
      return at === undefined ? undefined : unprotectCell(cells[at] ?? "");
    };
    const raw: Record<string, unknown> = {};
    const rowErrors: ImportRowError[] = [];
    for (const field of CUSTOMER_CSV_FIELDS) {
      const value = cell(field);
      if (value === undefined || field === "accountNumber") continue;
      if (value === "") {
        raw[field === "servicePlan" ? "servicePlanId" : field === "site" ? "siteId" : field] = null;
        continue;
      }
      switch (field) {
        case "latitude":
        case "longitude":
        case "vlanId":
          raw[field] = toNumber(value);
          break;
        case "smsOptOut":
          raw[field] = toBoolean(value);
          if (typeof raw[field] === "string") rowErrors.push({ row, field, message: "SMS opt-out must be yes or no" });
          break;
        case "status":
          raw[field] = squash(value);
          if (!(CUSTOMER_STATUSES as readonly string[]).includes(squash(value)))
            rowErrors.push({ row, field, message: `Status must be one of ${CUSTOMER_STATUSES.join(", ")}` });
          break;
        case "connectionType":
          raw[field] = squash(value);
          if (!(CONNECTION_TYPES as readonly string[]).includes(squash(value)))
            rowErrors.push({ row, field, message: `Connection type must be one of ${CONNECTION_TYPES.join(", ")}` });
          break;
        case "servicePlan": {
          const id = planIds.get(value.toLowerCase());
          if (id) raw.servicePlanId = id;
          else rowErrors.push({ row, field, message: `Service plan: no plan is named "${value}"` });
          break;
        }
        case "site": {
          const id = siteIds.get(value.toLowerCase());
          if (id) raw.siteId = id;
          else rowErrors.push({ row, field, message: `Network site: no site is named "${value}"` });
          break;
        }
        default:
          raw[field] = value;
      }
    }
    for (const key of ["status", "connectionType", "smsOptOut"]) {
      if (rowErrors.some((e) => e.field === key)) delete raw[key];
    }
    // Each cell on its own, so one bad cell does not hide the others' problems.
    const values: Partial<Record<Column, unknown>> = {};
    for (const [key, value] of Object.entries(raw)) {
      // An empty cell in a column that cannot be empty keeps the current value (or the default).
      if (value === null && NOT_NULL.has(key as Column)) continue;
      const schema = customerFields[key as keyof typeof customerFields];
      const result = schema.safeParse(value);
      if (result.success) values[key as Column] = result.data;
      else rowErrors.push({ row, field: csvFieldOf(key), message: result.error.issues[0]?.message ?? "is not valid" });
    }
    const phoneErrors: { field: string; message: string }[] = [];
    const phones = parsePhones(
      values as { phone?: string | null; altPhone?: string | null },
      ctx.config.DEFAULT_COUNTRY,
      phoneErrors,
    );
    if ("phone" in values) values.phone = phones.phone;
    if ("altPhone" in values) values.altPhone = phones.altPhone;
    for (const e of phoneErrors) rowErrors.push({ row, ...e });
    const accountNumber = cell("accountNumber")?.toUpperCase() || undefined;
    if (accountNumber && !ACCOUNT_NUMBER.test(accountNumber)) {
      rowErrors.push({
        row,
        field: "accountNumber",
        message: `Account number "${accountNumber}" is not like C-000123`,
      });
    }
    errors.push(...rowErrors);
    planned.push({ row, values, accountNumber });
  });

  const columns = (Object.keys(COLUMNS) as Column[]).filter((column) =>
    column === "servicePlanId"
      ? fieldIndex.has("servicePlan")
      : column === "siteId"
        ? fieldIndex.has("site")
        : fieldIndex.has(column as CustomerCsvField),
  );
  const writesAddresses = columns.includes("ipAddress") || columns.includes("macAddress");
  // One transaction from the checks against the database to the writes, so what was checked is what is written.
  return inTransaction(ctx, async ({ db: tx }) => {
    // Address writers wait for the import, and it for them: no IP or MAC can be taken between check and write.
    if (writesAddresses && !request.dryRun) await lockAllCustomerAddresses(tx);
    const existing = await matchExisting(tx, planned, errors);
    const warnings: ImportRowError[] = [];
    checkCoordinates(planned, existing, errors);
    await checkAddresses(tx, planned, existing, errors);
    await checkSharedPhones(tx, planned, existing, warnings);
    const toCreate = planned.filter((p) => !p.existingId);
    for (const p of toCreate) {
      if (p.values.name === undefined || p.values.name === null) {
        errors.push({ row: p.row, field: "name", message: "Name is required for a new customer" });
      }
    }
    errors.sort((a, b) => a.row - b.row);
    warnings.sort((a, b) => a.row - b.row);
    const result: ImportResult = {
      rows: data.length,
      created: toCreate.length,
      updated: planned.length - toCreate.length,
      errors,
      warnings,
      // A column titled "__proto__" stays out of the answer: zod's records drop that key (in the
      // request too, so it was never matched: it is read as a column mapped to nothing), and an
      // answer holding it failed the response check with a 500.
      mapping: Object.fromEntries([...mapping].filter(([title]) => title !== "__proto__")),
      dryRun: Boolean(request.dryRun),
    };
    if (errors.length > 0) return { ...result, created: 0, updated: 0 };
    if (request.dryRun) return result;

    const now = ctx.clock.now();
    const txCtx = { ...ctx, db: tx };
    for (let start = 0; start < toCreate.length; start += WRITE_BATCH) {
      const ids = await insertBatch(tx, columns, toCreate.slice(start, start + WRITE_BATCH), now);
      await recordWebhookEvents(txCtx, "customer.created", () => findCustomersByIds(tx, ids));
    }
    const toUpdate = planned.filter((p) => p.existingId);
    for (let start = 0; start < toUpdate.length; start += WRITE_BATCH) {
      const ids = await updateBatch(tx, columns, toUpdate.slice(start, start + WRITE_BATCH), now);
      await recordWebhookEvents(txCtx, "customer.updated", () => findCustomersByIds(tx, ids));
    }
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "customer.import",
      entityType: "customer",
      data: { rows: data.length, created: result.created, updated: result.updated, columns },
      ip: actor.ip,
      at: now,
    });
    return result;
  });
}

/** A text[] parameter however long the file: fast to send, and no parameter limit. Values are validated first. */
const textArray = (values: string[]) => `{${values.map((v) => `"${v.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;

/** One spelling per address, so "2001:DB8:0::1" in one row and "2001:db8::1" in another are seen as the same. */
function canonicalIp(ip: string): string {
  try {
    return new URL(`http://${ip.includes(":") ? `[${ip}]` : ip}/`).hostname;
  } catch {
    return ip.toLowerCase();
  }
}

/** Latitude and longitude as each row leaves the customer: both or neither. */
function checkCoordinates(planned: PlannedRow[], existing: Map<string, ExistingCustomer>, errors: ImportRowError[]) {
  for (const p of planned) {
    if (!("latitude" in p.values) && !("longitude" in p.values)) continue;
    const current = p.existingId ? existing.get(p.existingId) : undefined;
    const latitude = "latitude" in p.values ? (p.values.latitude as number | null) : (current?.latitude ?? null);
    const longitude = "longitude" in p.values ? (p.values.longitude as number | null) : (current?.longitude ?? null);
    const problem = coordinatePairProblem(latitude, longitude);
    if (problem) errors.push({ row: p.row, ...problem });
  }
}

/**
 * IP and MAC addresses are one customer's each: a row that gives a customer an address another
 * current customer holds (one the file does not move away), or one an earlier row gives too, is
 * an error naming the holder. A row that keeps a customer's address as it is is not checked, so a
 * duplicate from before this rule does not block re-importing an export.
 */
async function checkAddresses(
  db: Executor,
  planned: PlannedRow[],
  existing: Map<string, ExistingCustomer>,
  errors: ImportRowError[],
) {
  const fields = [
    { field: "ipAddress", canonical: canonicalIp, type: "inet", column: customers.ipAddress },
    { field: "macAddress", canonical: (mac: string) => mac, type: "macaddr", column: customers.macAddress },
  ] as const;
  for (const { field, canonical, type, column } of fields) {
    // What the file leaves each matched customer holding; a holder the file moves off the address is no conflict.
    const finalByCustomer = new Map<string, string | null>();
    const claims: { p: PlannedRow; address: string; key: string }[] = [];
    for (const p of planned) {
      if (!(field in p.values)) continue;
      const value = p.values[field];
      const key = typeof value === "string" ? canonical(value) : null;
      if (p.existingId) finalByCustomer.set(p.existingId, key);
      if (typeof value !== "string" || key === null) continue;
      const current = p.existingId ? existing.get(p.existingId)?.[field] : undefined;
      if (current && canonical(current) === key) continue;
      claims.push({ p, address: value, key });
    }
    if (claims.length === 0) continue;
    const firstRow = new Map<string, number>();
    for (const claim of claims) {
      const earlier = firstRow.get(claim.key);
      if (earlier === undefined) firstRow.set(claim.key, claim.p.row);
      else
        errors.push({
          row: claim.p.row,
          field,
          message: `${field === "ipAddress" ? "IP address" : "MAC address"} ${claim.address} is on row ${earlier} too; each customer needs their own`,
        });
    }
    const holders = await db
      .select({ id: customers.id, accountNumber: customers.accountNumber, name: customers.name, address: column })
      .from(customers)
      .where(
        and(
          isNull(customers.deletedAt),
          sql`${column} = any(${textArray([...new Set(claims.map((c) => c.address))])}::${sql.raw(type)}[])`,
        ),
      )
      .orderBy(customers.accountNumber);
    for (const claim of claims) {
      const holder = holders.find(
        (h) =>
          h.address !== null &&
          canonical(h.address) === claim.key &&
          h.id !== claim.p.existingId &&
          (!finalByCustomer.has(h.id) || finalByCustomer.get(h.id) === claim.key),
      );
      if (holder)
        errors.push({
          row: claim.p.row,
          field,
          message: addressTakenMessage(field, holder.address ?? claim.address, holder),
        });
    }
  }
}

/**
 * A mobile phone another current customer has too (or another row gives too) is a warning:
 * households share numbers. Only a number new to the row's customer is looked at.
 */
async function checkSharedPhones(
  db: Executor,
  planned: PlannedRow[],
  existing: Map<string, ExistingCustomer>,
  warnings: ImportRowError[],
) {
  const claims = planned.flatMap((p) => {
    const phone = p.values.phone;
    if (typeof phone !== "string") return [];
    if (p.existingId && existing.get(p.existingId)?.phone === phone) return [];
    return [{ p, phone }];
  });
  if (claims.length === 0) return;
  const numbers = textArray([...new Set(claims.map((c) => c.phone))]);
  const holders = await db
    .select({
      id: customers.id,
      accountNumber: customers.accountNumber,
      name: customers.name,
      phone: customers.phone,
      altPhone: customers.altPhone,
    })
    .from(customers)
    .where(
      and(
        isNull(customers.deletedAt),
        or(sql`${customers.phone} = any(${numbers}::text[])`, sql`${customers.altPhone} = any(${numbers}::text[])`),
      ),
    )
    .orderBy(customers.accountNumber);
  const firstRow = new Map<string, number>();
  for (const { p, phone } of claims) {
    const others = holders.filter((h) => (h.phone === phone || h.altPhone === phone) && h.id !== p.existingId);
    if (others.length > 0) {
      const who = others
        .slice(0, 3)
        .map((h) => `${h.accountNumber} ${h.name}`)
        .join(", ");
      const more = others.length > 3 ? ` and ${others.length - 3} more` : "";
      warnings.push({
        row: p.row,
        field: "phone",
        message: `Mobile phone ${phone} is also the number of ${who}${more}`,
      });
    }
    const earlier = firstRow.get(phone);
    if (earlier === undefined) firstRow.set(phone, p.row);
    else warnings.push({ row: p.row, field: "phone", message: `Mobile phone ${phone} is on row ${earlier} too` });
  }
}

function csvFieldOf(field: string): string {
  if (field === "servicePlanId") return "servicePlan";
  if (field === "siteId") return "site";
  return field;
}

/**
 * Finds each row's customer: by account number, else by phone; a key used twice in the file is an
 * error. Answers the matched customers' current values by id.
 */
async function matchExisting(
  db: Executor,
  planned: (PlannedRow & { accountNumber?: string })[],
  errors: ImportRowError[],
): Promise<Map<string, ExistingCustomer>> {
  const accountNumbers = [
    ...new Set(
      planned.flatMap((p) => (p.accountNumber && ACCOUNT_NUMBER.test(p.accountNumber) ? [p.accountNumber] : [])),
    ),
  ];
  const phones = [
    ...new Set(
      planned.flatMap((p) => (!p.accountNumber && typeof p.values.phone === "string" ? [p.values.phone] : [])),
    ),
  ];
  const byAccount = new Map<string, string>();
  const byPhone = new Map<string, { id: string; accountNumber: string }[]>();
  // One array parameter each, however long the file: fast to send, and no parameter limit.
  const found =
    accountNumbers.length + phones.length === 0
      ? []
      : await db
          .select({
            id: customers.id,
            accountNumber: customers.accountNumber,
            phone: customers.phone,
            ipAddress: customers.ipAddress,
            macAddress: customers.macAddress,
            latitude: customers.latitude,
            longitude: customers.longitude,
          })
          .from(customers)
          .where(
            or(
              sql`${customers.accountNumber} = any(${`{${accountNumbers.join(",")}}`}::text[])`,
              sql`${customers.phone} = any(${`{${phones.join(",")}}`}::text[])`,
            ),
          );
  const existing = new Map<string, ExistingCustomer>(found.map((c) => [c.id, c]));
  for (const c of found) {
    byAccount.set(c.accountNumber, c.id);
    if (c.phone) byPhone.set(c.phone, [...(byPhone.get(c.phone) ?? []), c]);
  }
  const seen = new Map<string, number>();
  for (const p of planned) {
    let key: string | undefined;
    if (p.accountNumber) {
      key = `account:${p.accountNumber}`;
      p.existingId = byAccount.get(p.accountNumber);
      if (!p.existingId && ACCOUNT_NUMBER.test(p.accountNumber)) {
        errors.push({
          row: p.row,
          field: "accountNumber",
          message: `No customer has account number ${p.accountNumber}; leave the cell empty to create a new customer`,
        });
      }
    } else if (typeof p.values.phone === "string") {
      key = `phone:${p.values.phone}`;
      const matches = [...new Map((byPhone.get(p.values.phone) ?? []).map((m) => [m.id, m])).values()];
      if (matches.length > 1) {
        errors.push({
          row: p.row,
          field: "phone",
          message: `Phone ${p.values.phone} belongs to ${matches.length} customers (${matches.map((m) => m.accountNumber).join(", ")}); add an accountNumber column to say which`,
        });
      }
      p.existingId = matches[0]?.id;
    }
    if (key) {
      const first = seen.get(key);
      if (first !== undefined) {
        errors.push({
          row: p.row,
          field: key.startsWith("account") ? "accountNumber" : "phone",
          message: `Row ${first} is the same customer (same ${key.startsWith("account") ? "account number" : "phone"}); keep one of the two rows`,
        });
      } else seen.set(key, p.row);
    }
  }
  return existing;
}

function recordsetOf(columns: Column[], rows: PlannedRow[], withId: boolean) {
  const json = JSON.stringify(
    rows.map((p) => {
      const record: Record<string, unknown> = withId ? { id: p.existingId } : {};
      for (const column of columns) record[COLUMNS[column][0]] = p.values[column] ?? null;
      return record;
    }),
  );
  // Column names and types come from COLUMNS above, never from the request.
  const definition = sql.raw(
    [...(withId ? ["id uuid"] : []), ...columns.map((c) => `${COLUMNS[c][0]} ${COLUMNS[c][1]}`)].join(", "),
  );
  return sql`jsonb_to_recordset(${json}::jsonb) as r(${definition})`;
}

/** Inserts the rows; returns the new customers' ids. */
async function insertBatch(tx: Executor, columns: Column[], rows: PlannedRow[], now: Date): Promise<string[]> {
  if (rows.length === 0) return [];
  const names = columns.map((c) => COLUMNS[c][0]);
  const selected = columns.map((c) => {
    const name = COLUMNS[c][0];
    if (c === "status") return `coalesce(r.${name}, 'active')`;
    if (c === "smsOptOut") return `coalesce(r.${name}, false)`;
    return `r.${name}`;
  });
  const inserted = await queryRows<{ id: string }>(
    tx,
    sql`insert into ${customers} (${sql.raw(names.join(", "))}, created_at, updated_at)
        select ${sql.raw(selected.join(", "))}, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz from ${recordsetOf(columns, rows, false)}
        returning id`,
  );
  return inserted.map((row) => row.id);
}

/** Updates the rows whose values differ; returns those customers' ids. */
async function updateBatch(tx: Executor, columns: Column[], rows: PlannedRow[], now: Date): Promise<string[]> {
  if (rows.length === 0) return [];
  const assignments = columns.map((c) => {
    const name = COLUMNS[c][0];
    return NOT_NULL.has(c) ? `${name} = coalesce(r.${name}, c.${name})` : `${name} = r.${name}`;
  });
  // Only rows whose values differ change (and get a new version): re-importing a file is a no-op.
  const differs = columns.map(
    (c) =>
      `c.${COLUMNS[c][0]} is distinct from ${NOT_NULL.has(c) ? `coalesce(r.${COLUMNS[c][0]}, c.${COLUMNS[c][0]})` : `r.${COLUMNS[c][0]}`}`,
  );
  const updated = await queryRows<{ id: string }>(
    tx,
    sql`update ${customers} as c set ${sql.raw(assignments.join(", "))}, version = c.version + 1, updated_at = ${now.toISOString()}::timestamptz
        from ${recordsetOf(columns, rows, true)}
        where c.id = r.id and (${sql.raw(differs.length ? differs.join(" or ") : "false")})
        returning c.id`,
  );
  return updated.map((row) => row.id);
}
