import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, twilioConfigured, usesServerDatabase } from "../../src/server/config.js";
import { runMain } from "./main-process.js";

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe("configuration from the environment", () => {
  it("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 5000,
      HOST: "0.0.0.0",
      DATA_DIR: "./data",
      SEED_DEMO_USERS: true,
      DEFAULT_COUNTRY: "US",
      TWILIO_API_BASE_URL: "https://api.twilio.com",
      LOG_LEVEL: "info",
    });
    expect(usesServerDatabase(config)).toBe(false);
    expect(twilioConfigured(config)).toBe(false);
  });

  it("reads what is set, and treats empty values as unset", () => {
    const config = loadConfig({
      PORT: "8080",
      DATABASE_URL: "postgresql://app:secret@db.internal:5433/uplink",
      SEED_DEMO_USERS: "false",
      DEFAULT_COUNTRY: "gb",
      PUBLIC_URL: "https://crm.example.net/",
      HOST: "",
    });
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: "0.0.0.0",
      SEED_DEMO_USERS: false,
      DEFAULT_COUNTRY: "GB",
      PUBLIC_URL: "https://crm.example.net",
    });
    expect(usesServerDatabase(config)).toBe(true);
    expect(usesServerDatabase(loadConfig({ PGHOST: "db.internal" }))).toBe(true);
  });

  it.each([
    [{ PORT: "abc" }, "Invalid configuration: PORT must be a number"],
    [{ PORT: "70000" }, "Invalid configuration: PORT must be 0–65535"],
    [
      { DATABASE_URL: "mysql://root@localhost/uplink" },
      "Invalid configuration: DATABASE_URL must start with postgres:// or postgresql://",
    ],
    [{ DEFAULT_COUNTRY: "USA" }, "Invalid configuration: DEFAULT_COUNTRY must be a two-letter country code such as US"],
    [{ DEFAULT_COUNTRY: "XX" }, "Invalid configuration: DEFAULT_COUNTRY must be a two-letter country code such as US"],
    [{ SEED_DEMO_USERS: "maybe" }, "Invalid configuration: SEED_DEMO_USERS must be true or false"],
    [{ PUBLIC_URL: "ftp://files.example.net" }, "Invalid configuration: PUBLIC_URL must be an http:// or https:// URL"],
    [
      { TWILIO_ACCOUNT_SID: "AC123" },
      "Invalid configuration: TWILIO_AUTH_TOKEN is missing while TWILIO_ACCOUNT_SID is set: set all three Twilio variables, or none; TWILIO_PHONE_NUMBER is missing while TWILIO_ACCOUNT_SID is set: set all three Twilio variables, or none",
    ],
  ])("refuses %o with one line naming the variable", (env, message) => {
    const text = configError(env);
    expect(text).toBe(message);
    expect(text).not.toContain("\n");
  });

  it("says Twilio is configured only when all three variables are set", () => {
    const twilio = { TWILIO_ACCOUNT_SID: "AC1", TWILIO_AUTH_TOKEN: "t", TWILIO_PHONE_NUMBER: "+15005550006" };
    expect(twilioConfigured(loadConfig(twilio))).toBe(true);
    expect(configError({ ...twilio, TWILIO_PHONE_NUMBER: "" })).toMatch(
      /^Invalid configuration: TWILIO_PHONE_NUMBER is missing/,
    );
  });

  it("stops the process with exit code 1 and one line on stderr", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "uplink-config-"));
    try {
      for (const [env, line] of [
        [{ PORT: "abc" }, "Invalid configuration: PORT must be a number"],
        [
          { DATABASE_URL: "mysql://root@localhost/uplink" },
          "Invalid configuration: DATABASE_URL must start with postgres:// or postgresql://",
        ],
      ] as const) {
        const result = await runMain({ ...env, DATA_DIR: dataDir });
        expect(result.code).toBe(1);
        expect(result.stderr.trim().split("\n")).toEqual([line]);
        expect(result.stdout).toBe("");
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
