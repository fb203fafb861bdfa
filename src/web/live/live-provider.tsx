import { Paper, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { LiveEventMap, LiveEventType } from "../../shared/live.js";

/**
 * The signed-in tab's one live event stream (`GET /api/events`, docs/live.md): screens refetch
 * what an event says changed (live-invalidation.ts) and listen for the events they show in their
 * own way (`useLiveEvent`). The connection's code (EventSource, the events' schemas) loads after
 * the first screen, like the account menu: it is no part of what the first paint needs.
 */

export type LiveConnectionState = "connecting" | "connected" | "reconnecting";

export interface LiveStatus {
  state: LiveConnectionState;
  /** True between a `ready` event and the next error: what the stream says reaches this tab. */
  connected: boolean;
  /** The `ready` event's stream id: presence reports name it. */
  streamId: string | null;
}

const NOT_CONNECTED: LiveStatus = { state: "connecting", connected: false, streamId: null };

type Handler<T extends LiveEventType> = (event: LiveEventMap[T]) => void;
type AnyHandler = (event: LiveEventMap[LiveEventType]) => void;

interface LiveEvents {
  subscribe<T extends LiveEventType>(type: T, handler: Handler<T>): () => void;
}

const LiveEventsContext = createContext<LiveEvents | null>(null);
const LiveStatusContext = createContext<LiveStatus>(NOT_CONNECTED);

/** Whether the stream is up and this tab's stream id; "connecting" outside a signed-in page. */
export function useLiveStatus(): LiveStatus {
  return useContext(LiveStatusContext);
}

/**
 * Calls `handler` with every `type` event the stream delivers (timeline events once each, after
 * their invalidations were asked for). The latest `handler` is called: no need to memoise it.
 */
export function useLiveEvent<T extends LiveEventType>(type: T, handler: Handler<T>) {
  const events = useContext(LiveEventsContext);
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => events?.subscribe(type, (event) => latest.current(event)), [events, type]);
}

/**
 * Resolves once the browser has painted the next frame (the task after it). A hidden tab paints
 * no frames (a tab opened in the background, or reloaded while hidden): it goes on at once, so its
 * stream still opens (browser notifications come only to hidden tabs); and after 1 s in any case.
 */
const afterNextPaint = () =>
  new Promise<void>((resolve) => {
    if (document.visibilityState === "hidden") return resolve();
    const fallback = setTimeout(resolve, 1_000);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(fallback);
        resolve();
      }, 0),
    );
  });

/** After this long without a stream the person is told that screens no longer update by themselves. */
const PAUSED_NOTICE_AFTER_MS = 5_000;

/**
 * "Live updates paused": only after a few seconds (a reconnect usually takes less), at the bottom
 * of the screen, clicks passing through it. The status region is always in the page, so a screen
 * reader announces the words when they appear.
 */
function LivePausedNotice({ connected }: { connected: boolean }) {
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (connected) {
      setPaused(false);
      return;
    }
    const timer = setTimeout(() => setPaused(true), PAUSED_NOTICE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [connected]);
  return (
    <div
      role="status"
      style={{
        position: "fixed",
        bottom: 12,
        left: "50%",
        transform: "translateX(-50%)",
        zIndex: 250,
        pointerEvents: "none",
        maxWidth: "calc(100vw - 24px)",
      }}
    >
      {paused && (
        <Paper withBorder shadow="sm" radius="xl" px="md" py={6}>
          <Text size="sm">Live updates paused — reconnecting</Text>
        </Paper>
      )}
    </div>
  );
}

/** Inside the signed-in part of the app: unmounted on sign-out, which closes the stream. */
export function LiveProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>(NOT_CONNECTED);
  const handlers = useRef(new Map<LiveEventType, Set<AnyHandler>>());
  const events = useMemo<LiveEvents>(
    () => ({
      subscribe(type, handler) {
        let set = handlers.current.get(type);
        if (!set) {
          set = new Set();
          handlers.current.set(type, set);
        }
        set.add(handler as AnyHandler);
        return () => {
          set.delete(handler as AnyHandler);
        };
      },
    }),
    [],
  );

  useEffect(() => {
    let close: (() => void) | undefined;
    let cancelled = false;
    // The stream's code (and zod, for its checks) is fetched once the first screen has painted: on
    // a phone's network a request started before would hold up the screen's own files.
    afterNextPaint()
      .then(() => (cancelled ? null : import("./live-connection.js")))
      .then((loaded) => {
        if (!loaded || cancelled) return;
        close = loaded.openLiveConnection({
          queryClient,
          onStatus: setStatus,
          emit: (type, event) => {
            for (const handler of [...(handlers.current.get(type) ?? [])]) handler(event);
          },
        });
      })
      // The code could not be loaded (offline): the screens work as before, the notice says so.
      .catch(() => setStatus({ state: "reconnecting", connected: false, streamId: null }));
    return () => {
      cancelled = true;
      close?.();
    };
  }, [queryClient]);

  return (
    <LiveEventsContext.Provider value={events}>
      <LiveStatusContext.Provider value={status}>
        {children}
        <LivePausedNotice connected={status.connected} />
      </LiveStatusContext.Provider>
    </LiveEventsContext.Provider>
  );
}
