import { z } from "zod";

/**
 * A session's public id: 32 hex characters derived one way from the stored id (itself the SHA-256
 * of the cookie token). The stored id never leaves the server; this one only names the session
 * within its owner's list.
 */
export const SESSION_PUBLIC_ID_PATTERN = /^[0-9a-f]{32}$/;

export const ZSessionPublicId = z.object({
  id: z.string().regex(SESSION_PUBLIC_ID_PATTERN, "id must be a session id from the sessions list"),
});

export const DEVICE_TYPES = ["desktop", "mobile", "tablet", "tv", "bot", "unknown"] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** One place a staff member is signed in: "Firefox 128 on Android (mobile)", from where, since when. */
export const ZStaffSession = z
  .object({
    id: z.string(),
    /** The session this request came with. */
    current: z.boolean(),
    device: z.object({
      /** "Firefox 128 on Android", or "Unknown device" when the browser sent no user agent. */
      label: z.string(),
      browser: z.string().nullable(),
      os: z.string().nullable(),
      type: z.enum(DEVICE_TYPES),
    }),
    userAgent: z.string().nullable(),
    /** The address it signed in from. */
    ip: z.string().nullable(),
    createdAt: z.iso.datetime({ offset: true }),
    /** Refreshed at most once a minute. */
    lastSeenAt: z.iso.datetime({ offset: true }),
    /** When it ends at the latest (7 days after sign-in; sooner after 12 hours idle). */
    expiresAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "StaffSession" });
export type StaffSession = z.infer<typeof ZStaffSession>;

export const ZStaffSessionList = z.object({ items: z.array(ZStaffSession) }).meta({ id: "StaffSessionList" });
export type StaffSessionList = z.infer<typeof ZStaffSessionList>;

export const ZEndedSessions = z.object({ ended: z.number().int().min(0) }).meta({ id: "EndedSessions" });
export type EndedSessions = z.infer<typeof ZEndedSessions>;
