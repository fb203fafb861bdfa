import { PgTransaction } from "drizzle-orm/pg-core";
import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import type { Executor } from "./db/client.js";
import type { ConfigCache } from "./db/config-cache.js";

/**
 * What every service function takes first: `fn(ctx, actor, input)`. `ctx.db` is the database or
 * the caller's transaction, so a feature can make another feature's change inside its own
 * transaction (an inbound SMS opening a ticket, an incident resolving its tickets).
 */
export interface ServiceContext {
  db: Executor;
  clock: Clock;
  config: Config;
  /** Calls into features that depend on the caller's (see ServicePorts); absent, they are not made. */
  ports?: ServicePorts;
  /** The app's cache of rarely changed settings (db/config-cache.ts); absent, they are read each time. */
  cache?: ConfigCache;
}

/**
 * Calls a feature makes into a feature that depends on it, handed over by app.ts so imports keep
 * running one way: `incidents/` uses `tickets/`, yet a new ticket must join an active incident.
 */
export interface ServicePorts {
  /** The active incident that covers this customer now (the latest to start, if several). */
  activeIncidentForCustomer?(ctx: ServiceContext, customerId: string): Promise<{ id: string; title: string } | null>;
  /** Notes on the incident's timeline that a new ticket was linked to it automatically. */
  ticketAutoLinked?(
    ctx: ServiceContext,
    link: { incidentId: string; ticketId: string; ticketNumber: string },
  ): Promise<void>;
}

/**
 * Who makes a change: a signed-in staff member, or the system itself (`id: null`: an inbound
 * SMS, a scheduled job). Audit rows and timeline entries name it.
 */
export interface Actor {
  id: string | null;
  ip: string | null;
  /** The session the request came with (to keep it when ending the user's other sessions). */
  sessionId?: string;
  /** The API token the request came with: audit rows name it. */
  tokenId?: string;
  /** The staff member's name, where the caller knows it (a new ticket's answer names its creator). */
  name?: string;
}

/** The system acting on its own: an inbound SMS, a delivery receipt, the scheduler. */
export const SYSTEM_ACTOR: Actor = { id: null, ip: null };

/** Whether `db` is already a transaction (a caller's), rather than the database itself. */
export function isTransaction(db: Executor): boolean {
  return db instanceof PgTransaction;
}

/**
 * Runs `work` in a transaction: the caller's, when `ctx.db` already is one (the work simply joins
 * it and commits or rolls back with it), or a new one on the database. Nested calls cost no
 * savepoint: an error anywhere rolls back the whole unit, which is what every caller wants.
 */
export async function inTransaction<T>(ctx: ServiceContext, work: (tx: ServiceContext) => Promise<T>): Promise<T> {
  if (isTransaction(ctx.db)) return work(ctx);
  return ctx.db.transaction((tx) => work({ ...ctx, db: tx }));
}

/** The context a feature's routes hand to its services: the app's database, clock and config. */
export function serviceContext(deps: {
  database: { db: Executor };
  clock: Clock;
  config: Config;
  ports?: ServicePorts;
  configCache?: ConfigCache;
}): ServiceContext {
  return { db: deps.database.db, clock: deps.clock, config: deps.config, ports: deps.ports, cache: deps.configCache };
}
