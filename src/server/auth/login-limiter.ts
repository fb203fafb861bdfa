import { and, eq, gt, lt, min, or, sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import { MINUTE } from "../clock.js";
import type { Executor } from "../db/client.js";
import { loginFailures } from "../db/schema/index.js";
import { AppError } from "../http/errors.js";

export const LOGIN_WINDOW_MS = 15 * MINUTE;
/** Failures allowed per account in the window. */
export const MAX_FAILURES_PER_ACCOUNT = 10;
/** Failures allowed per client address (an office behind one NAT shares it). */
export const MAX_FAILURES_PER_ADDRESS = 30;

/**
 * Throws 429 with Retry-After while the account or the address has used up its failures.
 * Counted in the database, so every app instance enforces the same limit.
 */
export async function assertLoginAllowed(db: Executor, clock: Clock, email: string, ip: string): Promise<void> {
  const now = clock.now();
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const rows = await db
    .select({
      byAccount: sql<number>`count(*) filter (where ${loginFailures.email} = ${email})`.mapWith(Number),
      byAddress: sql<number>`count(*) filter (where ${loginFailures.ip} = ${ip})`.mapWith(Number),
      oldest: min(loginFailures.createdAt),
    })
    .from(loginFailures)
    .where(and(gt(loginFailures.createdAt, since), or(eq(loginFailures.email, email), eq(loginFailures.ip, ip))));
  const row = rows[0];
  if (!row) return;
  if (row.byAccount >= MAX_FAILURES_PER_ACCOUNT || row.byAddress >= MAX_FAILURES_PER_ADDRESS) {
    const oldest = row.oldest ? new Date(row.oldest).getTime() : now.getTime();
    const retryAfter = Math.max(1, Math.ceil((oldest + LOGIN_WINDOW_MS - now.getTime()) / 1000));
    throw new AppError(
      429,
      "auth.too_many_attempts",
      `Too many failed sign-ins. Try again in ${Math.ceil(retryAfter / 60)} minute(s), or ask an admin to reset the password.`,
      { retryAfterSeconds: retryAfter },
      { "retry-after": String(retryAfter) },
    );
  }
}

export async function recordLoginFailure(db: Executor, clock: Clock, email: string, ip: string): Promise<void> {
  const now = clock.now();
  await db.insert(loginFailures).values({ email, ip, createdAt: now });
  // Keep the table small: failures older than the window no longer count.
  await db.delete(loginFailures).where(lt(loginFailures.createdAt, new Date(now.getTime() - LOGIN_WINDOW_MS)));
}

export async function clearLoginFailures(db: Executor, email: string): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.email, email));
}
