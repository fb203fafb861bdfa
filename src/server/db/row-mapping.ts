import { Column, getTableName, is, SQL, Subquery } from "drizzle-orm";
import { NodePgSession } from "drizzle-orm/node-postgres";
import { PgliteSession } from "drizzle-orm/pglite";

/**
 * Drizzle turns each row of a result into an object with `mapResultRow`, which works out every
 * column's decoder again for every row: on a queue page (51 rows of 28 columns) that was about a
 * fifth of the request's CPU (`is()` checks walking class chains; docs/benchmarks.md, "The app's
 * own cost per request"). Here the decoders, paths and join tables are worked out once each time
 * a statement runs, not for every row, and the rows are mapped by a plain loop, with the same
 * result: same objects, same values, a left join's missing row as `null`
 * (test/db/row-mapping.test.ts compares the two on the app's own queries). It is handed to drizzle as the statement's `customResultMapper`, the
 * hook its relational queries use, so nothing else of drizzle's changes.
 */
interface SelectedField {
  path: string[];
  field: unknown;
}

interface Decoder {
  mapFromDriverValue(value: unknown): unknown;
}

interface PreparedQuery {
  customResultMapper?: (rows: unknown[][]) => unknown;
  joinsNotNullableMap?: Record<string, boolean>;
}

/** An SQL fragment's decoder (`.mapWith(…)`) is internal to drizzle's types, not to its objects. */
type Decoded = { decoder: Decoder };

function decoderOf(field: unknown): Decoder {
  if (is(field, Column)) return field;
  if (is(field, SQL)) return (field as unknown as Decoded).decoder;
  if (is(field, Subquery)) return (field as unknown as { _: { sql: Decoded } })._.sql.decoder;
  return (field as { sql: Decoded }).sql.decoder;
}

/** The mapper for one statement's selected fields (drizzle's `mapResultRow`, decided once). */
export function compileRowMapper(
  columns: readonly SelectedField[],
  joinsNotNullableMap: Record<string, boolean> | undefined,
): (row: unknown[]) => Record<string, unknown> {
  const count = columns.length;
  const decoders = columns.map(({ field }) => decoderOf(field));
  const parents = columns.map(({ path }) => path.slice(0, -1));
  const keys = columns.map(({ path }) => path[path.length - 1] as string);
  // Drizzle's rule for a left join's missing row: an object of a joined table whose every column
  // came back null (and whose table is nullable in the join) is null itself.
  const joinTables = columns.map(({ path, field }) =>
    joinsNotNullableMap && is(field, Column) && path.length === 2 ? getTableName(field.table) : null,
  );
  const tracksNulls = joinTables.some((table) => table !== null);
  return (row) => {
    const result: Record<string, unknown> = {};
    const nullifyMap: Record<string, string | false> | null = tracksNulls ? {} : null;
    for (let index = 0; index < count; index++) {
      let node = result;
      const parent = parents[index] as string[];
      for (const chunk of parent) {
        if (!(chunk in node)) node[chunk] = {};
        node = node[chunk] as Record<string, unknown>;
      }
      const raw = row[index];
      const value = raw === null ? null : (decoders[index] as Decoder).mapFromDriverValue(raw);
      node[keys[index] as string] = value;
      const table = joinTables[index];
      if (nullifyMap && table !== null && table !== undefined) {
        const objectName = parent[0] as string;
        const seen = nullifyMap[objectName];
        if (seen === undefined) nullifyMap[objectName] = value === null ? table : false;
        else if (typeof seen === "string" && seen !== table) nullifyMap[objectName] = false;
      }
    }
    if (nullifyMap && joinsNotNullableMap) {
      for (const [objectName, table] of Object.entries(nullifyMap)) {
        if (typeof table === "string" && !joinsNotNullableMap[table]) result[objectName] = null;
      }
    }
    return result;
  };
}

let installed = false;

/**
 * Makes both drivers' sessions (the server's `pg` and the embedded PGlite, transactions included)
 * map selected rows with `compileRowMapper`. Statements that bring their own mapper (relational
 * queries) or select no fields (`execute`) are left as drizzle builds them.
 */
export function installRowMapping(): void {
  if (installed) return;
  installed = true;
  for (const session of [NodePgSession.prototype, PgliteSession.prototype]) {
    const prepareQuery = session.prepareQuery;
    session.prepareQuery = function (this: unknown, ...args: Parameters<typeof prepareQuery>) {
      const prepared = prepareQuery.apply(this, args) as unknown as PreparedQuery;
      const fields = args[1] as SelectedField[] | undefined;
      const ownMapper = args[4];
      if (fields && !ownMapper) {
        // joinsNotNullableMap is set on the prepared statement after this returns: read it late.
        prepared.customResultMapper = (rows) => {
          const map = compileRowMapper(fields, prepared.joinsNotNullableMap);
          return rows.map(map);
        };
      }
      return prepared as unknown as ReturnType<typeof prepareQuery>;
    } as typeof prepareQuery;
  }
}
