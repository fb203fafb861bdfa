/**
 * Webhook deliveries per second to a loopback receiver that verifies every signature with the
 * `standardwebhooks` package (as a real receiver would).
 *
 *   node --import tsx scripts/bench/webhook-deliveries.ts [events] [instances]
 *
 * On the embedded database (a fresh one in a temporary directory) by default; with DATABASE_URL
 * set, on that (empty, migrated here) PostgreSQL database, where `instances` app instances (each
 * with its own pool and dispatcher) share the work. The events are queued in one transaction, as
 * a CSV import writes them, and timed from the commit until the last delivery is recorded.
 */

import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { buildApp } from "../../src/server/app.js";
import { systemClock } from "../../src/server/clock.js";
import { loadConfig } from "../../src/server/config.js";
import { SYSTEM_ACTOR, serviceContext } from "../../src/server/context.js";
import { type DatabaseHandle, openPostgres, queryRows } from "../../src/server/db/client.js";
import { runMigrations } from "../../src/server/db/migrate.js";
import { openDatabase } from "../../src/server/db/open.js";
import type { App } from "../../src/server/deps.js";
import { createWebhook, recordWebhookEvents } from "../../src/server/webhooks/webhooks.service.js";

const events = Number(process.argv[2] ?? 2000);
const instances = Number(process.argv[3] ?? (process.env.DATABASE_URL ? 2 : 1));

async function main() {
  const dataDir = process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(os.tmpdir(), "uplink-webhook-bench-"));
  const env = {
    SEED_DEMO_USERS: "false",
    LOG_LEVEL: "silent",
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: "127.0.0.1",
    ...(dataDir ? { DATA_DIR: dataDir } : {}),
  };
  const config = loadConfig({ ...process.env, ...env });
  const database = await openDatabase(config);
  await runMigrations(database);

  let verified = 0;
  let rejected = 0;
  let secret = "";
  const receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        new Webhook(secret).verify(Buffer.concat(chunks).toString("utf8"), {
          "webhook-id": String(request.headers["webhook-id"]),
          "webhook-timestamp": String(request.headers["webhook-timestamp"]),
          "webhook-signature": String(request.headers["webhook-signature"]),
        });
        verified++;
        response.writeHead(204).end();
      } catch {
        rejected++;
        response.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const port = (receiver.address() as AddressInfo).port;

  const apps: App[] = [];
  const extraHandles: DatabaseHandle[] = [];
  for (let i = 0; i < instances; i++) {
    const handle =
      i === 0 || !process.env.DATABASE_URL
        ? database
        : await openPostgres({ connectionString: process.env.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
    if (handle !== database) extraHandles.push(handle);
    const app = await buildApp({ config, database: handle, clock: systemClock });
    await app.ready();
    apps.push(app);
  }
  const first = apps[0];
  if (!first) throw new Error("no app instance");
  const ctx = serviceContext(first.deps);
  const endpoint = await createWebhook(ctx, SYSTEM_ACTOR, {
    url: `http://127.0.0.1:${port}/hooks`,
    events: ["customer.created"],
  });
  secret = endpoint.secret;

  const started = performance.now();
  await recordWebhookEvents(ctx, "customer.created", async () =>
    Array.from({ length: events }, (_, i) => ({ id: `bench-${i}`, name: `Bench customer ${i}` })),
  );
  for (;;) {
    const [row] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from webhook_deliveries where status <> 'delivered'`,
    );
    if (row?.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${database.kind}: ${events} deliveries by ${instances} instance(s) in ${seconds.toFixed(2)} s = ${Math.round(events / seconds)} deliveries/s (receiver verified ${verified}, rejected ${rejected})`,
  );

  for (const app of apps) await app.close();
  for (const handle of extraHandles) await handle.close();
  await database.close();
  receiver.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
