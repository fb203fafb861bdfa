import { Alert, Anchor, Card, Group, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { FINAL_VISIT_STATUSES, type VisitStatus } from "../../shared/enums.js";
import { VISIT_KIND_LABELS } from "../../shared/labels.js";
import type { VisitDetail } from "../../shared/visits.js";
import { errorMessage } from "../app/api.js";
import { useVisits } from "./api.js";
import { VisitStatusBadge } from "./visit-badges.js";
import { formatDayWindow } from "./visit-format.js";

const FINAL = new Set<VisitStatus>(FINAL_VISIT_STATUSES);

function VisitItem({ visit }: { visit: VisitDetail }) {
  return (
    <Stack gap={2} component="li">
      <Group gap="xs" wrap="wrap">
        <VisitStatusBadge status={visit.status} />
        <Text size="sm" fw={600}>
          {formatDayWindow(visit)}
        </Text>
      </Group>
      <Text size="sm" style={{ overflowWrap: "anywhere" }}>
        {VISIT_KIND_LABELS[visit.kind]} · {visit.technician.name} ·{" "}
        <Anchor component={Link} to={`/tickets/${visit.ticketId}`} size="sm">
          {visit.ticket.number}
        </Anchor>{" "}
        {visit.ticket.subject}
      </Text>
      {visit.report && (
        <Text size="sm" c="dimmed" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
          {visit.report}
        </Text>
      )}
    </Stack>
  );
}

function VisitList({ title, visits, empty }: { title: string; visits: VisitDetail[]; empty: string }) {
  return (
    <Stack gap="xs">
      <Title order={4} size="h5">
        {title}
      </Title>
      {visits.length === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Stack gap="sm" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
          {visits.map((visit) => (
            <VisitItem key={visit.id} visit={visit} />
          ))}
        </Stack>
      )}
    </Stack>
  );
}

/** The customer page's visits: those still ahead (soonest first), then those done or called off (latest first). */
export function CustomerVisits({ customerId }: { customerId: string }) {
  const visits = useVisits({ customerId });
  const items = visits.data ?? [];
  const ahead = items.filter((visit) => !FINAL.has(visit.status));
  const past = items.filter((visit) => FINAL.has(visit.status)).reverse();
  return (
    <Card withBorder component="section" aria-label="Visits">
      <Title order={3} size="h4" mb="sm">
        Visits
      </Title>
      {visits.isPending && <Text size="sm">Loading visits…</Text>}
      {visits.isError && (
        <Alert color="red" title="Visits could not be loaded">
          {errorMessage(visits.error)}
        </Alert>
      )}
      {visits.isSuccess && (
        <Stack gap="md">
          <VisitList title="Coming up" visits={ahead} empty="No visit planned." />
          <VisitList title="Past" visits={past} empty="No visits yet." />
        </Stack>
      )}
    </Card>
  );
}
