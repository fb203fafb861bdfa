import { z } from "zod";

/**
 * A possible outage nobody has declared yet: enough no-service or intermittent tickets from one
 * site's customers in a short time (OUTAGE_SUGGESTION_TICKETS within OUTAGE_SUGGESTION_MINUTES),
 * with no active incident on that site. Computed live on every request.
 */
export const ZOutageSuggestion = z
  .object({
    siteId: z.uuid(),
    siteName: z.string(),
    /** The open, unlinked tickets of the burst (what "Open incident" links). */
    ticketCount: z.number().int(),
    firstAt: z.iso.datetime({ offset: true }),
    lastAt: z.iso.datetime({ offset: true }),
    ticketIds: z.array(z.uuid()),
  })
  .meta({ id: "OutageSuggestion" });
export type OutageSuggestion = z.infer<typeof ZOutageSuggestion>;

export const ZOutageSuggestionList = z
  .object({
    items: z.array(ZOutageSuggestion),
    /** The thresholds in force, so the UI can say what it counts. */
    thresholds: z.object({ tickets: z.number().int(), minutes: z.number().int() }),
  })
  .meta({ id: "OutageSuggestionList" });
export type OutageSuggestionList = z.infer<typeof ZOutageSuggestionList>;
