import { z } from "zod";
import { AppError } from "./errors.js";

export const ZLimit = z.coerce
  .number({ error: "limit must be a number" })
  .int("limit must be a whole number")
  .min(1, "limit must be between 1 and 200")
  .max(200, "limit must be between 1 and 200")
  .default(50);

/** Opaque keyset cursor: the sort key values of the last row, base64url JSON. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values), "utf8").toString("base64url");
}

export function decodeCursor<T extends unknown[]>(cursor: string | undefined, shape: z.ZodType<T>): T | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    const result = shape.safeParse(parsed);
    if (result.success) return result.data;
  } catch {
    // fall through: a cursor we did not write
  }
  throw new AppError(400, "request.cursor_invalid", "The cursor is not valid. Start again from the first page.", {
    errors: [{ field: "cursor", message: "is not a cursor this list handed out" }],
  });
}

/** Escapes LIKE wildcards so a user's `%` or `_` matches itself. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
