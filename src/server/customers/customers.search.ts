import { isIP } from "node:net";
import { and, eq, isNotNull, isNull, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { normalizeMac } from "../../shared/customers.js";
import type { ConnectionType, CustomerStatus } from "../../shared/enums.js";
import { phoneDigits } from "../../shared/phone.js";
import { customers } from "../db/schema/index.js";
import { decodeCursor, escapeLike, ZCursorTimestamp } from "../http/pagination.js";

/** What the customer list and the CSV export filter on. */
export interface CustomerFilter {
  q?: string;
  status?: CustomerStatus;
  servicePlanId?: string;
  siteId?: string;
  connectionType?: ConnectionType;
  /** false (default): current customers only; true: archived only; "all": both. */
  archived?: boolean | "all";
  /** An E.164 number: customers whose mobile or alternative phone it is. */
  phone?: string;
}

/**
 * From this trigram word similarity on, a word matches ("hamitlon" finds Hamilton: 0.44). Lower
 * lets unrelated names in; higher loses swapped letters. Set per transaction.
 */
export const WORD_SIMILARITY_THRESHOLD = "0.4";

const MAX_WORDS = 6;

/** Whether the text is something a person would read out as a phone number. */
const looksLikePhone = (q: string) => /^[\d\s().+\-/]+$/.test(q) && phoneDigits(q).length >= 4;

export interface SearchPlan {
  where: SQL | undefined;
  /** Relevance of a row to `q` (higher first); a numeric so cursors compare it exactly. */
  score: SQL<string>;
}

/**
 * One search box, one request: the text decides which forms apply. Every form has its own
 * index (see migration 0003), and Postgres ORs their bitmaps.
 */
export function searchConditions(q: string): SearchPlan {
  const text = q.trim().toLowerCase().slice(0, 200);
  const matches: SQL[] = [];
  const exact: SQL[] = [];

  const phoneLike = looksLikePhone(text);
  if (phoneLike) {
    // E.164 ends with whatever was typed (local number, last four digits): a prefix of the reversed number.
    const reversed = `${escapeLike([...phoneDigits(text)].reverse().join(""))}%`;
    exact.push(sql`(reverse(${customers.phone}) like ${reversed} or reverse(${customers.altPhone}) like ${reversed})`);
  }
  const mac = normalizeMac(text);
  if (mac) exact.push(sql`${customers.macAddress} = ${mac}::macaddr`);
  // Node's isIP takes an IPv6 zone (fe80::1%eth0); PostgreSQL's inet does not, and no stored address has one.
  if (isIP(text) && !text.includes("%")) exact.push(sql`${customers.ipAddress} = ${text}::inet`);
  // "C-000123", "c123", or just the digits.
  const account = /^(?:c-?)?(\d{1,12})$/.exec(text);
  if (account?.[1]) exact.push(sql`${customers.accountNumber} = ${`C-${account[1].padStart(6, "0")}`}`);
  if (text.includes("@")) exact.push(sql`lower(${customers.email}) = ${text}`);

  // Phone-like text is digits, not words: similarity between digit strings is noise.
  const words = phoneLike ? [] : text.split(/\s+/).filter(Boolean).slice(0, MAX_WORDS);
  const nameKey = sql`lower(${customers.name})`;
  const wordMatches = words.map((word) =>
    // Typos are forgiven in name words only (3+ letters); emails, serials, numbers must be contained.
    word.length >= 3 && /^[\p{L}'-]+$/u.test(word)
      ? sql`(${customers.searchText} like ${`%${escapeLike(word)}%`} or ${word} <% ${nameKey})`
      : sql`${customers.searchText} like ${`%${escapeLike(word)}%`}`,
  );
  // Every word must match (as a substring or a near miss): "john smith" is John Smith, not every John.
  if (wordMatches.length > 0) matches.push(and(...wordMatches) as SQL);
  matches.push(...exact);

  const wordScore =
    words.length > 0
      ? sql.join(
          words.map((word) => sql`word_similarity(${word}, ${nameKey})`),
          sql` + `,
        )
      : sql`0`;
  const exactScore = exact.length > 0 ? sql`case when ${or(...exact)} then 10 else 0 end` : sql`0`;
  const score = sql<string>`round((${exactScore} + (${wordScore}) / ${Math.max(words.length, 1)})::numeric, 4)`;
  return { where: matches.length > 0 ? or(...matches) : sql`false`, score };
}

export function filterConditions(filter: CustomerFilter) {
  const archived = filter.archived ?? false;
  const search = filter.q?.trim() ? searchConditions(filter.q) : undefined;
  const where = and(
    archived === "all" ? undefined : archived ? isNotNull(customers.deletedAt) : isNull(customers.deletedAt),
    filter.status ? eq(customers.status, filter.status) : undefined,
    filter.servicePlanId ? eq(customers.servicePlanId, filter.servicePlanId) : undefined,
    filter.siteId ? eq(customers.siteId, filter.siteId) : undefined,
    filter.connectionType ? eq(customers.connectionType, filter.connectionType) : undefined,
    // The alternative phone has only the reversed-number index; equality of the reversed text uses it.
    filter.phone
      ? or(eq(customers.phone, filter.phone), sql`reverse(${customers.altPhone}) = reverse(${filter.phone})`)
      : undefined,
    search?.where,
  );
  return { where, score: search?.score };
}

/** Keyset pagination by sort: the key columns, their direction and the cursor's shape. */
export function sortPlan(sort: string, score: SQL<string> | undefined, cursor: string | undefined) {
  const descending = sort.startsWith("-");
  const key = sort.replace(/^-/, "");
  const nameKey = sql`lower(${customers.name})`;
  if (key === "relevance" && score) {
    const after = decodeCursor(cursor, z.tuple([z.string().regex(/^-?\d+(\.\d+)?$/), z.string(), z.uuid()]));
    return {
      orderBy: [sql`${score} desc`, sql`${nameKey} asc`, sql`${customers.id} asc`],
      sortKey: sql<string>`${score}::text || '|' || lower(${customers.name})`,
      after: after
        ? sql`(${score} < ${after[0]}::numeric or (${score} = ${after[0]}::numeric and (${nameKey}, ${customers.id}) > (${after[1]}, ${after[2]}::uuid)))`
        : undefined,
      cursorOf: (row: { sortKey: string; id: string }) => {
        const split = row.sortKey.indexOf("|");
        return [row.sortKey.slice(0, split), row.sortKey.slice(split + 1), row.id];
      },
    };
  }
  const column =
    key === "created" ? sql`${customers.createdAt}` : key === "updated" ? sql`${customers.updatedAt}` : nameKey;
  const byTime = key === "created" || key === "updated";
  const cast = byTime ? sql`::timestamptz` : sql``;
  const after = decodeCursor(cursor, z.tuple([byTime ? ZCursorTimestamp : z.string(), z.uuid()]));
  const direction = descending ? sql`desc` : sql`asc`;
  return {
    orderBy: [sql`${column} ${direction}`, sql`${customers.id} ${direction}`],
    sortKey: sql<string>`${column}::text`,
    after: after
      ? descending
        ? sql`(${column}, ${customers.id}) < (${after[0]}${cast}, ${after[1]}::uuid)`
        : sql`(${column}, ${customers.id}) > (${after[0]}${cast}, ${after[1]}::uuid)`
      : undefined,
    cursorOf: (row: { sortKey: string; id: string }) => [row.sortKey, row.id],
  };
}
