import {
  Alert,
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconArrowLeft } from "@tabler/icons-react";
import { type FormEvent, lazy, Suspense, useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { CLOSED_INCIDENT_STATUSES, type IncidentStatus } from "../../shared/enums.js";
import type { IncidentDetail } from "../../shared/incidents.js";
import { CONNECTION_TYPE_LABELS } from "../../shared/labels.js";
import type { TicketList } from "../../shared/tickets.js";
import { api, errorMessage } from "../app/api.js";
import { DateTime } from "../app/date-time.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { isNotFound, NotFoundPage } from "../app/pages.js";
import { PhoneLink } from "../app/phone.js";
import { useServicePlans } from "../plans/api.js";
import { SmsStatusBadge } from "../sms/sms-status-badge.js";
import { useTicketQueue } from "../tickets/api.js";
import { StatusBadge } from "../tickets/ticket-badges.js";
import {
  useIncident,
  useIncidentCustomers,
  useIncidentMap,
  useLinkIncidentTicket,
  useUnlinkIncidentTicket,
} from "./api.js";
import { IncidentKindBadge, IncidentSeverityBadge, IncidentStatusBadge } from "./incident-badges.js";
import { EditIncidentModal } from "./incident-edit.js";
import { ResolveIncidentModal } from "./incident-resolve.js";
import { IncidentTimeline } from "./incident-timeline.js";
import { IncidentMessagesPanel } from "./messages-panel.js";

// Leaflet and its styles load with the map, on this page only.
const IncidentMapView = lazy(() => import("./incident-map-view.js"));

const isClosed = (status: IncidentStatus) => (CLOSED_INCIDENT_STATUSES as readonly string[]).includes(status);

function Count({ label, value, to }: { label: string; value: string; to?: string }) {
  return (
    <Paper withBorder p="sm" aria-label={label}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {to ? (
          <Anchor component={Link} to={to} inherit>
            {value}
          </Anchor>
        ) : (
          value
        )}
      </Text>
    </Paper>
  );
}

function Detail({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Text size="sm" c="dimmed" w={110} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <Text size="sm" component="div" style={{ overflowWrap: "anywhere", minWidth: 0 }}>
        {children}
      </Text>
    </Group>
  );
}

/** Which customers of the sites count: the narrowing filter in words ("all" when there is none). */
function FilterWords({ incident }: { incident: IncidentDetail }) {
  const plans = useServicePlans();
  const parts = [
    incident.planIds &&
      `plans ${incident.planIds.map((id) => plans.data?.find((plan) => plan.id === id)?.name ?? "…").join(", ")}`,
    incident.connectionTypes &&
      `connection ${incident.connectionTypes.map((t) => CONNECTION_TYPE_LABELS[t]).join(", ")}`,
    incident.cities && `in ${incident.cities.join(", ")}`,
    incident.postalCodes && `postal codes ${incident.postalCodes.join(", ")}`,
  ].filter(Boolean);
  return <>{parts.length ? `Only ${parts.join("; ")}` : "All customers of the sites"}</>;
}

function AffectedCustomers({ incident }: { incident: IncidentDetail }) {
  const customers = useIncidentCustomers(incident.id);
  const items = useMemo(() => customers.data?.pages.flatMap((page) => page.items) ?? [], [customers.data]);
  const siteName = (id: string) => incident.sites.find((site) => site.id === id)?.name ?? "";
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="affected-customers">
      <Title order={3} size="h4" mb="sm" id="affected-customers">
        Affected customers ({incident.affectedCustomerCount.toLocaleString("en-US")})
      </Title>
      {customers.isError && <Alert color="red">{errorMessage(customers.error)}</Alert>}
      <Table.ScrollContainer minWidth={720}>
        <Table verticalSpacing="xs" aria-label="Affected customers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Customer</Table.Th>
              <Table.Th>Phone</Table.Th>
              <Table.Th>Address</Table.Th>
              <Table.Th>Plan</Table.Th>
              <Table.Th>Open ticket</Table.Th>
              <Table.Th>Messaged</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((customer) => (
              <Table.Tr key={customer.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/customers/${customer.id}`} size="sm" fw={600}>
                    {customer.name}
                  </Anchor>
                  <Text size="xs" c="dimmed">
                    {customer.accountNumber}
                    {incident.sites.length > 1 ? ` · ${siteName(customer.siteId)}` : ""}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {customer.phone ? (
                    <PhoneLink size="sm" phone={customer.phone} style={{ whiteSpace: "nowrap" }} />
                  ) : (
                    "—"
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{customer.address ?? "—"}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{customer.planName ?? "—"}</Text>
                </Table.Td>
                <Table.Td>
                  {customer.hasOpenTicket ? (
                    <Anchor component={Link} to={`/tickets?customerId=${customer.id}`} size="sm">
                      Yes
                    </Anchor>
                  ) : (
                    <Text size="sm" c="dimmed">
                      No
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {customer.message ? (
                    <SmsStatusBadge status={customer.message.status} />
                  ) : (
                    <Text size="sm" c="dimmed">
                      No
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {!customers.isPending && items.length === 0 && (
        <Text c="dimmed" size="sm" py="sm">
          No customer is affected: none at these sites matches.
        </Text>
      )}
      {customers.hasNextPage && (
        <Button
          variant="default"
          mt="sm"
          onClick={() => customers.fetchNextPage()}
          loading={customers.isFetchingNextPage}
        >
          Load more customers
        </Button>
      )}
    </Paper>
  );
}

/** Where the incident is: its sites and affected customers on a map, with what it leaves out. */
function IncidentMapSection({ incident }: { incident: IncidentDetail }) {
  const map = useIncidentMap(incident.id);
  const data = map.data;
  const unlocatedSites = data?.sites.filter((site) => site.latitude === null || site.longitude === null) ?? [];
  const hasPoints = data && (data.customers.length > 0 || unlocatedSites.length < data.sites.length);
  const loading = (
    <Group justify="center" h={320}>
      <Loader aria-label="Loading the map" />
    </Group>
  );
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="incident-map">
      <Title order={3} size="h4" mb="sm" id="incident-map">
        Map
      </Title>
      {map.isError && <Alert color="red">{errorMessage(map.error)}</Alert>}
      {map.isPending && loading}
      {data && !hasPoints && (
        <Text size="sm" c="dimmed">
          No site or affected customer of this incident has coordinates yet: add them on the sites page or on the
          customers' pages.
        </Text>
      )}
      {data && hasPoints && (
        <Suspense fallback={loading}>
          <IncidentMapView data={data} />
        </Suspense>
      )}
      {data && (
        <Stack gap={2} mt="xs">
          {data.customers.length < data.customersWithLocation && (
            <Text size="xs" c="dimmed">
              Showing {data.customers.length.toLocaleString("en-US")} of{" "}
              {data.customersWithLocation.toLocaleString("en-US")} located customers, spread over the area.
            </Text>
          )}
          {data.customersWithoutLocation > 0 && (
            <Text size="xs" c="dimmed">
              {data.customersWithoutLocation.toLocaleString("en-US")} affected{" "}
              {data.customersWithoutLocation === 1 ? "customer has" : "customers have"} no coordinates and{" "}
              {data.customersWithoutLocation === 1 ? "is" : "are"} not on the map.
            </Text>
          )}
          {unlocatedSites.length > 0 && (
            <Text size="xs" c="dimmed">
              Not on the map (no coordinates): {unlocatedSites.map((site) => site.name).join(", ")}
            </Text>
          )}
        </Stack>
      )}
    </Paper>
  );
}

/** The ticket a number (T-000123) names, found through the queue's search. */
async function findTicketByNumber(number: string) {
  const wanted = number.trim().toUpperCase();
  const found = await api<TicketList>("/api/tickets", { query: { q: wanted, limit: 10 } });
  return found.items.find((ticket) => ticket.number.toUpperCase() === wanted) ?? null;
}

function LinkedTickets({ incident }: { incident: IncidentDetail }) {
  const linked = useTicketQueue({ incidentId: incident.id, sort: "-created" }, 100);
  const items = useMemo(() => linked.data?.pages.flatMap((page) => page.items) ?? [], [linked.data]);
  const link = useLinkIncidentTicket(incident.id);
  const unlink = useUnlinkIncidentTicket(incident.id);
  const [number, setNumber] = useState("");
  const [linkError, setLinkError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setLinkError(null);
    if (!number.trim()) {
      setLinkError("Enter a ticket number, like T-000123");
      return;
    }
    try {
      const ticket = await findTicketByNumber(number);
      if (!ticket) {
        setLinkError(`No ticket ${number.trim().toUpperCase()}`);
        return;
      }
      await link.mutateAsync(ticket.id);
      notifications.show({ color: "green", message: `${ticket.number} linked` });
      setNumber("");
    } catch (error) {
      setLinkError(errorMessage(error));
    }
  };

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="linked-tickets">
      <Title order={3} size="h4" mb="sm" id="linked-tickets">
        Linked tickets ({incident.tickets.open} open of {incident.tickets.total})
      </Title>
      <Stack gap="xs">
        {items.map((ticket) => (
          <Group key={ticket.id} justify="space-between" wrap="nowrap" align="flex-start">
            <Stack gap={2} style={{ minWidth: 0 }}>
              <Anchor component={Link} to={`/tickets/${ticket.id}`} size="sm" fw={600}>
                {ticket.number} {ticket.subject}
              </Anchor>
              <Group gap="xs">
                <StatusBadge status={ticket.status} />
                <Text size="xs" c="dimmed">
                  {ticket.customer?.name ?? "Network-wide"}
                </Text>
              </Group>
            </Stack>
            <Button
              variant="subtle"
              color="red"
              size="xs"
              aria-label={`Unlink ${ticket.number}`}
              loading={unlink.isPending && unlink.variables === ticket.id}
              onClick={() =>
                unlink.mutate(ticket.id, {
                  onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
                })
              }
            >
              Unlink
            </Button>
          </Group>
        ))}
        {!linked.isPending && items.length === 0 && (
          <Text size="sm" c="dimmed">
            No ticket is linked yet. New tickets of affected customers link by themselves while the incident is active.
          </Text>
        )}
        <form onSubmit={submit} noValidate>
          <Group align="flex-end" gap="xs" wrap="nowrap">
            <TextInput
              label="Link a ticket"
              placeholder="T-000123"
              value={number}
              onChange={(event) => setNumber(event.currentTarget.value)}
              error={linkError}
              style={{ flex: 1 }}
            />
            <Button
              type="submit"
              variant="light"
              loading={link.isPending}
              style={{ alignSelf: linkError ? "center" : undefined }}
            >
              Link
            </Button>
          </Group>
        </form>
      </Stack>
    </Paper>
  );
}

export default function IncidentPage() {
  const { id = "" } = useParams();
  const query = useIncident(id);
  const [editing, setEditing] = useState(false);
  const [resolving, setResolving] = useState(false);
  usePageTitle(query.data?.title);

  if (query.isPending) {
    return (
      <Group justify="center" p="xl">
        <Loader aria-label="Loading incident" />
      </Group>
    );
  }
  if (query.isError && isNotFound(query.error)) {
    return (
      <NotFoundPage
        title="Incident not found"
        message="There is no incident at this address. The link may be wrong or mistyped."
        backTo="/incidents"
        backLabel="Back to incidents"
      />
    );
  }
  if (query.isError) {
    return (
      <Alert color="red" title="This incident could not be shown">
        {errorMessage(query.error)}
      </Alert>
    );
  }
  const incident = query.data;
  const closed = isClosed(incident.status);
  return (
    <Stack>
      <Anchor component={Link} to="/incidents" size="sm">
        <Group gap={4} component="span">
          <IconArrowLeft size={14} aria-hidden />
          Incidents
        </Group>
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <Stack gap={6} style={{ minWidth: 0 }}>
          <PageHeading style={{ overflowWrap: "anywhere" }}>{incident.title}</PageHeading>
          <Group gap="xs">
            <IncidentStatusBadge status={incident.status} />
            <IncidentSeverityBadge severity={incident.severity} />
            <IncidentKindBadge kind={incident.kind} />
          </Group>
        </Stack>
        <Group gap="xs">
          <Button variant="default" onClick={() => setEditing(true)}>
            Edit
          </Button>
          {!closed && (
            <Button color="green" onClick={() => setResolving(true)}>
              Resolve
            </Button>
          )}
        </Group>
      </Group>

      <SimpleGrid cols={{ base: 2, sm: 3 }}>
        <Count label="Affected customers" value={incident.affectedCustomerCount.toLocaleString("en-US")} />
        <Count
          label="Open linked tickets"
          value={String(incident.tickets.open)}
          to={`/tickets?incidentId=${incident.id}`}
        />
        <Count label="Linked tickets" value={String(incident.tickets.total)} />
      </SimpleGrid>

      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <Paper withBorder p="md" component="section" aria-label="Details">
              <Stack gap="xs">
                <Detail label="Starts">
                  <DateTime value={incident.startsAt} />
                </Detail>
                <Detail label="Expected end">
                  {incident.expectedEndAt ? <DateTime value={incident.expectedEndAt} /> : "Not known yet"}
                </Detail>
                {incident.resolvedAt && (
                  <Detail label="Resolved">
                    <DateTime value={incident.resolvedAt} />
                  </Detail>
                )}
                <Detail label="Sites">
                  {incident.sites
                    .map((site) => (site.publicName ? `${site.name} (public: ${site.publicName})` : site.name))
                    .join(", ")}
                </Detail>
                <Detail label="Who">
                  <FilterWords incident={incident} />
                </Detail>
                <Detail label="Public message">{incident.publicMessage || "—"}</Detail>
                <Detail label="Internal notes">
                  <span style={{ whiteSpace: "pre-wrap" }}>{incident.internalNotes || "—"}</span>
                </Detail>
                <Detail label="Opened by">{incident.createdBy?.name ?? "Uplink"}</Detail>
              </Stack>
            </Paper>
            <IncidentMessagesPanel incident={incident} />
            <AffectedCustomers incident={incident} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack>
            <IncidentMapSection incident={incident} />
            <LinkedTickets incident={incident} />
            <IncidentTimeline incidentId={incident.id} />
          </Stack>
        </Grid.Col>
      </Grid>
      {closed && (
        <Badge color="gray" variant="light" w="fit-content">
          This incident is over: new tickets no longer link to it by themselves
        </Badge>
      )}
      {editing && <EditIncidentModal incident={incident} opened onClose={() => setEditing(false)} />}
      {resolving && <ResolveIncidentModal incident={incident} opened onClose={() => setResolving(false)} />}
    </Stack>
  );
}
