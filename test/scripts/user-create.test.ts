import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite, queryRows } from "../../src/server/db/client.js";
import { verifyPassword } from "../../src/server/users/users.passwords.js";
import { createTestDatabase, type DatabaseKind, type TestDatabase, testDatabaseKinds } from "../support/databases.js";

const root = path.resolve(import.meta.dirname, "../..");

/** What `npm run user:create -- …` runs, with only the given database settings in the environment. */
function runCli(args: string[], env: Record<string, string>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(DATABASE_URL|PG[A-Z]+|DATA_DIR|TWILIO_.*|UPLINK_PASSWORD)$/.test(key),
    ),
  );
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/user-create.ts", ...args],
      { cwd: root, env: { ...base, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
      },
    );
  });
}

interface Target {
  env: Record<string, string>;
  users(): Promise<{ email: string; role: string; name: string; password_hash: string; default_password: boolean }[]>;
  close(): Promise<void>;
}

/** The embedded database: a new, empty DATA_DIR (the CLI migrates it); the server: a fresh test database. */
async function target(kind: DatabaseKind): Promise<Target> {
  const query = sql`select email, role, name, password_hash, default_password from users order by email`;
  if (kind === "pglite") {
    const dir = await mkdtemp(path.join(os.tmpdir(), "uplink-user-create-"));
    return {
      env: { DATA_DIR: dir },
      async users() {
        const handle = await openPglite({ dataDir: dir });
        try {
          return await queryRows(handle.db, query);
        } finally {
          await handle.close();
        }
      },
      close: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const database: TestDatabase = await createTestDatabase("postgres");
  if (!database.url) throw new Error("no server database url");
  await database.handle.db.execute(sql`delete from users`);
  return {
    env: { DATABASE_URL: database.url },
    users: () => queryRows(database.handle.db, query),
    close: () => database.drop(),
  };
}

describe.each(testDatabaseKinds())("npm run user:create on %s", (kind) => {
  let db: Target;
  beforeAll(async () => {
    db = await target(kind);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it("creates an admin with the password from UPLINK_PASSWORD, who can then sign in", async () => {
    const result = await runCli(["--email", "Ops@Fiber.example", "--role", "admin", "--name", "Ops Admin"], {
      ...db.env,
      UPLINK_PASSWORD: "scripted-admin-pass",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Created admin Ops Admin <Ops@Fiber\.example>/);
    const users = await db.users();
    expect(users).toHaveLength(1);
    const [user] = users;
    expect(user).toMatchObject({
      email: "Ops@Fiber.example",
      role: "admin",
      name: "Ops Admin",
      default_password: false,
    });
    expect(await verifyPassword(user?.password_hash ?? "", "scripted-admin-pass")).toBe(true);
  }, 120_000);

  it("refuses a second account with the same email (any case), with a clear message and exit code 3", async () => {
    const result = await runCli(["--email", "ops@fiber.example", "--role", "technician"], {
      ...db.env,
      UPLINK_PASSWORD: "another-long-pass",
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Another staff account already uses this email address; nothing was created/);
    expect(await db.users()).toHaveLength(1);
  }, 120_000);

  it("holds the password and role to the app's rules, and needs a password when not in a terminal (exit code 2)", async () => {
    const short = await runCli(["--email", "a@fiber.example", "--role", "admin", "--password", "short"], db.env);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/Password must be at least 10 characters/);
    const role = await runCli(["--email", "a@fiber.example", "--role", "owner", "--password", "long-enough-1"], db.env);
    expect(role.code).toBe(2);
    expect(role.stderr).toMatch(/Role must be admin, agent or technician/);
    const none = await runCli(["--email", "a@fiber.example", "--role", "agent"], db.env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/No password: pass --password, set UPLINK_PASSWORD/);
    const missing = await runCli(["--role", "admin"], db.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--email and --role are required/);
    expect(await db.users()).toHaveLength(1);
    const agent = await runCli(
      ["--email", "desk@fiber.example", "--role", "agent", "--password", "office-pass-1"],
      db.env,
    );
    expect(agent.code).toBe(0);
    expect((await db.users()).map((user) => user.role).sort()).toEqual(["admin", "agent"]);
  }, 240_000);
});
