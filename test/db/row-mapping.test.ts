import * as drizzle from "drizzle-orm";
import { and, Column, eq, inArray, is, sql } from "drizzle-orm";
import { alias, QueryBuilder } from "drizzle-orm/pg-core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/server/db/client.js";
import { compileRowMapper } from "../../src/server/db/row-mapping.js";
import { customers, tickets, users } from "../../src/server/db/schema/index.js";
import { createTestApp, DEMO, type Session, signIn, type TestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";

/**
 * The app maps every selected row with db/row-mapping.ts instead of drizzle's `mapResultRow`
 * (the same result, decided once per statement instead of once per row). These tests hold the two
 * equal: on the app's own kind of query (the queue's: a table, two left joins, one of them an
 * alias, SQL fields) against both databases' real rows, and on arbitrary rows (fast-check).
 */

const assignee = alias(users, "assignee");

function queueLikeQuery(db: Database, ids: string[]) {
  return db
    .select({
      ticket: tickets,
      count: sql<number>`count(*) over ()`.mapWith(Number),
      keys: sql<string[]>`array[${tickets.createdAt}::text, ${tickets.number}]`,
      customer: { id: customers.id, name: customers.name, accountNumber: customers.accountNumber },
      assignee: { id: assignee.id, name: assignee.name, active: assignee.active },
    })
    .from(tickets)
    .leftJoin(customers, eq(customers.id, tickets.customerId))
    .leftJoin(assignee, eq(assignee.id, tickets.assigneeId))
    .where(inArray(tickets.id, ids))
    .orderBy(tickets.number);
}

function innerJoinQuery(db: Database, ids: string[]) {
  return db
    .select({ number: tickets.number, customer: customers, dueAt: tickets.dueAt })
    .from(tickets)
    .innerJoin(customers, eq(customers.id, tickets.customerId))
    .where(and(inArray(tickets.id, ids)));
}

/** A write's RETURNING goes through the same mapper (the new ticket's insert does). */
function updateReturningQuery(db: Database, ids: string[]) {
  return db
    .update(tickets)
    .set({ subject: sql`${tickets.subject}` })
    .where(inArray(tickets.id, ids))
    .returning({
      id: tickets.id,
      createdAt: tickets.createdAt,
      version: tickets.version,
      slaRemaining: tickets.slaRemainingSeconds,
    });
}

interface SelectedField {
  path: string[];
  field: unknown;
}
// Exported by drizzle-orm but left out of its types (internal): the mapping the app replaces.
const { mapResultRow, orderSelectedFields } = drizzle as unknown as {
  mapResultRow(fields: SelectedField[], row: unknown[], joins?: Record<string, boolean>): unknown;
  orderSelectedFields(fields: Record<string, unknown>): SelectedField[];
};

interface Internals {
  config: { fields: Record<string, unknown> };
  joinsNotNullableMap?: Record<string, boolean>;
}

const fieldsOf = (query: unknown) => orderSelectedFields((query as Internals).config.fields);

describe.each(testDatabaseKinds())("row mapping (%s)", (kind) => {
  let t: TestApp;
  let admin: Session;
  let ids: string[];

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await signIn(t.app, DEMO.admin);
    const customer = await makeCustomer(admin);
    ids = [
      (await makeTicket(admin, { customerId: customer.id, assigneeId: admin.user.id })).id,
      (await makeTicket(admin, { customerId: customer.id })).id,
      (await makeTicket(admin, {})).id,
    ];
  }, 180_000);

  afterAll(async () => t?.close());

  it.each([
    ["the queue's shape (left joins, an alias, SQL fields)", queueLikeQuery],
    ["an inner join selecting a whole table", innerJoinQuery],
    ["an update's RETURNING", updateReturningQuery],
  ])("maps %s as drizzle's mapResultRow does, on real rows", async (_name, build) => {
    const query = build(t.database.handle.db, ids);
    let raw: unknown[][] = [];
    const prepared = (
      query as unknown as { _prepare(): { customResultMapper?: (rows: unknown[][]) => unknown } }
    )._prepare();
    const ours = prepared.customResultMapper;
    expect(ours, "the app installs its mapper on every select").toBeTypeOf("function");
    prepared.customResultMapper = (rows) => {
      raw = rows;
      return ours?.(rows);
    };
    const mapped = (await (prepared as unknown as { execute(): Promise<unknown[]> }).execute()) as unknown[];
    expect(raw.length).toBeGreaterThan(0);
    const joins = (prepared as Internals).joinsNotNullableMap;
    // The fields drizzle gave the statement (a select's, or a write's RETURNING).
    const fields = (prepared as unknown as { fields: SelectedField[] }).fields;
    expect(mapped).toEqual(raw.map((row) => mapResultRow(fields, row, joins)));
  });

  it("gives a left join's missing row as null and keeps the present ones", async () => {
    const rows = await queueLikeQuery(t.database.handle.db, ids);
    expect(rows.map((row) => [row.customer === null, row.assignee === null])).toEqual([
      [false, false],
      [false, true],
      [true, true],
    ]);
    expect(rows[0]?.ticket.createdAt).toBeInstanceOf(Date);
    expect(rows[0]?.count).toBe(3);
    expect(rows[0]?.assignee).toEqual({ id: admin.user.id, name: expect.any(String), active: true });
  });
});

describe("row mapping on arbitrary rows", () => {
  // Built, never run: a QueryBuilder needs no database, and gives the real statements' fields.
  const builder = new QueryBuilder() as unknown as Database;

  const valueFor = (field: unknown): fc.Arbitrary<unknown> => {
    if (!is(field, Column)) return fc.oneof(fc.integer().map(String), fc.array(fc.string(), { maxLength: 3 }));
    switch (field.columnType) {
      case "PgTimestamp":
        return fc
          .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
          .map((date) => date.toISOString().replace("T", " ").replace("Z", "+00"));
      case "PgInteger":
        return fc.integer();
      case "PgBoolean":
        return fc.boolean();
      case "PgJsonb":
        return fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 });
      default:
        return fc.string({ maxLength: 12 });
    }
  };

  it.each([
    ["the queue's shape", queueLikeQuery],
    ["an inner join selecting a whole table", innerJoinQuery],
  ])("equals drizzle's mapResultRow for any pattern of nulls and values: %s", (_name, build) => {
    const query = build(builder, ["00000000-0000-4000-8000-000000000000"]);
    const fields = fieldsOf(query);
    const joins = (query as unknown as Internals).joinsNotNullableMap;
    const row = fc.tuple(...fields.map(({ field }) => fc.option(valueFor(field), { nil: null, freq: 3 })));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 5 }), (rows) => {
        const map = compileRowMapper(fields, joins);
        expect(rows.map(map)).toEqual(rows.map((r) => mapResultRow(fields, r, joins)));
      }),
      { numRuns: 300 },
    );
  });
});
