import { CloseButton, Group, Paper, Text } from "@mantine/core";
import { useIncident } from "./api.js";

/**
 * The ticket queue's incident filter (`?incidentId=`, from an incident page's linked-ticket count):
 * the incident's title, and a button that removes the filter. Text, not a badge: a badge keeps its
 * text on one line, and an incident's title is often longer than a phone is wide.
 */
export function IncidentFilterChip({ incidentId, onRemove }: { incidentId: string; onRemove: () => void }) {
  const incident = useIncident(incidentId);
  const title = incident.data?.title ?? "one incident";
  return (
    <Paper bg="var(--mantine-color-red-light)" px="sm" py={4} radius="xl" w="fit-content" maw="100%">
      <Group gap={4} wrap="nowrap">
        <Text size="sm" fw={600} style={{ overflowWrap: "anywhere", minWidth: 0 }}>
          Incident: {title}
        </Text>
        <CloseButton size="sm" aria-label={`Remove the filter: incident ${title}`} onClick={onRemove} />
      </Group>
    </Paper>
  );
}
