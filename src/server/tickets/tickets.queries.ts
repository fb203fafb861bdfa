import { and, asc, eq, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { OPEN_TICKET_STATUSES, TICKET_PRIORITIES } from "../../shared/enums.js";
import { normalizeCallerId, phoneDigits } from "../../shared/phone.js";
import type { TicketList, TicketListQuery, TicketSort } from "../../shared/tickets.js";
import type { Clock } from "../clock.js";
import type { Executor } from "../db/client.js";
import { customers, tickets, users } from "../db/schema/index.js";
import { decodeCursor, encodeCursor, escapeLike, ZCursorTimestamp } from "../http/pagination.js";
import { toTicket } from "./tickets.service.js";

/**
 * Due time as a sort and filter key: a ticket without a due time sorts after every dated one
 * and is never overdue ('infinity' is never in the past). The open-queue index is built on this
 * very expression so the "Overdue" view and the due sort read it in order.
 */
export const dueKey = sql`coalesce(${tickets.dueAt}, 'infinity'::timestamptz)`;

/** Sort keys per sort: all in the same direction, so one row comparison pages through them. */
const SORT_KEYS: Record<string, { keys: SQL[]; casts: string[] }> = {
  created: { keys: [sql`${tickets.createdAt}`], casts: ["timestamptz"] },
  updated: { keys: [sql`${tickets.updatedAt}`], casts: ["timestamptz"] },
  due: { keys: [dueKey], casts: ["timestamptz"] },
  priority: { keys: [sql`${tickets.priority}`, sql`${tickets.createdAt}`], casts: ["ticket_priority", "timestamptz"] },
};

const assignee = alias(users, "assignee_user");

/** Above this many matches the list says "1,000+" instead of counting the whole table. */
export const COUNT_CAP = 1000;

export interface ListContext {
  actorId: string;
  /** How a phone number typed without a country code is read (config DEFAULT_COUNTRY). */
  defaultCountry: string;
}

/**
 * A text search also finds the tickets of up to this many matching customers (the closest first).
 * Their ids go into the ticket query as a list, so it reads tickets by customer_id through the
 * index (a BitmapOr with the subject's) instead of joining customers into a scan. Bounded so a
 * first name alone stays cheap: with 200 ids the planner expected thousands of tickets and walked
 * the created_at index filtering 55,000 rows (67 ms at 2 million tickets); with 50 it takes the
 * bitmaps and a top-N sort (11 ms). See docs/benchmarks.md, "Ticket search by customer".
 */
export const CUSTOMER_MATCH_CAP = 50;

/** A phone number needs this many digits here: fewer would be a ticket number. */
const MIN_PHONE_DIGITS = 7;

/**
 * Which customers a ticket search names: their account number (C-000123, c123), their phone or
 * alternative phone (in any format: what normalises to E.164 must equal it, like the customers'
 * `?phone=` filter; a local number without its area code matches the end of the number), or
 * their name (every word, of which one has 3+ letters for the trigram index, contained in it).
 * Bare digits are a ticket number, not an account, and short ones not a phone.
 */
function customerConditions(q: string, defaultCountry: string): SQL[] {
  const text = q.trim().toLowerCase();
  const conditions: SQL[] = [];
  const account = /^c-?(\d{1,12})$/.exec(text);
  if (account?.[1]) conditions.push(eq(customers.accountNumber, `C-${account[1].padStart(6, "0")}`));
  const digits = phoneDigits(text);
  if (/^[\d\s().+\-/]+$/.test(text) && digits.length >= MIN_PHONE_DIGITS) {
    const phone = normalizeCallerId(text, defaultCountry);
    if (phone.ok) {
      // customers_phone_idx and customers_alt_phone_suffix_idx (equality of the reversed text).
      conditions.push(
        sql`(${customers.phone} = ${phone.e164} or reverse(${customers.altPhone}) = reverse(${phone.e164}))`,
      );
    } else {
      const reversed = `${escapeLike([...digits].reverse().join(""))}%`;
      conditions.push(
        sql`(reverse(${customers.phone}) like ${reversed} or reverse(${customers.altPhone}) like ${reversed})`,
      );
    }
    return conditions;
  }
  const words = text.split(/\s+/).filter(Boolean).slice(0, 6);
  if (words.some((word) => word.length >= 3)) {
    // customers_name_trgm_idx: each word a bitmap, ANDed.
    const nameKey = sql`lower(${customers.name})`;
    conditions.push(and(...words.map((word) => sql`${nameKey} like ${`%${escapeLike(word)}%`}`)) as SQL);
  }
  return conditions;
}

/**
 * The ids of the customers a ticket search names (archived ones too): at most CUSTOMER_MATCH_CAP,
 * the closest first (the shortest name holding the words), so pages of one search agree.
 */
export async function findCustomersNamedBy(db: Executor, q: string, defaultCountry: string): Promise<string[]> {
  const conditions = customerConditions(q, defaultCountry);
  if (conditions.length === 0) return [];
  const rows = await db
    .select({ id: customers.id })
    .from(customers)
    .where(or(...conditions))
    // No index gives this order, so the planner reads the matches through their own indexes and
    // sorts them. Ordered by lower(name) it walked customers_name_sort_idx instead, filtering
    // 114,000 rows to find 200 "kevin"s (390 ms at 200,000 customers; docs/benchmarks.md).
    .orderBy(asc(sql`length(${customers.name})`), asc(sql`lower(${customers.name})`), asc(customers.id))
    .limit(CUSTOMER_MATCH_CAP);
  return rows.map((row) => row.id);
}

function filtersOf(
  query: TicketListQuery,
  actorId: string,
  now: Date,
  customerIds: readonly string[],
): (SQL | undefined)[] {
  const open = OPEN_TICKET_STATUSES as unknown as (typeof OPEN_TICKET_STATUSES)[number][];
  const filters: (SQL | undefined)[] = [];
  if (query.status?.length) filters.push(inArray(tickets.status, query.status));
  if (query.priority?.length) filters.push(inArray(tickets.priority, query.priority));
  if (query.category?.length) filters.push(inArray(tickets.category, query.category));
  if (query.assigneeId === "none") filters.push(isNull(tickets.assigneeId));
  else if (query.assigneeId === "me") filters.push(eq(tickets.assigneeId, actorId));
  else if (query.assigneeId) filters.push(eq(tickets.assigneeId, query.assigneeId));
  if (query.customerId) filters.push(eq(tickets.customerId, query.customerId));
  if (query.incidentId) filters.push(eq(tickets.incidentId, query.incidentId));
  if (query.overdue === true) {
    filters.push(inArray(tickets.status, open), sql`${dueKey} <= ${now.toISOString()}::timestamptz`);
  } else if (query.overdue === false) {
    filters.push(
      sql`not (${tickets.status} in ('open', 'in_progress', 'waiting_on_customer') and ${dueKey} <= ${now.toISOString()}::timestamptz)`,
    );
  }
  if (query.q) {
    const number = /^(?:t-?)?0*(\d{1,9})$/i.exec(query.q);
    const pattern = `%${escapeLike(query.q)}%`;
    // A ticket number (T-000042, t42, 42) finds that ticket; text matches the subject (trigram
    // index) and the tickets of the customers it names (tickets_customer_id_idx): a BitmapOr.
    filters.push(
      or(
        number ? eq(tickets.number, `T-${number[1]?.padStart(6, "0")}`) : undefined,
        sql`${tickets.subject} ilike ${pattern}`,
        customerIds.length > 0 ? inArray(tickets.customerId, [...customerIds]) : undefined,
      ),
    );
  }
  return filters;
}

/**
 * A queue page by keyset: no OFFSET and no full COUNT(*). The first page also counts matches up
 * to COUNT_CAP + 1, which reads at most that many index entries.
 */
export async function listTickets(
  db: Executor,
  clock: Clock,
  query: TicketListQuery,
  context: ListContext,
): Promise<TicketList> {
  const now = clock.now();
  const sort: TicketSort = query.sort;
  const descending = sort.startsWith("-");
  const { keys: sortKeys, casts } = SORT_KEYS[descending ? sort.slice(1) : sort] ?? (SORT_KEYS.created as never);
  const direction = descending ? sql.raw("desc") : sql.raw("asc");
  const customerIds = query.q ? await findCustomersNamedBy(db, query.q, context.defaultCountry) : [];
  const filters = filtersOf(query, context.actorId, now, customerIds);
  const cappedMatches = () =>
    db
      .select({ one: sql`1` })
      .from(tickets)
      .where(and(...filters))
      .limit(COUNT_CAP + 1)
      .as("capped");
  const countMatches = async () => {
    const [counted] = await db.select({ n: sql<number>`count(*)::int` }).from(cappedMatches());
    return counted?.n ?? 0;
  };

  // A search naming customers: the planner takes their tickets as spread evenly over time and,
  // for a short page, walks the created/updated index backwards expecting to meet them soon (300
  // ms for 5 tickets of 50 customers at 2 million tickets). When the capped count says the matches
  // are few, sort keys no index holds make it read them through their bitmaps and sort them (a
  // few ms); when they are many, walking the index in order meets them soon and stays the plan.
  const matched = customerIds.length > 0 ? await countMatches() : undefined;
  const keys =
    matched !== undefined && matched <= COUNT_CAP
      ? sortKeys.map((key, i) => (casts[i] === "timestamptz" ? sql`(${key} + interval '0 seconds')` : key))
      : sortKeys;

  // Each value is checked for its cast, so a forged cursor gets a 400, never a database error.
  const cursorShape = z.tuple([
    ...casts.map((cast) => (cast === "timestamptz" ? ZCursorTimestamp : z.enum(TICKET_PRIORITIES))),
    z.uuid(),
  ] as unknown as [z.ZodString]);
  const after = decodeCursor(query.cursor, cursorShape as unknown as z.ZodType<string[]>);
  const keyset = after
    ? sql`(${sql.join([...keys, sql`${tickets.id}`], sql`, `)}) ${sql.raw(descending ? "<" : ">")} (${sql.join(
        [...casts.map((cast, i) => sql`${after[i]}::${sql.raw(cast)}`), sql`${after[casts.length]}::uuid`],
        sql`, `,
      )})`
    : undefined;

  // A first page counts its matches in the same statement (an uncorrelated subquery PostgreSQL runs
  // once, as an InitPlan): one round trip instead of two for the queue's most common request.
  const countInline = !query.cursor && matched === undefined;
  const rows = await db
    .select({
      ticket: tickets,
      matchCount: countInline
        ? sql<number>`(select count(*)::int from ${cappedMatches()})`.mapWith(Number)
        : sql<null>`null`,
      cursorKeys: sql<string[]>`array[${sql.join(
        keys.map((key) => sql`${key}::text`),
        sql`, `,
      )}]`,
      customer: { id: customers.id, name: customers.name, accountNumber: customers.accountNumber },
      assignee: { id: assignee.id, name: assignee.name, active: assignee.active },
    })
    .from(tickets)
    .leftJoin(customers, eq(customers.id, tickets.customerId))
    .leftJoin(assignee, eq(assignee.id, tickets.assigneeId))
    .where(and(...filters, keyset))
    .orderBy(...keys.map((key) => sql`${key} ${direction}`), sql`${tickets.id} ${direction}`)
    .limit(query.limit + 1);

  const page = rows.slice(0, query.limit);
  const last = page.at(-1);

  let count: number | null = null;
  let countCapped = false;
  if (!query.cursor) {
    if (rows.length <= query.limit) {
      count = rows.length;
    } else {
      const counted = matched ?? rows[0]?.matchCount ?? (await countMatches());
      count = Math.min(counted, COUNT_CAP);
      countCapped = counted > COUNT_CAP;
    }
  }

  return {
    items: page.map((row) => ({ ...toTicket(row.ticket, now), customer: row.customer, assignee: row.assignee })),
    nextCursor: rows.length > query.limit && last ? encodeCursor([...last.cursorKeys, last.ticket.id]) : null,
    count,
    countCapped,
  };
}
