import { and, desc, eq, getTableColumns, inArray, isNull, ne, or, type SQL, sql } from "drizzle-orm";
import { coordinatePairProblem } from "../../shared/coordinates.js";
import type {
  CreateCustomerParsed,
  Customer,
  CustomerDetail,
  CustomerList,
  CustomerRef,
  CustomerWithWarnings,
  DuplicateWarning,
  UpdateCustomerParsed,
} from "../../shared/customers.js";
import { normalizeCallerId, normalizePhone } from "../../shared/phone.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { auditLog, customers, networkSites, servicePlans, users } from "../db/schema/index.js";
import { AppError, fieldError, notFound } from "../http/errors.js";
import { encodeCursor } from "../http/pagination.js";
import { recordWebhookEvent } from "../webhooks/webhooks.service.js";
import { type CustomerFilter, filterConditions, sortPlan, WORD_SIMILARITY_THRESHOLD } from "./customers.search.js";

export type CustomerRow = typeof customers.$inferSelect;

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    accountNumber: row.accountNumber,
    name: row.name,
    email: row.email,
    phone: row.phone,
    altPhone: row.altPhone,
    street: row.street,
    city: row.city,
    region: row.region,
    postalCode: row.postalCode,
    country: row.country,
    latitude: row.latitude,
    longitude: row.longitude,
    servicePlanId: row.servicePlanId,
    connectionType: row.connectionType,
    siteId: row.siteId,
    ipAddress: row.ipAddress,
    macAddress: row.macAddress,
    cpeModel: row.cpeModel,
    cpeSerial: row.cpeSerial,
    vlanId: row.vlanId,
    status: row.status,
    installDate: row.installDate,
    smsOptOut: row.smsOptOut,
    notes: row.notes,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.deletedAt?.toISOString() ?? null,
    version: row.version,
  };
}

type FieldProblem = { field: string; message: string };

function invalid(errors: FieldProblem[]): AppError {
  return new AppError(
    422,
    "customer.invalid",
    `Some fields need attention: ${errors.map((e) => e.message).join("; ")}`,
    { errors },
  );
}

/** Phones arrive as typed; they are stored as E.164 so SMS and search agree on one form. */
export function parsePhones(
  input: { phone?: string | null; altPhone?: string | null },
  defaultCountry: string,
  errors: FieldProblem[],
) {
  const parse = (value: string | null | undefined, field: string, label: string) => {
    if (value === undefined || value === null) return value;
    const result = normalizePhone(value, defaultCountry);
    if (result.ok) return result.e164;
    errors.push({ field, message: `${label}: ${result.message}` });
    return undefined;
  };
  return {
    phone: parse(input.phone, "phone", "Phone"),
    altPhone: parse(input.altPhone, "altPhone", "Alternative phone"),
  };
}

/** A chosen plan or site must exist; a deactivated one is kept by who has it but not handed out anew. */
async function checkReferences(
  db: Executor,
  input: { servicePlanId?: string | null; siteId?: string | null },
  current: { servicePlanId: string | null; siteId: string | null } | undefined,
  errors: FieldProblem[],
) {
  if (input.servicePlanId && input.servicePlanId !== current?.servicePlanId) {
    const [plan] = await db.select().from(servicePlans).where(eq(servicePlans.id, input.servicePlanId));
    if (!plan) errors.push({ field: "servicePlanId", message: "Service plan: no such plan; pick one from the list" });
    else if (!plan.active)
      errors.push({
        field: "servicePlanId",
        message: `Service plan: "${plan.name}" is deactivated; pick an active plan`,
      });
  }
  if (input.siteId && input.siteId !== current?.siteId) {
    const [site] = await db.select().from(networkSites).where(eq(networkSites.id, input.siteId));
    if (!site) errors.push({ field: "siteId", message: "Network site: no such site; pick one from the list" });
    else if (!site.active)
      errors.push({ field: "siteId", message: `Network site: "${site.name}" is deactivated; pick an active site` });
  }
}

const DUPLICATE_LABEL = {
  phone: "phone number",
  altPhone: "alternative phone number",
  email: "email address",
  ipAddress: "IP address",
  macAddress: "MAC address",
} as const;

/** Other current customers sharing this one's phone, email, IP or MAC: a warning, never a block. */
export async function findDuplicates(db: Executor, row: CustomerRow): Promise<DuplicateWarning[]> {
  const checks: { field: DuplicateWarning["field"]; condition: ReturnType<typeof sql> | undefined }[] = [
    {
      field: "phone",
      condition: row.phone ? or(eq(customers.phone, row.phone), eq(customers.altPhone, row.phone)) : undefined,
    },
    {
      field: "altPhone",
      condition: row.altPhone ? or(eq(customers.phone, row.altPhone), eq(customers.altPhone, row.altPhone)) : undefined,
    },
    { field: "email", condition: row.email ? sql`lower(${customers.email}) = ${row.email.toLowerCase()}` : undefined },
    { field: "ipAddress", condition: row.ipAddress ? sql`${customers.ipAddress} = ${row.ipAddress}::inet` : undefined },
    {
      field: "macAddress",
      condition: row.macAddress ? sql`${customers.macAddress} = ${row.macAddress}::macaddr` : undefined,
    },
  ];
  const warnings: DuplicateWarning[] = [];
  for (const check of checks) {
    if (!check.condition) continue;
    const others = await db
      .select({ id: customers.id, accountNumber: customers.accountNumber, name: customers.name })
      .from(customers)
      .where(and(check.condition, ne(customers.id, row.id), isNull(customers.deletedAt)))
      .orderBy(customers.accountNumber)
      .limit(5);
    if (others.length === 0) continue;
    const who = others.map((o) => `${o.name} (${o.accountNumber})`).join(", ");
    warnings.push({
      field: check.field,
      message: `Another customer has the same ${DUPLICATE_LABEL[check.field]}: ${who}`,
      customers: others,
    });
  }
  return warnings;
}

/**
 * Every writer of customers' IP and MAC addresses holds this lock: single edits shared (they
 * then lock their own addresses), the CSV import exclusively (it writes thousands at once, more
 * than the lock table holds one by one).
 */
const ADDRESS_WRITERS = sql`hashtextextended('uplink.customers.addresses', 0)`;

/**
 * Makes "is this IP or MAC free?" and the write that takes it one step, across concurrent
 * requests and instances, without a unique index (installations from before this rule may hold
 * duplicates, on which such an index could not be built): a transaction-scoped advisory lock per
 * normalised address, taken in key order so two writers never wait on each other in a circle.
 */
export async function lockCustomerAddresses(
  db: Executor,
  addresses: { ipAddress?: string | null; macAddress?: string | null },
) {
  await db.execute(sql`select pg_advisory_xact_lock_shared(${ADDRESS_WRITERS})`);
  const keys: SQL[] = [];
  if (addresses.ipAddress) keys.push(sql`'ip ' || host(${addresses.ipAddress}::inet)`);
  if (addresses.macAddress) keys.push(sql`'mac ' || ${addresses.macAddress}::macaddr::text`);
  if (keys.length === 0) return;
  // The subquery's order is kept (PostgreSQL does not flatten a sorted subquery), so the locks are taken in it.
  await db.execute(
    sql`select pg_advisory_xact_lock(k) from (select distinct hashtextextended(key, 0) as k from (values ${sql.join(
      keys.map((key) => sql`(${key})`),
      sql`, `,
    )}) as keys(key) order by k) as ordered`,
  );
}

/** The CSV import's side of lockCustomerAddresses: every address writer waits for the import, and it for them. */
export async function lockAllCustomerAddresses(db: Executor) {
  await db.execute(sql`select pg_advisory_xact_lock(${ADDRESS_WRITERS})`);
}

const ADDRESS_RULES = {
  ipAddress: { code: "customer.ip_taken", label: "IP address" },
  macAddress: { code: "customer.mac_taken", label: "MAC address" },
} as const;
type AddressField = keyof typeof ADDRESS_RULES;

/** "IP address 10.0.0.5 already belongs to C-000123 Jane Doe": the field error, the 409's detail, the import's row error. */
export function addressTakenMessage(field: AddressField, address: string, holder: CustomerRef): string {
  return `${ADDRESS_RULES[field].label} ${address} already belongs to ${holder.accountNumber} ${holder.name}`;
}

/**
 * Refuses an IP or MAC address another current (not archived) customer holds: an ISP never wants
 * two CPEs on one address. Call it after lockCustomerAddresses, in the same transaction; `selfId`
 * is the customer being written (its own address is no conflict).
 */
export async function assertAddressesFree(
  db: Executor,
  selfId: string | undefined,
  addresses: { ipAddress?: string | null; macAddress?: string | null },
) {
  const { ipAddress, macAddress } = addresses;
  if (!ipAddress && !macAddress) return;
  const rows = await db
    .select({
      id: customers.id,
      accountNumber: customers.accountNumber,
      name: customers.name,
      ipAddress: customers.ipAddress,
      macAddress: customers.macAddress,
      ipTaken: ipAddress ? sql<boolean>`${customers.ipAddress} = ${ipAddress}::inet` : sql<boolean>`false`,
      macTaken: macAddress ? sql<boolean>`${customers.macAddress} = ${macAddress}::macaddr` : sql<boolean>`false`,
    })
    .from(customers)
    .where(
      and(
        isNull(customers.deletedAt),
        selfId ? ne(customers.id, selfId) : undefined,
        or(
          ipAddress ? sql`${customers.ipAddress} = ${ipAddress}::inet` : undefined,
          macAddress ? sql`${customers.macAddress} = ${macAddress}::macaddr` : undefined,
        ),
      ),
    )
    .orderBy(customers.accountNumber)
    .limit(10);
  const taken: { field: AddressField; message: string; holder: CustomerRef }[] = [];
  for (const field of ["ipAddress", "macAddress"] as const) {
    const row = rows.find((r) => (field === "ipAddress" ? r.ipTaken : r.macTaken));
    if (!row) continue;
    const holder = { id: row.id, accountNumber: row.accountNumber, name: row.name };
    taken.push({ field, holder, message: addressTakenMessage(field, row[field] ?? "", holder) });
  }
  const [first] = taken;
  if (!first) return;
  throw new AppError(409, ADDRESS_RULES[first.field].code, taken.map((t) => t.message).join("; "), {
    holder: first.holder,
    errors: taken.map((t) => ({ field: t.field, message: t.message })),
  });
}

export async function findCustomerRow(db: Executor, id: string): Promise<CustomerRow> {
  const [row] = await db.select().from(customers).where(eq(customers.id, id)).limit(1);
  if (!row) throw notFound("customer.not_found", "This customer");
  return row;
}

/** One customer for their page: the record and, when archived, who archived them (the latest archive audit row). */
export async function getCustomer(db: Executor, id: string): Promise<CustomerDetail> {
  const row = await findCustomerRow(db, id);
  let archivedBy: CustomerDetail["archivedBy"] = null;
  if (row.deletedAt) {
    const [archive] = await db
      .select({ id: users.id, name: users.name })
      .from(auditLog)
      .innerJoin(users, eq(users.id, auditLog.actorId))
      .where(
        and(eq(auditLog.entityType, "customer"), eq(auditLog.entityId, id), eq(auditLog.action, "customer.archive")),
      )
      .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
      .limit(1);
    archivedBy = archive ?? null;
  }
  return { ...toCustomer(row), archivedBy };
}

export interface ListCustomersOptions extends CustomerFilter {
  limit: number;
  cursor?: string;
  sort?: string;
}

/** The customer list and the search box: filters, one of several sorts, keyset pages. */
export async function listCustomers(ctx: ServiceContext, options: ListCustomersOptions): Promise<CustomerList> {
  const { where, score } = filterConditions({ ...options, phone: phoneFilter(options.phone, ctx) });
  const sort = options.sort ?? (score ? "relevance" : "name");
  const plan = sortPlan(sort === "relevance" && !score ? "name" : sort, score, options.cursor);
  // The similarity threshold is a setting; `true` scopes it to this transaction.
  const rows = await inTransaction(ctx, async ({ db: tx }) => {
    if (score)
      await tx.execute(sql`select set_config('pg_trgm.word_similarity_threshold', ${WORD_SIMILARITY_THRESHOLD}, true)`);
    return tx
      .select({ ...getTableColumns(customers), sortKey: plan.sortKey })
      .from(customers)
      .where(and(where, plan.after))
      .orderBy(...plan.orderBy)
      .limit(options.limit + 1);
  });
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map(toCustomer),
    nextCursor: rows.length > options.limit && last ? encodeCursor(plan.cursorOf(last)) : null,
  };
}

/** The `phone` filter as typed, read like a customer's phone (so "(201) 555-0142" finds +12015550142). */
function phoneFilter(phone: string | undefined, ctx: ServiceContext): string | undefined {
  if (phone === undefined) return undefined;
  const result = normalizeCallerId(phone, ctx.config.DEFAULT_COUNTRY);
  if (!result.ok) throw fieldError("customer.phone_invalid", "phone", `phone: ${result.message}`);
  return result.e164;
}

/** Latitude and longitude as the record will hold them after this change: both or neither. */
function checkCoordinates(
  input: { latitude?: number | null; longitude?: number | null },
  current: { latitude: number | null; longitude: number | null } | undefined,
  errors: FieldProblem[],
) {
  const latitude = input.latitude !== undefined ? input.latitude : (current?.latitude ?? null);
  const longitude = input.longitude !== undefined ? input.longitude : (current?.longitude ?? null);
  const problem = coordinatePairProblem(latitude, longitude);
  if (problem) errors.push(problem);
}

function valuesOf(input: CreateCustomerParsed | UpdateCustomerParsed, phones: ReturnType<typeof parsePhones>) {
  const { version: _version, ...fields } = input as UpdateCustomerParsed;
  return { ...fields, phone: phones.phone, altPhone: phones.altPhone };
}

export async function createCustomer(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateCustomerParsed,
): Promise<CustomerWithWarnings> {
  const errors: FieldProblem[] = [];
  const phones = parsePhones(input, ctx.config.DEFAULT_COUNTRY, errors);
  checkCoordinates(input, undefined, errors);
  return inTransaction(ctx, async ({ db: tx }) => {
    await checkReferences(tx, input, undefined, errors);
    if (errors.length > 0) throw invalid(errors);
    await lockCustomerAddresses(tx, input);
    await assertAddressesFree(tx, undefined, input);
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(customers)
      .values({ ...valuesOf(input, phones), name: input.name, createdAt: now, updatedAt: now })
      .returning();
    if (!row) throw new Error("insert returned no row");
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "customer.create",
      entityType: "customer",
      entityId: row.id,
      data: { accountNumber: row.accountNumber, name: row.name },
      ip: actor.ip,
      at: now,
    });
    await recordWebhookEvent({ ...ctx, db: tx }, "customer.created", toCustomer(row));
    return { ...toCustomer(row), warnings: await findDuplicates(tx, row) };
  });
}

function conflict(current: CustomerRow): AppError {
  return new AppError(
    409,
    "customer.version_conflict",
    "Someone else changed this customer while you were editing. Review their changes and save again.",
    { current: toCustomer(current) },
  );
}

/** A partial update guarded by `version`: a stale edit gets 409 with the current record, never overwrites. */
export async function updateCustomer(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateCustomerParsed,
): Promise<CustomerWithWarnings> {
  const errors: FieldProblem[] = [];
  const phones = parsePhones(input, ctx.config.DEFAULT_COUNTRY, errors);
  return inTransaction(ctx, async ({ db: tx }) => {
    const existing = await findCustomerRow(tx, id);
    if (existing.deletedAt) {
      throw new AppError(
        409,
        "customer.archived",
        "This customer is archived. An admin must restore them before they can be edited.",
      );
    }
    if (existing.version !== input.version) throw conflict(existing);
    await checkReferences(tx, input, existing, errors);
    checkCoordinates(input, existing, errors);
    if (errors.length > 0) throw invalid(errors);
    // Only an address this edit changes is checked: a duplicate from before the rule does not block other edits.
    const changedAddresses = {
      ipAddress: input.ipAddress && input.ipAddress !== existing.ipAddress ? input.ipAddress : undefined,
      macAddress: input.macAddress && input.macAddress !== existing.macAddress ? input.macAddress : undefined,
    };
    await lockCustomerAddresses(tx, changedAddresses);
    await assertAddressesFree(tx, id, changedAddresses);
    const now = ctx.clock.now();
    const [row] = await tx
      .update(customers)
      .set({ ...valuesOf(input, phones), version: sql`${customers.version} + 1`, updatedAt: now })
      .where(and(eq(customers.id, id), eq(customers.version, input.version)))
      .returning();
    if (!row) throw conflict(await findCustomerRow(tx, id));
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    const before = toCustomer(existing) as Record<string, unknown>;
    const after = toCustomer(row) as Record<string, unknown>;
    for (const field of Object.keys(input)) {
      if (field !== "version" && before[field] !== after[field])
        changes[field] = { from: before[field], to: after[field] };
    }
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "customer.update",
      entityType: "customer",
      entityId: id,
      data: { changes },
      ip: actor.ip,
      at: now,
    });
    if (Object.keys(changes).length > 0) {
      await recordWebhookEvent({ ...ctx, db: tx }, "customer.updated", { ...toCustomer(row), changes });
    }
    return { ...toCustomer(row), warnings: await findDuplicates(tx, row) };
  });
}

/** Archive instead of delete: tickets and SMS history keep pointing at the customer. */
export async function archiveCustomer(ctx: ServiceContext, actor: Actor, id: string): Promise<Customer> {
  return setArchived(ctx, actor, id, true);
}

export async function restoreCustomer(ctx: ServiceContext, actor: Actor, id: string): Promise<Customer> {
  return setArchived(ctx, actor, id, false);
}

async function setArchived(ctx: ServiceContext, actor: Actor, id: string, archive: boolean): Promise<Customer> {
  return inTransaction(ctx, async ({ db: tx }) => {
    const existing = await findCustomerRow(tx, id);
    if (Boolean(existing.deletedAt) === archive) {
      throw new AppError(
        409,
        archive ? "customer.already_archived" : "customer.not_archived",
        archive
          ? "This customer is already archived."
          : "This customer is not archived, so there is nothing to restore.",
        { current: toCustomer(existing) },
      );
    }
    if (!archive) {
      // Back among current customers: their addresses must still be theirs alone.
      await lockCustomerAddresses(tx, existing);
      await assertAddressesFree(tx, id, existing);
    }
    const now = ctx.clock.now();
    const [row] = await tx
      .update(customers)
      .set({ deletedAt: archive ? now : null, updatedAt: now, version: sql`${customers.version} + 1` })
      .where(eq(customers.id, id))
      .returning();
    if (!row) throw notFound("customer.not_found", "This customer");
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: archive ? "customer.archive" : "customer.restore",
      entityType: "customer",
      entityId: id,
      data: { accountNumber: row.accountNumber, name: row.name },
      ip: actor.ip,
      at: now,
    });
    await recordWebhookEvent({ ...ctx, db: tx }, archive ? "customer.archived" : "customer.restored", toCustomer(row));
    return toCustomer(row);
  });
}

/** Customers by ids (for other features' pages); archived ones included. */
export async function findCustomersByIds(db: Executor, ids: string[]): Promise<Customer[]> {
  if (ids.length === 0) return [];
  const rows = await db.select().from(customers).where(inArray(customers.id, ids));
  return rows.map(toCustomer);
}

/**
 * The current customer a text came from. Several may share a number (a household); the most
 * recently active one wins.
 */
export async function findCustomerByPhone(db: Executor, phone: string) {
  const [row] = await db
    .select({ id: customers.id, name: customers.name })
    .from(customers)
    .where(and(eq(customers.phone, phone), isNull(customers.deletedAt)))
    .orderBy(desc(customers.updatedAt))
    .limit(1);
  return row;
}

/**
 * A customer's STOP or START: the flag, a new version (an open edit form must not write the old
 * flag back) and the audit row. The SMS that said it is named in the audit data.
 */
export async function setSmsOptOut(
  ctx: ServiceContext,
  actor: Actor,
  customerId: string,
  input: { optOut: boolean; keyword: string; from: string; smsId: string },
): Promise<Customer> {
  return inTransaction(ctx, async ({ db: tx }) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .update(customers)
      .set({ smsOptOut: input.optOut, updatedAt: now, version: sql`${customers.version} + 1` })
      .where(eq(customers.id, customerId))
      .returning();
    if (!row) throw notFound("customer.not_found", "This customer");
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: input.optOut ? "customer.sms_opted_out" : "customer.sms_opted_in",
      entityType: "customer",
      entityId: customerId,
      data: { keyword: input.keyword, from: input.from, smsId: input.smsId },
      ip: actor.ip,
      at: now,
    });
    await recordWebhookEvent({ ...ctx, db: tx }, "customer.updated", {
      ...toCustomer(row),
      changes: { smsOptOut: { from: !input.optOut, to: input.optOut } },
    });
    return toCustomer(row);
  });
}
