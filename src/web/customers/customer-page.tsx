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
import { IconArchive, IconEdit, IconMapPin, IconPlus, IconRestore } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { Link, useParams } from "react-router";
import type { Customer } from "../../shared/customers.js";
import { OPEN_TICKET_STATUSES } from "../../shared/enums.js";
import { ApiError, api, errorMessage } from "../app/api.js";
import { useIsAdmin } from "../app/auth.js";
import { useArchiveCustomer, useCustomer, useRestoreCustomer, useServicePlans, useSites } from "./api.js";
import { CustomerForm } from "./customer-form.js";
import { labelOf, STATUS_COLOR } from "./labels.js";

/** A ticket as the tickets API lists it (only what this page shows). */
interface TicketRow {
  id: string;
  number: string;
  subject: string;
  status: string;
  priority: string;
  dueAt: string | null;
  overdue: boolean;
  updatedAt: string;
}

interface SmsRow {
  id: string;
  direction: string;
  to: string | null;
  from: string | null;
  body: string;
  purpose: string;
  status: string;
  reason: string | null;
  createdAt: string;
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm">{children === null || children === undefined || children === "" ? "—" : children}</Text>
    </div>
  );
}

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

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

function CustomerTickets({ customerId }: { customerId: string }) {
  const tickets = useQuery({
    queryKey: ["tickets", "customer", customerId],
    queryFn: () => api<{ items: TicketRow[] }>("/api/tickets", { query: { customerId, limit: 50 } }),
    retry: false,
  });
  const open = new Set<string>(OPEN_TICKET_STATUSES);
  // Open tickets first, then the rest; each group keeps the API's order (most recent first).
  const rows = [...(tickets.data?.items ?? [])].sort((a, b) => Number(open.has(b.status)) - Number(open.has(a.status)));
  return (
    <Section
      title="Tickets"
      actions={
        <Button
          size="xs"
          component={Link}
          to={`/tickets/new?customerId=${encodeURIComponent(customerId)}`}
          leftSection={<IconPlus size={14} />}
        >
          New ticket
        </Button>
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
        <Table.ScrollContainer minWidth={480}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Ticket</Table.Th>
                <Table.Th>Subject</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Priority</Table.Th>
                <Table.Th>Due</Table.Th>
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
                  <Table.Td>{ticket.subject}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={open.has(ticket.status) ? "blue" : "gray"}>
                      {labelOf(ticket.status)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{labelOf(ticket.priority)}</Table.Td>
                  <Table.Td>
                    {ticket.overdue ? (
                      <Badge color="red" variant="filled">
                        Overdue
                      </Badge>
                    ) : (
                      when(ticket.dueAt)
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Section>
  );
}

function CustomerSms({ customerId }: { customerId: string }) {
  const sms = useQuery({
    queryKey: ["sms", "customer", customerId],
    queryFn: () => api<{ items: SmsRow[] }>("/api/sms", { query: { customerId, limit: 20 } }),
    retry: false,
  });
  const rows = sms.data?.items ?? [];
  return (
    <Section title="SMS history">
      {sms.isPending && <Text size="sm">Loading messages…</Text>}
      {sms.isError && (
        <Alert color="red" title="SMS history could not be loaded">
          {errorMessage(sms.error)}
        </Alert>
      )}
      {sms.isSuccess && rows.length === 0 && (
        <Text size="sm" c="dimmed">
          No text messages to or from this customer yet.
        </Text>
      )}
      <Stack gap="xs">
        {rows.map((message) => (
          <Card key={message.id} withBorder padding="xs">
            <Group justify="space-between" gap="xs">
              <Text size="xs" c="dimmed">
                {message.direction === "inbound" ? `From ${message.from ?? "?"}` : `To ${message.to ?? "?"}`} ·{" "}
                {labelOf(message.purpose)} · {when(message.createdAt)}
              </Text>
              <Badge size="sm" variant="light" color={message.status === "failed" ? "red" : "gray"}>
                {labelOf(message.status)}
              </Badge>
            </Group>
            <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
              {message.body}
            </Text>
            {message.reason && (
              <Text size="xs" c="dimmed">
                {message.reason}
              </Text>
            )}
          </Card>
        ))}
      </Stack>
    </Section>
  );
}

export default function CustomerPage() {
  const { id } = useParams();
  const isAdmin = useIsAdmin();
  const customer = useCustomer(id);
  const plans = useServicePlans();
  const sites = useSites();
  const archive = useArchiveCustomer();
  const restore = useRestoreCustomer();
  const [editing, setEditing] = useState(false);

  if (customer.isPending) {
    return (
      <Center h="40vh" aria-busy="true" aria-label="Loading">
        <Loader />
      </Center>
    );
  }
  if (customer.isError) {
    return (
      <Alert
        color="red"
        title={
          customer.error instanceof ApiError && customer.error.status === 404
            ? "Customer not found"
            : "Could not load the customer"
        }
      >
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
          <Title order={2}>{c.name}</Title>
          <Group gap="xs">
            <Text c="dimmed">{c.accountNumber}</Text>
            <Badge color={STATUS_COLOR[c.status]} variant="light">
              {labelOf(c.status)}
            </Badge>
            {c.archivedAt && (
              <Badge color="gray" variant="outline">
                Archived
              </Badge>
            )}
            {c.smsOptOut && (
              <Badge color="orange" variant="outline">
                No SMS
              </Badge>
            )}
          </Group>
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
        </Group>
      </Group>
      {c.archivedAt && (
        <Alert color="gray" title="Archived customer">
          Archived on {when(c.archivedAt)}.{" "}
          {isAdmin ? "Restore them to edit the record." : "An admin can restore them."}
        </Alert>
      )}

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title="Contact">
          <SimpleGrid cols={2}>
            <Field label="Mobile phone">{c.phone && <Anchor href={`tel:${c.phone}`}>{c.phone}</Anchor>}</Field>
            <Field label="Alternative phone">
              {c.altPhone && <Anchor href={`tel:${c.altPhone}`}>{c.altPhone}</Anchor>}
            </Field>
            <Field label="Email">{c.email && <Anchor href={`mailto:${c.email}`}>{c.email}</Anchor>}</Field>
            <Field label="SMS">{c.smsOptOut ? "Opted out" : "Receives updates"}</Field>
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
            <SimpleGrid cols={2}>
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
          <SimpleGrid cols={2}>
            <Field label="Service plan">
              {plan ? `${plan.name} (${plan.downloadMbps}/${plan.uploadMbps} Mbit/s)` : c.servicePlanId ? "…" : null}
            </Field>
            <Field label="Connection type">{c.connectionType && labelOf(c.connectionType)}</Field>
            <Field label="Network site">{site ? `${site.name} (${labelOf(site.kind)})` : c.siteId ? "…" : null}</Field>
            <Field label="Install date">{c.installDate}</Field>
            <Field label="IP address">{c.ipAddress}</Field>
            <Field label="MAC address">{c.macAddress}</Field>
            <Field label="CPE / router model">{c.cpeModel}</Field>
            <Field label="ONT / CPE serial">{c.cpeSerial}</Field>
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
      <CustomerTickets customerId={c.id} />
      <CustomerSms customerId={c.id} />

      <Modal opened={editing} onClose={() => setEditing(false)} title={`Edit ${c.name}`} size="xl">
        {editing && (
          <CustomerForm
            customer={c}
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
