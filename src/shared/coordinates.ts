import type { z } from "zod";

type Coordinate = number | null | undefined;

/**
 * A point on the map needs both numbers: latitude without longitude (or the reverse) is half an
 * address nobody can find. `latitude` and `longitude` are the values the record ends with (null for
 * none); the problem names the missing one.
 */
export function coordinatePairProblem(
  latitude: Coordinate,
  longitude: Coordinate,
): { field: "latitude" | "longitude"; message: string } | undefined {
  const hasLatitude = latitude !== null && latitude !== undefined;
  const hasLongitude = longitude !== null && longitude !== undefined;
  if (hasLatitude && !hasLongitude)
    return { field: "longitude", message: "Longitude is needed with a latitude: enter both, or neither" };
  if (hasLongitude && !hasLatitude)
    return { field: "latitude", message: "Latitude is needed with a longitude: enter both, or neither" };
  return undefined;
}

/** For a create body: a missing coordinate means none. */
export function refineCoordinatePair(value: { latitude?: Coordinate; longitude?: Coordinate }, ctx: z.RefinementCtx) {
  const problem = coordinatePairProblem(value.latitude, value.longitude);
  if (problem) ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message });
}

/**
 * For a partial update: only a body that sends both can be judged here (the service checks one
 * against the stored other).
 */
export function refineCoordinatePairUpdate(
  value: { latitude?: Coordinate; longitude?: Coordinate },
  ctx: z.RefinementCtx,
) {
  if (value.latitude === undefined || value.longitude === undefined) return;
  refineCoordinatePair(value, ctx);
}
