import { z } from "zod";
import { INCIDENT_SEVERITIES } from "./enums.js";

/** Alerts from network monitoring (docs/integrations-alerts.md). */
export const ALERT_SOURCES = ["alertmanager", "generic"] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const ALERT_STATES = ["firing", "resolved"] as const;
export type AlertState = (typeof ALERT_STATES)[number];

const labelSet = (what: string) =>
  z.record(z.string(), z.string({ error: `${what} values must be text` }), { error: `${what} must be an object` });

/**
 * One alert of Alertmanager's webhook payload (version 4). Unknown keys are dropped, not refused:
 * a newer Alertmanager adding a field must not have its notifications bounced.
 */
export const ZAlertmanagerAlert = z.object({
  status: z.enum(ALERT_STATES, { error: "alerts[].status must be firing or resolved" }),
  labels: labelSet("alerts[].labels"),
  annotations: labelSet("alerts[].annotations").default({}),
  startsAt: z.string().max(100).optional(),
  endsAt: z.string().max(100).optional(),
  generatorURL: z.string().max(4_000).optional(),
  fingerprint: z
    .string({ error: "alerts[].fingerprint is required" })
    .min(1, "alerts[].fingerprint is required")
    .max(200, "alerts[].fingerprint must be at most 200 characters"),
});
export type AlertmanagerAlert = z.infer<typeof ZAlertmanagerAlert>;

/** Prometheus Alertmanager's webhook_config payload, version 4. */
export const ZAlertmanagerPayload = z
  .object({
    version: z.literal("4", { error: 'version must be "4" (Alertmanager\'s webhook payload version)' }),
    groupKey: z.string({ error: "groupKey is required" }).max(10_000),
    truncatedAlerts: z.number().int().min(0).optional(),
    status: z.enum(ALERT_STATES, { error: "status must be firing or resolved" }),
    receiver: z.string({ error: "receiver is required" }).max(1_000),
    groupLabels: labelSet("groupLabels"),
    commonLabels: labelSet("commonLabels"),
    commonAnnotations: labelSet("commonAnnotations"),
    externalURL: z.string({ error: "externalURL is required" }).max(4_000),
    alerts: z
      .array(ZAlertmanagerAlert, { error: "alerts must be a list" })
      .max(1_000, "alerts may hold at most 1,000 alerts (set max_alerts in the webhook_config)"),
  })
  .meta({ id: "AlertmanagerPayload" });
export type AlertmanagerPayload = z.infer<typeof ZAlertmanagerPayload>;

/** The generic form, for monitors other than Alertmanager: one alert per request. */
export const ZGenericAlert = z
  .object({
    site: z
      .string({ error: "site is required (the network site's name or id)" })
      .trim()
      .min(1, "site is required (the network site's name or id)")
      .max(200, "site must be at most 200 characters"),
    status: z.enum(ALERT_STATES, { error: "status must be firing or resolved" }),
    fingerprint: z
      .string({ error: "fingerprint is required (the alert's stable id)" })
      .trim()
      .min(1, "fingerprint is required (the alert's stable id)")
      .max(200, "fingerprint must be at most 200 characters"),
    summary: z
      .string({ error: "summary is required" })
      .trim()
      .min(1, "summary is required")
      .max(200, "summary must be at most 200 characters"),
    severity: z
      .enum(INCIDENT_SEVERITIES, { error: `severity must be one of: ${INCIDENT_SEVERITIES.join(", ")}` })
      .optional(),
  })
  .strict()
  .meta({ id: "GenericAlert" });
export type GenericAlert = z.infer<typeof ZGenericAlert>;

/** What became of each alert: `opened` an incident, `attached` to the site's active one, … */
export const ALERT_OUTCOMES = ["opened", "attached", "refired", "unchanged", "resolved"] as const;
export const ALERT_IGNORE_REASONS = ["no_site_label", "unknown_site", "unknown_alert"] as const;

export const ZAlertIntakeResult = z
  .object({
    processed: z.array(
      z.object({
        fingerprint: z.string(),
        status: z.enum(ALERT_STATES),
        outcome: z.enum(ALERT_OUTCOMES),
        incidentId: z.uuid(),
      }),
    ),
    /** Alerts Uplink did nothing with (answered 200 all the same: a monitor would retry otherwise). */
    ignored: z.array(
      z.object({
        fingerprint: z.string(),
        status: z.enum(ALERT_STATES),
        reason: z.enum(ALERT_IGNORE_REASONS),
        detail: z.string(),
      }),
    ),
  })
  .meta({ id: "AlertIntakeResult" });
export type AlertIntakeResult = z.infer<typeof ZAlertIntakeResult>;
