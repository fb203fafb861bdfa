import { Alert, Anchor, Button, Group, Paper, Stack, Table, Tabs, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { INCIDENT_LIST_STATES, type IncidentListItem, type IncidentListState } from "../../shared/incidents.js";
import { errorMessage } from "../app/api.js";
import { DateTime } from "../app/date-time.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { useIncident, useIncidents } from "./api.js";
import { IncidentKindBadge, IncidentSeverityBadge, IncidentStatusBadge } from "./incident-badges.js";

const TAB_LABELS: Record<IncidentListState, string> = {
  active: "Active",
  scheduled: "Scheduled",
  resolved: "Resolved",
};

/**
 * The live count of one row's affected customers: the list itself does not carry it (computing it
 * for a page of history would cost a count per incident), so the active and scheduled tabs, with
 * a few rows, ask each incident's detail.
 */
function AffectedCount({ id }: { id: string }) {
  const detail = useIncident(id);
  if (!detail.data) return <Text c="dimmed">…</Text>;
  return <Text>{detail.data.affectedCustomerCount.toLocaleString("en-US")}</Text>;
}

const siteNames = (incident: IncidentListItem) => incident.sites.map((site) => site.name).join(", ");

export default function IncidentsPage() {
  const [params, setParams] = useSearchParams();
  const requested = params.get("state");
  const state: IncidentListState = INCIDENT_LIST_STATES.includes(requested as IncidentListState)
    ? (requested as IncidentListState)
    : "active";
  const list = useIncidents(state);
  const items = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const showCount = state !== "resolved";
  usePageTitle("Incidents");

  return (
    <Stack>
      <Group justify="space-between">
        <PageHeading>Incidents</PageHeading>
        <Button component={Link} to="/incidents/new" leftSection={<IconPlus size={16} aria-hidden />}>
          New incident
        </Button>
      </Group>
      <Tabs
        value={state}
        onChange={(value) => setParams(value && value !== "active" ? { state: value } : {}, { replace: true })}
      >
        <Tabs.List>
          {INCIDENT_LIST_STATES.map((value) => (
            <Tabs.Tab key={value} value={value}>
              {TAB_LABELS[value]}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      {list.isError && (
        <Alert color="red" title="The incidents could not be loaded">
          {errorMessage(list.error)}
        </Alert>
      )}
      <Paper withBorder>
        <Table.ScrollContainer minWidth={720}>
          <Table highlightOnHover verticalSpacing="sm" aria-label={`${TAB_LABELS[state]} incidents`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Incident</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Severity</Table.Th>
                <Table.Th>Sites</Table.Th>
                {showCount && <Table.Th>Affected</Table.Th>}
                <Table.Th>Starts</Table.Th>
                <Table.Th>{state === "resolved" ? "Resolved" : "Expected end"}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((incident) => (
                <Table.Tr key={incident.id}>
                  <Table.Td>
                    <Stack gap={4} align="flex-start">
                      <Anchor component={Link} to={`/incidents/${incident.id}`} fw={600}>
                        {incident.title}
                      </Anchor>
                      <IncidentKindBadge kind={incident.kind} />
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <IncidentStatusBadge status={incident.status} />
                  </Table.Td>
                  <Table.Td>
                    <IncidentSeverityBadge severity={incident.severity} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{siteNames(incident)}</Text>
                  </Table.Td>
                  {showCount && (
                    <Table.Td>
                      <AffectedCount id={incident.id} />
                    </Table.Td>
                  )}
                  <Table.Td>
                    <DateTime value={incident.startsAt} />
                  </Table.Td>
                  <Table.Td>
                    {state === "resolved" ? (
                      incident.resolvedAt ? (
                        <DateTime value={incident.resolvedAt} />
                      ) : (
                        "—"
                      )
                    ) : incident.expectedEndAt ? (
                      <DateTime value={incident.expectedEndAt} />
                    ) : (
                      <Text c="dimmed" size="sm">
                        Not known
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {!list.isPending && items.length === 0 && (
          <Text c="dimmed" ta="center" py="lg">
            No {TAB_LABELS[state].toLowerCase()} incidents
          </Text>
        )}
        {list.isPending && (
          <Text c="dimmed" ta="center" py="lg">
            Loading incidents…
          </Text>
        )}
      </Paper>
      {list.hasNextPage && (
        <Button variant="default" onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
          Load more
        </Button>
      )}
    </Stack>
  );
}
