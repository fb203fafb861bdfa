import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { openPglite, openPostgres } from "../../src/server/db/client.js";
import { runMigrations } from "../../src/server/db/migrate.js";
import { seedDemoUsers } from "../../src/server/db/seed.js";
import { hashPassword } from "../../src/server/users/users.passwords.js";

function databaseUrlFor(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Migrates one template per database kind; each test file then starts from a copy. */
export default async function setup(project: TestProject) {
  // Browser suites need the current web build.
  const build = spawnSync(process.execPath, ["scripts/ensure-web-build.mjs"], { stdio: "inherit" });
  if (build.status !== 0) throw new Error("the web app failed to build");

  const dir = path.join(os.tmpdir(), "uplink-test");
  await mkdir(dir, { recursive: true });
  const templatePath = path.join(dir, `pglite-template-${process.pid}.tar`);
  const pglite = await openPglite({});
  await runMigrations(pglite);
  await seedDemoUsers(pglite.db, hashPassword);
  const dump = await pglite.pglite?.dumpDataDir("none");
  if (!dump) throw new Error("PGlite dump failed");
  await writeFile(templatePath, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
  project.provide("pgliteTemplatePath", templatePath);

  const base = process.env.TEST_DATABASE_URL || null;
  project.provide("testDatabaseUrl", base);
  // Test databases carry this run's id, so the clean-up below never drops another run's.
  const runId = process.pid;
  project.provide("testRunId", runId);
  project.provide("postgresTemplate", null);
  if (!base) {
    console.warn("\n  TEST_DATABASE_URL is not set: suites run on the embedded database (PGlite) only.\n");
    return;
  }

  const templateName = `uplink_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database if exists "${templateName}" with (force)`);
  await admin.query(`create database "${templateName}"`);
  const server = await openPostgres({ connectionString: databaseUrlFor(base, templateName), poolSize: 2 });
  await runMigrations(server);
  await seedDemoUsers(server.db, hashPassword);
  await server.close();
  project.provide("postgresTemplate", templateName);

  return async () => {
    // Drop the template and any test database this run left behind (a crashed worker).
    const { rows } = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname = $1 or datname like $2",
      [templateName, `uplink_t_${runId}_%`],
    );
    for (const { datname } of rows) {
      if (datname === templateName || new RegExp(`^uplink_t_${runId}_\\d+_[0-9a-f]{8}$`).test(datname)) {
        await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => {});
      }
    }
    await admin.end();
  };
}
