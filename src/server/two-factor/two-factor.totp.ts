import { and, eq, isNotNull, isNull, lt, or } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import type { TotpSetup } from "../../shared/two-factor.js";
import type { Clock } from "../clock.js";
import type { Executor } from "../db/client.js";
import { totpAuthenticators } from "../db/schema/index.js";

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 seconds. */
const PERIOD_SECONDS = 30;
/** A code of the step before or after now is accepted too (a phone's clock a little off). */
const WINDOW = 1;
function totpFor(secret: string, label = "", issuer = "Uplink") {
  return new TOTP({
    issuer,
    label,
    algorithm: "SHA1",
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/**
 * A new secret for a person's authenticator app, replacing one set up but never confirmed; the
 * app in use (confirmed) stays until the new one is confirmed. Shown as a QR code and as text.
 */
export async function setUpTotp(
  db: Executor,
  clock: Clock,
  user: { id: string; email: string },
  issuerLabel: string,
): Promise<TotpSetup> {
  const secret = new Secret({ size: 20 }).base32;
  const now = clock.now();
  await db
    .insert(totpAuthenticators)
    .values({ userId: user.id, secret, confirmedAt: null, lastUsedStep: null, createdAt: now })
    .onConflictDoUpdate({
      target: totpAuthenticators.userId,
      set: { secret, confirmedAt: null, lastUsedStep: null, createdAt: now },
      // An app in use is removed first (with the password), never replaced by a new secret.
      setWhere: isNull(totpAuthenticators.confirmedAt),
    });
  const otpauthUrl = totpFor(secret, user.email, issuerLabel).toString();
  const svg = await QRCode.toString(otpauthUrl, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return {
    secret: secret.replace(/(.{4})/g, "$1 ").trim(),
    otpauthUrl,
    qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`,
  };
}

/**
 * Checks a code against the person's secret and spends its time step: a code is accepted once, and
 * no code of an earlier step after it (the conditional update makes two concurrent uses of one
 * code one success). `pending`: the app set up but not yet confirmed (enrolment), else the
 * confirmed one (sign-in).
 */
export async function spendTotpCode(
  db: Executor,
  clock: Clock,
  userId: string,
  code: string,
  which: "pending" | "confirmed",
): Promise<boolean> {
  const [row] = await db
    .select()
    .from(totpAuthenticators)
    .where(
      and(
        eq(totpAuthenticators.userId, userId),
        which === "pending" ? isNull(totpAuthenticators.confirmedAt) : isNotNull(totpAuthenticators.confirmedAt),
      ),
    );
  if (!row) return false;
  const timestamp = clock.now().getTime();
  // otpauth compares each candidate code in constant time.
  const delta = totpFor(row.secret).validate({ token: code, timestamp, window: WINDOW });
  if (delta === null) return false;
  const step = Math.floor(timestamp / 1000 / PERIOD_SECONDS) + delta;
  const spent = await db
    .update(totpAuthenticators)
    .set({ lastUsedStep: step, ...(which === "pending" ? { confirmedAt: clock.now() } : {}) })
    .where(
      and(
        eq(totpAuthenticators.userId, userId),
        or(isNull(totpAuthenticators.lastUsedStep), lt(totpAuthenticators.lastUsedStep, step)),
        which === "pending" ? isNull(totpAuthenticators.confirmedAt) : isNotNull(totpAuthenticators.confirmedAt),
      ),
    )
    .returning({ userId: totpAuthenticators.userId });
  return spent.length === 1;
}

export async function hasConfirmedTotp(db: Executor, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ userId: totpAuthenticators.userId })
    .from(totpAuthenticators)
    .where(and(eq(totpAuthenticators.userId, userId), isNotNull(totpAuthenticators.confirmedAt)));
  return row !== undefined;
}

export async function removeTotp(db: Executor, userId: string): Promise<boolean> {
  const deleted = await db
    .delete(totpAuthenticators)
    .where(eq(totpAuthenticators.userId, userId))
    .returning({ confirmedAt: totpAuthenticators.confirmedAt });
  return deleted.some((row) => row.confirmedAt !== null);
}
