import { z } from "zod";

/** A staff member's secret calendar address for their visits (docs/field-work.md, "Calendar feeds"). */

/** The token in the address: 32 random bytes, base64url (43 characters). */
export const CALENDAR_FEED_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Whether the signed-in staff member has a feed; never its address, which is shown once. */
export const ZCalendarFeed = z
  .object({
    active: z.boolean(),
    createdAt: z.iso.datetime({ offset: true }).nullable(),
    /** When a calendar app last fetched it. */
    lastUsedAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .meta({ id: "CalendarFeed" });
export type CalendarFeed = z.infer<typeof ZCalendarFeed>;

/** The new address, answered once: only its token's hash is kept. */
export const ZCreatedCalendarFeed = z.object({ url: z.url() }).meta({ id: "CreatedCalendarFeed" });
export type CreatedCalendarFeed = z.infer<typeof ZCreatedCalendarFeed>;
