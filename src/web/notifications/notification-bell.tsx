import {
  ActionIcon,
  Badge,
  Box,
  Button,
  Center,
  Group,
  Loader,
  Popover,
  ScrollArea,
  SegmentedControl,
  Stack,
  Text,
  UnstyledButton,
} from "@mantine/core";
import { IconBell } from "@tabler/icons-react";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import type { Notification } from "../../shared/notifications.js";
import { errorMessage } from "../app/api.js";
import { formatDateTime, formatRelative } from "../app/format.js";
import { unreadCountOf, useMarkAllNotificationsRead, useMarkNotificationRead, useNotifications } from "./api.js";
import { useNotificationEvents } from "./notification-events.js";

/** "Notifications, 3 unread": the bell's name says the count, the badge only shows it. */
export const bellLabel = (unread: number) => (unread > 0 ? `Notifications, ${unread} unread` : "Notifications");

function NotificationItem({ item, onOpen }: { item: Notification; onOpen: (item: Notification) => void }) {
  const unread = item.readAt === null;
  return (
    <UnstyledButton
      onClick={() => onOpen(item)}
      w="100%"
      p="xs"
      style={{
        borderRadius: "var(--mantine-radius-sm)",
        background: unread ? "var(--mantine-color-blue-light)" : undefined,
      }}
      aria-label={`${unread ? "Unread: " : ""}${item.title}`}
      aria-describedby={`notification-${item.id}-body`}
    >
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <Box
          aria-hidden="true"
          mt={6}
          w={8}
          h={8}
          style={{
            flex: "none",
            borderRadius: "50%",
            background: unread ? "var(--mantine-color-blue-filled)" : "transparent",
          }}
        />
        <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
          <Text size="sm" fw={unread ? 600 : 400} style={{ overflowWrap: "anywhere" }}>
            {item.title}
          </Text>
          <Text
            id={`notification-${item.id}-body`}
            size="xs"
            c="dimmed"
            lineClamp={2}
            style={{ overflowWrap: "anywhere" }}
          >
            {item.body}
          </Text>
          <Text size="xs" c="dimmed">
            <time dateTime={item.createdAt} title={formatDateTime(item.createdAt)}>
              {formatRelative(item.createdAt)}
            </time>
          </Text>
        </Stack>
      </Group>
    </UnstyledButton>
  );
}

function NotificationList({ show, onOpen }: { show: "unread" | "all"; onOpen: (item: Notification) => void }) {
  const list = useNotifications({ unread: show === "unread" });
  if (list.isPending) {
    return (
      <Center py="lg">
        <Loader size="sm" aria-label="Loading notifications" />
      </Center>
    );
  }
  if (list.isError) {
    return (
      <Text size="sm" c="red" py="md" role="alert">
        {errorMessage(list.error)}
      </Text>
    );
  }
  const items = list.data.pages.flatMap((page) => page.items);
  if (items.length === 0) {
    return (
      <Text size="sm" c="dimmed" ta="center" py="lg">
        Nothing new
      </Text>
    );
  }
  return (
    <Stack gap={4}>
      {items.map((item) => (
        <NotificationItem key={item.id} item={item} onOpen={onOpen} />
      ))}
      {list.hasNextPage && (
        <Button variant="subtle" size="xs" loading={list.isFetchingNextPage} onClick={() => list.fetchNextPage()}>
          Show older
        </Button>
      )}
    </Stack>
  );
}

/**
 * The header's bell (docs/notifications.md): the unread count on the button, the list in a
 * popover (unread, or all of them), each opening what it is about and marked read on the way;
 * Mark all read. The live stream's `notification` event refreshes it and, while the tab is in the
 * background, shows a browser notification if chosen (notification-events.ts).
 */
export default function NotificationBell() {
  const [opened, setOpened] = useState(false);
  const [show, setShow] = useState<"unread" | "all">("unread");
  const navigate = useNavigate();
  // The unread list is always asked for: its first page carries the count the badge shows.
  const unreadList = useNotifications({ unread: true });
  const unread = unreadCountOf(unreadList.data);
  const markRead = useMarkNotificationRead();
  const markAll = useMarkAllNotificationsRead();
  useNotificationEvents();

  const open = (item: Notification) => {
    if (item.readAt === null) markRead.mutate(item.id);
    setOpened(false);
    if (item.link) navigate(item.link);
  };

  return (
    <Popover
      opened={opened}
      onChange={setOpened}
      position="bottom-end"
      width="min(380px, calc(100vw - 16px))"
      shadow="md"
      trapFocus
      returnFocus
    >
      <Box pos="relative">
        {/* The target is the button itself: Popover gives it aria-haspopup, aria-expanded and aria-controls. */}
        <Popover.Target>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={bellLabel(unread)}
            title="Notifications"
            onClick={() => setOpened((was) => !was)}
          >
            <IconBell size={18} aria-hidden="true" />
          </ActionIcon>
        </Popover.Target>
        {unread > 0 && (
          <Badge
            aria-hidden="true"
            size="xs"
            color="red"
            variant="filled"
            circle={unread < 10}
            pos="absolute"
            top={-6}
            right={-6}
            style={{ pointerEvents: "none" }}
          >
            {unread > 99 ? "99+" : unread}
          </Badge>
        )}
      </Box>
      <Popover.Dropdown p="xs" role="dialog" aria-label="Notifications">
        <Stack gap="xs">
          <Group justify="space-between" wrap="nowrap" px={4}>
            <Text fw={600} size="sm">
              Notifications
            </Text>
            <Button
              variant="subtle"
              size="compact-xs"
              disabled={unread === 0}
              loading={markAll.isPending}
              onClick={() => markAll.mutate()}
            >
              Mark all read
            </Button>
          </Group>
          <SegmentedControl
            size="xs"
            fullWidth
            aria-label="Which notifications"
            value={show}
            onChange={(value) => setShow(value as "unread" | "all")}
            data={[
              { value: "unread", label: unread > 0 ? `Unread (${unread})` : "Unread" },
              { value: "all", label: "All" },
            ]}
          />
          <ScrollArea.Autosize mah="min(60vh, 480px)" type="auto" offsetScrollbars>
            <NotificationList show={show} onOpen={open} />
          </ScrollArea.Autosize>
          <Text size="xs" ta="center">
            <Link to="/profile#notifications" onClick={() => setOpened(false)}>
              Notification settings
            </Link>
          </Text>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
