import { Badge, CloseButton, Group } from "@mantine/core";
import { useIncident } from "./api.js";

/**
 * The ticket queue's incident filter (`?incidentId=`, from an incident page's linked-ticket count):
 * the incident's title, and a button that removes the filter.
 */
export function IncidentFilterChip({ incidentId, onRemove }: { incidentId: string; onRemove: () => void }) {
  const incident = useIncident(incidentId);
  const title = incident.data?.title ?? "one incident";
  return (
    <Group gap={4} wrap="nowrap">
      <Badge variant="light" color="red" size="lg" tt="none" maw="100%">
        Incident: {title}
      </Badge>
      <CloseButton aria-label={`Remove the filter: incident ${title}`} onClick={onRemove} />
    </Group>
  );
}
