import {
  Alert,
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Loader,
  Modal,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconArrowLeft } from "@tabler/icons-react";
import { useState } from "react";
import { Link, useParams } from "react-router";
import type { ConflictChange, TicketConflict } from "../../shared/conflict.js";
import type { CommentVisibility, TicketCategory, TicketPriority, TicketStatus } from "../../shared/enums.js";
import { CATEGORY_LABELS, PRIORITY_LABELS, STATUS_LABELS, TICKET_FIELD_WORDS } from "../../shared/labels.js";
import { type TicketDetail, type UpdateTicket, ZCreateComment, ZUpdateTicket } from "../../shared/tickets.js";
import { ApiError, errorMessage } from "../app/api.js";
import { formatDateTime, formatRelative } from "../app/format.js";
import { validateWith } from "../app/forms.js";
import { PhoneLink } from "../app/phone.js";
import { SendSmsButton } from "../sms/send-sms-button.js";
import { useAddComment, useTicket, useTimeline, useUpdateTicket } from "./api.js";
import { AssigneeSelect } from "./assignee-select.js";
import { CustomerPicker } from "./customer-picker.js";
import {
  CATEGORY_OPTIONS,
  OverdueBadge,
  PRIORITY_OPTIONS,
  PriorityBadge,
  STATUS_OPTIONS,
  StatusBadge,
} from "./ticket-badges.js";
import { TicketTimeline } from "./ticket-timeline.js";

type Change = Omit<UpdateTicket, "version">;
/** A change of ours the server refused as stale, with the 409's account of what happened since. */
interface Conflict {
  attempted: Change;
  current: TicketConflict["current"];
  changes: ConflictChange[];
}

const isTicketConflict = (error: unknown): error is ApiError & { problem: TicketConflict } =>
  error instanceof ApiError && error.status === 409 && error.problem.code === "ticket.version_conflict";

/** The details an edit may change, as the API checks them. */
const ZTicketDetailsForm = ZUpdateTicket.pick({
  subject: true,
  description: true,
  category: true,
  customerId: true,
}).required({
  subject: true,
});

function valueLabel(field: string, value: unknown, ticket: TicketDetail): string {
  if (value === null || value === undefined || value === "") return "none";
  if (field === "status") return STATUS_LABELS[value as TicketStatus] ?? String(value);
  if (field === "priority") return PRIORITY_LABELS[value as TicketPriority] ?? String(value);
  if (field === "category") return CATEGORY_LABELS[value as TicketCategory] ?? String(value);
  if (field === "assigneeId") return ticket.assignee?.id === value ? ticket.assignee.name : "another staff member";
  if (field === "customerId") return ticket.customer?.id === value ? ticket.customer.name : "another customer";
  return `"${String(value)}"`;
}

function describeConflictChange(change: ConflictChange): string {
  const who = change.by?.name ?? "Someone";
  const when = formatRelative(change.at);
  if (change.kind === "status_changed") {
    return `${who} changed status from ${STATUS_LABELS[change.from as TicketStatus] ?? change.from} to ${
      STATUS_LABELS[change.to as TicketStatus] ?? change.to
    } (${when})`;
  }
  if (change.kind === "priority_changed") {
    return `${who} changed priority from ${PRIORITY_LABELS[change.from as TicketPriority] ?? change.from} to ${
      PRIORITY_LABELS[change.to as TicketPriority] ?? change.to
    } (${when})`;
  }
  if (change.kind === "assigned") return `${who} changed the assignee (${when})`;
  return `${who} edited ${change.fields.map((f) => TICKET_FIELD_WORDS[f] ?? f).join(", ")} (${when})`;
}

function ConflictAlert({
  conflict,
  onReapply,
  onDiscard,
  reapplying,
}: {
  conflict: Conflict;
  onReapply: () => void;
  onDiscard: () => void;
  reapplying: boolean;
}) {
  const yours = Object.entries(conflict.attempted)
    .map(([field, value]) =>
      field === "description"
        ? "edited the description"
        : `${TICKET_FIELD_WORDS[field] ?? field} → ${valueLabel(field, value, conflict.current)}`,
    )
    .join(", ");
  return (
    <Alert color="orange" title="Someone else changed this ticket" role="alert">
      <Stack gap="xs">
        {conflict.changes.length > 0 ? (
          <Stack gap={2} component="ul" m={0} pl="md">
            {conflict.changes.map((change) => (
              <Text component="li" size="sm" key={`${change.kind}-${change.at}-${change.fields.join()}`}>
                {describeConflictChange(change)}
              </Text>
            ))}
          </Stack>
        ) : (
          <Text size="sm">The ticket changed after you opened it.</Text>
        )}
        <Text size="sm">Your change ({yours}) was not saved. The page now shows the current values.</Text>
        <Group gap="xs">
          <Button size="xs" onClick={onReapply} loading={reapplying}>
            Apply my change again
          </Button>
          <Button size="xs" variant="default" onClick={onDiscard}>
            Discard my change
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

function CustomerCard({ ticket }: { ticket: TicketDetail }) {
  const customer = ticket.customer;
  if (!customer) {
    return (
      <Paper withBorder p="md">
        <Title order={4} mb="xs">
          Customer
        </Title>
        <Text size="sm" c="dimmed">
          No customer: a network-wide ticket.
        </Text>
      </Paper>
    );
  }
  const rows: [string, string | null][] = [
    ["Account", customer.accountNumber],
    ["Phone", customer.phone],
    ["Plan", customer.planName],
    ["IP address", customer.ipAddress],
    ["Address", customer.address],
  ];
  return (
    <Paper withBorder p="md" aria-label="Customer">
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Title order={4} style={{ overflowWrap: "anywhere" }}>
            <Anchor component={Link} to={`/customers/${customer.id}`}>
              {customer.name}
            </Anchor>
          </Title>
          {customer.archived && <Badge color="gray">Archived</Badge>}
        </Group>
        {rows.map(([label, value]) => (
          <Group key={label} gap="xs" wrap="nowrap" align="flex-start">
            <Text size="sm" c="dimmed" w={90} style={{ flexShrink: 0 }}>
              {label}
            </Text>
            {label === "Phone" && value ? (
              <PhoneLink size="sm" phone={value} />
            ) : (
              <Text size="sm" style={{ overflowWrap: "anywhere" }}>
                {value ?? "—"}
              </Text>
            )}
          </Group>
        ))}
        <Button variant="light" size="xs" component={Link} to={`/customers/${customer.id}`}>
          Open customer
        </Button>
      </Stack>
    </Paper>
  );
}

function CommentBox({ ticketId }: { ticketId: string }) {
  const add = useAddComment(ticketId);
  const form = useForm({
    initialValues: { body: "", visibility: "internal" as CommentVisibility },
    validate: validateWith(ZCreateComment),
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit(async (values) => {
        try {
          await add.mutateAsync(values);
          form.reset();
          notifications.show({ color: "green", message: "Comment added" });
        } catch (error) {
          if (error instanceof ApiError) form.setErrors(error.fieldErrors());
          else notifications.show({ color: "red", message: errorMessage(error) });
        }
      })}
    >
      <Stack gap="xs">
        <Textarea label="Comment" autosize minRows={3} maxRows={12} {...form.getInputProps("body")} />
        <Group justify="space-between" wrap="wrap">
          <SegmentedControl
            aria-label="Comment visibility"
            data={[
              { value: "internal", label: "Internal note" },
              { value: "public", label: "Public reply" },
            ]}
            {...form.getInputProps("visibility")}
          />
          <Button type="submit" loading={add.isPending}>
            Add comment
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          {form.values.visibility === "public"
            ? "Public replies are part of the customer-facing record."
            : "Internal notes are for staff only."}
        </Text>
      </Stack>
    </form>
  );
}

function EditDetailsModal({
  ticket,
  opened,
  onClose,
  onSave,
}: {
  ticket: TicketDetail;
  opened: boolean;
  onClose: () => void;
  onSave: (change: Change) => Promise<boolean>;
}) {
  const form = useForm({
    initialValues: {
      subject: ticket.subject,
      description: ticket.description,
      category: ticket.category,
      customerId: ticket.customerId,
    },
    validate: validateWith(ZTicketDetailsForm),
  });
  return (
    <Modal opened={opened} onClose={onClose} title={`Edit ${ticket.number}`} size="lg">
      <form
        noValidate
        onSubmit={form.onSubmit(async (values) => {
          if (await onSave(values)) onClose();
        })}
      >
        <Stack>
          <CustomerPicker
            value={form.values.customerId}
            onChange={(id) => form.setFieldValue("customerId", id)}
            description="Empty for a network-wide ticket"
          />
          <TextInput label="Subject" required {...form.getInputProps("subject")} />
          <Select label="Category" data={CATEGORY_OPTIONS} allowDeselect={false} {...form.getInputProps("category")} />
          <Textarea label="Description" autosize minRows={4} maxRows={14} {...form.getInputProps("description")} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit">Save</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export default function TicketPage() {
  const { id = "" } = useParams();
  const ticket = useTicket(id);
  const timeline = useTimeline(id);
  const update = useUpdateTicket(id);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [editing, setEditing] = useState(false);

  if (ticket.isPending) {
    return (
      <Group justify="center" p="xl">
        <Loader aria-label="Loading ticket" />
      </Group>
    );
  }
  if (ticket.isError) {
    return (
      <Alert color="red" title="This ticket could not be shown">
        <Stack gap="xs">
          <Text size="sm">{errorMessage(ticket.error)}</Text>
          <Button component={Link} to="/tickets" variant="light" size="xs" w="fit-content">
            Back to tickets
          </Button>
        </Stack>
      </Alert>
    );
  }
  const current = ticket.data;

  /** Saves a change on the version shown; a 409 swaps in the server's ticket and explains. */
  const save = async (change: Change, version = current.version): Promise<boolean> => {
    try {
      await update.mutateAsync({ ...change, version });
      setConflict(null);
      notifications.show({ color: "green", message: "Ticket saved" });
      return true;
    } catch (error) {
      if (isTicketConflict(error)) {
        setConflict({ attempted: change, current: error.problem.current, changes: error.problem.changes });
        ticket.refetch();
        timeline.refetch();
      } else {
        notifications.show({ color: "red", title: "Not saved", message: errorMessage(error) });
      }
      return false;
    }
  };

  return (
    <Stack>
      <Anchor component={Link} to="/tickets" size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Tickets
        </Group>
      </Anchor>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Stack gap={4} style={{ minWidth: 0, flex: 1 }}>
          <Group gap="xs">
            <Text c="dimmed" fw={600}>
              {current.number}
            </Text>
            <StatusBadge status={current.status} />
            <PriorityBadge priority={current.priority} />
            {current.overdue && <OverdueBadge dueAt={current.dueAt} />}
          </Group>
          <Title order={2} style={{ overflowWrap: "anywhere" }}>
            {current.subject}
          </Title>
          <Text size="sm" c="dimmed">
            {CATEGORY_LABELS[current.category]} · opened {formatDateTime(current.createdAt)}
            {current.createdBy ? ` by ${current.createdBy.name}` : ""}
          </Text>
        </Stack>
        <Group gap="xs">
          <SendSmsButton ticketId={current.id} customer={current.customer} ticketNumber={current.number} />
          <Button variant="default" onClick={() => setEditing(true)}>
            Edit details
          </Button>
        </Group>
      </Group>

      {conflict && (
        <ConflictAlert
          conflict={conflict}
          reapplying={update.isPending}
          onReapply={() => save(conflict.attempted, conflict.current.version)}
          onDiscard={() => setConflict(null)}
        />
      )}

      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Status"
            data={STATUS_OPTIONS}
            value={current.status}
            allowDeselect={false}
            disabled={update.isPending}
            onChange={(value) => value && value !== current.status && save({ status: value as TicketStatus })}
          />
          <Select
            label="Priority"
            data={PRIORITY_OPTIONS}
            value={current.priority}
            allowDeselect={false}
            disabled={update.isPending}
            onChange={(value) => value && value !== current.priority && save({ priority: value as TicketPriority })}
          />
          <AssigneeSelect
            value={current.assigneeId}
            current={current.assignee}
            disabled={update.isPending}
            onChange={(value) => value !== current.assigneeId && save({ assigneeId: value })}
          />
        </SimpleGrid>
        <Group gap="lg" mt="sm">
          <Text size="sm">
            <Text span c="dimmed">
              Due:{" "}
            </Text>
            {current.dueAt ? `${formatDateTime(current.dueAt)} (${formatRelative(current.dueAt)})` : "—"}
          </Text>
          {current.firstResponseAt && (
            <Text size="sm">
              <Text span c="dimmed">
                First response:{" "}
              </Text>
              {formatDateTime(current.firstResponseAt)}
            </Text>
          )}
          {current.resolvedAt && (
            <Text size="sm">
              <Text span c="dimmed">
                Resolved:{" "}
              </Text>
              {formatDateTime(current.resolvedAt)}
            </Text>
          )}
          {current.closedAt && (
            <Text size="sm">
              <Text span c="dimmed">
                Closed:{" "}
              </Text>
              {formatDateTime(current.closedAt)}
            </Text>
          )}
        </Group>
      </Paper>

      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 8 }} order={{ base: 2, md: 1 }}>
          <Stack>
            {current.description && (
              <Paper withBorder p="md">
                <Title order={4} mb="xs">
                  Description
                </Title>
                <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
                  {current.description}
                </Text>
              </Paper>
            )}
            <Paper withBorder p="md">
              <Title order={4} mb="sm">
                Timeline
              </Title>
              {timeline.isPending ? (
                <Loader size="sm" aria-label="Loading timeline" />
              ) : timeline.isError ? (
                <Alert color="red">{errorMessage(timeline.error)}</Alert>
              ) : (
                <TicketTimeline entries={timeline.data} />
              )}
            </Paper>
            <Paper withBorder p="md">
              <CommentBox ticketId={current.id} />
            </Paper>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }} order={{ base: 1, md: 2 }}>
          <CustomerCard ticket={current} />
        </Grid.Col>
      </Grid>

      {editing && (
        <EditDetailsModal
          ticket={current}
          opened={editing}
          onClose={() => setEditing(false)}
          onSave={(change) => save(change)}
        />
      )}
    </Stack>
  );
}
