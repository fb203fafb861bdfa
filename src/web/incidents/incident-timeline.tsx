import { Alert, Paper, Text, Timeline, Title } from "@mantine/core";
import type { IncidentEventKind, IncidentStatus } from "../../shared/enums.js";
import type { IncidentEvent } from "../../shared/incidents.js";
import { errorMessage } from "../app/api.js";
import { DateTime } from "../app/date-time.js";
import { useIncidentTimeline } from "./api.js";
import { INCIDENT_STATUS_LABELS } from "./incident-badges.js";
import { INCIDENT_FIELD_LABELS } from "./incident-form.js";

// Kinds other features add (monitoring alerts, messages) read by their name until worded here.
const KIND_WORDS: Partial<Record<IncidentEventKind, string>> = {
  created: "opened the incident",
  updated: "edited",
  status_changed: "changed the status",
  public_update: "published an update",
  activated: "started (scheduled time reached)",
  ticket_linked: "linked a ticket",
  ticket_unlinked: "unlinked a ticket",
  resolved: "resolved the incident",
  alert_firing: "reported an alert from monitoring",
  alert_resolved: "reported the monitoring alert resolved",
};

type FieldChanges = Record<string, { from?: unknown; to?: unknown }>;

/** One entry's sentence: who did what ("Anna changed the status: Investigating → Identified"). */
function describe(event: IncidentEvent): string {
  const changes = event.changes ?? {};
  const fields = (changes.fields ?? {}) as FieldChanges;
  const statusLabel = (value: unknown) => INCIDENT_STATUS_LABELS[value as IncidentStatus] ?? String(value);
  if (event.kind === "status_changed" && fields.status) {
    return `changed the status: ${statusLabel(fields.status.from)} → ${statusLabel(fields.status.to)}`;
  }
  if (event.kind === "updated") {
    const names = Object.keys(fields).map((field) => INCIDENT_FIELD_LABELS[field] ?? field);
    return names.length ? `edited ${names.join(", ")}` : "edited";
  }
  if (event.kind === "ticket_linked" || event.kind === "ticket_unlinked") {
    const number = typeof changes.ticketNumber === "string" ? ` ${changes.ticketNumber}` : "";
    const how = changes.automatic === true ? " (automatically: an affected customer's new ticket)" : "";
    return `${event.kind === "ticket_linked" ? "linked ticket" : "unlinked ticket"}${number}${how}`;
  }
  return KIND_WORDS[event.kind] ?? event.kind.replaceAll("_", " ");
}

export function IncidentTimeline({ incidentId }: { incidentId: string }) {
  const timeline = useIncidentTimeline(incidentId);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="incident-timeline">
      <Title order={3} size="h4" mb="sm" id="incident-timeline">
        Timeline
      </Title>
      {timeline.isError && <Alert color="red">{errorMessage(timeline.error)}</Alert>}
      {timeline.isPending && <Text c="dimmed">Loading the timeline…</Text>}
      <Timeline bulletSize={12} lineWidth={2}>
        {(timeline.data ?? []).map((event) => (
          <Timeline.Item key={event.id}>
            <Text size="sm" style={{ overflowWrap: "anywhere" }}>
              <Text span fw={600} inherit>
                {event.actor?.name ?? "Uplink"}
              </Text>{" "}
              {describe(event)}
            </Text>
            {event.publicUpdate && (
              <Text size="sm" c="dimmed" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
                “{event.publicUpdate}”
              </Text>
            )}
            <Text size="xs" c="dimmed">
              <DateTime value={event.createdAt} />
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
    </Paper>
  );
}
