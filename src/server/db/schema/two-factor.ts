import { sql } from "drizzle-orm";
import { bigint, boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./users.js";

/**
 * Two-factor sign-in (owned by `two-factor/`, docs/security.md): an authenticator app (TOTP),
 * passkeys, recovery codes, and the short-lived state between a sign-in's password and its
 * second step.
 */

/** One authenticator app per person; `confirmed_at` null while set up but not yet proven by a code. */
export const totpAuthenticators = pgTable("totp_authenticators", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** The RFC 6238 shared secret, base32 (the authenticator app holds the same). */
  secret: text("secret").notNull(),
  confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
  /** The 30-second time step of the last code accepted: a code of that step or an earlier one is refused. */
  lastUsedStep: bigint("last_used_step", { mode: "number" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const passkeys = pgTable(
  "passkeys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The credential id the authenticator chose (base64url). */
    credentialId: text("credential_id").notNull(),
    /** The COSE public key (base64url). */
    publicKey: text("public_key").notNull(),
    /** The authenticator's signature counter (0 for most passkeys, which do not count). */
    counter: bigint("counter", { mode: "number" }).notNull().default(0),
    transports: jsonb("transports").$type<string[]>().notNull().default([]),
    /** Whether the passkey is synced between devices (a password manager's) or bound to one. */
    backedUp: boolean("backed_up").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [
    // A sign-in finds the passkey by the credential id the browser sends; one account per credential.
    uniqueIndex("passkeys_credential_id_key").on(t.credentialId),
    // FK index; Profile lists a person's passkeys.
    index("passkeys_user_id_idx").on(t.userId),
  ],
);

export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** SHA-256 of the code (80 random bits: no slow hash needed against guessing from a leak). */
    codeHash: text("code_hash").notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // FK index; a second step compares the code with the person's unused codes.
  (t) => [index("recovery_codes_user_id_idx").on(t.userId)],
);

/** A sign-in whose password was right and whose second step is awaited: no session yet. */
export const pendingLogins = pgTable(
  "pending_logins",
  {
    /** SHA-256 of the cookie's token. */
    id: text("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    // FK index (deleting a user; a reset ends their pending sign-ins).
    index("pending_logins_user_id_idx").on(t.userId),
    // Each new pending sign-in deletes the expired ones.
    index("pending_logins_expires_at_idx").on(t.expiresAt),
  ],
);

/** A WebAuthn challenge handed to a browser: single use, short-lived, tied to what it was for. */
export const webauthnChallenges = pgTable(
  "webauthn_challenges",
  {
    /** The challenge itself (32 random bytes, base64url), as the browser signs it back. */
    challenge: text("challenge").primaryKey(),
    /** `register` (a new passkey), `second_factor` (after a password) or `passwordless`. */
    purpose: text("purpose").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    pendingLoginId: text("pending_login_id").references(() => pendingLogins.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    // FK indexes (deleting a user or a pending sign-in); most rows have one of the two only.
    index("webauthn_challenges_user_id_idx").on(t.userId).where(sql`${t.userId} is not null`),
    index("webauthn_challenges_pending_login_id_idx").on(t.pendingLoginId).where(sql`${t.pendingLoginId} is not null`),
    // Each new challenge deletes the expired ones.
    index("webauthn_challenges_expires_at_idx").on(t.expiresAt),
  ],
);
