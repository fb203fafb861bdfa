import { Badge, Group, Paper, Stack, Text, Timeline } from "@mantine/core";
import { IconMessage, IconMessageCircle, IconPoint } from "@tabler/icons-react";
import type { SmsPurpose, TicketCategory, TicketPriority, TicketStatus } from "../../shared/enums.js";
import {
  CATEGORY_LABELS,
  PRIORITY_LABELS,
  SMS_PURPOSE_WORDS,
  SMS_STATUS_LABELS,
  STATUS_LABELS,
  TICKET_FIELD_WORDS,
  TWILIO_ERROR_WORDS,
} from "../../shared/labels.js";
import type { CommentSms } from "../../shared/sms.js";
import type { TimelineEntry } from "../../shared/tickets.js";
import { DateTime } from "../app/date-time.js";
import { formatDateTime } from "../app/format.js";
import { formatPhone } from "../app/phone.js";
import {
  AttachmentEventDetail,
  describeAttachmentEvent,
  isAttachmentEvent,
} from "../attachments/attachment-timeline.js";
import { SmsStatusBadge } from "../sms/sms-status-badge.js";
import { describeVisitEvent, isVisitEvent, VisitEventDetail } from "../visits/visit-timeline.js";
import { slaRemainingWords } from "./ticket-badges.js";

type EventEntry = Extract<TimelineEntry, { type: "event" }>;

const statusLabel = (value: string | null) => (value ? (STATUS_LABELS[value as TicketStatus] ?? value) : "—");
const priorityLabel = (value: string | null) => (value ? (PRIORITY_LABELS[value as TicketPriority] ?? value) : "—");

/** One sentence per event, e.g. "Jane Tech changed status from Open to In progress". */
export function describeEvent(entry: EventEntry): string {
  const who = entry.actor?.name ?? "The system";
  const data = entry.data ?? {};
  const purpose = SMS_PURPOSE_WORDS[data.purpose as SmsPurpose] ?? "SMS";
  if (isVisitEvent(entry)) return describeVisitEvent(entry);
  if (isAttachmentEvent(entry)) return describeAttachmentEvent(entry);
  switch (entry.kind) {
    case "created":
      return `${who} opened the ticket`;
    case "status_changed":
      return `${who} changed status from ${statusLabel(entry.fromValue)} to ${statusLabel(entry.toValue)}`;
    case "assigned":
      if (!entry.toValue) return `${who} unassigned ${entry.fromLabel ?? "the ticket"}`;
      if (!entry.fromValue) return `${who} assigned the ticket to ${entry.toLabel}`;
      return `${who} reassigned the ticket from ${entry.fromLabel} to ${entry.toLabel}`;
    case "priority_changed":
      return `${who} changed priority from ${priorityLabel(entry.fromValue)} to ${priorityLabel(entry.toValue)}${
        typeof data.dueAt === "string" ? `; now due ${formatDateTime(data.dueAt)}` : ""
      }`;
    case "updated": {
      const fields = Array.isArray(data.fields) ? (data.fields as string[]) : [];
      const changes = (data.changes ?? {}) as Record<string, { from: unknown; to: unknown }>;
      const parts = fields.map((field) => {
        if (field === "category" && changes.category) {
          const to = CATEGORY_LABELS[changes.category.to as TicketCategory] ?? String(changes.category.to);
          return `category to ${to}`;
        }
        if (field === "customerId") {
          const names = data.customerNames as { to: string | null } | undefined;
          return names?.to ? `customer to ${names.to}` : "removed the customer";
        }
        return TICKET_FIELD_WORDS[field] ?? field;
      });
      return `${who} edited ${parts.join(", ") || "the ticket"}`;
    }
    case "commented":
      return `${who} commented`;
    case "sms_queued":
      return `SMS (${purpose}) queued${typeof data.to === "string" ? ` to ${formatPhone(data.to).display}` : ""}`;
    case "sms_skipped":
      return `SMS (${purpose}) not sent${typeof data.reason === "string" ? `: ${data.reason}` : ""}`;
    case "sms_sent":
      return `SMS (${purpose}) sent`;
    case "sms_delivered":
      return `SMS (${purpose}) delivered`;
    case "sms_failed":
      return `SMS (${purpose}) failed${typeof data.reason === "string" ? `: ${data.reason}` : ""}`;
    case "sms_received":
      return "SMS reply received from the customer";
    case "sla_paused":
      return `SLA clock stopped (${statusLabel(entry.toValue)})${
        typeof data.remainingSeconds === "number" ? `: ${slaRemainingWords(data.remainingSeconds)}` : ""
      }`;
    case "sla_resumed":
      return `SLA clock running again (${statusLabel(entry.toValue)})${
        typeof data.dueAt === "string" ? `; now due ${formatDateTime(data.dueAt)}` : ""
      }`;
    case "customer_opted_out":
      return "The customer opted out of SMS";
    case "customer_opted_in":
      return "The customer opted back in to SMS";
    case "incident_linked":
      return `${data.automatic === true ? "Linked automatically" : `${who} linked it`} to the incident${typeof data.title === "string" ? ` "${data.title}"` : ""}`;
    case "incident_unlinked":
      return `${who} unlinked it from the incident${typeof data.title === "string" ? ` "${data.title}"` : ""}`;
    default:
      return `${who}: ${String(entry.kind).replace(/_/g, " ")}`;
  }
}

function When({ iso }: { iso: string }) {
  return (
    <Text size="xs" c="dimmed">
      <DateTime value={iso} />
    </Text>
  );
}

/** "SMS delivered to +1 555 …" / "SMS not sent: the customer opted out …": a public reply's text message. */
export function describeReplySms(sms: CommentSms): string {
  const to = sms.to ? ` to ${formatPhone(sms.to).display}` : "";
  const problem =
    sms.reason ?? (sms.errorCode ? (TWILIO_ERROR_WORDS[sms.errorCode] ?? `error ${sms.errorCode}`) : null);
  switch (sms.status) {
    case "skipped":
      return `SMS not sent${problem ? `: ${problem}` : ""}`;
    case "queued":
    case "sending":
      return `SMS queued${to}`;
    case "sent":
      return `SMS sent${to}`;
    case "delivered":
      return `SMS delivered${to}`;
    case "undelivered":
    case "failed":
      return `SMS ${SMS_STATUS_LABELS[sms.status].toLowerCase()}${to}${problem ? `: ${problem}` : ""}`;
    default:
      return `SMS ${SMS_STATUS_LABELS[sms.status].toLowerCase()}`;
  }
}

function ReplySmsState({ sms }: { sms: CommentSms }) {
  const bad = sms.status === "failed" || sms.status === "undelivered";
  return (
    <Group gap={6} wrap="nowrap" aria-label="SMS of this reply">
      <SmsStatusBadge status={sms.status} />
      <Text
        size="xs"
        c={bad ? "red" : "dimmed"}
        style={{ overflowWrap: "anywhere" }}
        title={`Last change ${formatDateTime(sms.updatedAt)}`}
      >
        {describeReplySms(sms)}
      </Text>
    </Group>
  );
}

/** Comments and events as one list, oldest at the top and the newest last. */
export function TicketTimeline({ entries, ticketId }: { entries: TimelineEntry[]; ticketId: string }) {
  if (entries.length === 0) return <Text c="dimmed">Nothing has happened on this ticket yet.</Text>;
  return (
    <Timeline bulletSize={22} lineWidth={2} aria-label="Timeline">
      {entries.map((entry) =>
        entry.type === "comment" ? (
          <Timeline.Item
            key={`c-${entry.id}`}
            bullet={entry.comment.visibility === "public" ? <IconMessageCircle size={13} /> : <IconMessage size={13} />}
          >
            <Paper
              withBorder
              p="sm"
              aria-label={`${entry.comment.visibility === "public" ? "Public" : "Internal"} comment`}
              bg={entry.comment.visibility === "internal" ? "var(--mantine-color-yellow-light)" : undefined}
            >
              <Stack gap={4}>
                <Group gap="xs" justify="space-between">
                  <Group gap="xs">
                    <Text size="sm" fw={600}>
                      {entry.actor?.name ?? (entry.comment.source === "sms" ? "Customer (SMS)" : "Unknown")}
                    </Text>
                    <Badge size="xs" variant="light" color={entry.comment.visibility === "public" ? "blue" : "yellow"}>
                      {entry.comment.visibility === "public" ? "Public" : "Internal"}
                    </Badge>
                    {entry.comment.source !== "web" && (
                      <Badge size="xs" variant="outline">
                        via {entry.comment.source.toUpperCase()}
                      </Badge>
                    )}
                  </Group>
                  <When iso={entry.createdAt} />
                </Group>
                <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
                  {entry.comment.body}
                </Text>
                {entry.sms && <ReplySmsState sms={entry.sms} />}
              </Stack>
            </Paper>
          </Timeline.Item>
        ) : (
          <Timeline.Item key={`e-${entry.id}`} bullet={<IconPoint size={13} />}>
            <Group gap="xs" wrap="wrap">
              <Text size="sm" style={{ overflowWrap: "anywhere" }}>
                {describeEvent(entry)}
              </Text>
              <When iso={entry.createdAt} />
            </Group>
            {isVisitEvent(entry) && <VisitEventDetail entry={entry} />}
            {isAttachmentEvent(entry) && <AttachmentEventDetail entry={entry} ticketId={ticketId} />}
          </Timeline.Item>
        ),
      )}
    </Timeline>
  );
}
