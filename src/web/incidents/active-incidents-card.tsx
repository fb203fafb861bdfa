import { Anchor, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useMemo } from "react";
import { Link } from "react-router";
import { useIncident, useIncidents } from "./api.js";
import { etaWords, IncidentSeverityBadge, IncidentStatusBadge } from "./incident-badges.js";

function AffectedWords({ id }: { id: string }) {
  const detail = useIncident(id);
  if (!detail.data) return null;
  const count = detail.data.affectedCustomerCount;
  return (
    <Text size="sm" fw={600}>
      {count.toLocaleString("en-US")} customer{count === 1 ? "" : "s"} affected · {detail.data.tickets.open} open ticket
      {detail.data.tickets.open === 1 ? "" : "s"}
    </Text>
  );
}

/**
 * The dashboard's card of incidents going on now, with how many customers each affects: the
 * first thing to see in an outage. Nothing at all while there is none.
 */
export function ActiveIncidentsCard() {
  const list = useIncidents("active", 10);
  const items = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  if (items.length === 0) return null;
  return (
    <Paper
      withBorder
      p="md"
      component="section"
      aria-labelledby="active-incidents"
      style={{ borderColor: "var(--mantine-color-red-filled)" }}
    >
      <Group gap="xs" mb="sm">
        <IconAlertTriangle size={20} color="var(--mantine-color-red-filled)" aria-hidden />
        <Title order={2} size="h4" id="active-incidents">
          Active incidents
        </Title>
        <Anchor component={Link} to="/incidents" size="sm" ml="auto">
          All incidents
        </Anchor>
      </Group>
      <Stack gap="sm">
        {items.map((incident) => (
          <Stack key={incident.id} gap={2}>
            <Group gap="xs">
              <Anchor component={Link} to={`/incidents/${incident.id}`} fw={600} style={{ overflowWrap: "anywhere" }}>
                {incident.title}
              </Anchor>
              <IncidentStatusBadge status={incident.status} />
              <IncidentSeverityBadge severity={incident.severity} />
            </Group>
            <AffectedWords id={incident.id} />
            <Text size="sm" c="dimmed">
              {incident.sites.map((site) => site.name).join(", ")} · {etaWords(incident.expectedEndAt)}
            </Text>
          </Stack>
        ))}
      </Stack>
    </Paper>
  );
}
