import { Alert, Button, Checkbox, Group, Loader, Stack, Switch, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useEffect, useRef, useState } from "react";
import { useLocation } from "react-router";
import { NOTIFICATION_KIND_LABELS } from "../../shared/labels.js";
import {
  NOTIFICATION_KINDS,
  type NotificationKind,
  type NotificationPreferences,
  type UpdateNotificationPreferences,
} from "../../shared/notifications.js";
import { errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { useNotificationPreferences, useUpdateNotificationPreferences } from "./api.js";
import { browserNotificationsSupported } from "./notification-events.js";

type Channel = "inApp" | "browser" | "sms";

/** Kinds only admins are ever sent: nobody else is shown a switch for them. */
const ADMIN_ONLY_KINDS: readonly NotificationKind[] = ["webhook_disabled"];

const CHANNEL_WORDS: Record<Channel, string> = { inApp: "in the app", browser: "in the browser", sms: "by SMS" };

/**
 * This browser's permission to show notifications, asked only when the person presses the button
 * (never on load: browsers hold an unasked prompt against the site).
 */
function BrowserPermission() {
  const supported = browserNotificationsSupported();
  const [permission, setPermission] = useState<NotificationPermission | "unsupported">(
    supported ? Notification.permission : "unsupported",
  );
  if (permission === "unsupported") {
    return (
      <Text size="sm" c="dimmed">
        This browser cannot show notifications; the bell still counts them.
      </Text>
    );
  }
  if (permission === "granted") {
    return (
      <Text size="sm" c="dimmed">
        This browser shows the kinds switched on under “Browser” while Uplink's tab is in the background.
      </Text>
    );
  }
  if (permission === "denied") {
    return (
      <Text size="sm" c="dimmed">
        Notifications are blocked for Uplink in this browser; allow them in the browser's site settings to get them.
      </Text>
    );
  }
  return (
    <Group gap="sm" wrap="wrap">
      <Button variant="light" size="xs" onClick={async () => setPermission(await Notification.requestPermission())}>
        Allow browser notifications
      </Button>
      <Text size="sm" c="dimmed">
        Needed once per browser for the “Browser” switches.
      </Text>
    </Group>
  );
}

/** One switch: flips at once and is saved alone (the server keeps the others as they are). */
function ChannelSwitch({
  kind,
  channel,
  preferences,
  onChange,
}: {
  kind: NotificationKind;
  channel: Channel;
  preferences: NotificationPreferences;
  onChange: (change: UpdateNotificationPreferences) => void;
}) {
  const channels = preferences.kinds[kind] as Partial<Record<Channel, boolean>>;
  const value = channels[channel];
  if (value === undefined) return null;
  return (
    <Switch
      aria-label={`${NOTIFICATION_KIND_LABELS[kind]}: ${CHANNEL_WORDS[channel]}`}
      checked={value}
      onChange={(event) => onChange({ kinds: { [kind]: { [channel]: event.currentTarget.checked } } })}
    />
  );
}

/**
 * Profile → Notifications (docs/notifications.md): per kind, in the bell, by the browser, and for
 * technicians by SMS (assignments and mentions).
 */
export function NotificationPreferencesCard() {
  const preferences = useNotificationPreferences();
  const update = useUpdateNotificationPreferences();
  const { user: me } = useSession();
  const kinds = NOTIFICATION_KINDS.filter((kind) => me.role === "admin" || !ADMIN_ONLY_KINDS.includes(kind));
  const { hash } = useLocation();
  const card = useRef<HTMLDivElement>(null);
  // The bell's "Notification settings" link lands here.
  const loaded = preferences.data !== undefined;
  useEffect(() => {
    if (hash === "#notifications" && loaded) card.current?.scrollIntoView({ block: "start" });
  }, [hash, loaded]);
  const save = (change: UpdateNotificationPreferences) =>
    update.mutate(change, {
      onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
    });

  return (
    <Stack id="notifications" ref={card}>
      <Title order={2} size="h3">
        Notifications
      </Title>
      <Text size="sm" c="dimmed">
        What the bell tells you, and how. Nothing is written to your bell for a kind switched off in the app.
      </Text>
      {preferences.isPending && <Loader size="sm" aria-label="Loading notification settings" />}
      {preferences.isError && <Alert color="red">{errorMessage(preferences.error)}</Alert>}
      {preferences.data && (
        <Table.ScrollContainer minWidth={320}>
          <Table verticalSpacing="xs" horizontalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Tell me when</Table.Th>
                <Table.Th>App</Table.Th>
                <Table.Th>Browser</Table.Th>
                {preferences.data.smsOffered && <Table.Th>SMS</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {kinds.map((kind) => (
                <Table.Tr key={kind}>
                  <Table.Td>
                    <Text size="sm">{NOTIFICATION_KIND_LABELS[kind]}</Text>
                  </Table.Td>
                  <Table.Td>
                    <ChannelSwitch kind={kind} channel="inApp" preferences={preferences.data} onChange={save} />
                  </Table.Td>
                  <Table.Td>
                    <ChannelSwitch kind={kind} channel="browser" preferences={preferences.data} onChange={save} />
                  </Table.Td>
                  {preferences.data.smsOffered && (
                    <Table.Td>
                      <Stack gap={6}>
                        <ChannelSwitch kind={kind} channel="sms" preferences={preferences.data} onChange={save} />
                        {kind === "assigned" && (
                          <Checkbox
                            size="xs"
                            label="Urgent and high only"
                            disabled={!preferences.data.kinds.assigned.sms}
                            checked={preferences.data.kinds.assigned.smsUrgentOnly}
                            onChange={(event) =>
                              save({ kinds: { assigned: { smsUrgentOnly: event.currentTarget.checked } } })
                            }
                          />
                        )}
                      </Stack>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {preferences.data?.smsOffered && (
        <Text size="xs" c="dimmed">
          SMS go to the mobile phone in your profile. Assignments are texted as they always were unless you change it
          here.
        </Text>
      )}
      <BrowserPermission />
    </Stack>
  );
}
