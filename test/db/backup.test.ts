import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { readBackupSql } from "../../src/server/backups/backups.restore.js";
import { loadConfig } from "../../src/server/config.js";
import { type DatabaseHandle, openPostgres } from "../../src/server/db/client.js";
import { runMigrations } from "../../src/server/db/migrate.js";
import { openDatabase } from "../../src/server/db/open.js";
import { users } from "../../src/server/db/schema/index.js";
import { seedDemoUsers } from "../../src/server/db/seed.js";
import { hashPassword } from "../../src/server/users/users.passwords.js";
import { AppProcess, StaffClient } from "../faults/support/app-process.js";
import { signIn, testConfig } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { databaseUrlFor, testDatabaseName } from "../support/databases.js";

const root = path.resolve(import.meta.dirname, "../..");
const KEPT = { name: "Zoë O'Brien; DROP TABLE users", email: "zoe@isp.com", password: "zoe-backup-password" };

function runBackup(env: Record<string, string>, args: string[] = []) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/backup.ts", ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The restored database serves the app: the kept account signs in, the demo accounts are there. */
async function expectUsable(handle: DatabaseHandle) {
  await runMigrations(handle); // finds every migration applied already
  const [zoe] = await handle.db.select().from(users).where(eq(users.email, KEPT.email));
  expect(zoe?.name).toBe(KEPT.name);
  expect((await handle.db.select().from(users)).length).toBe(4);
  const app = await buildApp({ config: testConfig(), database: handle, clock: new ManualClock(new Date()) });
  try {
    const session = await signIn(app, { email: KEPT.email, password: KEPT.password });
    expect(session.user.name).toBe(KEPT.name);
    const list = await session.get("/api/users?q=jane");
    expect(list.json().items[0].email).toBe("jane@isp.com");
  } finally {
    await app.close();
  }
}

describe("npm run backup (embedded database)", () => {
  let work: string;
  let backup: Promise<{ result: Awaited<ReturnType<typeof runBackup>>; backupDir: string }> | undefined;
  /** The one backup of the data directory, made by whichever test needs it first. */
  const backupOnce = () => {
    const backupDir = path.join(work, "backups");
    backup ??= runBackup({ DATA_DIR: path.join(work, "data"), BACKUP_DIR: backupDir }).then((result) => ({
      result,
      backupDir,
    }));
    return backup;
  };
  const dumpFileOf = async () => {
    const { backupDir } = await backupOnce();
    const [file] = await readdir(backupDir);
    if (!file) throw new Error("the backup wrote no file");
    return path.join(backupDir, file);
  };
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "uplink-backup-"));
    const database = await openDatabase(loadConfig({ DATA_DIR: path.join(work, "data") }));
    await runMigrations(database);
    await seedDemoUsers(database.db, hashPassword);
    // Straight into the table: no app runs on this data directory (the backup must find it free).
    await database.db.insert(users).values({
      name: KEPT.name,
      email: KEPT.email,
      role: "technician",
      passwordHash: await hashPassword(KEPT.password),
    });
    await database.close();
  }, 240_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("says how to back up through the running app when another process holds the data directory and no token is given", async () => {
    const running = await openDatabase(loadConfig({ DATA_DIR: path.join(work, "data") }));
    try {
      const result = await runBackup({ DATA_DIR: path.join(work, "data"), BACKUP_DIR: path.join(work, "refused") });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        [
          `DATA_DIR ${path.join(work, "data")} is in use by process ${process.pid} (is Uplink running?).`,
          "The running app takes the backup itself when asked with an admin API token of scope admin",
          "(Settings → API tokens): UPLINK_TOKEN=upl_… npm run backup   (or: npm run backup -- --token upl_…).",
          "Or take one in the app: Settings → Backups → Back up now.",
        ].join("\n"),
      );
    } finally {
      await running.close();
    }
    await expect(readdir(path.join(work, "refused"))).rejects.toThrow();
  }, 240_000);

  it("writes ./backups/uplink-<timestamp>.sql.gz with the app stopped", async () => {
    const { result, backupDir } = await backupOnce();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const files = await readdir(backupDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^uplink-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.sql\.gz$/);
    const dumpFile = path.join(backupDir, files[0] ?? "");
    expect(result.stdout.trim()).toBe(`Backed up ${path.join(work, "data")} to ${dumpFile}`);
    const text = await readBackupSql(dumpFile);
    expect(text).toContain("CREATE TABLE public.users");
    expect(text).toContain("zoe@isp.com");
    expect(text).not.toContain("transaction_timeout");
  }, 240_000);

  it("restores into a fresh embedded data directory with --restore, and never over existing data", async () => {
    const dumpFile = await dumpFileOf();
    const target = path.join(work, "restored");
    const result = await runBackup({ DATA_DIR: target }, ["--restore", dumpFile]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`Restored ${dumpFile} into ${target}`);
    const restored = await openDatabase(loadConfig({ DATA_DIR: target }));
    try {
      await expectUsable(restored);
    } finally {
      await restored.close();
    }
    const again = await runBackup({ DATA_DIR: target }, ["--restore", dumpFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`DATA_DIR ${target} is not empty`);
  }, 240_000);

  it("backs up through the running app with an admin token (the app keeps its data directory)", async () => {
    const dataDir = path.join(work, "running");
    const appBackups = path.join(work, "app-backups");
    const seeded = await openDatabase(loadConfig({ DATA_DIR: dataDir }));
    await runMigrations(seeded);
    await seedDemoUsers(seeded.db, hashPassword);
    await seeded.close();
    const app = await AppProcess.start(
      { DATA_DIR: dataDir, BACKUP_DIR: appBackups, SEED_DEMO_USERS: "false" },
      path.join(work, "app.log"),
    );
    try {
      const admin = await StaffClient.signIn(app.baseUrl);
      const created = await admin.request<{ token: string }>("POST", "/api/tokens", {
        name: "Nightly cron",
        scopes: ["admin"],
      });
      expect(created.status).toBe(201);
      const env = { DATA_DIR: dataDir, BACKUP_DIR: path.join(work, "cli-backups"), UPLINK_URL: app.baseUrl };

      const result = await runBackup({ ...env, UPLINK_TOKEN: created.body.token });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const [file] = await readdir(appBackups);
      expect(result.stdout.trim()).toMatch(
        new RegExp(
          `^Backed up through the running app at ${app.baseUrl} to ${path.join(appBackups, file ?? "")} \\(\\d+ bytes in \\d+ ms\\)$`,
        ),
      );
      expect(await readBackupSql(path.join(appBackups, file ?? ""))).toContain("admin@isp.com");
      // The app still serves and writes.
      expect((await admin.request("POST", "/api/tickets", { subject: "After the backup" })).status).toBe(201);

      const refused = await runBackup({ ...env, UPLINK_TOKEN: `upl_${"x".repeat(43)}` });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe(
        `The app at ${app.baseUrl} refused the backup: The API token is unknown, revoked or expired, or its owner's account is deactivated.`,
      );
    } finally {
      app.child.kill("SIGTERM");
      await app.exited;
    }
  }, 240_000);

  const itServer = inject("testDatabaseUrl") ? it : it.skip;
  itServer(
    "restores into a fresh server database with the documented psql command",
    async () => {
      const dumpFile = await dumpFileOf();
      const base = inject("testDatabaseUrl") as string;
      const name = testDatabaseName();
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`create database "${name}"`);
      const url = databaseUrlFor(base, name);
      let handle: DatabaseHandle | undefined;
      try {
        // docs/operations.md, word for word.
        const restore = spawnSync(
          "sh",
          [
            "-c",
            'gunzip -c "$0" | psql --set ON_ERROR_STOP=1 --single-transaction --quiet --dbname "$1"',
            dumpFile,
            url,
          ],
          { encoding: "utf8" },
        );
        expect(restore.stderr).toBe("");
        expect(restore.status).toBe(0);
        handle = await openPostgres({ connectionString: url, poolSize: 2 });
        await expectUsable(handle);
      } finally {
        await handle?.close();
        await admin.query(`drop database if exists "${name}" with (force)`);
        await admin.end();
      }
    },
    120_000,
  );
});

describe("npm run backup (server database)", () => {
  it("without pg_dump on the host, prints the pg_dump command, without the password", async () => {
    const result = await runBackup({
      DATABASE_URL: "postgres://uplink:s3cret@db.internal:5433/uplink",
      BACKUP_DIR: "/srv/backups",
      // No pg_dump on this PATH (the script itself runs on process.execPath).
      PATH: path.dirname(process.execPath),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("pg_dump is not installed on this app's host.");
    expect(result.stdout).toMatch(
      /pg_dump --no-owner --no-privileges --dbname='postgres:\/\/uplink@db\.internal:5433\/uplink' \| gzip > '\/srv\/backups\/uplink-[\dTZ-]+\.sql\.gz'/,
    );
    expect(result.stdout).toContain("set PGPASSWORD");
    expect(result.stdout).not.toContain("s3cret");
  }, 60_000);
});

describe("npm run backup (server database, with pg_dump)", () => {
  const itServer = inject("testDatabaseUrl") ? it : it.skip;
  itServer(
    "runs the system pg_dump into BACKUP_DIR",
    async () => {
      const work = await mkdtemp(path.join(os.tmpdir(), "uplink-backup-server-"));
      try {
        const result = await runBackup({ DATABASE_URL: inject("testDatabaseUrl") as string, BACKUP_DIR: work });
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        const [file] = await readdir(work);
        expect(file).toMatch(/^uplink-[\dTZ-]+\.sql\.gz$/);
        expect(result.stdout.trim()).toMatch(/^Backed up PostgreSQL server 127\.0\.0\.1:5432\/\S+ to \S+\.sql\.gz$/);
        expect(await readBackupSql(path.join(work, file ?? ""))).toContain("PostgreSQL database dump complete");
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
