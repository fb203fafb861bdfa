import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { and, asc, eq, lt } from "drizzle-orm";
import type { AddPasskey, Passkey, PasskeyAssertion } from "../../shared/two-factor.js";
import type { Clock } from "../clock.js";
import { MINUTE } from "../clock.js";
import type { Executor } from "../db/client.js";
import { passkeys, users, webauthnChallenges } from "../db/schema/index.js";
import { AppError } from "../http/errors.js";

/** Where passkeys are bound: the site's host name (RP ID) and the origin the browser must report. */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

/** How long a browser has to answer a challenge (the authenticator's own prompt waits about as long). */
const CHALLENGE_TTL_MS = 5 * MINUTE;

type ChallengePurpose = "register" | "second_factor" | "passwordless";

const TRANSPORTS = new Set(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);
/** How the browser may reach a passkey (USB, NFC, the platform…): only the names WebAuthn knows are kept. */
const knownTransports = (transports: readonly string[] | undefined) =>
  (transports ?? []).filter((transport) => TRANSPORTS.has(transport));

/** Options as the API answers them: plain JSON for @simplewebauthn/browser. */
export type WebAuthnOptionsJson = Record<string, unknown>;

export function toPasskey(row: typeof passkeys.$inferSelect): Passkey {
  return {
    id: row.id,
    name: row.name,
    backedUp: row.backedUp,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

export async function listPasskeys(db: Executor, userId: string): Promise<Passkey[]> {
  const rows = await db
    .select()
    .from(passkeys)
    .where(eq(passkeys.userId, userId))
    .orderBy(asc(passkeys.createdAt), asc(passkeys.id));
  return rows.map(toPasskey);
}

async function storeChallenge(
  db: Executor,
  clock: Clock,
  challenge: string,
  purpose: ChallengePurpose,
  owner: { userId?: string; pendingLoginId?: string },
): Promise<void> {
  const now = clock.now();
  await db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, now));
  await db.insert(webauthnChallenges).values({
    challenge,
    purpose,
    userId: owner.userId ?? null,
    pendingLoginId: owner.pendingLoginId ?? null,
    expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
  });
}

/** The challenge the browser signed, read from its client data (verified against it after). */
function challengeOf(clientDataJSON: string): string {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8")) as { challenge?: unknown };
    if (typeof data.challenge === "string" && data.challenge.length <= 200) return data.challenge;
  } catch {
    // Falls through to the refusal below.
  }
  throw passkeyRefused();
}

/**
 * Spends a challenge: it must exist, be unexpired and be for this purpose and owner; deleted
 * whatever the outcome, so a signed answer cannot be replayed.
 */
async function consumeChallenge(
  db: Executor,
  clock: Clock,
  challenge: string,
  purpose: ChallengePurpose,
  owner: { userId?: string; pendingLoginId?: string },
): Promise<void> {
  const [row] = await db.delete(webauthnChallenges).where(eq(webauthnChallenges.challenge, challenge)).returning();
  const ok =
    row !== undefined &&
    row.purpose === purpose &&
    row.expiresAt.getTime() > clock.now().getTime() &&
    (owner.userId === undefined || row.userId === owner.userId) &&
    (owner.pendingLoginId === undefined || row.pendingLoginId === owner.pendingLoginId);
  if (!ok) {
    throw new AppError(
      400,
      "two_factor.passkey_challenge_expired",
      "This passkey request has expired or was already used: try again.",
    );
  }
}

export const passkeyRefused = () =>
  new AppError(401, "two_factor.passkey_refused", "The passkey could not be verified. Try again, or use another way.");

/** Options for navigator.credentials.create(): a discoverable passkey, so it can sign in without a password. */
export async function passkeyRegistrationOptions(
  db: Executor,
  clock: Clock,
  rp: RelyingParty,
  user: { id: string; email: string; name: string },
): Promise<WebAuthnOptionsJson> {
  const existing = await db
    .select({ credentialId: passkeys.credentialId, transports: passkeys.transports })
    .from(passkeys)
    .where(eq(passkeys.userId, user.id));
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name,
    // The user handle a discoverable passkey hands back: the account's id, no personal data.
    userID: new TextEncoder().encode(user.id),
    attestationType: "none",
    excludeCredentials: existing.map((row) => ({ id: row.credentialId, transports: knownTransports(row.transports) })),
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(db, clock, options.challenge, "register", { userId: user.id });
  return { ...options };
}

/** Verifies the browser's new passkey against the challenge and stores it under the person. */
export async function registerPasskey(
  db: Executor,
  clock: Clock,
  rp: RelyingParty,
  userId: string,
  input: AddPasskey,
): Promise<Passkey> {
  const challenge = challengeOf(input.response.response.clientDataJSON);
  await consumeChallenge(db, clock, challenge, "register", { userId });
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response: {
        ...input.response,
        response: { ...input.response.response, transports: knownTransports(input.response.response.transports) },
      },
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch (error) {
    throw new AppError(
      422,
      "two_factor.passkey_invalid",
      `The passkey could not be registered: ${(error as Error).message}`,
    );
  }
  if (!verification.verified) {
    throw new AppError(422, "two_factor.passkey_invalid", "The passkey could not be registered: try again.");
  }
  const { credential, credentialBackedUp } = verification.registrationInfo;
  const [taken] = await db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.credentialId, credential.id));
  if (taken) throw new AppError(409, "two_factor.passkey_exists", "This passkey is already registered.");
  const [row] = await db
    .insert(passkeys)
    .values({
      userId,
      name: input.name,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString("base64url"),
      counter: credential.counter,
      transports: knownTransports(credential.transports),
      backedUp: credentialBackedUp,
      createdAt: clock.now(),
    })
    .returning();
  if (!row) throw new Error("the passkey was not stored");
  return toPasskey(row);
}

/**
 * Options for navigator.credentials.get(): after a password, the person's own passkeys; for a
 * password-less sign-in, none named (the browser offers the discoverable passkeys it has for this site).
 */
export async function passkeySignInOptions(
  db: Executor,
  clock: Clock,
  rp: RelyingParty,
  owner: { userId: string; pendingLoginId: string } | null,
): Promise<WebAuthnOptionsJson> {
  const allowed = owner
    ? await db
        .select({ credentialId: passkeys.credentialId, transports: passkeys.transports })
        .from(passkeys)
        .where(eq(passkeys.userId, owner.userId))
    : [];
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: allowed.map((row) => ({ id: row.credentialId, transports: knownTransports(row.transports) })),
    // Password-less, the passkey is both factors: the authenticator must verify the person (PIN, biometrics).
    userVerification: owner ? "preferred" : "required",
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(
    db,
    clock,
    options.challenge,
    owner ? "second_factor" : "passwordless",
    owner ? { pendingLoginId: owner.pendingLoginId } : {},
  );
  return { ...options };
}

/**
 * Verifies a passkey's signature over its challenge; answers the passkey's user. `owner` set: the
 * second step of a pending sign-in, and the passkey must be that person's.
 */
export async function verifyPasskeyAssertion(
  db: Executor,
  clock: Clock,
  rp: RelyingParty,
  assertion: PasskeyAssertion,
  owner: { userId: string; pendingLoginId: string } | null,
): Promise<{ user: typeof users.$inferSelect; passkeyId: string } | { user: null; credentialUserId: string | null }> {
  const challenge = challengeOf(assertion.response.clientDataJSON);
  await consumeChallenge(
    db,
    clock,
    challenge,
    owner ? "second_factor" : "passwordless",
    owner ? { pendingLoginId: owner.pendingLoginId } : {},
  );
  const [row] = await db
    .select({ passkey: passkeys, user: users })
    .from(passkeys)
    .innerJoin(users, eq(users.id, passkeys.userId))
    .where(eq(passkeys.credentialId, assertion.id))
    .limit(1);
  if (!row || (owner && row.user.id !== owner.userId)) return { user: null, credentialUserId: row?.user.id ?? null };
  let verified = false;
  let newCounter = row.passkey.counter;
  try {
    const result = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: row.passkey.credentialId,
        publicKey: new Uint8Array(Buffer.from(row.passkey.publicKey, "base64url")),
        counter: row.passkey.counter,
        transports: knownTransports(row.passkey.transports),
      },
      requireUserVerification: owner === null,
    });
    verified = result.verified;
    newCounter = result.authenticationInfo.newCounter;
  } catch {
    verified = false;
  }
  if (!verified) return { user: null, credentialUserId: row.user.id };
  await db
    .update(passkeys)
    .set({ counter: newCounter, lastUsedAt: clock.now() })
    .where(eq(passkeys.id, row.passkey.id));
  return { user: row.user, passkeyId: row.passkey.id };
}

export async function removePasskey(db: Executor, userId: string, passkeyId: string): Promise<Passkey | undefined> {
  const [row] = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, passkeyId), eq(passkeys.userId, userId)))
    .returning();
  return row ? toPasskey(row) : undefined;
}

export async function removeAllPasskeys(db: Executor, userId: string): Promise<number> {
  const deleted = await db.delete(passkeys).where(eq(passkeys.userId, userId)).returning({ id: passkeys.id });
  return deleted.length;
}
