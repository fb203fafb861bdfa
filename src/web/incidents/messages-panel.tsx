import {
  Alert,
  Button,
  Checkbox,
  Group,
  Loader,
  Paper,
  Progress,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import {
  BULK_MESSAGE_LIMIT,
  INCIDENT_MESSAGE_TEMPLATES,
  type IncidentMessage,
  type IncidentMessageInput,
  type IncidentMessageTemplate,
  type IncidentSkipReason,
} from "../../shared/incident-messages.js";
import type { IncidentDetail } from "../../shared/incidents.js";
import { TEMPLATE_PURPOSE_LABELS } from "../../shared/labels.js";
import { errorMessage } from "../app/api.js";
import { useIsOffice } from "../app/auth.js";
import { DateTime } from "../app/date-time.js";
import { useSmsStatus } from "../sms/api.js";
import { SegmentCount } from "../sms/segment-count.js";
import {
  useCancelIncidentMessage,
  useIncidentMessagePreview,
  useIncidentMessages,
  useSendIncidentMessage,
} from "./messages-api.js";

const SKIP_WORDS: Record<IncidentSkipReason, string> = {
  opted_out: "opted out of SMS",
  no_valid_mobile: "no valid mobile number",
  shared_number: "share a number with another account (it gets one message)",
};

const TEMPLATE_NAMES: Record<IncidentMessageTemplate, string> = {
  incident_started: "Incident started",
  incident_update: "Incident update",
  incident_resolved: "Incident resolved",
  maintenance_notice: "Maintenance notice",
};

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/**
 * "Message customers": one SMS to everyone the incident affects, from a template or a custom
 * text, with a preview of one rendered message, the recipient and segment counts and who is
 * skipped, a confirmation that states the count, and each send's live progress with Cancel.
 */
export function IncidentMessagesPanel({ incident }: { incident: IncidentDetail }) {
  const [mode, setMode] = useState<"template" | "custom">("template");
  const [template, setTemplate] = useState<IncidentMessageTemplate>(
    incident.kind === "maintenance" ? "maintenance_notice" : "incident_started",
  );
  const [body, setBody] = useState("");
  const [duringQuietHours, setDuringQuietHours] = useState(false);
  const [debouncedBody] = useDebouncedValue(body, 400);
  const input: IncidentMessageInput | null =
    mode === "template"
      ? { template, duringQuietHours }
      : debouncedBody.trim()
        ? { body: debouncedBody, duringQuietHours }
        : null;
  const preview = useIncidentMessagePreview(incident.id, input);
  const send = useSendIncidentMessage(incident.id);
  const isOffice = useIsOffice();
  const data = preview.data;
  const tooManyForMe = Boolean(data?.needsBulkRole) && !isOffice;
  // With SMS off nothing would leave (the server refuses with 409): say so instead of offering it.
  const smsStatus = useSmsStatus();
  const smsOff = smsStatus.data && !smsStatus.data.configured ? (smsStatus.data.reason ?? "SMS is not set up") : null;
  const holds = Boolean(data?.quietHours.active) && !(duringQuietHours && data?.quietHours.mayOverride);

  const confirm = () => {
    if (!input || !data) return;
    const what = mode === "template" ? `the "${TEMPLATE_NAMES[template]}" message` : "this message";
    modals.openConfirmModal({
      title: `Text ${plural(data.recipients, "customer")}?`,
      children: (
        <Stack gap="xs">
          <Text size="sm">
            Send {what} to {plural(data.recipients, "customer")} ({plural(data.totalSegments, "SMS part")} in all).
          </Text>
          {holds && data.quietHours.endsAt && (
            <Text size="sm">
              Quiet hours are on: the messages leave when they end, <DateTime value={data.quietHours.endsAt} />.
            </Text>
          )}
        </Stack>
      ),
      labels: { confirm: `Send to ${plural(data.recipients, "customer")}`, cancel: "Cancel" },
      onConfirm: () =>
        send.mutate(input, {
          onSuccess: (sent) =>
            notifications.show({ color: "green", message: `Queued ${plural(sent.recipients, "message")}` }),
        }),
    });
  };

  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h4">
          Message customers
        </Title>
        <SegmentedControl
          aria-label="Message"
          value={mode}
          onChange={(value) => setMode(value as "template" | "custom")}
          data={[
            { value: "template", label: "Template" },
            { value: "custom", label: "Custom text" },
          ]}
        />
        {mode === "template" ? (
          <Select
            label="Template"
            description="Edit the templates in Settings → SMS templates"
            value={template}
            allowDeselect={false}
            onChange={(value) => value && setTemplate(value as IncidentMessageTemplate)}
            data={INCIDENT_MESSAGE_TEMPLATES.map((value) => ({ value, label: TEMPLATE_PURPOSE_LABELS[value] }))}
          />
        ) : (
          <Stack gap={4}>
            <Textarea
              label="Message"
              description="Placeholders: {{customer.firstName}} {{incident.title}} {{incident.publicMessage}} {{incident.expectedEnd}} {{site.name}}"
              autosize
              minRows={3}
              value={body}
              onChange={(event) => setBody(event.currentTarget.value)}
            />
            <SegmentCount text={body} />
          </Stack>
        )}
        {preview.isError && <Alert color="red">{errorMessage(preview.error)}</Alert>}
        {preview.isPending && input && <Loader size="sm" aria-label="Loading the preview" />}
        {data && input && (
          <Stack gap="xs" aria-live="polite">
            <Text size="sm" fw={500}>
              Preview (the first recipient's message)
            </Text>
            <Paper withBorder p="sm" bg="var(--mantine-color-body)">
              <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                {data.sample ?? "Nobody would get this message."}
              </Text>
            </Paper>
            <Text size="sm">
              {plural(data.recipients, "recipient")} · {plural(data.segmentsPerMessage, "SMS part")} per message ·{" "}
              {plural(data.totalSegments, "SMS part")} in all
            </Text>
            {(Object.entries(data.skipped) as [IncidentSkipReason, number][])
              .filter(([, count]) => count > 0)
              .map(([reason, count]) => (
                <Text size="sm" c="dimmed" key={reason}>
                  Skipped: {plural(count, "customer")} — {SKIP_WORDS[reason]}
                </Text>
              ))}
            {data.quietHours.active && (
              <Alert color="yellow" title="Quiet hours">
                <Stack gap="xs">
                  <Text size="sm">
                    Messages wait until quiet hours end
                    {data.quietHours.endsAt && (
                      <>
                        , <DateTime value={data.quietHours.endsAt} />
                      </>
                    )}
                    .{data.quietHours.mayOverride ? "" : " A maintenance notice always waits."}
                  </Text>
                  {data.quietHours.mayOverride && (
                    <Checkbox
                      label="Send now, during quiet hours (an outage customers need to know about)"
                      checked={duringQuietHours}
                      onChange={(event) => setDuringQuietHours(event.currentTarget.checked)}
                    />
                  )}
                </Stack>
              </Alert>
            )}
            {tooManyForMe && (
              <Alert color="gray">
                More than {BULK_MESSAGE_LIMIT} recipients: an admin or an office agent sends this message.
              </Alert>
            )}
          </Stack>
        )}
        {smsOff && (
          <Alert color="yellow" title="No message can be sent">
            {smsOff}: texts to customers are turned off on this installation (see the banner above).
          </Alert>
        )}
        {send.isError && <Alert color="red">{errorMessage(send.error)}</Alert>}
        <Group justify="flex-end">
          <Button
            onClick={confirm}
            loading={send.isPending}
            disabled={
              !data || !input || data.recipients === 0 || tooManyForMe || preview.isPlaceholderData || smsOff !== null
            }
          >
            Send to {plural(data && input ? data.recipients : 0, "customer")}
          </Button>
        </Group>
        <MessagesProgress incidentId={incident.id} />
      </Stack>
    </Paper>
  );
}

/** Each send with a progress bar (polled while it runs) and Cancel for what is not yet sent. */
function MessagesProgress({ incidentId }: { incidentId: string }) {
  const messages = useIncidentMessages(incidentId);
  const cancel = useCancelIncidentMessage(incidentId);
  if (messages.isError) return <Alert color="red">{errorMessage(messages.error)}</Alert>;
  if (!messages.data || messages.data.length === 0) return null;
  return (
    <Stack gap="sm">
      <Title order={3} size="h5">
        Sent messages
      </Title>
      {cancel.isError && <Alert color="red">{errorMessage(cancel.error)}</Alert>}
      {messages.data.map((message) => (
        <SendProgress
          key={message.id}
          message={message}
          cancelling={cancel.isPending && cancel.variables === message.id}
          onCancel={() =>
            modals.openConfirmModal({
              title: "Stop this message?",
              children: (
                <Text size="sm">
                  {plural(message.counts.queued, "message")} not yet sent will not be sent. Those already sent stay
                  sent.
                </Text>
              ),
              labels: { confirm: "Stop sending", cancel: "Keep sending" },
              confirmProps: { color: "red" },
              onConfirm: () =>
                cancel.mutate(message.id, {
                  onSuccess: (result) =>
                    notifications.show({ message: `Cancelled ${plural(result.cancelled, "message")}` }),
                }),
            })
          }
        />
      ))}
    </Stack>
  );
}

function SendProgress({
  message,
  cancelling,
  onCancel,
}: {
  message: IncidentMessage;
  cancelling: boolean;
  onCancel: () => void;
}) {
  const { counts } = message;
  const total = counts.queued + counts.sent + counts.delivered + counts.failed + counts.skipped + counts.cancelled;
  const share = (n: number) => (total === 0 ? 0 : (n / total) * 100);
  const finished = total === 0 ? 100 : Math.round(share(total - counts.queued));
  const name = message.template ? TEMPLATE_NAMES[message.template] : "Custom message";
  const words = [
    `${counts.queued} queued`,
    `${counts.sent} sent`,
    `${counts.delivered} delivered`,
    `${counts.failed} failed`,
    `${counts.skipped} skipped`,
    ...(counts.cancelled > 0 ? [`${counts.cancelled} cancelled`] : []),
  ].join(" · ");
  return (
    <Stack gap={4}>
      <Group justify="space-between" wrap="wrap">
        <Text size="sm" fw={500}>
          {name} · {plural(message.recipients, "recipient")} · <DateTime value={message.createdAt} />
          {message.createdBy ? ` · ${message.createdBy.name}` : ""}
        </Text>
        {counts.queued > 0 && !message.cancelledAt && (
          <Button size="xs" variant="default" color="red" loading={cancelling} onClick={onCancel}>
            Cancel: {name}
          </Button>
        )}
      </Group>
      {/* One named progressbar (its value: the share no longer queued). Mantine's default, an unnamed bar per
          section under a role-less element, left screen readers five nameless bars (axe: aria-progressbar-name). */}
      <Progress.Root
        size="lg"
        role="progressbar"
        aria-label={`${name}: ${words}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={finished}
        aria-valuetext={`${finished}% done: ${words}`}
      >
        <Progress.Section withAria={false} value={share(counts.delivered)} color="green" />
        <Progress.Section withAria={false} value={share(counts.sent)} color="teal" />
        <Progress.Section withAria={false} value={share(counts.failed)} color="red" />
        <Progress.Section withAria={false} value={share(counts.queued)} color="blue" />
        <Progress.Section withAria={false} value={share(counts.skipped + counts.cancelled)} color="gray" />
      </Progress.Root>
      <Text size="xs" c="dimmed">
        {words}
        {message.holdUntil && counts.queued > 0 && (
          <>
            {" "}
            · waiting for quiet hours to end, <DateTime value={message.holdUntil} />
          </>
        )}
      </Text>
    </Stack>
  );
}
