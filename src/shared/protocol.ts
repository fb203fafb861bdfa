/**
 * Plain values of the API's protocol: header and cookie names, timings. This module imports no
 * zod (neither may what it imports), so the web app's first screens can read them without
 * downloading and building the API's schemas (vite.config.ts, reachesZod). The modules of the
 * schemas re-export them for the server.
 */

/** The header a browser session's writes carry their CSRF token in. */
export const CSRF_HEADER = "x-csrf-token";
export const SESSION_COOKIE = "uplink_session";

/** Presence reports must come at least this often, or the viewer is taken to have left. */
export const PRESENCE_TTL_MS = 45_000;
export const PRESENCE_REPORT_EVERY_MS = 20_000;
