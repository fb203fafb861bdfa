import { Alert, Badge, Button, Card, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import {
  IconDeviceDesktop,
  IconDeviceMobile,
  IconDeviceTablet,
  IconDeviceTv,
  IconQuestionMark,
  IconRobot,
} from "@tabler/icons-react";
import type { DeviceType, StaffSession } from "../../shared/sessions.js";
import { errorMessage } from "../app/api.js";
import { DateTime } from "../app/date-time.js";
import { type SessionsOwner, useEndOtherSessions, useEndSession, useSessions } from "./sessions-api.js";

const DEVICE_ICONS: Record<DeviceType, typeof IconDeviceDesktop> = {
  desktop: IconDeviceDesktop,
  mobile: IconDeviceMobile,
  tablet: IconDeviceTablet,
  tv: IconDeviceTv,
  bot: IconRobot,
  unknown: IconQuestionMark,
};

function SessionCard({ session, onEnd }: { session: StaffSession; onEnd: (session: StaffSession) => void }) {
  const Icon = DEVICE_ICONS[session.device.type];
  return (
    <Card withBorder padding="sm" role="listitem" aria-label={session.device.label}>
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
        <Group gap="sm" align="flex-start" wrap="nowrap" style={{ minWidth: 0 }}>
          <Icon size={28} stroke={1.5} aria-hidden style={{ flexShrink: 0 }} />
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Group gap={6}>
              <Text fw={600} style={{ overflowWrap: "anywhere" }} title={session.userAgent ?? undefined}>
                {session.device.label}
              </Text>
              {session.current && (
                <Badge color="green" variant="light" size="sm">
                  This device
                </Badge>
              )}
            </Group>
            <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
              From {session.ip ?? "an unknown address"}
            </Text>
            <Text size="sm">
              Signed in <DateTime value={session.createdAt} />
            </Text>
            <Text size="sm">Last active {session.current ? "now" : <DateTime value={session.lastSeenAt} />}</Text>
          </Stack>
        </Group>
        {!session.current && (
          <Button
            size="xs"
            variant="subtle"
            color="red"
            onClick={() => onEnd(session)}
            aria-label={`Sign out ${session.device.label}`}
            style={{ flexShrink: 0 }}
          >
            Sign out
          </Button>
        )}
      </Group>
    </Card>
  );
}

/**
 * Where someone is signed in, each session to end on its own or all at once (after a
 * confirmation): Profile → "Where you're signed in" (`own`), and an admin's view of a staff
 * member (Settings → Staff → Sessions).
 */
export function SessionsList({ owner, name }: { owner: SessionsOwner; name?: string }) {
  const sessions = useSessions(owner);
  const end = useEndSession(owner);
  const endOthers = useEndOtherSessions(owner);
  const own = owner.kind === "own";

  const confirmEnd = (session: StaffSession) =>
    modals.openConfirmModal({
      title: `Sign out ${session.device.label}?`,
      children: (
        <Text size="sm">
          That session ends at once: its next click lands on the sign-in page. Anyone using it must sign in again.
        </Text>
      ),
      labels: { confirm: "Sign out", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        end.mutate(session.id, {
          onSuccess: () => notifications.show({ color: "green", message: `${session.device.label} signed out` }),
          onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
        }),
    });

  const confirmEndOthers = () =>
    modals.openConfirmModal({
      title: own ? "Sign out all other sessions?" : `Sign ${name ?? "them"} out everywhere?`,
      children: (
        <Text size="sm">
          {own
            ? "Every other browser and phone signed in as you is signed out at once. This one stays signed in."
            : `Every session of ${name ?? "this staff member"} ends at once; they can sign in again with their password.`}
        </Text>
      ),
      labels: { confirm: own ? "Sign out others" : "Sign out everywhere", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        endOthers.mutate(undefined, {
          onSuccess: ({ ended }) =>
            notifications.show({
              color: "green",
              message: `${ended} ${ended === 1 ? "session" : "sessions"} signed out`,
            }),
          onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
        }),
    });

  if (sessions.isPending) return <Loader aria-label="Loading sessions" />;
  if (sessions.isError) return <Alert color="red">{errorMessage(sessions.error)}</Alert>;
  const others = sessions.data.filter((session) => !session.current);
  return (
    <Stack gap="sm">
      {sessions.data.length === 0 ? (
        <Text size="sm">{own ? "No sessions" : `${name ?? "This staff member"} is not signed in anywhere.`}</Text>
      ) : (
        <Stack gap="sm" role="list" aria-label={own ? "Your sessions" : `Sessions of ${name ?? "this staff member"}`}>
          {sessions.data.map((session) => (
            <SessionCard key={session.id} session={session} onEnd={confirmEnd} />
          ))}
        </Stack>
      )}
      {others.length > 0 && (
        <Group justify="flex-end">
          <Button variant="light" color="red" onClick={confirmEndOthers} loading={endOthers.isPending}>
            {own ? "Sign out all other sessions" : "Sign out everywhere"}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** Profile → "Where you're signed in". */
export function SessionsCard() {
  return (
    <Stack>
      <Title order={2} size="h3">
        Where you're signed in
      </Title>
      <Text size="sm" c="dimmed">
        Each browser or phone signed in as you. Sign out one you do not recognise, or one you left signed in elsewhere.
      </Text>
      <SessionsList owner={{ kind: "own" }} />
    </Stack>
  );
}
