import ipaddr from "ipaddr.js";
import { isSupportedCountry } from "libphonenumber-js";
import { z } from "zod";

const booleanFromEnv = z
  .enum(["true", "false", "1", "0", "yes", "no"], {
    error: "must be true or false",
  })
  .transform((value) => value === "true" || value === "1" || value === "yes");

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

/** A retention in whole days, 1 to 3650 (ten years). */
const retentionDays = (fallback: number) =>
  z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ error: "must be a number of days" })
      .int("must be a whole number of days")
      .min(1, "must be at least 1 day")
      .max(3650, "must be at most 3650 days")
      .default(fallback),
  );

const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());

const ConfigSchema = z
  .object({
    NODE_ENV: z.preprocess(emptyAsUndefined, z.enum(["development", "production", "test"]).default("development")),
    PORT: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be a number" })
        .int("must be a whole number")
        .min(0, "must be 0–65535")
        .max(65535, "must be 0–65535")
        .default(5000),
    ),
    HOST: z.preprocess(emptyAsUndefined, z.string().default("0.0.0.0")),
    DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default("./data")),
    DATABASE_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
        .optional(),
    ),
    PGHOST: optionalString,
    PGPORT: z.preprocess(
      emptyAsUndefined,
      z.coerce.number({ error: "must be a number" }).int().min(1).max(65535).optional(),
    ),
    PGUSER: optionalString,
    PGPASSWORD: optionalString,
    PGDATABASE: optionalString,
    DATABASE_POOL_SIZE: z.preprocess(
      emptyAsUndefined,
      z.coerce.number({ error: "must be a number" }).int().min(1).max(200).default(10),
    ),
    // App worker processes behind one port (server database only; the embedded database is one
    // process's): default, the machine's cores. DATABASE_POOL_SIZE is shared out among them.
    WEB_CONCURRENCY: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be a number of processes" })
        .int("must be a whole number")
        .min(1, "must be at least 1")
        .max(64, "must be at most 64")
        .optional(),
    ),
    /**
     * The embedded database on a worker thread of the app (`npm start`): PostgreSQL and HTTP then
     * use two cores. Scripts (backup, seed) keep PGlite in their own thread.
     */
    PGLITE_WORKER: z.preprocess(emptyAsUndefined, booleanFromEnv.default(true)),
    // How long the dashboard's aggregates are reused while no ticket changed (0: never reused).
    DASHBOARD_CACHE_SECONDS: z.preprocess(
      emptyAsUndefined,
      z.coerce.number({ error: "must be a number of seconds" }).int().min(0).max(3600).default(30),
    ),
    /** Requests per minute one API token may make (fixed window, counted in the database). */
    API_TOKEN_RATE_LIMIT: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be a number of requests per minute" })
        .int()
        .min(1, "must be at least 1")
        .max(100_000, "must be at most 100000")
        .default(600),
    ),
    PUBLIC_URL: z.preprocess(
      emptyAsUndefined,
      z
        .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
        .transform((url) => url.replace(/\/+$/, ""))
        .optional(),
    ),
    TRUST_PROXY: z.preprocess(emptyAsUndefined, z.string().optional()),
    /**
     * Who must sign in with a second factor (docs/security.md): off, admins or all. Set, it decides
     * and Settings → Staff only shows it; unset, admins choose there (default off).
     */
    REQUIRE_2FA: z.preprocess(
      emptyAsUndefined,
      z.enum(["off", "admins", "all"], { error: "must be off, admins or all" }).optional(),
    ),
    SEED_DEMO_USERS: z.preprocess(emptyAsUndefined, booleanFromEnv.default(true)),
    DEFAULT_COUNTRY: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .transform((value) => value.toUpperCase())
        // Phones are parsed with it: a code the phone library does not know would reject every number.
        .refine(isSupportedCountry, "must be a two-letter country code such as US")
        .default("US"),
    ),
    // The ISP's zone: SLA business hours and holidays are read in it unless the SLA settings name one.
    TIME_ZONE: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .refine((name) => {
          try {
            new Intl.DateTimeFormat("en-US", { timeZone: name });
            return true;
          } catch {
            return false;
          }
        }, "must be a time zone name such as America/Chicago")
        .default("UTC"),
    ),
    /** The hour (0–23, in TIME_ZONE) the evening before a visit when its reminder SMS goes out. */
    VISIT_REMINDER_HOUR: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be an hour from 0 to 23" })
        .int("must be a whole hour from 0 to 23")
        .min(0, "must be an hour from 0 to 23")
        .max(23, "must be an hour from 0 to 23")
        .default(18),
    ),
    /**
     * The incident map's background tiles: an {z}/{x}/{y} URL template ({s} for a subdomain), or
     * "none" for markers on a blank background (nothing leaves for a tile server). The browser
     * fetches them, so their origin joins the page's img-src.
     */
    MAP_TILE_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .refine(
          (value) =>
            value === "none" ||
            (/^https?:\/\/(\{s\}\.)?[A-Za-z0-9.-]+(:\d{1,5})?\/\S*$/.test(value) &&
              ["{z}", "{x}", "{y}"].every((part) => value.includes(part))),
          'must be an http(s) URL template with {z}, {x} and {y} (such as https://tile.openstreetmap.org/{z}/{x}/{y}.png; {s} only as the first part of the host), or "none"',
        )
        .default("https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
    ),
    /** The credit the tile provider asks for, shown in the map's corner. */
    MAP_TILE_ATTRIBUTION: z.preprocess(emptyAsUndefined, z.string().max(300).default("© OpenStreetMap contributors")),
    /**
     * The bearer token Prometheus sends to GET /metrics (docs/operations.md); unset, /metrics
     * answers 404. Long enough that guessing it is hopeless.
     */
    METRICS_TOKEN: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .min(24, "must be at least 24 characters (openssl rand -hex 32 makes a good one)")
        .max(512, "must be at most 512 characters")
        .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
        .optional(),
    ),
    LOG_LEVEL: z.preprocess(
      emptyAsUndefined,
      z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    ),
    TWILIO_ACCOUNT_SID: optionalString,
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_PHONE_NUMBER: optionalString,
    TWILIO_API_BASE_URL: z.preprocess(
      emptyAsUndefined,
      z
        .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
        .transform((url) => url.replace(/\/+$/, ""))
        .default("https://api.twilio.com"),
    ),
    /** The first SMS retry's delay; each further one doubles it (capped at 32 min). Fractions allowed. */
    SMS_RETRY_BASE_SECONDS: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be a number of seconds" })
        .min(0.1, "must be at least 0.1 seconds")
        .max(3600, "must be at most 3600 seconds")
        .default(30),
    ),
    /**
     * How long a claimed SMS belongs to the instance that claimed it; after that another instance
     * sends it again. Longer than the 15 s send timeout, or a slow but live instance is overtaken.
     */
    SMS_LEASE_SECONDS: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be a number of seconds" })
        .int("must be a whole number of seconds")
        .min(20, "must be at least 20 seconds (longer than the 15 s send timeout)")
        .max(3600, "must be at most 3600 seconds")
        .default(120),
    ),
    /**
     * Outgoing SMS per second, all instances together (the dispatchers share one token bucket in
     * the database). 1 is Twilio's rate for a long code; a short code or toll-free number allows more.
     */
    SMS_RATE_PER_SECOND: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be a number of messages per second" })
        .min(0.01, "must be at least 0.01 messages per second")
        .max(1000, "must be at most 1000 messages per second")
        .default(1),
    ),
    /**
     * Addresses and CIDRs (comma-separated) webhooks may be delivered to although they are loopback,
     * private, link-local, CGNAT or metadata addresses (see docs/webhooks.md). Empty: none.
     */
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .transform((value) =>
          value
            .split(",")
            .map((entry) => entry.trim())
            .filter((entry) => entry !== ""),
        )
        .superRefine((entries, ctx) => {
          for (const entry of entries) {
            if (!ipaddr.isValid(entry) && !ipaddr.isValidCIDR(entry)) {
              ctx.addIssue({
                code: "custom",
                message: `has ${entry}, which is no IP address or CIDR (such as 10.0.0.0/8)`,
              });
            }
          }
        })
        .default([]),
    ),
    /** How long a webhook delivery may take before it counts as failed (and is retried). */
    WEBHOOK_TIMEOUT_SECONDS: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be a number of seconds" })
        .min(0.05, "must be at least 0.05 seconds")
        .max(60, "must be at most 60 seconds")
        .default(10),
    ),
    /** Delivered and failed webhook deliveries (and their attempts and events) are deleted after this many days. */
    WEBHOOK_LOG_RETENTION_DAYS: retentionDays(30),
    /**
     * How often an idle live stream (GET /api/events) gets a heartbeat, so proxies keep it open and
     * a client notices a dead connection within two of them (docs/live.md).
     */
    LIVE_HEARTBEAT_SECONDS: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be a number of seconds" })
        .min(0.05, "must be at least 0.05 seconds")
        .max(300, "must be at most 300 seconds")
        .default(20),
    ),
    /** An outage is suggested when this many no-service/intermittent tickets of one site… */
    OUTAGE_SUGGESTION_TICKETS: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be a number of tickets" })
        .int("must be a whole number of tickets")
        .min(2, "must be at least 2 tickets")
        .max(1000, "must be at most 1000 tickets")
        .default(3),
    ),
    /** …open within this many minutes (docs/incidents.md). */
    OUTAGE_SUGGESTION_MINUTES: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ error: "must be a number of minutes" })
        .int("must be a whole number of minutes")
        .min(1, "must be at least 1 minute")
        .max(1440, "must be at most 1440 minutes (a day)")
        .default(15),
    ),
    /** Where backups are written (docs/operations.md). */
    BACKUP_DIR: z.preprocess(emptyAsUndefined, z.string().default("./backups")),
    /**
     * When the app backs up on its own: `off`, `hourly` or `daily@HH:MM` (in TIME_ZONE). Unset: daily
     * at 02:00 on the embedded database, off on a server (whose backups are usually the DBA's).
     */
    BACKUP_SCHEDULE: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(
          /^(off|hourly|daily@([01]\d|2[0-3]):[0-5]\d)$/,
          "must be off, hourly or daily@HH:MM (such as daily@02:00, in TIME_ZONE)",
        )
        .optional(),
    ),
    /** Backups older than this many days are deleted after each backup (the newest is always kept). */
    BACKUP_KEEP: retentionDays(14),
    /** The alert label that names the network site (by name or id) in Alertmanager's alerts. */
    ALERTMANAGER_SITE_LABEL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name such as site")
        .default("site"),
    ),
  })
  .superRefine((config, ctx) => {
    const twilio = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_PHONE_NUMBER"] as const;
    const set = twilio.filter((key) => config[key] !== undefined);
    if (set.length > 0 && set.length < twilio.length) {
      for (const key of twilio.filter((k) => config[k] === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `is missing while ${set.join(", ")} ${set.length === 1 ? "is" : "are"} set: set all three Twilio variables, or none`,
        });
      }
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment once; a bad value becomes one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = issue.path.join(".") || "environment";
      return `${name} ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${lines.join("; ")}`);
  }
  return result.data;
}

export function usesServerDatabase(config: Config): boolean {
  return config.DATABASE_URL !== undefined || config.PGHOST !== undefined || config.PGDATABASE !== undefined;
}

/** The Content-Security-Policy source the map's tiles come from ({s}. becomes *.), or null without tiles. */
export function mapTileSource(config: Config): string | null {
  if (config.MAP_TILE_URL === "none") return null;
  const origin = /^https?:\/\/[^/]+/.exec(config.MAP_TILE_URL)?.[0];
  return origin ? origin.replace("{s}.", "*.") : null;
}

export function twilioConfigured(config: Config): boolean {
  return (
    config.TWILIO_ACCOUNT_SID !== undefined &&
    config.TWILIO_AUTH_TOKEN !== undefined &&
    config.TWILIO_PHONE_NUMBER !== undefined
  );
}
