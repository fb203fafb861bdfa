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
import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import type { ConflictChange, TicketConflict } from "../../shared/conflict.js";
import type { TicketCategory, TicketPriority, TicketStatus } from "../../shared/enums.js";
import { CATEGORY_LABELS, PRIORITY_LABELS, STATUS_LABELS, TICKET_FIELD_WORDS } from "../../shared/labels.js";
import type { LiveTicketEvent } from "../../shared/live.js";
import { type TicketDetail, type UpdateTicket, ZUpdateTicket } from "../../shared/tickets.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { DateTime } from "../app/date-time.js";
import { ErrorSummary, focusFirstError } from "../app/form-errors.js";
import { formatRelative } from "../app/format.js";
import { validateWith } from "../app/forms.js";
import {
  changedFields,
  type FieldValues,
  mergedValues,
  mergeEdits,
  type PendingMerge,
  pickFields,
  saveWithMerge,
  undecided,
} from "../app/merge.js";
import { MergeConflict, type MergeFieldInfos } from "../app/merge-conflict.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { isNotFound, NotFoundPage } from "../app/pages.js";
import { PhoneLink } from "../app/phone.js";
import { TicketAttachments } from "../attachments/ticket-attachments.js";
import { HistoryLink } from "../audit/history-link.js";
import { TicketIncidentNotice } from "../incidents/incident-badges.js";
import { useLiveEvent } from "../live/live-provider.js";
import { PresenceLine, usePresence } from "../live/presence.js";
import { SavedWhileEditingNotice, TICKET_SAVE_KINDS, ticketChangesInWords } from "../live/saved-while-editing.js";
import { SendSmsButton } from "../sms/send-sms-button.js";
import { TicketVisits } from "../visits/ticket-visits.js";
import { useTicket, useTimeline, useUpdateTicket } from "./api.js";
import { AssignToMeButton } from "./assign-to-me.js";
import { AssigneeSelect } from "./assignee-select.js";
import { CommentBox } from "./comment-box.js";
import { CustomerPicker } from "./customer-picker.js";
import {
  CATEGORY_OPTIONS,
  OverdueBadge,
  PRIORITY_OPTIONS,
  PriorityBadge,
  SlaPausedBadge,
  STATUS_OPTIONS,
  StatusBadge,
  slaRemainingWords,
} from "./ticket-badges.js";
import { TicketTimeline } from "./ticket-timeline.js";

type Change = Omit<UpdateTicket, "version">;

const isTicketConflict = (error: unknown): error is ApiError & { problem: TicketConflict } =>
  error instanceof ApiError && error.status === 409 && error.problem.code === "ticket.version_conflict";

/** Sends one change on a version; a 409 comes back as the server's account, anything else throws. */
type SendChange = (change: Change, version: number) => Promise<TicketConflict | null>;

/** Saves a form's changed fields on a version, merging on 409 (see `saveWithMerge`). */
const saveMerged = <T extends FieldValues>(
  send: SendChange,
  base: T,
  version: number,
  mine: T,
  valuesOf: (ticket: TicketDetail) => T,
) =>
  saveWithMerge<T, TicketConflict>(
    (fields, at) => send(fields as Change, at),
    (conflict) => ({ values: valuesOf(conflict.current), version: conflict.current.version }),
    base,
    version,
    mine,
  );

const fieldWords = (fields: string[]) => fields.map((f) => TICKET_FIELD_WORDS[f] ?? f).join(", ");

/** Names of the people behind a 409's changes, for "Anna changed this while you were editing". */
const changedBy = (changes: ConflictChange[]) =>
  [...new Set(changes.map((c) => c.by?.name).filter(Boolean))].join(", ") || "Someone";

function ConflictChanges({ changes }: { changes: ConflictChange[] }) {
  if (changes.length === 0) return null;
  return (
    <Stack gap={2} component="ul" m={0} pl="md">
      {changes.map((change) => (
        <Text component="li" size="sm" key={`${change.kind}-${change.at}-${change.fields.join()}`}>
          {describeConflictChange(change)}
        </Text>
      ))}
    </Stack>
  );
}

/** How the conflict view names the ticket's fields and shows their values. */
const mergeFieldsOf = (ticket: TicketDetail): MergeFieldInfos<Record<string, unknown>> =>
  Object.fromEntries(
    Object.entries(TICKET_FIELD_WORDS).map(([field, word]) => [
      field,
      {
        label: word.charAt(0).toUpperCase() + word.slice(1),
        show: (value: unknown) => valueLabel(field, value, ticket),
      },
    ]),
  );

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

type DetailsValues = {
  subject: string;
  description: string | null;
  category: TicketCategory;
  customerId: string | null;
};

const detailsOf = (ticket: TicketDetail): DetailsValues => ({
  subject: ticket.subject,
  description: ticket.description,
  category: ticket.category,
  customerId: ticket.customerId,
});

const DETAILS_LABELS: Record<keyof DetailsValues, string> = {
  subject: "Subject",
  description: "Description",
  category: "Category",
  customerId: "Customer",
};

/**
 * Edits the details, sending only the fields the person changed. A colleague's save while the
 * dialog is open (the live stream refetches the page's ticket) moves the form onto their version
 * at once: their fields taken where the person changed nothing, the person's kept, and a notice
 * says who changed what. A save that still meets a 409 merges the same way; only fields both
 * changed wait for a choice, shown here in the dialog, and the next save goes on the current version.
 */
function EditDetailsModal({
  ticket,
  opened,
  onClose,
  send,
  onDirtyChange,
}: {
  ticket: TicketDetail;
  opened: boolean;
  onClose: () => void;
  send: SendChange;
  /** Whether the form has unsaved changes (the page reports "editing" to colleagues meanwhile). */
  onDirtyChange: (dirty: boolean) => void;
}) {
  const { user } = useSession();
  const form = useForm({
    initialValues: detailsOf(ticket),
    validate: validateWith(ZTicketDetailsForm),
  });
  const formRef = useRef<HTMLFormElement>(null);
  const [base, setBase] = useState({ values: detailsOf(ticket), version: ticket.version });
  const [conflict, setConflict] = useState<{ pending: PendingMerge<DetailsValues>; problem: TicketConflict } | null>(
    null,
  );
  const [showUndecided, setShowUndecided] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  /**
   * Others' saves since the dialog opened, for the notice (shown once their version reached the
   * form: a save the dialog opened on already moves nothing); fields taken from them, for the saved message.
   */
  const [othersSaves, setOthersSaves] = useState<LiveTicketEvent[]>([]);
  const [liveMerge, setLiveMerge] = useState<{ kept: string[]; collisions: string[] } | null>(null);
  const dirty = changedFields(base.values, form.values).length > 0;

  useEffect(() => {
    onDirtyChange(dirty);
  }, [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange(false), [onDirtyChange]);

  useLiveEvent("ticket", (event) => {
    if (event.ticketId !== ticket.id || event.actor?.id === user.id || !TICKET_SAVE_KINDS.has(event.kind)) return;
    setOthersSaves((saves) => [...saves, event]);
  });

  // A newer version of the ticket reached the page: the form moves onto it, unless a field the
  // person changed was changed there too (the save's 409 then asks which to keep).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the form object is new each render; its values are read, not watched
  useEffect(() => {
    if (saving || conflict || ticket.version <= base.version) return;
    const fresh = detailsOf(ticket);
    const merge = mergeEdits(base.values, fresh, form.getValues());
    if (merge.collisions.length > 0) {
      setLiveMerge((seen) => ({ kept: seen?.kept ?? [], collisions: merge.collisions }));
      return;
    }
    form.setValues(merge.merged);
    setBase({ values: fresh, version: ticket.version });
    setLiveMerge((seen) => ({ kept: [...new Set([...(seen?.kept ?? []), ...merge.theirsOnly])], collisions: [] }));
  }, [ticket, saving, conflict, base]);

  const submit = form.onSubmit(
    async (values) => {
      setProblem(null);
      if (conflict && undecided(conflict.pending).length > 0) {
        setShowUndecided(true);
        setProblem("Choose which value to keep where you both changed a field.");
        return;
      }
      setSaving(true);
      try {
        const outcome = await saveMerged(send, base.values, base.version, values, detailsOf);
        if (outcome.saved) {
          const kept = [
            ...new Set([
              ...(liveMerge?.kept ?? []),
              ...(conflict?.pending.merge.theirsOnly ?? []),
              ...outcome.theirsKept,
            ]),
          ];
          notifications.show({
            color: "green",
            message: kept.length ? `Ticket saved; the other change to ${fieldWords(kept)} was kept` : "Ticket saved",
          });
          onClose();
          return;
        }
        setBase({ values: outcome.base, version: outcome.version });
        setConflict({ pending: outcome.pending, problem: outcome.conflict });
        form.setValues(outcome.pending.merge.merged);
        setShowUndecided(false);
      } catch (error) {
        if (error instanceof ApiError && error.problem.errors?.length) {
          const errors = error.fieldErrors();
          form.setErrors(errors);
          focusFirstError(formRef.current, errors);
        } else {
          setProblem(errorMessage(error));
        }
      } finally {
        setSaving(false);
      }
    },
    (errors) => focusFirstError(formRef.current, errors),
  );

  return (
    <Modal opened={opened} onClose={onClose} title={`Edit ${ticket.number}`} size="lg">
      <form noValidate onSubmit={submit} ref={formRef}>
        <Stack>
          {othersSaves.length > 0 && liveMerge && !conflict && (
            <SavedWhileEditingNotice
              changes={ticketChangesInWords(othersSaves)}
              collisions={liveMerge.collisions.map((field) => TICKET_FIELD_WORDS[field] ?? field)}
              editing={dirty}
              onClose={() => setOthersSaves([])}
            />
          )}
          {conflict && (
            <MergeConflict
              pending={conflict.pending}
              fields={mergeFieldsOf(conflict.problem.current)}
              who={changedBy(conflict.problem.changes)}
              changes={<ConflictChanges changes={conflict.problem.changes} />}
              showMissing={showUndecided}
              onChoose={(field, choice) => {
                const pending = conflict.pending;
                setConflict({ ...conflict, pending: { ...pending, choices: { ...pending.choices, [field]: choice } } });
                form.setFieldValue(field, choice === "theirs" ? pending.theirs[field] : pending.mine[field]);
              }}
            />
          )}
          <CustomerPicker
            value={form.values.customerId}
            onChange={(id) => form.setFieldValue("customerId", id)}
            description="Empty for a network-wide ticket"
          />
          <TextInput label="Subject" required {...form.getInputProps("subject")} />
          <Select label="Category" data={CATEGORY_OPTIONS} allowDeselect={false} {...form.getInputProps("category")} />
          <Textarea label="Description" autosize minRows={4} maxRows={14} {...form.getInputProps("description")} />
          <Group justify="flex-end" wrap="nowrap" align="center">
            <ErrorSummary errors={form.errors} labels={DETAILS_LABELS} message={problem} />
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={saving}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** A status, priority or assignee change that collided with a colleague's: theirs or mine. */
interface ControlConflict {
  pending: PendingMerge<Change>;
  problem: TicketConflict;
  version: number;
}

export default function TicketPage() {
  const { id = "" } = useParams();
  const ticket = useTicket(id);
  const timeline = useTimeline(id);
  const update = useUpdateTicket(id);
  const [conflict, setConflict] = useState<ControlConflict | null>(null);
  const [savingConflict, setSavingConflict] = useState(false);
  const [editing, setEditing] = useState(false);
  // Unsaved edits on the page: colleagues see "editing" meanwhile.
  const [detailsDirty, setDetailsDirty] = useState(false);
  const [commentDraft, setCommentDraft] = useState(false);
  const viewers = usePresence(
    ticket.data ? `ticket:${ticket.data.id}` : null,
    detailsDirty || commentDraft ? "editing" : "viewing",
  );
  usePageTitle(ticket.data ? `${ticket.data.number} ${ticket.data.subject}` : undefined);

  if (ticket.isPending) {
    return (
      <Group justify="center" p="xl">
        <Loader aria-label="Loading ticket" />
      </Group>
    );
  }
  if (ticket.isError && isNotFound(ticket.error)) {
    return (
      <NotFoundPage
        title="Ticket not found"
        message="There is no ticket at this address. The link may be wrong or mistyped."
        backTo="/tickets"
        backLabel="Back to tickets"
      />
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

  /** Sends a change on a version; a 409 refreshes the page's ticket and comes back for merging. */
  const send: SendChange = async (change, version) => {
    try {
      await update.mutateAsync({ ...change, version });
      return null;
    } catch (error) {
      if (!isTicketConflict(error)) throw error;
      ticket.refetch();
      timeline.refetch();
      return error.problem;
    }
  };

  /**
   * A status, priority or assignee change: only that field, on the version shown. A colleague's
   * change to other fields merges without asking; the same field changed by both asks.
   */
  const saveControl = async (change: Change) => {
    const fields = Object.keys(change) as (keyof Change)[];
    const shown = pickFields(current as Change, fields);
    setConflict(null);
    try {
      const outcome = await saveMerged(send, shown, current.version, { ...shown, ...change }, (t) =>
        pickFields(t as Change, fields),
      );
      if (outcome.saved) notifications.show({ color: "green", message: "Ticket saved" });
      else setConflict({ pending: outcome.pending, problem: outcome.conflict, version: outcome.version });
    } catch (error) {
      notifications.show({ color: "red", title: "Not saved", message: errorMessage(error) });
    }
  };

  /** Saves the person's choices on a collided control change, on the current version. */
  const resolveControl = async (open: ControlConflict) => {
    const chosen = mergedValues(open.pending);
    const fields = changedFields(open.pending.theirs, chosen);
    if (fields.length === 0) {
      setConflict(null);
      return;
    }
    setSavingConflict(true);
    try {
      const outcome = await saveMerged(send, open.pending.theirs, open.version, chosen, (t) =>
        pickFields(t as Change, fields),
      );
      if (outcome.saved) {
        setConflict(null);
        notifications.show({ color: "green", message: "Ticket saved" });
      } else setConflict({ pending: outcome.pending, problem: outcome.conflict, version: outcome.version });
    } catch (error) {
      notifications.show({ color: "red", title: "Not saved", message: errorMessage(error) });
    } finally {
      setSavingConflict(false);
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
        {/* A 24rem basis: where the title and the actions do not fit side by side (a phone), the
            actions wrap under the title instead of squeezing it to a column of letters. */}
        <Stack gap={4} style={{ minWidth: 0, flex: "1 1 24rem" }}>
          <Group gap="xs">
            <Text c="dimmed" fw={600}>
              {current.number}
            </Text>
            <StatusBadge status={current.status} />
            <PriorityBadge priority={current.priority} />
            {current.overdue && <OverdueBadge dueAt={current.dueAt} />}
            {current.slaPaused && current.status === "waiting_on_customer" && (
              <SlaPausedBadge remainingSeconds={current.slaRemainingSeconds} />
            )}
            {current.firstResponseOverdue && (
              <Badge color="orange" variant="filled">
                First response late
              </Badge>
            )}
          </Group>
          <PageHeading style={{ overflowWrap: "anywhere" }}>{current.subject}</PageHeading>
          <Text size="sm" c="dimmed">
            {CATEGORY_LABELS[current.category]} · opened <DateTime value={current.createdAt} />
            {current.createdBy ? ` by ${current.createdBy.name}` : ""}
          </Text>
          <PresenceLine viewers={viewers} />
        </Stack>
        <Group gap="xs">
          <SendSmsButton ticketId={current.id} customer={current.customer} ticketNumber={current.number} />
          <Button variant="default" onClick={() => setEditing(true)}>
            Edit details
          </Button>
          <HistoryLink entityType="ticket" entityId={current.id} />
        </Group>
      </Group>

      {conflict && (
        <Stack gap="xs">
          <MergeConflict
            pending={conflict.pending}
            fields={mergeFieldsOf(conflict.problem.current)}
            who={changedBy(conflict.problem.changes)}
            changes={<ConflictChanges changes={conflict.problem.changes} />}
            onChoose={(field, choice) =>
              setConflict({
                ...conflict,
                pending: { ...conflict.pending, choices: { ...conflict.pending.choices, [field]: choice } },
              })
            }
          />
          <Group gap="xs">
            <Button
              size="xs"
              onClick={() => resolveControl(conflict)}
              loading={savingConflict}
              disabled={undecided(conflict.pending).length > 0}
            >
              Save my choice
            </Button>
            <Button size="xs" variant="default" onClick={() => setConflict(null)}>
              Keep the current values
            </Button>
          </Group>
        </Stack>
      )}

      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Status"
            data={STATUS_OPTIONS}
            value={current.status}
            allowDeselect={false}
            disabled={update.isPending}
            onChange={(value) => value && value !== current.status && saveControl({ status: value as TicketStatus })}
          />
          <Select
            label="Priority"
            data={PRIORITY_OPTIONS}
            value={current.priority}
            allowDeselect={false}
            disabled={update.isPending}
            onChange={(value) =>
              value && value !== current.priority && saveControl({ priority: value as TicketPriority })
            }
          />
          <AssigneeSelect
            value={current.assigneeId}
            current={current.assignee}
            disabled={update.isPending}
            onChange={(value) => value !== current.assigneeId && saveControl({ assigneeId: value })}
            description={
              <AssignToMeButton
                assigneeId={current.assigneeId}
                disabled={update.isPending}
                onAssign={(myId) => saveControl({ assigneeId: myId })}
              />
            }
          />
        </SimpleGrid>
        <Group gap="lg" mt="sm">
          <Text size="sm">
            <Text span c="dimmed">
              Due:{" "}
            </Text>
            {current.dueAt ? (
              <DateTime value={current.dueAt} />
            ) : current.slaPaused ? (
              `SLA clock stopped, ${slaRemainingWords(current.slaRemainingSeconds)}`
            ) : (
              "—"
            )}
          </Text>
          {!current.firstResponseAt && current.firstResponseDueAt && (
            <Text size="sm" c={current.firstResponseOverdue ? "orange.8" : undefined}>
              <Text span c="dimmed">
                First response due:{" "}
              </Text>
              <DateTime value={current.firstResponseDueAt} />
            </Text>
          )}
          {current.firstResponseAt && (
            <Text size="sm">
              <Text span c="dimmed">
                First response:{" "}
              </Text>
              <DateTime value={current.firstResponseAt} />
            </Text>
          )}
          {current.resolvedAt && (
            <Text size="sm">
              <Text span c="dimmed">
                Resolved:{" "}
              </Text>
              <DateTime value={current.resolvedAt} />
            </Text>
          )}
          {current.closedAt && (
            <Text size="sm">
              <Text span c="dimmed">
                Closed:{" "}
              </Text>
              <DateTime value={current.closedAt} />
            </Text>
          )}
        </Group>
      </Paper>

      <TicketIncidentNotice incidentId={current.incidentId} customerId={current.customerId} />
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
            <TicketAttachments ticketId={current.id} />
            <Paper withBorder p="md">
              <Title order={4} mb="sm">
                Timeline
              </Title>
              {timeline.isPending ? (
                <Loader size="sm" aria-label="Loading timeline" />
              ) : timeline.isError ? (
                <Alert color="red">{errorMessage(timeline.error)}</Alert>
              ) : (
                <TicketTimeline entries={timeline.data} ticketId={current.id} />
              )}
            </Paper>
            <Paper withBorder p="md">
              <CommentBox ticket={current} onDraftChange={setCommentDraft} />
            </Paper>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }} order={{ base: 1, md: 2 }}>
          <Stack>
            <CustomerCard ticket={current} />
            <TicketVisits ticket={current} />
          </Stack>
        </Grid.Col>
      </Grid>

      {editing && (
        <EditDetailsModal
          ticket={current}
          opened={editing}
          onClose={() => setEditing(false)}
          send={send}
          onDirtyChange={setDetailsDirty}
        />
      )}
    </Stack>
  );
}
