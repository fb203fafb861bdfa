import { Alert, Button, Code, Group, List, Loader, Stack, Text, Title } from "@mantine/core";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { CalendarFeed, CreatedCalendarFeed } from "../../shared/calendar-feeds.js";
import { api, errorMessage } from "../app/api.js";
import { CopyValue } from "../app/copy-value.js";
import { DateTime } from "../app/date-time.js";

const calendarFeedKey = ["calendar-feed"] as const;

function useCalendarFeed() {
  return useQuery({ queryKey: calendarFeedKey, queryFn: () => api<CalendarFeed>("/api/calendar-feed") });
}

/** A new address (the first, or one replacing the old); the answer is the only time it is shown. */
function useCreateCalendarFeed() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<CreatedCalendarFeed>("/api/calendar-feed", { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: calendarFeedKey }),
  });
}

function useDeleteCalendarFeed() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>("/api/calendar-feed", { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: calendarFeedKey }),
  });
}

/** The address, right after it was made: copy it now, and how to add it on a phone. */
function NewAddress({ url, onDone }: { url: string; onDone: () => void }) {
  return (
    <Stack gap="sm">
      <Alert color="orange" title="Copy the address now">
        Uplink shows it only this once. Anyone who has it can see your visits (customers' names, addresses and phones),
        so keep it to your own calendar.
      </Alert>
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <Code style={{ wordBreak: "break-all" }} aria-label="Calendar feed address">
          {url}
        </Code>
        <CopyValue value={url} label="the calendar address" />
      </Group>
      <div>
        <Text size="sm" fw={600}>
          iPhone
        </Text>
        <List size="sm" type="ordered">
          <List.Item>Settings → Apps → Calendar → Calendar Accounts → Add Account → Other.</List.Item>
          <List.Item>Add Subscribed Calendar, paste the address, then Next and Save.</List.Item>
        </List>
        <Text size="sm">
          Or, on the iPhone itself: <a href={url.replace(/^https?:/, "webcal:")}>subscribe on this iPhone</a>.
        </Text>
      </div>
      <div>
        <Text size="sm" fw={600}>
          Android (Google Calendar)
        </Text>
        <List size="sm" type="ordered">
          <List.Item>On a computer, open calendar.google.com → Other calendars → + → From URL.</List.Item>
          <List.Item>Paste the address and choose Add calendar; it appears on the phone after a sync.</List.Item>
        </List>
      </div>
      <Text size="sm" c="dimmed">
        Calendar apps fetch it again every few hours, so a moved visit can take a while to show.
      </Text>
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          I have copied it
        </Button>
      </Group>
    </Stack>
  );
}

/**
 * Your account → Calendar feed: a secret address with your visits for the phone's own calendar
 * (docs/field-work.md). Create it, replace it (the old address stops working) or turn it off.
 */
export function CalendarFeedCard() {
  const feed = useCalendarFeed();
  const create = useCreateCalendarFeed();
  const remove = useDeleteCalendarFeed();
  const [shown, setShown] = useState<string | null>(null);

  const makeAddress = async () => {
    try {
      setShown((await create.mutateAsync()).url);
    } catch {
      // Shown below from create.error.
    }
  };
  const confirmRegenerate = () =>
    modals.openConfirmModal({
      title: "Make a new address?",
      children: (
        <Text size="sm">
          The current address stops working at once: calendars subscribed to it stop updating until you add the new one.
        </Text>
      ),
      labels: { confirm: "Make a new address", cancel: "Keep the current one" },
      confirmProps: { color: "red" },
      onConfirm: makeAddress,
    });
  const confirmTurnOff = () =>
    modals.openConfirmModal({
      title: "Turn the calendar feed off?",
      children: <Text size="sm">The address stops working at once; your calendar keeps no further updates.</Text>,
      labels: { confirm: "Turn off", cancel: "Keep it" },
      confirmProps: { color: "red" },
      onConfirm: async () => {
        try {
          await remove.mutateAsync();
          setShown(null);
          notifications.show({ color: "green", message: "Calendar feed turned off" });
        } catch {
          // Shown below from remove.error.
        }
      },
    });

  const error = create.error ?? remove.error ?? feed.error;
  return (
    <Stack>
      <Title order={2} size="h3">
        Calendar feed
      </Title>
      <Text size="sm">
        Your visits of the past week and the next 60 days in your phone's own calendar, through a secret address
        (iCalendar).
      </Text>
      {error && <Alert color="red">{errorMessage(error)}</Alert>}
      {feed.isPending ? (
        <Loader size="sm" aria-label="Loading the calendar feed" />
      ) : shown ? (
        <NewAddress url={shown} onDone={() => setShown(null)} />
      ) : feed.data?.active ? (
        <>
          <Text size="sm">
            On since <DateTime value={feed.data.createdAt ?? ""} />
            {feed.data.lastUsedAt ? (
              <>
                {" "}
                · last fetched <DateTime value={feed.data.lastUsedAt} />
              </>
            ) : (
              " · not fetched yet"
            )}
            . The address was shown once; if you no longer have it, make a new one.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" color="red" onClick={confirmTurnOff} loading={remove.isPending}>
              Turn off
            </Button>
            <Button onClick={confirmRegenerate} loading={create.isPending}>
              Make a new address
            </Button>
          </Group>
        </>
      ) : (
        <Group justify="flex-end">
          <Button onClick={makeAddress} loading={create.isPending}>
            Create calendar address
          </Button>
        </Group>
      )}
    </Stack>
  );
}
