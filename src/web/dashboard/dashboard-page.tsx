import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Title,
  UnstyledButton,
} from "@mantine/core";
import { IconAlertTriangle, IconClockHour4, IconInbox, IconRefresh, IconUserQuestion } from "@tabler/icons-react";
import { lazy, type ReactNode, Suspense, useDeferredValue } from "react";
import { Link } from "react-router";
import type { ActivityEvent, Dashboard } from "../../shared/dashboard.js";
import { CUSTOMER_STATUS_LABELS, PRIORITY_LABELS, STATUS_LABELS } from "../../shared/labels.js";
import { errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { DateTime } from "../app/date-time.js";
import { formatDay, formatDuration, formatTime } from "../app/format.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { WhenNearScreen } from "../app/when-near-screen.js";
import { ActiveIncidentsCard } from "../incidents/active-incidents-card.js";
import { OutageSuggestions } from "../incidents/outage-suggestion.js";
import { queueUrl } from "../tickets/queue-url.js";
import { TodaysVisitsCard } from "../visits/todays-visits-card.js";
import { describeActivity } from "./activity.js";
import { useDashboard } from "./api.js";

/** A number that leads to the queue it counts: "Overdue 12" opens the overdue view. */
function StatCard(props: {
  label: string;
  value: number;
  to: string;
  hint?: string;
  icon: ReactNode;
  alert?: boolean;
}) {
  return (
    <UnstyledButton component={Link} to={props.to}>
      <Card withBorder padding="md" radius="md" h="100%">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={2}>
            <Text size="sm" c="dimmed" fw={500}>
              {props.label}
            </Text>
            <Text fz={32} fw={700} lh={1.1} c={props.alert && props.value > 0 ? "red" : undefined}>
              {props.value.toLocaleString()}
            </Text>
          </Stack>
          <Text c={props.alert && props.value > 0 ? "red" : "dimmed"} aria-hidden>
            {props.icon}
          </Text>
        </Group>
        {props.hint && (
          <Text size="xs" c="dimmed" mt={6}>
            {props.hint}
          </Text>
        )}
      </Card>
    </UnstyledButton>
  );
}

function Section({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <Card withBorder radius="md" padding="md" h="100%" component="section" aria-label={title}>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        {action}
      </Group>
      {children}
    </Card>
  );
}

/** A counted row that links to its queue. */
function CountRow({ label, count, to, extra }: { label: string; count: number; to?: string; extra?: ReactNode }) {
  return (
    <Group justify="space-between" wrap="nowrap" gap="xs">
      {to ? (
        <Anchor component={Link} to={to} size="sm">
          {label}
        </Anchor>
      ) : (
        <Text size="sm">{label}</Text>
      )}
      <Group gap="xs" wrap="nowrap">
        {extra}
        <Text size="sm" fw={600}>
          {count.toLocaleString()}
        </Text>
      </Group>
    </Group>
  );
}

/** Relative times count from the server's "now", so a skewed browser clock cannot say "in 5 minutes". */
const serverNow = (dashboard: Pick<Dashboard, "generatedAt">) => Date.parse(dashboard.generatedAt);

function MyQueue({ mine, now }: { mine: Dashboard["mine"]; now: number }) {
  return (
    <Section title="Your queue">
      <SimpleGrid cols={{ base: 1, xs: 2 }} mb="md">
        <StatCard
          label="My open tickets"
          value={mine.open}
          to={queueUrl({ open: true, assigneeId: "me" })}
          icon={<IconInbox size={26} />}
        />
        <StatCard
          label="My overdue tickets"
          value={mine.overdue}
          to={queueUrl({ assigneeId: "me", overdue: true })}
          icon={<IconAlertTriangle size={26} />}
          alert
        />
      </SimpleGrid>
      {mine.tickets.length === 0 ? (
        <Text c="dimmed" size="sm">
          Nothing is assigned to you right now.
        </Text>
      ) : (
        <Stack
          gap="xs"
          component="ul"
          style={{ listStyle: "none", padding: 0, margin: 0 }}
          aria-label="My open tickets"
        >
          {mine.tickets.map((ticket) => (
            <li key={ticket.id}>
              <Group justify="space-between" wrap="nowrap" gap="xs">
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Anchor component={Link} to={`/tickets/${ticket.id}`} size="sm" fw={500} truncate="end">
                    {ticket.number} · {ticket.subject}
                  </Anchor>
                  <Text size="xs" c="dimmed" truncate="end">
                    {ticket.customer ? ticket.customer.name : "No customer"} · {STATUS_LABELS[ticket.status]}
                    {ticket.dueAt && <DateTime value={ticket.dueAt} prefix=" · due " now={now} />}
                  </Text>
                </Stack>
                <Group gap={4} wrap="nowrap">
                  {ticket.overdue && (
                    <Badge color="red" variant="filled" size="sm">
                      Overdue
                    </Badge>
                  )}
                  <Badge variant="light" size="sm" color={ticket.priority === "urgent" ? "red" : "gray"}>
                    {PRIORITY_LABELS[ticket.priority]}
                  </Badge>
                </Group>
              </Group>
            </li>
          ))}
        </Stack>
      )}
    </Section>
  );
}

function TeamCards({ dashboard }: { dashboard: Dashboard }) {
  const urgent = dashboard.tickets.byPriority.find((row) => row.priority === "urgent")?.open ?? 0;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
      <StatCard
        label="Open tickets"
        value={dashboard.tickets.open}
        to={queueUrl({ open: true })}
        hint="Open, in progress or waiting on the customer"
        icon={<IconInbox size={26} />}
      />
      <StatCard
        label="Overdue"
        value={dashboard.tickets.overdue}
        to={queueUrl({ overdue: true })}
        hint="Open and past their due time"
        icon={<IconAlertTriangle size={26} />}
        alert
      />
      <StatCard
        label="Urgent"
        value={urgent}
        to={queueUrl({ open: true, priority: "urgent" })}
        hint="Open tickets of urgent priority"
        icon={<IconClockHour4 size={26} />}
        alert
      />
      <StatCard
        label="Unassigned"
        value={dashboard.unassigned.open}
        to={queueUrl({ open: true, assigneeId: "none" })}
        hint="Open tickets nobody has taken"
        icon={<IconUserQuestion size={26} />}
      />
    </SimpleGrid>
  );
}

function Breakdowns({ dashboard }: { dashboard: Dashboard }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
      <Section title="Open by status">
        <Stack gap={6}>
          {dashboard.tickets.byStatus.map((row) => (
            <CountRow
              key={row.status}
              label={STATUS_LABELS[row.status]}
              count={row.count}
              to={queueUrl({ status: row.status })}
            />
          ))}
        </Stack>
      </Section>
      <Section title="Open by priority">
        <Stack gap={6}>
          {[...dashboard.tickets.byPriority].reverse().map((row) => (
            <CountRow
              key={row.priority}
              label={PRIORITY_LABELS[row.priority]}
              count={row.open}
              to={queueUrl({ open: true, priority: row.priority })}
              extra={
                row.overdue > 0 ? (
                  <Badge color="red" variant="light" size="sm">
                    {row.overdue} overdue
                  </Badge>
                ) : undefined
              }
            />
          ))}
        </Stack>
      </Section>
      <Section title="Response and resolution">
        <Stack gap="sm">
          <Median
            label="Median time to first response"
            seconds={dashboard.medians.firstResponseSeconds}
            sample={dashboard.medians.firstResponseSample}
            over="tickets opened in the last 30 days and answered"
          />
          <Median
            label="Median time to resolution"
            seconds={dashboard.medians.resolutionSeconds}
            sample={dashboard.medians.resolutionSample}
            over="tickets resolved in the last 30 days"
          />
        </Stack>
      </Section>
    </SimpleGrid>
  );
}

function Median(props: { label: string; seconds: number | null; sample: number; over: string }) {
  return (
    <Stack gap={0}>
      <Text size="sm" c="dimmed">
        {props.label}
      </Text>
      <Text fz={24} fw={700}>
        {props.seconds === null ? "–" : formatDuration(props.seconds)}
      </Text>
      <Text size="xs" c="dimmed">
        {props.sample === 0 ? `No ${props.over} yet` : `Over ${props.sample.toLocaleString()} ${props.over}`}
      </Text>
    </Stack>
  );
}

// Loaded after the counts paint (see charts.tsx), and only once near the screen (a phone's first
// screen is the counts); the skeleton holds the chart's height meanwhile.
const TrendAreaChart = lazy(() => import("./charts.js").then((charts) => ({ default: charts.TrendAreaChart })));
const TechnicianBarChart = lazy(() => import("./charts.js").then((charts) => ({ default: charts.TechnicianBarChart })));

function TrendChart({ dashboard }: { dashboard: Dashboard }) {
  const data = dashboard.daily.map((day) => ({
    day: formatDay(day.date),
    Created: day.created,
    Resolved: day.resolved,
  }));
  const empty = dashboard.daily.every((day) => day.created === 0 && day.resolved === 0);
  return (
    <Section title="Created vs resolved, last 30 days">
      {empty ? (
        <Text c="dimmed" size="sm">
          No tickets were created or resolved in the last 30 days.
        </Text>
      ) : (
        <WhenNearScreen height={260}>
          <Suspense fallback={<Skeleton h={260} />}>
            <TrendAreaChart data={data} />
          </Suspense>
        </WhenNearScreen>
      )}
    </Section>
  );
}

/**
 * "Maximilian Oberhauser-Lindqvist" → "Maximilian O.": the chart's axis has 110 px, where a full
 * name was cut at its left edge; the full names and counts are listed under the chart.
 */
function axisName(name: string): string {
  // "(inactive)" is said in the list below.
  const [first = "", ...rest] = name.split(/\s+/).filter((word) => word && !word.startsWith("("));
  const last = rest.at(-1);
  return last ? `${first} ${last.charAt(0)}.` : first;
}

function TechnicianChart({ dashboard }: { dashboard: Dashboard }) {
  const people = dashboard.technicians;
  const data = people.map((person) => ({
    name: person.active ? person.name : `${person.name} (inactive)`,
    Open: person.open,
    Overdue: person.overdue,
  }));
  const chartHeight = Math.max(120, people.length * 36 + 40);
  return (
    <Section title="Open tickets per technician">
      {people.length === 0 ? (
        <Text c="dimmed" size="sm">
          No technicians yet. Add staff in Settings → Staff.
        </Text>
      ) : (
        <Stack gap="sm">
          {people.some((person) => person.open > 0) && (
            <WhenNearScreen height={chartHeight}>
              <Suspense fallback={<Skeleton h={chartHeight} />}>
                <TechnicianBarChart data={data} height={chartHeight} axisName={axisName} />
              </Suspense>
            </WhenNearScreen>
          )}
          <Stack gap={6}>
            {people.map((person) => (
              <CountRow
                key={person.userId}
                label={person.active ? person.name : `${person.name} (inactive)`}
                count={person.open}
                to={queueUrl({ open: true, assigneeId: person.userId })}
                extra={
                  person.overdue > 0 ? (
                    <Badge color="red" variant="light" size="sm">
                      {person.overdue} overdue
                    </Badge>
                  ) : undefined
                }
              />
            ))}
            <CountRow
              label="Unassigned"
              count={dashboard.unassigned.open}
              to={queueUrl({ open: true, assigneeId: "none" })}
            />
          </Stack>
        </Stack>
      )}
    </Section>
  );
}

function actorName(event: ActivityEvent): string {
  if (event.actor) return event.actor.name;
  return event.kind === "sms_received" || event.kind.startsWith("customer_") ? "The customer" : "Uplink";
}

function ActivityFeed({ events, now }: { events: ActivityEvent[]; now: number }) {
  return (
    <Section title="Recent activity">
      {events.length === 0 ? (
        <Text c="dimmed" size="sm">
          Nothing has happened yet. Ticket changes, comments and SMS show up here.
        </Text>
      ) : (
        <Stack
          gap="sm"
          component="ul"
          style={{ listStyle: "none", padding: 0, margin: 0 }}
          aria-label="Recent activity"
        >
          {events.map((event) => (
            <li key={event.id}>
              <Text size="sm">
                <Text span fw={600}>
                  {actorName(event)}
                </Text>{" "}
                {describeActivity(event)}{" "}
                <Anchor component={Link} to={`/tickets/${event.ticket.id}`}>
                  {event.ticket.number}
                </Anchor>{" "}
                <Text span c="dimmed">
                  {event.ticket.subject}
                </Text>
              </Text>
              <Group gap={6}>
                <Text size="xs" c="dimmed">
                  <DateTime value={event.at} now={now} />
                </Text>
                {event.customer && (
                  <>
                    <Text size="xs" c="dimmed">
                      ·
                    </Text>
                    <Anchor component={Link} to={`/customers/${event.customer.id}`} size="xs">
                      {event.customer.name}
                    </Anchor>
                  </>
                )}
              </Group>
            </li>
          ))}
        </Stack>
      )}
    </Section>
  );
}

function CustomersCard({ customers }: { customers: Dashboard["customers"] }) {
  return (
    <Section
      title="Customers by status"
      action={
        <Text size="sm" c="dimmed">
          {customers.total.toLocaleString()} in all
        </Text>
      }
    >
      <Stack gap={6}>
        {customers.byStatus.map((row) => (
          <CountRow
            key={row.status}
            label={CUSTOMER_STATUS_LABELS[row.status]}
            count={row.count}
            to={`/customers?status=${row.status}`}
          />
        ))}
      </Stack>
    </Section>
  );
}

/** A fresh install: say what the page will show and where to start, instead of empty charts. */
function FirstSteps() {
  return (
    <Paper withBorder radius="md" p="xl">
      <Stack align="flex-start" gap="sm">
        <Title order={2} size="h4">
          No tickets yet
        </Title>
        <Text c="dimmed" maw={640}>
          Once your team opens tickets, this page shows the open work, who is on what, how many tickets come in and get
          resolved each day, and how fast customers get an answer.
        </Text>
        <Group>
          <Button component={Link} to="/tickets/new">
            Open the first ticket
          </Button>
          <Button component={Link} to="/customers" variant="default">
            Go to customers
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function DashboardSkeleton() {
  return (
    <Stack aria-busy="true" aria-label="Loading the dashboard">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        {[0, 1, 2, 3].map((i) => (
          <Skeleton key={i} h={110} radius="md" />
        ))}
      </SimpleGrid>
      <Skeleton h={300} radius="md" />
    </Stack>
  );
}

export default function DashboardPage() {
  const { user } = useSession();
  const query = useDashboard();
  // The cards and charts render in the background, in slices (a deferred value), so the numbers
  // arriving never hold the screen for a long task; the skeleton stays until they have.
  const dashboard = useDeferredValue(query.data);
  const rendering = query.data !== undefined && dashboard !== query.data;
  const isTechnician = user.role === "technician";
  usePageTitle("Dashboard");

  const header = (
    <Group justify="space-between" align="center">
      <PageHeading>Dashboard</PageHeading>
      {dashboard && (
        <Group gap="xs">
          <Text size="xs" c="dimmed">
            Updated {formatTime(query.dataUpdatedAt)} · refreshes every 30 s
          </Text>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconRefresh size={14} />}
            loading={query.isFetching}
            onClick={() => query.refetch()}
          >
            Refresh
          </Button>
        </Group>
      )}
    </Group>
  );

  if (query.isPending || (rendering && !dashboard)) {
    return (
      <Stack>
        {header}
        <DashboardSkeleton />
      </Stack>
    );
  }
  if (!dashboard) {
    return (
      <Stack>
        {header}
        <Alert color="red" title="The dashboard could not be loaded">
          <Stack gap="sm" align="flex-start">
            <Text size="sm">{errorMessage(query.error)}</Text>
            <Button variant="light" onClick={() => query.refetch()} loading={query.isFetching}>
              Try again
            </Button>
          </Stack>
        </Alert>
      </Stack>
    );
  }

  const freshInstall =
    dashboard.tickets.open === 0 &&
    dashboard.recentActivity.length === 0 &&
    dashboard.daily.every((day) => day.created === 0 && day.resolved === 0);
  const showMyQueue = isTechnician || dashboard.mine.open > 0;

  return (
    <Stack>
      {header}
      {query.isError && (
        <Alert color="orange" title="Could not refresh">
          Showing the numbers from {formatTime(query.dataUpdatedAt)}: {errorMessage(query.error)}
        </Alert>
      )}
      <ActiveIncidentsCard />
      <OutageSuggestions />
      <TodaysVisitsCard />
      {isTechnician && <MyQueue mine={dashboard.mine} now={serverNow(dashboard)} />}
      <TeamCards dashboard={dashboard} />
      {freshInstall ? (
        <>
          <FirstSteps />
          <Grid>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <TechnicianChart dashboard={dashboard} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <CustomersCard customers={dashboard.customers} />
            </Grid.Col>
          </Grid>
        </>
      ) : (
        <>
          <Grid>
            <Grid.Col span={{ base: 12, lg: 8 }}>
              <TrendChart dashboard={dashboard} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 4 }}>
              <TechnicianChart dashboard={dashboard} />
            </Grid.Col>
          </Grid>
          <Breakdowns dashboard={dashboard} />
          <Grid>
            <Grid.Col span={{ base: 12, lg: 8 }}>
              <ActivityFeed events={dashboard.recentActivity} now={serverNow(dashboard)} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 4 }}>
              <Stack>
                {!isTechnician && showMyQueue && <MyQueue mine={dashboard.mine} now={serverNow(dashboard)} />}
                <CustomersCard customers={dashboard.customers} />
              </Stack>
            </Grid.Col>
          </Grid>
        </>
      )}
    </Stack>
  );
}
