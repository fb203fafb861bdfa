import { sql } from "drizzle-orm";
import { queryRows } from "../db/client.js";
import type { LiveRow, LiveSelection, LiveSourceReader } from "../live/live.sources.js";

/**
 * How the live stream (docs/live.md) reads notifications: the rows a NOTIFY named, or those after
 * a cursor on a resume. Each goes only to the stream of its `userId`. A replay walks the primary
 * key from the cursor, so it reads the notifications written since the stream dropped, not the
 * table.
 */
function selecting(selection: LiveSelection) {
  if ("ids" in selection) return sql`n.id = any(${`{${selection.ids.join(",")}}`}::bigint[]) order by n.id`;
  if ("range" in selection) return sql`n.id between ${selection.range[0]} and ${selection.range[1]} order by n.id`;
  return sql`n.id > ${selection.after} order by n.id limit ${selection.limit}`;
}

export const notificationLiveSource: LiveSourceReader = {
  async read(db, selection) {
    const rows = await queryRows<{
      id: string | number;
      user_id: string;
      kind: string;
      title: string;
      body: string;
      link: string | null;
      created_at: Date | string;
    }>(
      db,
      sql`select n.id, n.user_id, n.kind, n.title, n.body, n.link, n.created_at
            from notifications n
           where ${selecting(selection)}`,
    );
    return rows.map(
      (row) =>
        ({
          source: "nt",
          id: Number(row.id),
          type: "notification",
          userId: row.user_id,
          data: {
            key: `nt:${row.id}`,
            id: Number(row.id),
            kind: row.kind,
            title: row.title,
            body: row.body,
            link: row.link,
            at: new Date(row.created_at).toISOString(),
          },
        }) satisfies LiveRow,
    );
  },
  async maxId(db) {
    const [row] = await queryRows<{ max: string | number | null }>(db, sql`select max(id) as max from notifications`);
    return Number(row?.max ?? 0);
  },
};
