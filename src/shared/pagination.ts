import { z } from "zod";

/** `limit` of every list: 1–200, 50 when left out. */
export const ZLimit = z.coerce
  .number({ error: "limit must be a number" })
  .int("limit must be a whole number")
  .min(1, "limit must be between 1 and 200")
  .max(200, "limit must be between 1 and 200")
  .default(50);

/**
 * A cursor as a query parameter. Room for the longest one a list hands out: a 200-character name
 * in JSON (up to 6 bytes a character, as \u0001) and an id, in base64 (a third longer).
 */
export const ZCursor = z.string().max(4_096, "cursor is not one this list handed out");

/** The page part of every list's query: `limit` and the `cursor` the previous page handed out. */
export const ZPageQuery = z.object({ limit: ZLimit, cursor: ZCursor.optional() });
export type PageQuery = z.infer<typeof ZPageQuery>;

/** The search box of a list. */
export const ZSearchText = z.string().trim().max(200, "q must be at most 200 characters");

/** `true`/`false` in a query string, as a boolean. */
export const ZBooleanParam = (name: string) =>
  z.enum(["true", "false"], { error: `${name} must be true or false` }).transform((value) => value === "true");

/** A page of any list: its items and the cursor of the next page (null on the last). */
export const ZPage = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** The lists of staff, service plans and sites: a page, a search and the active filter. */
export const ZNamedListQuery = ZPageQuery.extend({
  q: ZSearchText.optional(),
  active: ZBooleanParam("active").optional(),
});
export type NamedListQuery = z.infer<typeof ZNamedListQuery>;
