import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { count, eq, sql } from "drizzle-orm";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { openPglite, openPostgres, QueryOutsideTransactionError, queryRows } from "../../src/server/db/client.js";
import { migrationsFolder, runMigrations } from "../../src/server/db/migrate.js";
import { users } from "../../src/server/db/schema/index.js";
import { DEMO_USERS, seedDemoUsers } from "../../src/server/db/seed.js";
import { hashPassword } from "../../src/server/users/users.passwords.js";
import { createTestDatabase, databaseUrlFor, testDatabaseKinds, testDatabaseName } from "../support/databases.js";

const journal = async () =>
  JSON.parse(await readFile(path.join(migrationsFolder, "meta/_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };

/** The error itself or one of its causes (Drizzle wraps driver errors in its own). */
function causeOf<T>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    if (current instanceof type) return current;
  }
  return undefined;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Fails instead of hanging: a regression of the transaction guard would hang PGlite forever. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} hung for ${ms} ms`)), ms)),
  ]);
}

describe.each(testDatabaseKinds())("database on %s", (kind) => {
  it("refuses a root-database query inside a transaction instead of hanging, and rolls back", async () => {
    const database = await createTestDatabase(kind);
    const { db } = database.handle;
    try {
      const attempt = db.transaction(async (tx) => {
        await tx.insert(users).values({
          name: "Inside",
          email: "inside@isp.com",
          role: "technician",
          passwordHash: "x",
        });
        // The mistake: the root db instead of tx (a helper that forgot to take the executor).
        await db.select().from(users).limit(1);
      });
      const error = await rejection(within(attempt, 5000, "the transaction"));
      expect(causeOf(error, QueryOutsideTransactionError)?.message).toMatch(/pass the transaction \(tx\) down/);
      const raw = db.transaction(async () => {
        await db.execute(sql`select 1`);
      });
      expect(
        causeOf(await rejection(within(raw, 5000, "the transaction")), QueryOutsideTransactionError),
      ).toBeDefined();
      // Rolled back, and the database still answers afterwards.
      const rows = await within(
        db.select().from(users).where(eq(users.email, "inside@isp.com")),
        5000,
        "a query after the refusal",
      );
      expect(rows).toEqual([]);
      // Work passed through tx is fine, and so is the root db after the transaction ends.
      await db.transaction(async (tx) => {
        await tx.select().from(users).limit(1);
        await queryRows(tx, sql`select 1 as one`);
      });
      // Concurrent requests outside any transaction are not mistaken for being inside one.
      const [a, b] = await Promise.all([
        db.transaction(async (tx) => (await queryRows<{ n: number }>(tx, sql`select 1 as n`))[0]?.n),
        db.select({ n: count() }).from(users),
      ]);
      expect(a).toBe(1);
      expect(b[0]?.n).toBeGreaterThan(0);
    } finally {
      await database.drop();
    }
  }, 60_000);

  it("seeds the demo users only into an empty users table", async () => {
    const database = await createTestDatabase(kind);
    const { db } = database.handle;
    try {
      // The template holds the seeded accounts already: a second seed adds nothing.
      expect(await seedDemoUsers(db, hashPassword)).toBe(false);
      expect((await db.select({ n: count() }).from(users))[0]?.n).toBe(3);

      await db.delete(users);
      expect(await seedDemoUsers(db, hashPassword)).toBe(true);
      const seeded = await db.select().from(users).orderBy(users.email);
      expect(seeded.map((u) => [u.email, u.role, u.defaultPassword])).toEqual([
        ["admin@isp.com", "admin", true],
        ["jane@isp.com", "technician", true],
        ["john@isp.com", "technician", true],
      ]);
      expect(seeded.every((u) => u.passwordHash.startsWith("$argon2id$"))).toBe(true);
      expect(DEMO_USERS.map((u) => u.email).sort()).toEqual(seeded.map((u) => u.email));

      // A real installation with one account of its own is never seeded.
      await db.delete(users);
      await db.insert(users).values({ name: "Owner", email: "owner@isp.net", role: "admin", passwordHash: "x" });
      expect(await seedDemoUsers(db, hashPassword)).toBe(false);
      expect((await db.select({ n: count() }).from(users))[0]?.n).toBe(1);
    } finally {
      await database.drop();
    }
  }, 60_000);

  it("runs migrations again without changing anything", async () => {
    const database = await createTestDatabase(kind);
    try {
      await runMigrations(database.handle);
      const applied = await queryRows<{ n: number }>(
        database.handle.db,
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      expect(applied[0]?.n).toBe((await journal()).entries.length);
    } finally {
      await database.drop();
    }
  }, 60_000);
});

describe("embedded database on disk", () => {
  it("keeps its data under DATA_DIR across close and reopen", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "uplink-pglite-"));
    try {
      const first = await openPglite({ dataDir });
      await runMigrations(first);
      await seedDemoUsers(first.db, hashPassword);
      await first.db
        .insert(users)
        .values({ name: "Kept", email: "kept@isp.com", role: "technician", passwordHash: "x" });
      await first.close();

      const second = await openPglite({ dataDir });
      try {
        expect(second.description).toBe(`embedded PostgreSQL (PGlite) in ${dataDir}`);
        await runMigrations(second);
        const rows = await second.db.select({ email: users.email }).from(users).orderBy(users.email);
        expect(rows.map((r) => r.email)).toEqual(["admin@isp.com", "jane@isp.com", "john@isp.com", "kept@isp.com"]);
        // pg_trgm (migration 0001) is available again after a reopen.
        await second.db.execute(sql`select similarity('uplink', 'uplnk')`);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

const describeServer = inject("testDatabaseUrl") ? describe : describe.skip;
describeServer("several instances starting at once on one server", () => {
  it("migrates exactly once while three handles run migrations concurrently", async () => {
    const base = inject("testDatabaseUrl") as string;
    const name = testDatabaseName();
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    const handles = await Promise.all(
      [1, 2, 3].map(() => openPostgres({ connectionString: databaseUrlFor(base, name), poolSize: 3 })),
    );
    try {
      await within(Promise.all(handles.map((handle) => runMigrations(handle))), 60_000, "concurrent migrations");
      const { entries } = await journal();
      const applied = await queryRows<{ hash: string }>(
        handles[0]!.db,
        sql`select hash from drizzle.__drizzle_migrations order by id`,
      );
      expect(applied.length).toBe(entries.length);
      expect(new Set(applied.map((row) => row.hash)).size).toBe(entries.length);
      // Every instance can use the schema, and seeding from all three at once creates one set.
      const seeded = await Promise.all(handles.map((handle) => seedDemoUsers(handle.db, hashPassword)));
      expect(seeded.filter(Boolean).length).toBeGreaterThanOrEqual(1);
      const [row] = await handles[1]!.db.select({ n: count() }).from(users);
      expect(row?.n).toBe(3);
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  }, 90_000);
});
