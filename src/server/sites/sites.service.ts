import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { coordinatePairProblem } from "../../shared/coordinates.js";
import type { CreateSite, Site, SiteList, UpdateSite } from "../../shared/sites.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { customers, networkSites } from "../db/schema/index.js";
import { AppError, fieldError, notFound, PG_UNIQUE_VIOLATION, pgErrorCode } from "../http/errors.js";
import { decodeCursor, encodeCursor, escapeLike } from "../http/pagination.js";

type SiteRow = typeof networkSites.$inferSelect;

// Spelled out: inside a select list Drizzle leaves columns unqualified, and "id" would bind to customers.
const customerCount = sql<number>`(select count(*)::int from customers c where c.site_id = network_sites.id)`;

function toSite(row: SiteRow & { customerCount: number }): Site {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    address: row.address,
    latitude: row.latitude,
    longitude: row.longitude,
    notes: row.notes,
    active: row.active,
    publicName: row.publicName,
    customerCount: Number(row.customerCount),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function translateUniqueName(error: unknown): never {
  if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
    throw fieldError("site.name_taken", "name", "Name: another network site already has this name", 409);
  }
  throw error;
}

export async function findSite(db: Executor, id: string): Promise<Site> {
  const [row] = await db
    .select({ ...siteColumns(), customerCount })
    .from(networkSites)
    .where(eq(networkSites.id, id))
    .limit(1);
  if (!row) throw notFound("site.not_found", "This network site");
  return toSite(row);
}

function siteColumns() {
  const { id, name, kind, address, latitude, longitude, notes, active, publicName, createdAt, updatedAt } =
    networkSites;
  return { id, name, kind, address, latitude, longitude, notes, active, publicName, createdAt, updatedAt };
}

export async function listSites(
  db: Executor,
  options: { limit: number; cursor?: string; active?: boolean; q?: string },
): Promise<SiteList> {
  const after = decodeCursor(options.cursor, z.tuple([z.string(), z.uuid()]));
  const rows = await db
    .select({ ...siteColumns(), customerCount })
    .from(networkSites)
    .where(
      and(
        options.active === undefined ? undefined : eq(networkSites.active, options.active),
        options.q ? sql`${networkSites.name} ilike ${`%${escapeLike(options.q)}%`}` : undefined,
        after ? sql`(lower(${networkSites.name}), ${networkSites.id}) > (${after[0]}, ${after[1]})` : undefined,
      ),
    )
    .orderBy(sql`lower(${networkSites.name})`, asc(networkSites.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map(toSite),
    nextCursor: rows.length > options.limit && last ? encodeCursor([last.name.toLowerCase(), last.id]) : null,
  };
}

export async function createSite(ctx: ServiceContext, actor: Actor, input: CreateSite): Promise<Site> {
  return inTransaction(ctx, async ({ db: tx }) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(networkSites)
      .values({
        name: input.name,
        kind: input.kind,
        address: input.address ?? null,
        latitude: input.latitude ?? null,
        longitude: input.longitude ?? null,
        notes: input.notes ?? null,
        active: input.active ?? true,
        publicName: input.publicName ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .catch(translateUniqueName);
    if (!row) throw new Error("insert returned no row");
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "site.create",
      entityType: "site",
      entityId: row.id,
      data: { name: row.name, kind: row.kind },
      ip: actor.ip,
      at: now,
    });
    return toSite({ ...row, customerCount: 0 });
  });
}

export async function updateSite(ctx: ServiceContext, actor: Actor, id: string, input: UpdateSite): Promise<Site> {
  return inTransaction(ctx, async ({ db: tx }) => {
    if ((input.latitude === undefined) !== (input.longitude === undefined)) {
      // One coordinate changes: with the stored other one, the site must still have both or neither.
      const [current] = await tx
        .select({ latitude: networkSites.latitude, longitude: networkSites.longitude })
        .from(networkSites)
        .where(eq(networkSites.id, id))
        .for("update");
      if (!current) throw notFound("site.not_found", "This network site");
      const problem = coordinatePairProblem(
        input.latitude !== undefined ? input.latitude : current.latitude,
        input.longitude !== undefined ? input.longitude : current.longitude,
      );
      if (problem) throw fieldError("site.invalid", problem.field, problem.message);
    }
    const now = ctx.clock.now();
    const [row] = await tx
      .update(networkSites)
      .set({
        name: input.name,
        kind: input.kind,
        address: input.address,
        latitude: input.latitude,
        longitude: input.longitude,
        notes: input.notes,
        active: input.active,
        publicName: input.publicName,
        updatedAt: now,
      })
      .where(eq(networkSites.id, id))
      .returning({ id: networkSites.id })
      .catch(translateUniqueName);
    if (!row) throw notFound("site.not_found", "This network site");
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "site.update",
      entityType: "site",
      entityId: id,
      data: { fields: Object.keys(input) },
      ip: actor.ip,
      at: now,
    });
    return findSite(tx, id);
  });
}

/** Deletes an unused site. A site customers hang off stays: deactivate it instead. */
export async function deleteSite(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  await inTransaction(ctx, async ({ db: tx }) => {
    // Lock the site so a customer cannot be attached between the count and the delete.
    const [site] = await tx.select().from(networkSites).where(eq(networkSites.id, id)).for("update");
    if (!site) throw notFound("site.not_found", "This network site");
    const [usage] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(customers)
      .where(eq(customers.siteId, id));
    const count = Number(usage?.count ?? 0);
    if (count > 0) {
      throw new AppError(
        409,
        "site.in_use",
        `${count} ${count === 1 ? "customer is" : "customers are"} connected through "${site.name}", so it cannot be deleted. Deactivate it instead, or move those customers to another site first.`,
        { customerCount: count },
      );
    }
    await tx.delete(networkSites).where(eq(networkSites.id, id));
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "site.delete",
      entityType: "site",
      entityId: id,
      data: { name: site.name },
      ip: actor.ip,
      at: ctx.clock.now(),
    });
  });
}
