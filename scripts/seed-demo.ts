import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../src/server/config.js";
import { runMigrations } from "../src/server/db/migrate.js";
import { openDatabase } from "../src/server/db/open.js";
import { seedDemoUsers } from "../src/server/db/seed.js";
import { hashPassword } from "../src/server/users/users.passwords.js";
import { formatCount, formatDuration } from "./seed-demo/progress.js";
import { DemoDataRefusedError, seedDemo } from "./seed-demo/seed.js";
import { DEMO_SIZES, isDemoSizeName } from "./seed-demo/sizes.js";

const USAGE = `Usage: npm run seed:demo -- --size S|M|L [--force] [--seed N]

Fills the database the app would open (DATABASE_URL / PG* for a server, else DATA_DIR) with a
demo ISP. It replaces customers, tickets, comments, events, SMS logs, sites and plans, and refuses
to touch a database holding customers or tickets it did not create unless --force is given.
  S  ${formatCount(DEMO_SIZES.S.customers)} customers, ${formatCount(DEMO_SIZES.S.tickets)} tickets
  M  ${formatCount(DEMO_SIZES.M.customers)} customers, ${formatCount(DEMO_SIZES.M.tickets)} tickets
  L  ${formatCount(DEMO_SIZES.L.customers)} customers, ${formatCount(DEMO_SIZES.L.tickets)} tickets`;

async function main(): Promise<number> {
  let args: ReturnType<typeof parseOptions>;
  try {
    args = parseOptions();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    return 64;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const size = args.size.toUpperCase();
  if (!isDemoSizeName(size)) {
    console.error(`--size must be S, M or L (got "${args.size}")\n\n${USAGE}`);
    return 64;
  }
  const seed = args.seed === undefined ? undefined : Number(args.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    console.error(`--seed must be a whole number (got "${args.seed}")`);
    return 64;
  }

  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 78;
    }
    throw error;
  }
  const database = await openDatabase(config);
  try {
    console.error(`Database: ${database.description}`);
    await runMigrations(database);
    // As on the app's first start: the demo accounts, so someone can sign in to look at the data.
    if (config.SEED_DEMO_USERS) await seedDemoUsers(database.db, hashPassword);
    const report = await seedDemo(database, {
      size,
      force: args.force,
      seed,
      country: config.DEFAULT_COUNTRY,
      smsFrom: config.TWILIO_PHONE_NUMBER,
    });
    const lines = Object.entries(report.counts).map(
      ([table, n]) => `  ${table.padEnd(16)} ${formatCount(n).padStart(12)}`,
    );
    const total = Object.values(report.counts).reduce((sum, n) => sum + n, 0);
    console.log(
      [
        `Demo data (size ${size}) written in ${formatDuration(report.seconds)} (indexes and foreign keys: ${formatDuration(report.indexSeconds)}; CPU of this process: ${formatDuration(cpuSeconds())}):`,
        ...lines,
        `  ${"total".padEnd(16)} ${formatCount(total).padStart(12)}`,
        `Technicians sign in with password "${report.technicianPassword}", e.g. ${report.technicianEmails.slice(0, 3).join(", ")}.`,
        "Existing accounts (admin@isp.com, john@isp.com, jane@isp.com …) keep their passwords and got tickets too.",
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    if (error instanceof DemoDataRefusedError) {
      console.error(`\nRefused: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    await database.close();
  }
}

const cpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

function parseOptions() {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "S" },
      force: { type: "boolean", default: false },
      seed: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  return values as { size: string; force: boolean; seed?: string; help: boolean };
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error("seed:demo failed:", error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
