import { Alert, Anchor, Button, Card, Checkbox, Group, Skeleton, Stack, Text, Title } from "@mantine/core";
import { IconRefresh } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { MyDay } from "../../shared/visits.js";
import { errorMessage } from "../app/api.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { StatusBadge } from "../tickets/ticket-badges.js";
import { useMyDay } from "./api.js";
import { currentPosition, useSharePosition } from "./position.js";
import { useReportRetries } from "./use-report.js";
import { UpcomingVisit, VisitCard } from "./visit-card.js";

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap="sm" component="section" aria-label={title}>
      <Title order={2} size="h3">
        {title}
      </Title>
      {children}
    </Stack>
  );
}

/** "Tuesday, March 10": the day My day shows, as the ISP's calendar has it. */
const dayTitle = (date: string) =>
  new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric", timeZone: "UTC" }).format(
    new Date(`${date}T00:00:00Z`),
  );

function Unscheduled({ items }: { items: MyDay["unscheduled"] }) {
  if (items.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No open tickets of yours are waiting for a visit.
      </Text>
    );
  }
  return (
    <Stack gap="xs" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
      {items.map((ticket) => (
        <Card withBorder padding="sm" component="li" key={ticket.id}>
          <Stack gap={4}>
            <Group gap="xs" justify="space-between" wrap="wrap">
              <Anchor component={Link} to={`/tickets/${ticket.id}`} fw={600}>
                {ticket.number}
              </Anchor>
              <StatusBadge status={ticket.status} />
            </Group>
            <Text size="sm" style={{ overflowWrap: "anywhere" }}>
              {ticket.subject}
            </Text>
            {(ticket.customerName || ticket.address) && (
              <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
                {[ticket.customerName, ticket.address].filter(Boolean).join(" · ")}
              </Text>
            )}
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}

/**
 * My day: a technician's day on a phone. Today's visits in order, each with the way there, the
 * customer's numbers and connection and the next step as a big button; tomorrow's below, then
 * their open tickets that have no visit. Reports kept on the phone are sent from here.
 */
export default function MyDayPage() {
  const day = useMyDay();
  const [sharePosition, setSharePosition] = useSharePosition();
  useReportRetries();
  usePageTitle("My day");

  const header = (
    <Group justify="space-between" align="center" wrap="wrap" gap="xs">
      <div>
        <PageHeading>My day</PageHeading>
        {day.data && (
          <Text size="sm" c="dimmed">
            {dayTitle(day.data.date)}
          </Text>
        )}
      </div>
      <Button
        variant="default"
        size="sm"
        leftSection={<IconRefresh size={16} />}
        loading={day.isFetching}
        onClick={() => day.refetch()}
      >
        Refresh
      </Button>
    </Group>
  );

  const positionSetting = (
    <Checkbox
      label="Share my position at check-in"
      description="Arrived, Done and Couldn't get in record where this phone is, if it can tell."
      checked={sharePosition}
      onChange={(event) => {
        const on = event.currentTarget.checked;
        setSharePosition(on);
        // Ask for the browser's permission now, not in the middle of a step.
        if (on) currentPosition();
      }}
    />
  );

  if (day.isPending) {
    return (
      <Stack>
        {header}
        <Stack aria-busy="true" aria-label="Loading your day">
          <Skeleton h={220} radius="md" />
          <Skeleton h={220} radius="md" />
        </Stack>
      </Stack>
    );
  }
  if (day.isError && !day.data) {
    return (
      <Stack>
        {header}
        <Alert color="red" title="Your day could not be loaded">
          <Stack gap="sm" align="flex-start">
            <Text size="sm">{errorMessage(day.error)}</Text>
            <Button variant="light" onClick={() => day.refetch()} loading={day.isFetching}>
              Try again
            </Button>
          </Stack>
        </Alert>
      </Stack>
    );
  }
  const { today, tomorrow, unscheduled, timeZone } = day.data;

  return (
    <Stack>
      {header}
      {day.isError && (
        <Alert color="orange" title="Could not refresh">
          Showing your day as last loaded: {errorMessage(day.error)}
        </Alert>
      )}
      {positionSetting}
      <Section title="Today">
        {today.length === 0 ? (
          <Text c="dimmed">No visits today.</Text>
        ) : (
          today.map((visit) => (
            <VisitCard key={visit.id} visit={visit} timeZone={timeZone} sharePosition={sharePosition} />
          ))
        )}
      </Section>
      <Section title="Tomorrow">
        {tomorrow.length === 0 ? (
          <Text size="sm" c="dimmed">
            No visits tomorrow yet.
          </Text>
        ) : (
          tomorrow.map((visit) => <UpcomingVisit key={visit.id} visit={visit} timeZone={timeZone} />)
        )}
      </Section>
      <Section title="Unscheduled work">
        <Unscheduled items={unscheduled} />
      </Section>
    </Stack>
  );
}
