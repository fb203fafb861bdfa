/**
 * `npm run user:create -- --email ops@example.net --role admin [--name "Ops Admin"] [--password …]`:
 * creates a staff account for scripted installs, on the database the app's configuration names
 * (DATA_DIR for the embedded database, DATABASE_URL or PG* for a server). Runs the migrations
 * first, so it works on a fresh install before the first start.
 *
 * The password: `--password`, else the UPLINK_PASSWORD environment variable, else a prompt when
 * stdin is a terminal. It must follow the app's password rule (at least 10 characters).
 *
 * Exit codes: 0 created; 1 failed (database unreachable, the embedded database is in use);
 * 2 bad arguments or a password/email the rules refuse; 3 the email belongs to another account.
 */
import { parseArgs } from "node:util";
import { eq } from "drizzle-orm";
import { SETUP_SETTING_KEY } from "../src/server/auth/setup.service.js";
import { systemClock } from "../src/server/clock.js";
import { ConfigError, loadConfig } from "../src/server/config.js";
import { SYSTEM_ACTOR } from "../src/server/context.js";
import { runMigrations } from "../src/server/db/migrate.js";
import { DataDirDamagedError, DataDirInUseError, openDatabase } from "../src/server/db/open.js";
import { settings } from "../src/server/db/schema/index.js";
import { AppError } from "../src/server/http/errors.js";
import { createUser } from "../src/server/users/users.service.js";
import { USER_ROLES } from "../src/shared/enums.js";
import { ZCreateUser } from "../src/shared/users.js";

const USAGE = `Usage: npm run user:create -- --email <email> --role <${USER_ROLES.join("|")}> [--name <name>] [--password <password>]

The password comes from --password, else UPLINK_PASSWORD, else a prompt (when run in a terminal).
It must be at least 10 characters long.`;

class UsageError extends Error {}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stdout.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n" || char === "\u0004") {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off("data", onData);
          process.stdout.write("\n");
          resolve(value);
          return;
        }
        if (char === "\u0003") {
          stdin.setRawMode(false);
          process.stdout.write("\n");
          reject(new UsageError("Cancelled."));
          return;
        }
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on("data", onData);
  });
}

async function passwordFrom(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const fromEnv = process.env.UPLINK_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!process.stdin.isTTY) {
    throw new UsageError("No password: pass --password, set UPLINK_PASSWORD, or run in a terminal to be asked.");
  }
  const first = await promptHidden("Password (at least 10 characters): ");
  const second = await promptHidden("Same password again: ");
  if (first !== second) throw new UsageError("The two passwords differ; nothing was created.");
  return first;
}

async function main(): Promise<number> {
  let values: { email?: string; role?: string; name?: string; password?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        email: { type: "string" },
        role: { type: "string" },
        name: { type: "string" },
        password: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.email || !values.role) throw new UsageError(`--email and --role are required.\n\n${USAGE}`);
  const password = await passwordFrom(values.password);
  const parsed = ZCreateUser.safeParse({
    name: values.name ?? values.email.split("@")[0],
    email: values.email,
    role: values.role,
    password,
  });
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("\n"));
  }

  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    await runMigrations(database);
    const ctx = { db: database.db, clock: systemClock, config };
    const user = await createUser(ctx, SYSTEM_ACTOR, parsed.data);
    // With an admin in place, any first-run setup link printed earlier has no more use.
    if (user.role === "admin") await database.db.delete(settings).where(eq(settings.key, SETUP_SETTING_KEY));
    console.log(`Created ${user.role} ${user.name} <${user.email}> on ${database.description}. They can sign in now.`);
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    if (error instanceof AppError && error.code === "user.email_taken") {
      console.error("Another staff account already uses this email address; nothing was created.");
      process.exit(3);
    }
    if (error instanceof AppError) {
      console.error(error.message);
      process.exit(2);
    }
    if (error instanceof ConfigError || error instanceof DataDirInUseError || error instanceof DataDirDamagedError) {
      console.error(error.message);
    } else {
      console.error("Creating the account failed:", error instanceof Error ? error.message : error);
    }
    process.exit(1);
  },
);
