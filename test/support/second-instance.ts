import { buildApp } from "../../src/server/app.js";
import { type DatabaseHandle, openPostgres } from "../../src/server/db/client.js";
import type { App } from "../../src/server/deps.js";
import { type TestApp, testConfig } from "./app.js";

export interface SecondInstance {
  app: App;
  close(): Promise<void>;
}

/**
 * Another app instance on a test app's database, built but not listening (call `app.listen` for a
 * browser). On the server it has a pool and LISTEN connections of its own, as another process
 * would; on PGlite it shares the embedded database and its notifications. Its caches are its own.
 */
export async function openSecondInstance(first: TestApp): Promise<SecondInstance> {
  const handle: DatabaseHandle | undefined = first.database.url
    ? await openPostgres({ connectionString: first.database.url, poolSize: 5 })
    : undefined;
  const app = await buildApp({ config: testConfig(), database: handle ?? first.database.handle, clock: first.clock });
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      await handle?.close();
    },
  };
}
