import { z } from "zod";
import { AppError } from "./errors.js";

/** Opaque keyset cursor: the sort key values of the last row, base64url JSON. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values), "utf8").toString("base64url");
}

export function decodeCursor<T extends unknown[]>(cursor: string | undefined, shape: z.ZodType<T>): T | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    // PostgreSQL text cannot hold U+0000, and the request's own NUL check never sees inside the base64.
    const holdsNul =
      Array.isArray(parsed) && parsed.some((value) => typeof value === "string" && value.includes("\u0000"));
    const result = shape.safeParse(parsed);
    if (result.success && !holdsNul) return result.data;
  } catch {
    // fall through: a cursor we did not write
  }
  throw new AppError(400, "request.cursor_invalid", "The cursor is not valid. Start again from the first page.", {
    errors: [{ field: "cursor", message: "is not a cursor this list handed out" }],
  });
}

/**
 * A cursor value that PostgreSQL will read back as a timestamptz: its own text output
 * ("2026-03-31 08:15:00.123+00", or "infinity") or ISO 8601, naming a real date and time. A
 * forged one gets the cursor's 400, not a database error.
 */
export const ZCursorTimestamp = z.string().max(40).refine(isTimestampText);

function isTimestampText(value: string): boolean {
  if (value === "infinity" || value === "-infinity") return true;
  const match =
    /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/.exec(
      value,
    );
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    year >= 1000 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    // PostgreSQL takes a UTC offset up to 15:59:59 ("-23:59" is a displacement out of range).
    Number(match[9] ?? 0) <= 15 &&
    Number(match[10] ?? 0) < 60 &&
    Number(match[11] ?? 0) < 60
  );
}

/** Escapes LIKE wildcards so a user's `%` or `_` matches itself. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
