import { messages, type PGlite, protocol } from "@electric-sql/pglite";

/**
 * pg_dump (WebAssembly) on a PGlite instance that stays in use: where PGlite runs, in the app's
 * thread (client.ts) or on its worker thread (pglite-worker.thread.ts). Only PGlite's modules here:
 * the thread loads this file.
 */

type Row = Record<string, string | null>;

/** One statement through PGlite's wire protocol, outside its locks (the caller holds them). */
async function simpleQuery(pglite: PGlite, text: string): Promise<{ rows: Row[] }> {
  const { messages: answers } = await pglite.execProtocol(protocol.serialize.query(text));
  let columns: string[] = [];
  const rows: Row[] = [];
  for (const answer of answers) {
    if (answer instanceof messages.RowDescriptionMessage) columns = answer.fields.map((field) => field.name);
    if (answer instanceof messages.DataRowMessage) {
      rows.push(Object.fromEntries(answer.fields.map((value, index) => [columns[index] ?? String(index), value])));
    }
  }
  return { rows };
}

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
const identifier = (value: string) => `"${value.replaceAll('"', '""')}"`;

/**
 * A plain-SQL dump, pg_dump's `args` added to its own. The approach is the backups feature's
 * (src/server/backups/), measured with pglite-tools 0.4.8:
 * - PGlite runs one session, and pg_dump reads in one `REPEATABLE READ, READ ONLY` transaction:
 *   started between two statements of an app transaction, its BEGIN would join that one and abort
 *   it. So the dump holds PGlite's transaction lock (transactions in flight finish, new ones wait),
 *   and pgDump gets a view of PGlite whose `query`/`exec` skip the locks pgDump would otherwise
 *   wait on forever.
 * - pg_dump never ends its transaction (the single session ignores its Terminate): left open,
 *   every later write fails with "read-only transaction". It is rolled back here, the session
 *   settings pg_dump changed (search_path, DateStyle, extra_float_digits…) are set back, and only
 *   its own prepared statements are deallocated (pgDump's DEALLOCATE ALL would take the app's).
 */
export async function dumpPglite(pglite: PGlite, args: readonly string[]): Promise<string> {
  // Loaded on first use: pg_dump's WebAssembly is only needed for dumps.
  const { pgDump } = await import("@electric-sql/pglite-tools/pg_dump");
  return pglite._runExclusiveTransaction(async () => {
    const settingsQuery = "select name, setting from pg_catalog.pg_settings where context in ('user', 'superuser')";
    const statementsQuery = "select name from pg_catalog.pg_prepared_statements";
    const settingsBefore = new Map((await simpleQuery(pglite, settingsQuery)).rows.map((r) => [r.name, r.setting]));
    const statementsBefore = new Set((await simpleQuery(pglite, statementsQuery)).rows.map((r) => r.name));
    const view = {
      query: (text: string) => simpleQuery(pglite, text),
      exec: async (text: string) =>
        /^\s*DEALLOCATE ALL\s*;?\s*$/i.test(text) ? [] : [await simpleQuery(pglite, text)],
      execProtocolRawStream: pglite.execProtocolRawStream.bind(pglite),
    } as unknown as PGlite;
    try {
      return await (await pgDump({ pg: view, args: [...args] })).text();
    } finally {
      await simpleQuery(pglite, "ROLLBACK");
      const restore: string[] = [];
      for (const row of (await simpleQuery(pglite, settingsQuery)).rows) {
        const before = settingsBefore.get(row.name);
        if (row.name && before !== undefined && before !== null && before !== row.setting) {
          restore.push(`select pg_catalog.set_config(${literal(row.name)}, ${literal(before)}, false)`);
        }
      }
      for (const row of (await simpleQuery(pglite, statementsQuery)).rows) {
        if (row.name && !statementsBefore.has(row.name)) restore.push(`deallocate ${identifier(row.name)}`);
      }
      if (restore.length > 0) await simpleQuery(pglite, restore.join(";\n"));
    }
  });
}
