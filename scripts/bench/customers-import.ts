import { stringify } from "csv-stringify/sync";
import { loadConfig } from "../../src/server/config.js";
import { importCustomersCsv } from "../../src/server/customers/customers.import.js";
import { openPglite, openPostgres } from "../../src/server/db/client.js";
import { runMigrations } from "../../src/server/db/migrate.js";
import { users } from "../../src/server/db/schema/index.js";
import { seedDemoUsers } from "../../src/server/db/seed.js";
import { hashPassword } from "../../src/server/users/users.passwords.js";
import { ManualClock } from "../../test/support/clock.js";

const handle = process.argv[2]
  ? await openPostgres({ connectionString: process.argv[2], poolSize: 2 })
  : await openPglite({});
await runMigrations(handle);
await seedDemoUsers(handle.db, hashPassword);
const [admin] = await handle.db.select().from(users).limit(1);
const lines: string[][] = [["Full Name", "Mobile", "E-mail", "Street", "City", "Connection", "IP", "VLAN", "Status"]];
for (let i = 0; i < 10000; i++) {
  const area = ["201", "212", "312", "415", "617"][i % 5];
  lines.push([
    `Bulk Subscriber ${i}`,
    `(${area}) 200-${String(i).padStart(4, "0")}`,
    `bulk${i}@example.net`,
    `${i} Import Ave`,
    "Bulkville",
    "Fixed Wireless",
    `10.0.${(i >> 8) & 255}.${i & 255}`,
    String((i % 4094) + 1),
    "active",
  ]);
}
const csv = stringify(lines);
const ctx = { db: handle.db, clock: new ManualClock(), config: loadConfig({ DEFAULT_COUNTRY: "US" }) };
for (const dryRun of [true, false, false]) {
  const t0 = performance.now();
  const r = await importCustomersCsv(ctx, { id: admin!.id, ip: "127.0.0.1" }, { csv, dryRun });
  console.log(
    dryRun ? "dry" : "real",
    ((performance.now() - t0) / 1000).toFixed(2),
    "s",
    r.created,
    r.updated,
    r.errors.length,
  );
}
await handle.close();
