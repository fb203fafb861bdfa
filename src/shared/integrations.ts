/** Alerts from network monitoring (docs/integrations-alerts.md). */
export const ALERT_SOURCES = ["alertmanager", "generic"] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const ALERT_STATES = ["firing", "resolved"] as const;
export type AlertState = (typeof ALERT_STATES)[number];
