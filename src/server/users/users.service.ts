import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { normalizePhone } from "../../shared/phone.js";
import type { CreateUser, UpdateProfile, UpdateUser, User } from "../../shared/users.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { users } from "../db/schema/index.js";
import { AppError, fieldError, notFound, PG_UNIQUE_VIOLATION, pgErrorCode } from "../http/errors.js";
import { decodeCursor, encodeCursor, escapeLike } from "../http/pagination.js";
import { endLiveStreams } from "../live/live.publish.js";
import { hashPassword, verifyPassword } from "./users.passwords.js";

/**
 * Ends a staff member's sign-ins (all but one) in the caller's transaction. auth/ owns sessions and
 * depends on users/; the routes hand this in, so users/ imports nothing of auth/.
 */
export type EndUserSessions = (db: Executor, userId: string, exceptSessionId?: string) => Promise<void>;

type UserRow = typeof users.$inferSelect;

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    role: row.role,
    active: row.active,
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

function parsePhone(phone: string | null | undefined, defaultCountry: string): string | null | undefined {
  if (phone === undefined) return undefined;
  if (phone === null || phone.trim() === "") return null;
  const result = normalizePhone(phone, defaultCountry);
  if (!result.ok) throw fieldError("user.phone_invalid", "phone", `Phone: ${result.message}`);
  return result.e164;
}

function translateUniqueEmail(error: unknown): never {
  if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
    throw fieldError("user.email_taken", "email", "Email: another staff account already uses this address", 409);
  }
  throw error;
}

export async function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`)
    .limit(1);
  return row;
}

/** Staff are few (tens), but the list still pages by a (name, id) keyset like every other list. */
export async function listUsers(
  db: Executor,
  options: { limit: number; cursor?: string; active?: boolean; q?: string },
) {
  const after = decodeCursor(options.cursor, z.tuple([z.string(), z.uuid()]));
  const rows = await db
    .select()
    .from(users)
    .where(
      and(
        options.active === undefined ? undefined : eq(users.active, options.active),
        options.q
          ? sql`(${users.name} ilike ${`%${escapeLike(options.q)}%`} or ${users.email} ilike ${`%${escapeLike(options.q)}%`})`
          : undefined,
        after ? sql`(lower(${users.name}), ${users.id}) > (${after[0]}, ${after[1]})` : undefined,
      ),
    )
    .orderBy(sql`lower(${users.name})`, asc(users.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map(toUser),
    nextCursor: rows.length > options.limit && last ? encodeCursor([last.name.toLowerCase(), last.id]) : null,
  };
}

export async function createUser(ctx: ServiceContext, actor: Actor, input: CreateUser): Promise<User> {
  const phone = parsePhone(input.phone, ctx.config.DEFAULT_COUNTRY);
  const passwordHash = await hashPassword(input.password);
  return inTransaction(ctx, async ({ db: tx }) => {
    const [row] = await tx
      .insert(users)
      .values({ name: input.name, email: input.email, phone: phone ?? null, role: input.role, passwordHash })
      .returning()
      .catch(translateUniqueEmail);
    if (!row) throw new Error("insert returned no row");
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "user.create",
      entityType: "user",
      entityId: row.id,
      data: { email: row.email, role: row.role },
      ip: actor.ip,
    });
    return toUser(row);
  });
}

/** An admin's change to a staff account. Admins cannot change their own role or active flag. */
export async function updateUser(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateUser,
  endUserSessions: EndUserSessions,
): Promise<User> {
  if (id === actor.id && (input.role !== undefined || input.active !== undefined)) {
    throw new AppError(
      403,
      "user.self_role_change",
      "You cannot change your own role or deactivate yourself; ask another admin.",
    );
  }
  const phone = parsePhone(input.phone, ctx.config.DEFAULT_COUNTRY);
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  return inTransaction(ctx, async ({ db: tx }) => {
    const existing = await findUserById(tx, id);
    if (!existing) throw notFound("user.not_found", "This staff account");
    const [row] = await tx
      .update(users)
      .set({
        name: input.name,
        email: input.email,
        phone,
        role: input.role,
        active: input.active,
        ...(passwordHash ? { passwordHash, defaultPassword: false } : {}),
        updatedAt: ctx.clock.now(),
      })
      .where(eq(users.id, id))
      .returning()
      .catch(translateUniqueEmail);
    if (!row) throw notFound("user.not_found", "This staff account");
    if (input.active === false || passwordHash) await endUserSessions(tx, id);
    // A deactivated account's tokens stop too (findApiToken checks the owner): so do their streams.
    if (input.active === false) await endLiveStreams(tx, { userId: id, tokensToo: true });
    const changed = Object.keys(input).filter((key) => key !== "password");
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: passwordHash ? "user.password_reset" : "user.update",
      entityType: "user",
      entityId: id,
      data: {
        fields: passwordHash ? [...changed, "password"] : changed,
        ...(input.role && input.role !== existing.role ? { role: { from: existing.role, to: input.role } } : {}),
        ...(input.active !== undefined && input.active !== existing.active
          ? { active: { from: existing.active, to: input.active } }
          : {}),
      },
      ip: actor.ip,
    });
    return toUser(row);
  });
}

/** A user's change to their own profile; a new password needs the current one. */
export async function updateProfile(
  ctx: ServiceContext,
  actor: Actor,
  input: UpdateProfile,
  endUserSessions: EndUserSessions,
): Promise<User> {
  const userId = actor.id;
  if (!userId) throw new AppError(401, "auth.required", "Sign in to change your profile.");
  const phone = parsePhone(input.phone, ctx.config.DEFAULT_COUNTRY);
  const existing = await findUserById(ctx.db, userId);
  if (!existing) throw notFound("user.not_found", "Your account");
  let passwordHash: string | undefined;
  if (input.newPassword !== undefined) {
    const ok = await verifyPassword(existing.passwordHash, input.currentPassword ?? "");
    if (!ok) throw fieldError("user.current_password_wrong", "currentPassword", "Current password is not correct", 422);
    passwordHash = await hashPassword(input.newPassword);
  }
  return inTransaction(ctx, async ({ db: tx }) => {
    const [row] = await tx
      .update(users)
      .set({
        name: input.name,
        phone,
        ...(passwordHash ? { passwordHash, defaultPassword: false } : {}),
        updatedAt: ctx.clock.now(),
      })
      .where(eq(users.id, userId))
      .returning();
    if (!row) throw notFound("user.not_found", "Your account");
    if (passwordHash) await endUserSessions(tx, userId, actor.sessionId);
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: passwordHash ? "user.password_change" : "user.profile_update",
      entityType: "user",
      entityId: actor.id,
      data: { fields: Object.keys(input).filter((key) => key !== "currentPassword" && key !== "newPassword") },
      ip: actor.ip,
    });
    return toUser(row);
  });
}

/** Emails of seeded accounts still on their published default password. */
export async function defaultPasswordAccounts(db: Executor): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.defaultPassword, true), eq(users.active, true)))
    .orderBy(asc(users.email));
  return rows.map((row) => row.email);
}
