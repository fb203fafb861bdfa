import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { CreateServicePlan, ServicePlan, ServicePlanList, UpdateServicePlan } from "../../shared/plans.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { customers, servicePlans } from "../db/schema/index.js";
import { AppError, fieldError, notFound, PG_UNIQUE_VIOLATION, pgErrorCode } from "../http/errors.js";
import { decodeCursor, encodeCursor, escapeLike } from "../http/pagination.js";

type PlanRow = typeof servicePlans.$inferSelect;

// Spelled out: inside a select list Drizzle leaves columns unqualified, and "id" would bind to customers.
const customerCount = sql<number>`(select count(*)::int from customers c where c.service_plan_id = service_plans.id)`;

function toServicePlan(row: PlanRow & { customerCount: number }): ServicePlan {
  return {
    id: row.id,
    name: row.name,
    downloadMbps: Number(row.downloadMbps),
    uploadMbps: Number(row.uploadMbps),
    monthlyPrice: Number(row.monthlyPrice),
    active: row.active,
    customerCount: Number(row.customerCount),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function translateUniqueName(error: unknown): never {
  if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
    throw fieldError("service_plan.name_taken", "name", "Name: another service plan already has this name", 409);
  }
  throw error;
}

export async function findServicePlan(db: Executor, id: string): Promise<ServicePlan> {
  const [row] = await db
    .select({ ...servicePlansColumns(), customerCount })
    .from(servicePlans)
    .where(eq(servicePlans.id, id))
    .limit(1);
  if (!row) throw notFound("service_plan.not_found", "This service plan");
  return toServicePlan(row);
}

function servicePlansColumns() {
  const { id, name, downloadMbps, uploadMbps, monthlyPrice, active, createdAt, updatedAt } = servicePlans;
  return { id, name, downloadMbps, uploadMbps, monthlyPrice, active, createdAt, updatedAt };
}

/** Plans are few (tens); the list still pages by a (name, id) keyset like every list. */
export async function listServicePlans(
  db: Executor,
  options: { limit: number; cursor?: string; active?: boolean; q?: string },
): Promise<ServicePlanList> {
  const after = decodeCursor(options.cursor, z.tuple([z.string(), z.uuid()]));
  const rows = await db
    .select({ ...servicePlansColumns(), customerCount })
    .from(servicePlans)
    .where(
      and(
        options.active === undefined ? undefined : eq(servicePlans.active, options.active),
        options.q ? sql`${servicePlans.name} ilike ${`%${escapeLike(options.q)}%`}` : undefined,
        after ? sql`(lower(${servicePlans.name}), ${servicePlans.id}) > (${after[0]}, ${after[1]})` : undefined,
      ),
    )
    .orderBy(sql`lower(${servicePlans.name})`, asc(servicePlans.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map(toServicePlan),
    nextCursor: rows.length > options.limit && last ? encodeCursor([last.name.toLowerCase(), last.id]) : null,
  };
}

export async function createServicePlan(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateServicePlan,
): Promise<ServicePlan> {
  return inTransaction(ctx, async ({ db: tx }) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(servicePlans)
      .values({ ...input, createdAt: now, updatedAt: now })
      .returning()
      .catch(translateUniqueName);
    if (!row) throw new Error("insert returned no row");
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "service_plan.create",
      entityType: "service_plan",
      entityId: row.id,
      data: { name: row.name },
      ip: actor.ip,
      at: now,
    });
    return toServicePlan({ ...row, customerCount: 0 });
  });
}

export async function updateServicePlan(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateServicePlan,
): Promise<ServicePlan> {
  return inTransaction(ctx, async ({ db: tx }) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .update(servicePlans)
      .set({ ...input, updatedAt: now })
      .where(eq(servicePlans.id, id))
      .returning({ id: servicePlans.id })
      .catch(translateUniqueName);
    if (!row) throw notFound("service_plan.not_found", "This service plan");
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "service_plan.update",
      entityType: "service_plan",
      entityId: id,
      data: { fields: Object.keys(input) },
      ip: actor.ip,
      at: now,
    });
    return findServicePlan(tx, id);
  });
}

/** Deletes an unused plan. A plan in use stays (customers and history point at it): deactivate it instead. */
export async function deleteServicePlan(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  await inTransaction(ctx, async ({ db: tx }) => {
    // Lock the plan so a customer cannot be put on it between the count and the delete.
    const [plan] = await tx.select().from(servicePlans).where(eq(servicePlans.id, id)).for("update");
    if (!plan) throw notFound("service_plan.not_found", "This service plan");
    const [usage] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(customers)
      .where(eq(customers.servicePlanId, id));
    const count = Number(usage?.count ?? 0);
    if (count > 0) {
      throw new AppError(
        409,
        "service_plan.in_use",
        `${count} ${count === 1 ? "customer uses" : "customers use"} the plan "${plan.name}", so it cannot be deleted. Deactivate it instead, or move those customers to another plan first.`,
        { customerCount: count },
      );
    }
    await tx.delete(servicePlans).where(eq(servicePlans.id, id));
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "service_plan.delete",
      entityType: "service_plan",
      entityId: id,
      data: { name: plan.name },
      ip: actor.ip,
      at: ctx.clock.now(),
    });
  });
}
