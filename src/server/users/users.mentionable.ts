import { sql } from "drizzle-orm";
import type { MentionableList } from "../../shared/notifications.js";
import { type Executor, queryRows } from "../db/client.js";
import { escapeLike } from "../http/pagination.js";

/**
 * The staff an internal note can mention (the comment box's @ autocomplete): active accounts whose
 * name contains the typed text or whose handle (email before the @) starts with it, by name.
 * Staff are tens: the users table is read as it is.
 */
export async function listMentionableStaff(
  db: Executor,
  query: { q?: string; limit: number },
): Promise<MentionableList> {
  const typed = (query.q ?? "").replace(/^@/, "").trim();
  const like = escapeLike(typed.toLowerCase());
  const rows = await queryRows<{ id: string; name: string; handle: string }>(
    db,
    sql`select id, name, lower(split_part(email, '@', 1)) as handle
          from users
         where active
           and (${typed} = '' or lower(name) like ${`%${like}%`} or lower(split_part(email, '@', 1)) like ${`${like}%`})
         order by lower(name), id
         limit ${query.limit}`,
  );
  return { items: rows };
}
