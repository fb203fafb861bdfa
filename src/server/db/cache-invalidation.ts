import type { App } from "../deps.js";
import { LIVE_CHANNEL } from "../live/live.publish.js";
import { listen, type Unlisten } from "./notify.js";

/** A per-app cache that forgets what a change on any instance announces on the live channel. */
export interface ChannelCache {
  /** A NOTIFY on the live channel: forget what `payload` names (most payloads concern others). */
  onNotify(payload: string): void;
  /** The LISTEN connection (re)connected: changes meanwhile may have been missed, forget all. */
  onConnected(): void;
}

declare module "fastify" {
  interface FastifyInstance {
    cacheInvalidation: CacheInvalidation;
  }
}

/**
 * One LISTEN on the live channel per app for every cache kept for a few seconds (the sessions, the
 * settings), instead of one connection each: each NOTIFY is handed to every cache, and a reconnect
 * empties them all.
 */
export class CacheInvalidation {
  private readonly caches: ChannelCache[] = [];

  add(cache: ChannelCache): void {
    this.caches.push(cache);
  }

  constructor(private readonly log: { error(details: object, message: string): void }) {}

  notify(payload: string): void {
    for (const cache of this.caches) this.safely(() => cache.onNotify(payload));
  }

  connected(): void {
    for (const cache of this.caches) this.safely(() => cache.onConnected());
  }

  /** One cache failing must not keep the others from forgetting. */
  private safely(forget: () => void): void {
    try {
      forget();
    } catch (error) {
      this.log.error({ err: error }, "a cache could not forget a change");
    }
  }
}

/** The app's cache listener (`app.cacheInvalidation`): listening from ready until close. */
export function registerCacheInvalidation(app: App): CacheInvalidation {
  const invalidation = new CacheInvalidation(app.log);
  app.decorate("cacheInvalidation", invalidation);
  let unlisten: Unlisten | undefined;
  app.addHook("onReady", async () => {
    unlisten = await listen(app.deps.database, LIVE_CHANNEL, (payload) => invalidation.notify(payload), {
      retryMs: 2_000,
      onConnected: () => invalidation.connected(),
      log: app.log,
    });
  });
  app.addHook("onClose", async () => {
    // The database may be gone already (a test closing it, a shutdown after an outage).
    await unlisten?.().catch(() => {});
  });
  return invalidation;
}
