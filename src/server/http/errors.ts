/**
 * The one error type services throw. `code` is stable and dotted (`ticket.not_found`), `status`
 * the HTTP status, `message` a sentence a person can act on. `extra` lands in the problem body.
 */
export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (code: string, what: string) =>
  new AppError(404, code, `${what} was not found. It may have been removed, or the link is wrong.`);

export const forbidden = (message = "Your role does not allow this action.") =>
  new AppError(403, "auth.forbidden", message);

/** A single field's validation failure, reported like zod's so the UI shows it on the field. */
export const fieldError = (code: string, field: string, message: string, status = 422) =>
  new AppError(status, code, message, { errors: [{ field, message }] });

/** Postgres error codes we expect and translate; anything else is a 500 kept in the log. */
export const PG_UNIQUE_VIOLATION = "23505";
export const PG_FOREIGN_KEY_VIOLATION = "23503";

export function pgErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // Drizzle wraps driver errors; the code sits on the cause.
  for (let depth = 0; depth < 4 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
