import { useLocalStorage } from "@mantine/hooks";
import type { Position } from "../../shared/visits.js";

/** The technician's choice, kept on this phone: send the phone's position with Arrived, Done and Couldn't get in. */
export function useSharePosition() {
  return useLocalStorage<boolean>({
    key: "uplink.share-position",
    defaultValue: false,
    getInitialValueInEffect: false,
  });
}

/** How long a step waits for the position before it goes without: the step never waits on the GPS. */
const WAIT_MS = 5_000;

/**
 * Where the phone is, or null: no Geolocation API, permission refused, no fix in time. Never
 * throws, and resolves within a few seconds even while the browser's permission prompt is open.
 */
export function currentPosition(): Promise<Position | null> {
  if (typeof navigator === "undefined" || !navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), WAIT_MS);
    const done = (position: Position | null) => {
      clearTimeout(timer);
      resolve(position);
    };
    try {
      navigator.geolocation.getCurrentPosition(
        ({ coords }) =>
          done({
            latitude: coords.latitude,
            longitude: coords.longitude,
            accuracy: Number.isFinite(coords.accuracy) ? Math.min(100_000, Math.round(coords.accuracy)) : null,
          }),
        () => done(null),
        { enableHighAccuracy: true, timeout: WAIT_MS - 500, maximumAge: 60_000 },
      );
    } catch {
      done(null);
    }
  });
}

/** The position if the technician shares it, else null (the browser is not asked). */
export const positionIf = (share: boolean) => (share ? currentPosition() : Promise.resolve(null));
