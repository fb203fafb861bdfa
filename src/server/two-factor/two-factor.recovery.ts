import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { RECOVERY_CODE_COUNT } from "../../shared/two-factor.js";
import { safeEqual, sha256 } from "../auth/tokens.js";
import type { Clock } from "../clock.js";
import type { Executor } from "../db/client.js";
import { recoveryCodes } from "../db/schema/index.js";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** 80 random bits as 16 base32 characters (every 5 bits one character). */
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let code = "";
  for (let i = 15; i >= 0; i--) code += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  return code;
}

/** How a code is shown: abcd-efgh-ijkl-mnop. */
const formatCode = (code: string) => code.replace(/(.{4})(?!$)/g, "$1-");

/**
 * Ten new recovery codes, replacing any the person had; returned once, stored only as hashes.
 * SHA-256 suffices: each code has 80 random bits, beyond guessing even from a leaked table.
 */
export async function replaceRecoveryCodes(db: Executor, clock: Clock, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await db
    .insert(recoveryCodes)
    .values(codes.map((code) => ({ userId, codeHash: sha256(code), createdAt: clock.now() })));
  return codes.map(formatCode);
}

/**
 * Spends one recovery code (normalised: no dashes, lower case). Every unused code of the person is
 * compared, each in constant time, so the time taken tells nothing of which came close; the
 * conditional update makes two concurrent uses of one code one success.
 */
export async function spendRecoveryCode(db: Executor, clock: Clock, userId: string, code: string): Promise<boolean> {
  const unused = await db
    .select({ id: recoveryCodes.id, codeHash: recoveryCodes.codeHash })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  const hash = sha256(code);
  let match: string | undefined;
  for (const row of unused) {
    if (safeEqual(row.codeHash, hash)) match = row.id;
  }
  if (!match) return false;
  const spent = await db
    .update(recoveryCodes)
    .set({ usedAt: clock.now() })
    .where(and(eq(recoveryCodes.id, match), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id });
  return spent.length === 1;
}

export async function countUnusedRecoveryCodes(db: Executor, userId: string): Promise<number> {
  const rows = await db
    .select({ id: recoveryCodes.id })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return rows.length;
}

export async function removeRecoveryCodes(db: Executor, userId: string): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}
