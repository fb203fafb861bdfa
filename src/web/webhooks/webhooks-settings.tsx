import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  Loader,
  Modal,
  Paper,
  ScrollArea,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMediaQuery } from "@mantine/hooks";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import {
  WEBHOOK_EVENT_LABELS,
  WEBHOOK_EVENT_TYPES,
  type Webhook,
  type WebhookDelivery,
  type WebhookEventType,
  type WebhookWithSecret,
} from "../../shared/webhooks.js";
import { ApiError, errorMessage } from "../app/api.js";
import { CopyValue } from "../app/copy-value.js";
import { DateTime } from "../app/date-time.js";
import {
  useCreateWebhook,
  useDeleteWebhook,
  useRedeliver,
  useRotateWebhookSecret,
  useSendTestEvent,
  useUpdateWebhook,
  useWebhookDeliveries,
  useWebhooks,
} from "./api.js";

/** Create or edit an endpoint: URL, description and the events it receives. */
function WebhookForm({ webhook, onSaved }: { webhook?: Webhook; onSaved: (created?: WebhookWithSecret) => void }) {
  const create = useCreateWebhook();
  const update = useUpdateWebhook();
  const saving = webhook ? update : create;
  const form = useForm({
    initialValues: {
      url: webhook?.url ?? "",
      description: webhook?.description ?? "",
      events: (webhook?.events ?? []) as string[],
    },
    validate: {
      url: (value) => (value.trim() === "" ? "URL is required" : null),
      events: (value) => (value.length === 0 ? "Choose at least one event" : null),
    },
  });
  const submit = form.onSubmit(async (values) => {
    const body = {
      url: values.url.trim(),
      description: values.description.trim(),
      events: values.events as WebhookEventType[],
    };
    try {
      if (webhook) {
        await update.mutateAsync({ id: webhook.id, ...body });
        onSaved();
      } else {
        onSaved(await create.mutateAsync(body));
      }
    } catch (error) {
      if (error instanceof ApiError) form.setErrors(error.fieldErrors());
    }
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label="URL"
          description="https:// (or http://) address that receives the POSTs"
          required
          {...form.getInputProps("url")}
        />
        <Textarea label="Description" autosize minRows={1} {...form.getInputProps("description")} />
        <Checkbox.Group label="Events" required {...form.getInputProps("events")}>
          <Stack gap={6} mt={6}>
            {WEBHOOK_EVENT_TYPES.map((type) => (
              <Checkbox
                key={type}
                value={type}
                label={
                  <>
                    <Code>{type}</Code> {WEBHOOK_EVENT_LABELS[type]}
                  </>
                }
              />
            ))}
          </Stack>
        </Checkbox.Group>
        {saving.error && !(saving.error instanceof ApiError && saving.error.problem.errors) && (
          <Alert color="red">{errorMessage(saving.error)}</Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={saving.isPending}>
            {webhook ? "Save" : "Add webhook"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The signing secret, shown once after creation or rotation. */
function SecretNotice({ secret, rotated, onClose }: { secret: string; rotated: boolean; onClose: () => void }) {
  return (
    <Stack>
      <Alert color="orange" title="Copy the signing secret now">
        This is the only time Uplink shows it. The receiver verifies every delivery with it (Standard Webhooks; see
        docs/webhooks.md).
        {rotated &&
          " The old secret keeps signing beside the new one for 24 hours, so update the receiver within a day."}
      </Alert>
      <Group gap="xs" wrap="nowrap">
        <Code style={{ wordBreak: "break-all" }} aria-label="Signing secret">
          {secret}
        </Code>
        <CopyValue value={secret} label="the signing secret" />
      </Group>
      <Group justify="flex-end">
        <Button onClick={onClose}>I have copied it</Button>
      </Group>
    </Stack>
  );
}

function deliveryBadge(delivery: WebhookDelivery) {
  const color = { delivered: "green", failed: "red", pending: "orange", sending: "blue" }[delivery.status];
  return (
    <Badge color={color} variant="light">
      {delivery.status}
    </Badge>
  );
}

/** One endpoint's delivery log: every attempt's answer, redeliver, and a test event. */
function DeliveryLog({ webhook }: { webhook: Webhook }) {
  const deliveries = useWebhookDeliveries(webhook.id);
  const redeliver = useRedeliver(webhook.id);
  const sendTest = useSendTestEvent(webhook.id);
  const [open, setOpen] = useState<string | null>(null);
  const isPhone = useMediaQuery("(max-width: 48em)");
  const act = (promise: Promise<unknown>, message: string) =>
    promise.then(
      () => notifications.show({ color: "green", message }),
      (error) => notifications.show({ color: "red", message: errorMessage(error) }),
    );
  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          The newest 50 deliveries; failed attempts are retried for 24 hours.
        </Text>
        <Button
          variant="light"
          disabled={!webhook.enabled}
          loading={sendTest.isPending}
          onClick={() => act(sendTest.mutateAsync(), "Test event queued")}
        >
          Send test event
        </Button>
      </Group>
      {deliveries.isPending ? (
        <Loader aria-label="Loading deliveries" />
      ) : deliveries.isError ? (
        <Alert color="red">{errorMessage(deliveries.error)}</Alert>
      ) : deliveries.data.length === 0 ? (
        <Text size="sm">No deliveries yet.</Text>
      ) : isPhone ? (
        <Stack gap="xs">
          {deliveries.data.map((delivery) => (
            <DeliveryCard
              key={delivery.id}
              delivery={delivery}
              open={open === delivery.id}
              onToggle={() => setOpen(open === delivery.id ? null : delivery.id)}
              canRedeliver={webhook.enabled && (delivery.status === "delivered" || delivery.status === "failed")}
              onRedeliver={() => act(redeliver.mutateAsync(delivery.id), "Queued for delivery again")}
            />
          ))}
        </Stack>
      ) : (
        <ScrollArea>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Event</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Last answer</Table.Th>
                <Table.Th>Next attempt</Table.Th>
                <Table.Th>Queued</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {deliveries.data.map((delivery) => (
                <DeliveryRows
                  key={delivery.id}
                  delivery={delivery}
                  open={open === delivery.id}
                  onToggle={() => setOpen(open === delivery.id ? null : delivery.id)}
                  canRedeliver={webhook.enabled && (delivery.status === "delivered" || delivery.status === "failed")}
                  onRedeliver={() => act(redeliver.mutateAsync(delivery.id), "Queued for delivery again")}
                />
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
    </Stack>
  );
}

interface DeliveryProps {
  delivery: WebhookDelivery;
  open: boolean;
  onToggle: () => void;
  canRedeliver: boolean;
  onRedeliver: () => void;
}

function DeliveryActions(props: DeliveryProps) {
  return (
    <Group gap={4} wrap="nowrap" justify="flex-end">
      <Button size="xs" variant="subtle" onClick={props.onToggle} aria-expanded={props.open}>
        {props.open ? "Hide" : "Details"}
      </Button>
      {props.canRedeliver && (
        <Button size="xs" variant="subtle" onClick={props.onRedeliver}>
          Redeliver
        </Button>
      )}
    </Group>
  );
}

/** The request body and every attempt; long lines wrap, so nothing scrolls sideways on a phone. */
function DeliveryDetails({ delivery }: { delivery: WebhookDelivery }) {
  const wrap = { whiteSpace: "pre-wrap", overflowWrap: "anywhere" } as const;
  return (
    <Stack gap="xs">
      <Text size="sm" fw={500} style={{ overflowWrap: "anywhere" }}>
        Request body (webhook-id {delivery.eventId})
      </Text>
      <Code block style={wrap}>
        {delivery.payload}
      </Code>
      {delivery.attemptLog.map((attempt) => (
        <Paper key={attempt.attempt} withBorder p="xs">
          <Text size="sm">
            Attempt {attempt.attempt}, <DateTime value={attempt.at} />, {attempt.durationMs} ms:{" "}
            {attempt.responseStatus !== null ? `answered ${attempt.responseStatus}` : attempt.error}
          </Text>
          <Text size="xs" c="dimmed" style={{ overflowWrap: "anywhere" }}>
            POST {attempt.url} · webhook-timestamp {attempt.requestHeaders["webhook-timestamp"]}
          </Text>
          {attempt.responseBody ? (
            <Code block style={wrap}>
              {attempt.responseBody}
            </Code>
          ) : null}
        </Paper>
      ))}
    </Stack>
  );
}

/** Phone layout: one card per delivery instead of a seven-column table scrolling sideways. */
function DeliveryCard(props: DeliveryProps) {
  const { delivery } = props;
  return (
    <Paper withBorder p="xs" role="group" aria-label={`Delivery of ${delivery.eventType}`}>
      <Stack gap={4}>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Code style={{ overflowWrap: "anywhere" }}>{delivery.eventType}</Code>
          {deliveryBadge(delivery)}
        </Group>
        <Text size="sm">
          {delivery.attempts} attempt{delivery.attempts === 1 ? "" : "s"}, last answer:{" "}
          {delivery.lastResponseStatus ?? delivery.lastError ?? "—"}
        </Text>
        <Text size="sm" c="dimmed">
          Queued <DateTime value={delivery.createdAt} />
          {delivery.nextAttemptAt && (
            <>
              {" "}
              · next attempt <DateTime value={delivery.nextAttemptAt} />
            </>
          )}
        </Text>
        <DeliveryActions {...props} />
        {props.open && <DeliveryDetails delivery={delivery} />}
      </Stack>
    </Paper>
  );
}

function DeliveryRows(props: DeliveryProps) {
  const { delivery } = props;
  return (
    <>
      <Table.Tr>
        <Table.Td>
          <Code>{delivery.eventType}</Code>
        </Table.Td>
        <Table.Td>{deliveryBadge(delivery)}</Table.Td>
        <Table.Td>{delivery.attempts}</Table.Td>
        <Table.Td>
          {delivery.lastResponseStatus ?? (delivery.lastError ? <Text size="sm">{delivery.lastError}</Text> : "—")}
        </Table.Td>
        <Table.Td>{delivery.nextAttemptAt ? <DateTime value={delivery.nextAttemptAt} /> : "—"}</Table.Td>
        <Table.Td>
          <DateTime value={delivery.createdAt} />
        </Table.Td>
        <Table.Td>
          <DeliveryActions {...props} />
        </Table.Td>
      </Table.Tr>
      {props.open && (
        <Table.Tr>
          <Table.Td colSpan={7}>
            <DeliveryDetails delivery={delivery} />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

/** One endpoint: its state (and why the app disabled it), the switch, and its actions. */
function WebhookCard({
  webhook,
  onEdit,
  onRotated,
}: {
  webhook: Webhook;
  onEdit: () => void;
  onRotated: (secret: string) => void;
}) {
  const update = useUpdateWebhook();
  const remove = useDeleteWebhook();
  const rotate = useRotateWebhookSecret();
  const [showLog, setShowLog] = useState(false);
  const name = webhook.description || webhook.url;
  const fail = (error: unknown) => notifications.show({ color: "red", message: errorMessage(error) });
  const confirmRotate = () =>
    modals.openConfirmModal({
      title: `Rotate the secret of “${name}”?`,
      children: (
        <Text size="sm">
          A new secret is shown once. For 24 hours every delivery carries signatures with both, so the receiver keeps
          working while you update it.
        </Text>
      ),
      labels: { confirm: "Rotate", cancel: "Cancel" },
      onConfirm: () => rotate.mutate(webhook.id, { onSuccess: (rotated) => onRotated(rotated.secret), onError: fail }),
    });
  const confirmDelete = () =>
    modals.openConfirmModal({
      title: `Delete “${name}”?`,
      children: (
        <Text size="sm">It stops receiving events, and its delivery log is deleted. This cannot be undone.</Text>
      ),
      labels: { confirm: "Delete", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        remove.mutate(webhook.id, {
          onSuccess: () => notifications.show({ color: "green", message: "Webhook deleted" }),
          onError: fail,
        }),
    });
  return (
    <Paper withBorder p="md" role="group" aria-label={`Webhook ${webhook.url}`}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start">
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Title order={3} size="h5" style={{ overflowWrap: "anywhere" }}>
              {webhook.url}
            </Title>
            {webhook.description && (
              <Text size="sm" c="dimmed">
                {webhook.description}
              </Text>
            )}
          </Stack>
          <Switch
            label={webhook.enabled ? "Enabled" : "Disabled"}
            checked={webhook.enabled}
            onChange={(event) =>
              update.mutate({ id: webhook.id, enabled: event.currentTarget.checked }, { onError: fail })
            }
            aria-label={`Enabled: ${name}`}
          />
        </Group>
        {webhook.disabledReason && (
          <Alert color="red" title="Disabled by Uplink">
            {webhook.disabledReason} Fix the receiver, then enable the webhook again.
          </Alert>
        )}
        {webhook.enabled && webhook.failingSince && (
          <Alert color="orange">
            Deliveries have been failing since <DateTime value={webhook.failingSince} />; after 3 days the webhook is
            disabled.
          </Alert>
        )}
        <Group gap={4}>
          {webhook.events.map((event) => (
            <Badge key={event} variant="light" size="sm" tt="none">
              {event}
            </Badge>
          ))}
        </Group>
        {webhook.previousSecretExpiresAt && Date.parse(webhook.previousSecretExpiresAt) > Date.now() && (
          <Text size="sm">
            The previous secret signs too until <DateTime value={webhook.previousSecretExpiresAt} />.
          </Text>
        )}
        <Group gap="xs">
          <Button size="xs" variant="light" onClick={() => setShowLog(!showLog)} aria-expanded={showLog}>
            {showLog ? "Hide deliveries" : "Deliveries"}
          </Button>
          <Button size="xs" variant="light" onClick={onEdit}>
            Edit
          </Button>
          <Button size="xs" variant="light" onClick={confirmRotate}>
            Rotate secret
          </Button>
          <Button size="xs" variant="light" color="red" onClick={confirmDelete}>
            Delete
          </Button>
        </Group>
        {showLog && <DeliveryLog webhook={webhook} />}
      </Stack>
    </Paper>
  );
}

/** Settings → Webhooks (admins): endpoints, their secrets (shown once), delivery logs. */
export default function WebhooksSettings() {
  const webhooks = useWebhooks();
  const [editing, setEditing] = useState<Webhook | "new" | null>(null);
  const [secret, setSecret] = useState<{ value: string; rotated: boolean } | null>(null);
  const close = () => {
    setEditing(null);
    setSecret(null);
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed" maw={640}>
          Webhooks tell other systems what happens in Uplink: a signed POST (Standard Webhooks) for every event an
          endpoint subscribes to, retried for 24 hours when it fails.
        </Text>
        <Button onClick={() => setEditing("new")}>New webhook</Button>
      </Group>
      {webhooks.isPending ? (
        <Loader aria-label="Loading webhooks" />
      ) : webhooks.isError ? (
        <Alert color="red">{errorMessage(webhooks.error)}</Alert>
      ) : webhooks.data.length === 0 ? (
        <Text size="sm">No webhooks yet.</Text>
      ) : (
        webhooks.data.map((webhook) => (
          <WebhookCard
            key={webhook.id}
            webhook={webhook}
            onEdit={() => setEditing(webhook)}
            onRotated={(value) => setSecret({ value, rotated: true })}
          />
        ))
      )}
      <Modal
        opened={editing !== null || secret !== null}
        onClose={close}
        title={secret ? "Signing secret" : editing === "new" ? "New webhook" : "Edit webhook"}
        closeOnClickOutside={secret === null}
        size="lg"
      >
        {secret ? (
          <SecretNotice secret={secret.value} rotated={secret.rotated} onClose={close} />
        ) : editing ? (
          <WebhookForm
            webhook={editing === "new" ? undefined : editing}
            onSaved={(created) => {
              if (created) setSecret({ value: created.secret, rotated: false });
              else close();
            }}
          />
        ) : null}
      </Modal>
    </Stack>
  );
}
