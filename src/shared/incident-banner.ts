import { z } from "zod";
import { INCIDENT_KINDS, INCIDENT_SEVERITIES, INCIDENT_STATUSES } from "./enums.js";

/**
 * What the person on the phone needs about an incident affecting a caller: the banner "Affected
 * by: <title> — <public message>, expected back <ETA>" on the customer page, the ticket page, the
 * new-ticket form and the /call screen-pop.
 */
export const ZIncidentBanner = z
  .object({
    id: z.uuid(),
    title: z.string(),
    kind: z.enum(INCIDENT_KINDS),
    severity: z.enum(INCIDENT_SEVERITIES),
    status: z.enum(INCIDENT_STATUSES),
    publicMessage: z.string(),
    startsAt: z.iso.datetime({ offset: true }),
    expectedEndAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .meta({ id: "IncidentBanner" });
export type IncidentBanner = z.infer<typeof ZIncidentBanner>;

/** The active incidents affecting one customer now, latest start first (usually none or one). */
export const ZCustomerIncidents = z.object({ items: z.array(ZIncidentBanner) }).meta({ id: "CustomerIncidents" });
export type CustomerIncidents = z.infer<typeof ZCustomerIncidents>;
