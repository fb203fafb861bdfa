import { count } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import type { Database } from "./client.js";
import { users } from "./schema/index.js";

/** The seed document's accounts, with their published passwords (admins are warned while they remain). */
export const DEMO_USERS = [
  { name: "Admin", email: "admin@isp.com", password: "admin123", role: "admin" },
  { name: "John Tech", email: "john@isp.com", password: "tech123", role: "technician" },
  { name: "Jane Tech", email: "jane@isp.com", password: "tech123", role: "technician" },
] as const;

/** Turns a password into its stored hash (users/users.passwords.ts: argon2id). */
export type PasswordHasher = (password: string) => Promise<string>;

/**
 * Creates the demo accounts when the users table is empty; several instances may race, one wins.
 * The caller hands in the hasher, so the database layer depends on no feature.
 */
export async function seedDemoUsers(
  db: Database,
  hashPassword: PasswordHasher,
  log?: Pick<FastifyBaseLogger, "info" | "warn">,
): Promise<boolean> {
  const [existing] = await db.select({ n: count() }).from(users);
  if ((existing?.n ?? 0) > 0) return false;
  const rows = await Promise.all(
    DEMO_USERS.map(async (user) => ({
      name: user.name,
      email: user.email,
      role: user.role,
      passwordHash: await hashPassword(user.password),
      defaultPassword: true,
    })),
  );
  const inserted = await db.insert(users).values(rows).onConflictDoNothing().returning({ id: users.id });
  if (inserted.length > 0) {
    log?.warn(
      "Created the demo accounts admin@isp.com, john@isp.com and jane@isp.com with their published passwords: change them, or start with SEED_DEMO_USERS=false in production.",
    );
  }
  return inserted.length > 0;
}
