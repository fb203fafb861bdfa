import { Alert, Anchor, Badge, type MantineColor, type MantineSpacing, Stack, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { Link } from "react-router";
import {
  ACTIVE_INCIDENT_STATUSES,
  type IncidentKind,
  type IncidentSeverity,
  type IncidentStatus,
} from "../../shared/enums.js";
import type { IncidentBanner } from "../../shared/incident-banner.js";
import { optionsOf } from "../../shared/labels.js";
import { formatDateTime } from "../app/format.js";
import { useCustomerIncidents, useIncident } from "./api.js";

export const INCIDENT_KIND_LABELS: Record<IncidentKind, string> = {
  outage: "Outage",
  degraded: "Degraded service",
  maintenance: "Maintenance",
};
export const INCIDENT_SEVERITY_LABELS: Record<IncidentSeverity, string> = {
  minor: "Minor",
  major: "Major",
  critical: "Critical",
};
export const INCIDENT_STATUS_LABELS: Record<IncidentStatus, string> = {
  scheduled: "Scheduled",
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
  cancelled: "Cancelled",
};
export const INCIDENT_KIND_OPTIONS = optionsOf(INCIDENT_KIND_LABELS);
export const INCIDENT_SEVERITY_OPTIONS = optionsOf(INCIDENT_SEVERITY_LABELS);
export const INCIDENT_STATUS_OPTIONS = optionsOf(INCIDENT_STATUS_LABELS);

const SEVERITY_COLORS: Record<IncidentSeverity, MantineColor> = { minor: "yellow", major: "orange", critical: "red" };
const STATUS_COLORS: Record<IncidentStatus, MantineColor> = {
  scheduled: "gray",
  investigating: "red",
  identified: "orange",
  monitoring: "blue",
  resolved: "green",
  cancelled: "gray",
};
const KIND_COLORS: Record<IncidentKind, MantineColor> = { outage: "red", degraded: "orange", maintenance: "indigo" };

export function IncidentStatusBadge({ status }: { status: IncidentStatus }) {
  return (
    <Badge variant="light" color={STATUS_COLORS[status]}>
      {INCIDENT_STATUS_LABELS[status]}
    </Badge>
  );
}

export function IncidentSeverityBadge({ severity }: { severity: IncidentSeverity }) {
  return (
    <Badge variant={severity === "critical" ? "filled" : "light"} color={SEVERITY_COLORS[severity]}>
      {INCIDENT_SEVERITY_LABELS[severity]}
    </Badge>
  );
}

export function IncidentKindBadge({ kind }: { kind: IncidentKind }) {
  return (
    <Badge variant="outline" color={KIND_COLORS[kind]}>
      {INCIDENT_KIND_LABELS[kind]}
    </Badge>
  );
}

/** "expected back Mar 9, 2026, 5:00 PM" (or that nobody knows yet), as the caller is told. */
export const etaWords = (expectedEndAt: string | null) =>
  expectedEndAt ? `expected back ${formatDateTime(expectedEndAt)}` : "no time given yet for the fix";

/**
 * "Affected by: <incident> — <public message>, expected back <ETA>": what the person on the phone
 * tells the caller at once. Shown wherever a customer is in front of staff (customer page, ticket
 * page, new-ticket form, /call screen-pop).
 */
export function IncidentBannerAlert({ incident }: { incident: IncidentBanner }) {
  return (
    <Alert
      color={incident.kind === "maintenance" ? "indigo" : "red"}
      icon={<IconAlertTriangle aria-hidden />}
      role="status"
      aria-label={`Affected by ${incident.title}`}
      p="sm"
    >
      <Text size="sm" style={{ overflowWrap: "anywhere" }}>
        <Text span fw={700}>
          Affected by:{" "}
        </Text>
        <Anchor component={Link} to={`/incidents/${incident.id}`} fw={600} inherit>
          {incident.title}
        </Anchor>
        {incident.publicMessage ? ` — ${incident.publicMessage}` : ""}, {etaWords(incident.expectedEndAt)}
      </Text>
    </Alert>
  );
}

/** The banners of every active incident affecting this customer (nothing while none does). */
export function CustomerIncidentBanners({
  customerId,
  mt,
}: {
  customerId: string | null | undefined;
  mt?: MantineSpacing;
}) {
  const incidents = useCustomerIncidents(customerId);
  if (!customerId || !incidents.data?.length) return null;
  return (
    <Stack gap="xs" mt={mt}>
      {incidents.data.map((incident) => (
        <IncidentBannerAlert key={incident.id} incident={incident} />
      ))}
    </Stack>
  );
}

/**
 * The ticket page's incident: the incident the ticket is linked to (with a link), and the banners
 * of the incidents affecting its customer now.
 */
export function TicketIncidentNotice({
  incidentId,
  customerId,
}: {
  incidentId: string | null;
  customerId: string | null;
}) {
  const linked = useIncident(incidentId);
  const active = useCustomerIncidents(customerId);
  const bannerIds = new Set((active.data ?? []).map((incident) => incident.id));
  return (
    <>
      {incidentId && (
        <Text size="sm" aria-label="Linked incident">
          Linked to incident{" "}
          <Anchor component={Link} to={`/incidents/${incidentId}`} fw={600}>
            {linked.data?.title ?? "…"}
          </Anchor>
          {linked.data && ` (${INCIDENT_STATUS_LABELS[linked.data.status]})`}
        </Text>
      )}
      {(active.data ?? []).map((incident) => (
        <IncidentBannerAlert key={incident.id} incident={incident} />
      ))}
      {/* A linked incident still going on whose filter no longer covers this customer (or a
          network-wide ticket): its banner all the same, so the caller hears the public message. */}
      {linked.data && !bannerIds.has(linked.data.id) && !active.isPending && isGoingOn(linked.data.status) && (
        <IncidentBannerAlert incident={linked.data} />
      )}
    </>
  );
}

const isGoingOn = (status: IncidentStatus) => (ACTIVE_INCIDENT_STATUSES as readonly string[]).includes(status);
