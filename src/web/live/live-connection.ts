import type { QueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import {
  LIVE_EVENT_TYPES,
  type LiveEventMap,
  type LiveEventType,
  ZLiveCustomerEvent,
  ZLiveIncidentEvent,
  ZLiveNotificationEvent,
  ZLivePresenceEvent,
  ZLiveReady,
  ZLiveSmsEvent,
  ZLiveTicketEvent,
} from "../../shared/live.js";
import { SESSION_QUERY_KEY } from "../app/auth.js";
import { createLiveInvalidation } from "./live-invalidation.js";
import type { LiveStatus } from "./live-provider.js";

const SCHEMAS: { [T in LiveEventType]: z.ZodType<LiveEventMap[T]> } = {
  ready: ZLiveReady,
  ticket: ZLiveTicketEvent,
  incident: ZLiveIncidentEvent,
  customer: ZLiveCustomerEvent,
  sms: ZLiveSmsEvent,
  notification: ZLiveNotificationEvent,
  presence: ZLivePresenceEvent,
};

/** How many timeline keys are remembered: more than one replay (the server's cap) can repeat. */
const SEEN_KEYS = 2_000;
/** Waits before opening a new stream after the server refused one (not the browser's own retries). */
const RETRY_DELAYS_MS = [1_000, 3_000, 10_000, 30_000];

/**
 * The timeline keys seen lately, oldest forgotten first: an event replayed after a reconnect that
 * also arrived live (or arrives from two instances' hubs) is handled once.
 */
export class RecentKeys {
  private readonly seen = new Set<string>();
  private readonly order: string[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  /** True the first time a key is offered (it is remembered), false for a repeat. */
  add(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.order.length === this.size) this.seen.delete(this.order[this.next] as string);
    this.order[this.next] = key;
    this.next = (this.next + 1) % this.size;
    this.seen.add(key);
    return true;
  }
}

export interface LiveConnectionOptions {
  queryClient: QueryClient;
  onStatus(status: LiveStatus): void;
  emit<T extends LiveEventType>(type: T, event: LiveEventMap[T]): void;
}

/**
 * Opens the stream and keeps it open until the returned function is called. The browser itself
 * reconnects a dropped stream, sending the last `id:` as Last-Event-ID so the server replays what
 * was missed; a stream the server refuses (401 once the session ended, a proxy's 502) is closed
 * for good by the browser: the session is asked again (a 401 there signs the tab out, which
 * closes this), and while it holds a new stream is opened after a pause.
 */
export function openLiveConnection({ queryClient, onStatus, emit }: LiveConnectionOptions): () => void {
  const seen = new RecentKeys(SEEN_KEYS);
  const invalidation = createLiveInvalidation(queryClient);
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let readyBefore = false;
  let refusals = 0;
  const down: LiveStatus = { state: "reconnecting", connected: false, streamId: null };

  const deliver = <T extends LiveEventType>(type: T, raw: string) => {
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return;
    }
    // An event this version of the app cannot read is skipped: the next refetch shows its change.
    const parsed = SCHEMAS[type].safeParse(data);
    if (!parsed.success) return;
    const event = parsed.data;
    if ("key" in event && !seen.add(event.key)) return;
    if (type === "ready") {
      const ready = event as LiveEventMap["ready"];
      // A fresh stream's first `ready` finds the screen just loaded. After a reconnect the replay
      // brings the timeline's events, but the hints (SMS states, presence) are not replayed, and a
      // reset means events were lost: every screen refetches what it shows. Queues that gather
      // their news in a pill refetch only on a reset (the replay fills their pill otherwise).
      if (readyBefore) invalidation.refreshAll({ includeHeld: ready.reset });
      readyBefore = true;
      refusals = 0;
      onStatus({ state: "connected", connected: true, streamId: ready.streamId });
    } else {
      invalidation.handle(type, event);
    }
    emit(type, event);
  };

  const connect = () => {
    retry = undefined;
    if (stopped) return;
    const stream = new EventSource("/api/events");
    source = stream;
    for (const type of LIVE_EVENT_TYPES) {
      stream.addEventListener(type, (message) => deliver(type, (message as MessageEvent<string>).data));
    }
    stream.onerror = () => {
      if (stopped || source !== stream) return;
      onStatus(down);
      if (stream.readyState !== EventSource.CLOSED) return;
      stream.close();
      source = null;
      void queryClient.invalidateQueries({ queryKey: SESSION_QUERY_KEY });
      const delay = RETRY_DELAYS_MS[Math.min(refusals, RETRY_DELAYS_MS.length - 1)];
      refusals += 1;
      retry = setTimeout(connect, delay);
    };
  };

  // Back online: try at once instead of waiting out the pause.
  const onOnline = () => {
    if (retry === undefined) return;
    clearTimeout(retry);
    connect();
  };
  window.addEventListener("online", onOnline);
  connect();

  return () => {
    stopped = true;
    window.removeEventListener("online", onOnline);
    if (retry !== undefined) clearTimeout(retry);
    source?.close();
    source = null;
    invalidation.stop();
  };
}
