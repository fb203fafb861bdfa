import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Center,
  Group,
  Loader,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import {
  IconAlertTriangle,
  IconArchive,
  IconEdit,
  IconMapPin,
  IconPhoneIncoming,
  IconPlus,
  IconRestore,
} from "@tabler/icons-react";
import { type ReactNode, useState } from "react";
import { Link, useLocation, useParams } from "react-router";
import type { Customer } from "../../shared/customers.js";
import { OPEN_TICKET_STATUSES } from "../../shared/enums.js";
import { CONNECTION_TYPE_LABELS, CUSTOMER_STATUS_LABELS, SITE_KIND_LABELS } from "../../shared/labels.js";
import { errorMessage } from "../app/api.js";
import { useIsAdmin } from "../app/auth.js";
import { CopyValue } from "../app/copy-value.js";
import { DateTime } from "../app/date-time.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { isNotFound, isRecordId, NotFoundPage } from "../app/pages.js";
import { formatPhone, PhoneWithCopy } from "../app/phone.js";
import { HistoryLink } from "../audit/history-link.js";
import type { CallState } from "../call/call-page.js";
import { CustomerIncidentBanners } from "../incidents/incident-badges.js";
import { PresenceLine, usePresence } from "../live/presence.js";
import { useServicePlans } from "../plans/api.js";
import { useSites } from "../sites/api.js";
import { SmsHistory } from "../sms/sms-history.js";
import { useSiteTickets, useTicketQueue } from "../tickets/api.js";
import { OverdueBadge, PriorityBadge, StatusBadge } from "../tickets/ticket-badges.js";
import { CustomerVisits } from "../visits/customer-visits.js";
import { useArchiveCustomer, useCustomer, useRestoreCustomer } from "./api.js";
import { CustomerStatusBadge } from "./customer-badges.js";
import { CustomerForm } from "./customer-form.js";

/**
 * A labelled value. `minWidth: 0` lets a grid cell shrink below its longest word, and long words
 * (an email, a serial, an address without spaces) break, so neighbours never overprint.
 */
function Field({ label, children, copy }: { label: string; children: ReactNode; copy?: string | null }) {
  const empty = children === null || children === undefined || children === "";
  return (
    <div style={{ minWidth: 0 }}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Group gap={4} wrap="nowrap" align="flex-start">
        <Text size="sm" component="div" style={{ overflowWrap: "anywhere", minWidth: 0 }}>
          {empty ? "—" : children}
        </Text>
        {copy && <CopyValue value={copy} label={label} />}
      </Group>
    </div>
  );
}

/** Two columns of fields where there is room, one on a phone. */
const FIELD_COLUMNS = { base: 1, xs: 2 } as const;

function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          {title}
        </Title>
        {actions}
      </Group>
      {children}
    </Card>
  );
}

/** A map link built from numbers or the address text only: never a URL taken from the record. */
function mapUrl(customer: Customer): string | null {
  if (customer.latitude !== null && customer.longitude !== null) {
    return `https://www.openstreetmap.org/?mlat=${customer.latitude}&mlon=${customer.longitude}#map=17/${customer.latitude}/${customer.longitude}`;
  }
  const address = [customer.street, customer.city, customer.region, customer.postalCode, customer.country]
    .filter(Boolean)
    .join(", ");
  return address ? `https://www.openstreetmap.org/search?query=${encodeURIComponent(address)}` : null;
}

const when = (iso: string | null) => (iso ? <DateTime value={iso} /> : "—");
const OPEN = new Set<string>(OPEN_TICKET_STATUSES);

function CustomerTickets({ customerId, archived }: { customerId: string; archived: boolean }) {
  const tickets = useTicketQueue({ customerId }, 50);
  // Open tickets first, then the rest; each group keeps the API's order (most recent first).
  const rows = [...(tickets.data?.pages[0]?.items ?? [])].sort(
    (a, b) => Number(OPEN.has(b.status)) - Number(OPEN.has(a.status)),
  );
  return (
    <Section
      title="Tickets"
      actions={
        // An archived customer gets no new tickets (the API refuses them): restore first.
        !archived && (
          <Button
            size="xs"
            component={Link}
            to={`/tickets/new?customerId=${encodeURIComponent(customerId)}`}
            leftSection={<IconPlus size={14} />}
          >
            New ticket
          </Button>
        )
      }
    >
      {tickets.isPending && <Text size="sm">Loading tickets…</Text>}
      {tickets.isError && (
        <Alert color="red" title="Tickets could not be loaded">
          {errorMessage(tickets.error)}
        </Alert>
      )}
      {tickets.isSuccess && rows.length === 0 && (
        <Text size="sm" c="dimmed">
          No tickets for this customer yet.
        </Text>
      )}
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Ticket</Table.Th>
                <Table.Th>Subject</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Priority</Table.Th>
                <Table.Th>Opened</Table.Th>
                <Table.Th>Closed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((ticket) => (
                <Table.Tr key={ticket.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/tickets/${ticket.id}`}>
                      {ticket.number}
                    </Anchor>
                  </Table.Td>
                  <Table.Td style={{ overflowWrap: "anywhere" }}>{ticket.subject}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <StatusBadge status={ticket.status} />
                      {ticket.overdue && <OverdueBadge dueAt={ticket.dueAt} />}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <PriorityBadge priority={ticket.priority} />
                  </Table.Td>
                  <Table.Td>{when(ticket.createdAt)}</Table.Td>
                  {/* A resolved ticket is done for the customer even before it is closed. */}
                  <Table.Td>{when(ticket.closedAt ?? ticket.resolvedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {rows.length > 0 && (
        <Anchor component={Link} to={`/tickets?view=all&customerId=${customerId}`} size="sm">
          All tickets in the queue
        </Anchor>
      )}
    </Section>
  );
}

/**
 * Other customers' open tickets at this customer's site: a caller whose neighbours on the same
 * tower report the same is likely part of one problem. Uplink has no incidents yet, so this says
 * what it is, other open tickets, not an outage it cannot know of.
 */
function SiteTicketsNotice({ customerId }: { customerId: string }) {
  const siteTickets = useSiteTickets(customerId);
  const data = siteTickets.data;
  if (!data?.site || data.count === 0) return null;
  const others = data.count === 1 ? "1 other open ticket" : `${data.count} other open tickets`;
  const customers = data.customerCount === 1 ? "1 other customer" : `${data.customerCount} other customers`;
  return (
    <section aria-label="Open tickets at this site">
      <Alert color="orange" icon={<IconAlertTriangle size={18} />} title={`${others} at ${data.site.name}`}>
        <Text size="sm" mb="xs">
          From {customers} on the same network site: a problem there may be what this customer has too.
        </Text>
        <Stack gap={4} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
          {data.items.map((ticket) => (
            <Text size="sm" component="li" key={ticket.id} style={{ overflowWrap: "anywhere" }}>
              <Anchor component={Link} to={`/tickets/${ticket.id}`} size="sm">
                {ticket.number}
              </Anchor>{" "}
              {ticket.subject} · {ticket.customer.name} · opened <DateTime value={ticket.createdAt} />
            </Text>
          ))}
        </Stack>
        {data.count > data.items.length && (
          <Text size="xs" c="dimmed" mt="xs">
            The newest {data.items.length} of {data.count}.
          </Text>
        )}
      </Alert>
    </section>
  );
}

const CUSTOMER_NOT_FOUND = {
  title: "Customer not found",
  message: "There is no customer at this address. The link may be wrong or mistyped.",
  backTo: "/customers",
  backLabel: "Back to customers",
};

export default function CustomerPage() {
  const { id } = useParams();
  if (!isRecordId(id)) return <NotFoundPage {...CUSTOMER_NOT_FOUND} />;
  return <CustomerView id={id} />;
}

function CustomerView({ id }: { id: string }) {
  const isAdmin = useIsAdmin();
  const customer = useCustomer(id);
  const plans = useServicePlans();
  const sites = useSites();
  const archive = useArchiveCustomer();
  const restore = useRestoreCustomer();
  const [editing, setEditing] = useState(false);
  // Unsaved edits in the form: colleagues see "editing" meanwhile.
  const [formDirty, setFormDirty] = useState(false);
  const viewers = usePresence(customer.data ? `customer:${customer.data.id}` : null, formDirty ? "editing" : "viewing");
  usePageTitle(customer.data?.name);
  const call = useLocation().state as CallState | null;

  if (customer.isPending) {
    return (
      <Center h="40vh" aria-busy="true" aria-label="Loading">
        <Loader />
      </Center>
    );
  }
  if (customer.isError && isNotFound(customer.error)) return <NotFoundPage {...CUSTOMER_NOT_FOUND} />;
  if (customer.isError) {
    return (
      <Alert color="red" title="Could not load the customer">
        {errorMessage(customer.error)}
      </Alert>
    );
  }
  const c = customer.data;
  const plan = plans.data?.find((p) => p.id === c.servicePlanId);
  const site = sites.data?.find((s) => s.id === c.siteId);
  const map = mapUrl(c);

  const confirmArchive = () =>
    modals.openConfirmModal({
      title: `Archive ${c.name}?`,
      children: (
        <Text size="sm">
          {c.name} disappears from lists and search. Their tickets and SMS history stay, and an admin can restore them.
        </Text>
      ),
      labels: { confirm: "Archive customer", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        archive.mutate(c.id, {
          onSuccess: () => notifications.show({ color: "green", message: `${c.name} archived` }),
          onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
        }),
    });
  const confirmRestore = () =>
    modals.openConfirmModal({
      title: `Restore ${c.name}?`,
      children: <Text size="sm">{c.name} shows in lists and search again.</Text>,
      labels: { confirm: "Restore customer", cancel: "Cancel" },
      onConfirm: () =>
        restore.mutate(c.id, {
          onSuccess: () => notifications.show({ color: "green", message: `${c.name} restored` }),
          onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
        }),
    });

  return (
    <Stack>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <div>
          <Anchor component={Link} to="/customers" size="sm">
            ← Customers
          </Anchor>
          <PageHeading style={{ overflowWrap: "anywhere" }}>{c.name}</PageHeading>
          <Group gap="xs">
            <Group gap={2} wrap="nowrap">
              <Text c="dimmed">{c.accountNumber}</Text>
              <CopyValue value={c.accountNumber} label="account number" />
            </Group>
            {/* One state: an archived customer's service status is history, told in the banner below. */}
            {c.archivedAt ? (
              <Badge color="gray" variant="filled">
                Archived
              </Badge>
            ) : (
              <CustomerStatusBadge status={c.status} />
            )}
            {!c.archivedAt && c.smsOptOut && (
              <Badge color="orange" variant="outline">
                No SMS
              </Badge>
            )}
          </Group>
          <PresenceLine viewers={viewers} />
        </div>
        <Group gap="xs">
          {!c.archivedAt && (
            <Button leftSection={<IconEdit size={16} />} onClick={() => setEditing(true)}>
              Edit
            </Button>
          )}
          {isAdmin && !c.archivedAt && (
            <Button
              color="red"
              variant="light"
              leftSection={<IconArchive size={16} />}
              onClick={confirmArchive}
              loading={archive.isPending}
            >
              Archive
            </Button>
          )}
          {isAdmin && c.archivedAt && (
            <Button
              variant="light"
              leftSection={<IconRestore size={16} />}
              onClick={confirmRestore}
              loading={restore.isPending}
            >
              Restore
            </Button>
          )}
          <HistoryLink entityType="customer" entityId={c.id} />
        </Group>
      </Group>
      {call?.call && (
        <Alert
          color="blue"
          icon={<IconPhoneIncoming size={18} />}
          title={`Call from ${formatPhone(c[call.matched] ?? call.call).display}`}
        >
          The caller id matches {c.name}'s {call.matched === "altPhone" ? "alternative" : "mobile"} phone. Their open
          tickets are listed first below.
        </Alert>
      )}
      <CustomerIncidentBanners customerId={c.id} />
      <SiteTicketsNotice customerId={c.id} />
      {c.archivedAt && (
        <Alert color="gray" title="Archived customer">
          Archived on {when(c.archivedAt)}
          {c.archivedBy ? ` by ${c.archivedBy.name}` : ""}. They are hidden from lists and search, get no SMS and no new
          tickets; their service status was {CUSTOMER_STATUS_LABELS[c.status].toLowerCase()} when archived.{" "}
          {isAdmin ? "Restore them to edit the record." : "An admin can restore them."}
        </Alert>
      )}

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title="Contact">
          <SimpleGrid cols={FIELD_COLUMNS}>
            <Field label="Mobile phone">{c.phone && <PhoneWithCopy phone={c.phone} label="mobile phone" />}</Field>
            <Field label="Alternative phone">
              {c.altPhone && <PhoneWithCopy phone={c.altPhone} label="alternative phone" />}
            </Field>
            <Field label="Email">{c.email && <Anchor href={`mailto:${c.email}`}>{c.email}</Anchor>}</Field>
            <Field label="SMS">
              {c.archivedAt ? "None while archived" : c.smsOptOut ? "Opted out" : "Receives updates"}
            </Field>
          </SimpleGrid>
        </Section>
        <Section
          title="Service address"
          actions={
            map && (
              <Button
                size="xs"
                variant="subtle"
                component="a"
                href={map}
                target="_blank"
                rel="noopener noreferrer"
                leftSection={<IconMapPin size={14} />}
              >
                Open map
              </Button>
            )
          }
        >
          <Stack gap="xs">
            <Field label="Street">{c.street}</Field>
            <SimpleGrid cols={FIELD_COLUMNS}>
              <Field label="City">{c.city}</Field>
              <Field label="Region">{c.region}</Field>
              <Field label="Postal code">{c.postalCode}</Field>
              <Field label="Country">{c.country}</Field>
              <Field label="Coordinates">
                {c.latitude !== null && c.longitude !== null ? `${c.latitude}, ${c.longitude}` : null}
              </Field>
            </SimpleGrid>
          </Stack>
        </Section>
        <Section title="Service and connection">
          <SimpleGrid cols={FIELD_COLUMNS}>
            <Field label="Service plan">
              {plan ? `${plan.name} (${plan.downloadMbps}/${plan.uploadMbps} Mbit/s)` : c.servicePlanId ? "…" : null}
            </Field>
            <Field label="Connection type">{c.connectionType && CONNECTION_TYPE_LABELS[c.connectionType]}</Field>
            <Field label="Network site">
              {site ? `${site.name} (${SITE_KIND_LABELS[site.kind]})` : c.siteId ? "…" : null}
            </Field>
            <Field label="Install date">{c.installDate}</Field>
            <Field label="IP address" copy={c.ipAddress}>
              {c.ipAddress}
            </Field>
            <Field label="MAC address" copy={c.macAddress}>
              {c.macAddress}
            </Field>
            <Field label="CPE / router model">{c.cpeModel}</Field>
            <Field label="ONT / CPE serial" copy={c.cpeSerial}>
              {c.cpeSerial}
            </Field>
            <Field label="VLAN">{c.vlanId}</Field>
          </SimpleGrid>
        </Section>
        <Section title="Notes">
          <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
            {c.notes || "No notes."}
          </Text>
          <Text size="xs" c="dimmed" mt="sm">
            Created {when(c.createdAt)} · updated {when(c.updatedAt)}
          </Text>
        </Section>
      </SimpleGrid>
      <CustomerTickets customerId={c.id} archived={Boolean(c.archivedAt)} />
      <CustomerVisits customerId={c.id} />
      <Section title="SMS history">
        <SmsHistory customerId={c.id} />
      </Section>

      <Modal opened={editing} onClose={() => setEditing(false)} title={`Edit ${c.name}`} size="xl">
        {editing && (
          <CustomerForm
            customer={c}
            onDirtyChange={setFormDirty}
            onCancel={() => setEditing(false)}
            onSaved={(saved) => {
              setEditing(false);
              notifications.show({ color: "green", message: "Customer saved" });
              for (const warning of saved.warnings) {
                notifications.show({
                  color: "yellow",
                  title: "Possible duplicate",
                  message: warning.message,
                  autoClose: 10_000,
                });
              }
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}
