import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import type { ServicePorts } from "./context.js";
import type { DatabaseHandle } from "./db/client.js";
import type { ConfigCache } from "./db/config-cache.js";

/** What the app is built from: main.ts passes the real ones, tests their own. */
export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  clock: Clock;
  /** Filled by buildApp (the cross-feature calls of ServicePorts); main.ts and tests leave it out. */
  ports?: ServicePorts;
  /** Filled by buildApp: the app's cache of rarely changed settings (db/config-cache.ts). */
  configCache?: ConfigCache;
}

/** A Fastify instance whose routes take zod schemas. */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module "fastify" {
  interface FastifyInstance {
    deps: AppDeps;
  }
}
