import { index, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { ALERT_SOURCES, ALERT_STATES } from "../../../shared/integrations.js";
import { networkSites } from "./customers.js";
import { incidents } from "./incidents.js";

export const alertSource = pgEnum("alert_source", ALERT_SOURCES);
export const alertState = pgEnum("alert_state", ALERT_STATES);

/**
 * Alerts from network monitoring and the incident each one opened or joined (owned by
 * `integrations/`). Keyed by the sender's fingerprint, so a re-sent alert (Alertmanager repeats a
 * firing group every repeat_interval, and HA pairs may both send) finds its incident again.
 */
export const monitoringAlerts = pgTable(
  "monitoring_alerts",
  {
    source: alertSource("source").notNull(),
    fingerprint: text("fingerprint").notNull(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    siteId: uuid("site_id")
      .notNull()
      .references(() => networkSites.id),
    state: alertState("state").notNull(),
    summary: text("summary").notNull(),
    firedAt: timestamp("fired_at", { withTimezone: true }).notNull(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.source, t.fingerprint] }),
    // FK index (the cascade from incidents); a resolved alert asks whether others of its incident still fire.
    index("monitoring_alerts_incident_id_idx").on(t.incidentId, t.state),
    // FK index (deleting a site).
    index("monitoring_alerts_site_id_idx").on(t.siteId),
  ],
);
