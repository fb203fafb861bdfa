import type { Actor, ServiceContext } from "../context.js";
import { LIVE_CHANNEL } from "../live/live.publish.js";
import type { CacheInvalidation } from "./cache-invalidation.js";
import { afterCommit, type Executor } from "./client.js";
import { notify } from "./notify.js";
import { settings } from "./schema/index.js";

/** How long a cached setting is used at most, should a change's NOTIFY never arrive. */
export const CONFIG_CACHE_MS = 5_000;

const PREFIX = "cf:";

/**
 * Settings nearly every write reads and an admin rarely changes (the SLA policy, the SMS
 * templates), kept by each app for a few seconds: a ticket's creation read both, two of its
 * statements. A change empties the key on this app at once and, by NOTIFY at its commit, on every
 * instance (this one too, which also drops a value a concurrent request read before the commit).
 * One per app (tests run several apps in one process, each on its own database).
 */
export class ConfigCache {
  private readonly entries = new Map<string, { value: unknown; readAt: number }>();
  /** Counts the changes: a value read before one may be stale, and is not kept. */
  private generation = 0;
  constructor(private readonly ttlMs = CONFIG_CACHE_MS) {}

  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && performance.now() - entry.readAt <= this.ttlMs) return entry.value as T;
    const mark = this.generation;
    const value = await load();
    if (mark === this.generation) this.entries.set(key, { value, readAt: performance.now() });
    return value;
  }

  /** Forgets one key, or everything (a lost LISTEN connection may have missed changes). */
  forget(key?: string): void {
    this.generation += 1;
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}

/** The value of `key` from the context's cache, or read afresh where there is none. */
export function cachedConfig<T>(ctx: Pick<ServiceContext, "cache">, key: string, load: () => Promise<T>): Promise<T> {
  return ctx.cache ? ctx.cache.get(key, load) : load();
}

/**
 * Called in the transaction that changes `key`: this app forgets it now and again at commit (a
 * request reading meanwhile still gets the old value and may keep it), every other instance when
 * the NOTIFY sent at commit arrives.
 */
export async function configChanged(ctx: Pick<ServiceContext, "db" | "cache">, key: string): Promise<void> {
  const cache = ctx.cache;
  cache?.forget(key);
  if (cache) afterCommit(ctx.db, () => cache.forget(key));
  await notify(ctx.db, LIVE_CHANNEL, `${PREFIX}${key}`);
}

/** The app's cache, emptied by the changes every instance announces on the live channel. */
export function createConfigCache(invalidation: CacheInvalidation): ConfigCache {
  const cache = new ConfigCache();
  invalidation.add({
    onNotify: (payload) => {
      if (payload.startsWith(PREFIX)) cache.forget(payload.slice(PREFIX.length));
    },
    onConnected: () => cache.forget(),
  });
  return cache;
}

/**
 * Writes one setting (a row of `settings`, keyed by the feature that owns it), noting who changed
 * it and when. The feature records its own audit entry and, for a cached key, `configChanged`.
 */
export async function writeSetting(tx: Executor, key: string, value: unknown, actor: Pick<Actor, "id">, now: Date) {
  await tx
    .insert(settings)
    .values({ key, value, updatedAt: now, updatedById: actor.id })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now, updatedById: actor.id } });
}
