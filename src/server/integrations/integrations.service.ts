import { and, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { ACTIVE_INCIDENT_STATUSES, type IncidentSeverity } from "../../shared/enums.js";
import type {
  AlertIntakeResult,
  AlertmanagerPayload,
  AlertSource,
  AlertState,
  GenericAlert,
} from "../../shared/integrations.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { incidentSites, incidents, monitoringAlerts, networkSites } from "../db/schema/index.js";
import { recordIncidentEvents } from "../incidents/incidents.events.js";
import {
  applyIncidentChange,
  createIncident,
  findIncidentRow,
  isClosedStatus,
} from "../incidents/incidents.service.js";

/** An alert from any monitor, in the one shape the rules below read. */
export interface IncomingAlert {
  source: AlertSource;
  fingerprint: string;
  status: AlertState;
  /** The site label's value: a network site's name (any case) or id; undefined when the label is missing. */
  site: string | undefined;
  summary: string;
  severity: IncidentSeverity;
  /** Where the alert came from (Alertmanager's generatorURL, startsAt), for the timeline. */
  details: Record<string, string>;
}

/** What customers see until staff write their own: says nothing a monitor cannot know. */
export const ALERT_PUBLIC_MESSAGE =
  "We are aware of a service problem in your area and are working on it. We will post an update as soon as we know more.";

const SEVERITY_LABELS: Record<string, IncidentSeverity> = {
  critical: "critical",
  emergency: "critical",
  page: "critical",
  major: "major",
  error: "major",
  high: "major",
  minor: "minor",
  warning: "minor",
  low: "minor",
  info: "minor",
};

/** A `severity` label (critical, major, minor and their usual synonyms); none or unknown: major. */
export function severityOf(label: string | undefined): IncidentSeverity {
  return SEVERITY_LABELS[label?.trim().toLowerCase() ?? ""] ?? "major";
}

/** Alertmanager's alerts as IncomingAlert (the site from the configured label). */
export function fromAlertmanager(payload: AlertmanagerPayload, siteLabel: string): IncomingAlert[] {
  return payload.alerts.map((alert) => {
    const summary = alert.annotations.summary?.trim() || alert.labels.alertname?.trim() || "Alert from monitoring";
    const details: Record<string, string> = {};
    if (alert.labels.alertname) details.alertname = alert.labels.alertname;
    if (alert.startsAt) details.startsAt = alert.startsAt;
    if (alert.generatorURL) details.generatorURL = alert.generatorURL;
    if (payload.externalURL) details.externalURL = payload.externalURL;
    return {
      source: "alertmanager",
      fingerprint: alert.fingerprint,
      status: alert.status,
      site: alert.labels[siteLabel]?.trim() || undefined,
      // An incident title holds at most 200 characters; a long summary is cut, not refused.
      summary: summary.slice(0, 200),
      severity: severityOf(alert.labels.severity),
      details,
    };
  });
}

export function fromGenericAlert(alert: GenericAlert): IncomingAlert {
  return {
    source: "generic",
    fingerprint: alert.fingerprint,
    status: alert.status,
    site: alert.site,
    summary: alert.summary,
    severity: alert.severity ?? "major",
    details: {},
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The site a label names: by id, or by name in any case (names are unique regardless of case). */
async function findSiteByLabel(db: Executor, value: string) {
  const [site] = await db
    .select({ id: networkSites.id, name: networkSites.name })
    .from(networkSites)
    .where(
      UUID.test(value) ? eq(networkSites.id, value.toLowerCase()) : sql`lower(${networkSites.name}) = lower(${value})`,
    )
    .limit(1);
  return site;
}

/**
 * Serialises alert handling per site for the rest of the transaction: two alerts for one site
 * arriving together (Alertmanager HA pairs both send; two alerts of one tower) must open one
 * incident, not two.
 */
async function lockSite(db: Executor, siteId: string) {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`uplink.alerts.site:${siteId}`}))`);
}

async function findAlert(db: Executor, source: AlertSource, fingerprint: string) {
  const [row] = await db
    .select()
    .from(monitoringAlerts)
    .where(and(eq(monitoringAlerts.source, source), eq(monitoringAlerts.fingerprint, fingerprint)))
    .limit(1);
  return row;
}

/** The active incident on the site (the latest to start, if several). */
async function activeIncidentOnSite(db: Executor, siteId: string) {
  const [row] = await db
    .select()
    .from(incidents)
    .innerJoin(incidentSites, eq(incidentSites.incidentId, incidents.id))
    .where(and(eq(incidentSites.siteId, siteId), inArray(incidents.status, [...ACTIVE_INCIDENT_STATUSES])))
    .orderBy(desc(incidents.startsAt), desc(incidents.id))
    .limit(1);
  return row?.incidents;
}

type Processed = AlertIntakeResult["processed"][number];
type Ignored = AlertIntakeResult["ignored"][number];

/**
 * Files each alert, one transaction per alert (a retry of the whole payload is safe: every step
 * is idempotent by fingerprint). A firing alert opens an incident in `investigating` on its site,
 * or joins the site's active one; a resolved alert moves its incident to `monitoring` once no
 * other alert of it still fires. People resolve incidents; monitors never do.
 */
export async function receiveAlerts(
  ctx: ServiceContext,
  actor: Actor,
  alerts: IncomingAlert[],
): Promise<AlertIntakeResult> {
  const result: AlertIntakeResult = { processed: [], ignored: [] };
  for (const alert of alerts) {
    const outcome = await inTransaction(ctx, (txCtx) =>
      alert.status === "firing" ? fileFiringAlert(txCtx, actor, alert) : fileResolvedAlert(txCtx, actor, alert),
    );
    if ("reason" in outcome) result.ignored.push(outcome);
    else result.processed.push(outcome);
  }
  return result;
}

async function fileFiringAlert(ctx: ServiceContext, actor: Actor, alert: IncomingAlert): Promise<Processed | Ignored> {
  const tx = ctx.db;
  const base = { fingerprint: alert.fingerprint, status: alert.status };
  if (!alert.site) {
    return { ...base, reason: "no_site_label", detail: "The alert names no network site." };
  }
  const site = await findSiteByLabel(tx, alert.site);
  if (!site) {
    return { ...base, reason: "unknown_site", detail: `No network site is named "${alert.site}" or has that id.` };
  }
  await lockSite(tx, site.id);
  const now = ctx.clock.now();
  const event = (incidentId: string) => ({
    incidentId,
    kind: "alert_firing" as const,
    actorId: actor.id,
    changes: { source: alert.source, fingerprint: alert.fingerprint, summary: alert.summary, ...alert.details },
    at: now,
  });

  const known = await findAlert(tx, alert.source, alert.fingerprint);
  const knownIncident = known ? await findIncidentRow(tx, known.incidentId, { lock: true }) : undefined;
  if (known && knownIncident && !isClosedStatus(knownIncident.status)) {
    if (known.state === "firing") return { ...base, outcome: "unchanged", incidentId: known.incidentId };
    // It resolved, then fired again (a flapping link): the incident is not over after all.
    await tx
      .update(monitoringAlerts)
      .set({ state: "firing", resolvedAt: null, updatedAt: now })
      .where(and(eq(monitoringAlerts.source, alert.source), eq(monitoringAlerts.fingerprint, alert.fingerprint)));
    await recordIncidentEvents(tx, [event(knownIncident.id)]);
    if (knownIncident.status === "monitoring") {
      await applyIncidentChange(
        ctx,
        actor,
        knownIncident,
        { status: "investigating" },
        {
          statusEventExtra: { alert: { source: alert.source, fingerprint: alert.fingerprint } },
        },
      );
      await auditStatus(ctx, actor, knownIncident.id, "investigating", alert);
    }
    return { ...base, outcome: "refired", incidentId: knownIncident.id };
  }

  // New, or its incident is over (people resolved it): the site's active incident, else a new one.
  const active = await activeIncidentOnSite(tx, site.id);
  let incidentId: string;
  if (active) {
    incidentId = active.id;
  } else {
    const created = await createIncident(ctx, actor, {
      title: alert.summary,
      kind: "outage",
      severity: alert.severity,
      status: "investigating",
      siteIds: [site.id],
      publicMessage: ALERT_PUBLIC_MESSAGE,
    });
    incidentId = created.id;
  }
  await recordIncidentEvents(tx, [event(incidentId)]);
  const row = {
    incidentId,
    siteId: site.id,
    state: "firing" as const,
    summary: alert.summary,
    firedAt: now,
    resolvedAt: null,
    updatedAt: now,
  };
  await tx
    .insert(monitoringAlerts)
    .values({ source: alert.source, fingerprint: alert.fingerprint, ...row })
    .onConflictDoUpdate({ target: [monitoringAlerts.source, monitoringAlerts.fingerprint], set: row });
  return { ...base, outcome: active ? "attached" : "opened", incidentId };
}

async function fileResolvedAlert(
  ctx: ServiceContext,
  actor: Actor,
  alert: IncomingAlert,
): Promise<Processed | Ignored> {
  const tx = ctx.db;
  const base = { fingerprint: alert.fingerprint, status: alert.status };
  const seen = await findAlert(tx, alert.source, alert.fingerprint);
  if (!seen) {
    return {
      ...base,
      reason: "unknown_alert",
      detail: "No firing alert with this fingerprint opened or joined an incident here.",
    };
  }
  await lockSite(tx, seen.siteId);
  const known = await findAlert(tx, alert.source, alert.fingerprint);
  if (!known || known.state === "resolved") {
    return { ...base, outcome: "unchanged", incidentId: seen.incidentId };
  }
  const now = ctx.clock.now();
  await tx
    .update(monitoringAlerts)
    .set({ state: "resolved", resolvedAt: now, updatedAt: now })
    .where(and(eq(monitoringAlerts.source, alert.source), eq(monitoringAlerts.fingerprint, alert.fingerprint)));
  const incident = await findIncidentRow(tx, known.incidentId, { lock: true });
  if (!incident || isClosedStatus(incident.status)) {
    // People already closed it: the monitor's word changes nothing there.
    return { ...base, outcome: "unchanged", incidentId: known.incidentId };
  }
  const [stillFiring] = await tx
    .select({ fingerprint: monitoringAlerts.fingerprint })
    .from(monitoringAlerts)
    .where(
      and(
        eq(monitoringAlerts.incidentId, incident.id),
        eq(monitoringAlerts.state, "firing"),
        ne(monitoringAlerts.fingerprint, alert.fingerprint),
      ),
    )
    .limit(1);
  await recordIncidentEvents(tx, [
    {
      incidentId: incident.id,
      kind: "alert_resolved",
      actorId: actor.id,
      changes: {
        source: alert.source,
        fingerprint: alert.fingerprint,
        summary: known.summary,
        otherAlertsFiring: stillFiring !== undefined,
        ...alert.details,
      },
      at: now,
    },
  ]);
  if (!stillFiring && (incident.status === "investigating" || incident.status === "identified")) {
    await applyIncidentChange(
      ctx,
      actor,
      incident,
      { status: "monitoring" },
      {
        statusEventExtra: { alert: { source: alert.source, fingerprint: alert.fingerprint } },
      },
    );
    await auditStatus(ctx, actor, incident.id, "monitoring", alert);
  }
  return { ...base, outcome: "resolved", incidentId: incident.id };
}

async function auditStatus(
  ctx: ServiceContext,
  actor: Actor,
  incidentId: string,
  status: string,
  alert: IncomingAlert,
) {
  await recordAudit(ctx.db, {
    actorId: actor.id,
    tokenId: actor.tokenId,
    action: "incident.update",
    entityType: "incident",
    entityId: incidentId,
    data: { fields: ["status"], status, alert: { source: alert.source, fingerprint: alert.fingerprint } },
    ip: actor.ip,
    at: ctx.clock.now(),
  });
}
