import { Alert, Anchor, Button, Group, Loader, Paper, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import { SMS_PURPOSE_LABELS } from "../../shared/labels.js";
import { errorMessage } from "../app/api.js";
import { DateTime } from "../app/date-time.js";
import { formatPhone } from "../app/phone.js";
import { useSmsLog } from "./api.js";
import { SmsStatusBadge } from "./sms-status-badge.js";

const phoneText = (phone: string | null) => (phone ? formatPhone(phone).display : "—");

/** A customer's or a ticket's texts, newest first (GET /api/sms?customerId=… or ?ticketId=…). */
export function SmsHistory({ customerId, ticketId }: { customerId?: string; ticketId?: string }) {
  const log = useSmsLog({ customerId, ticketId }, { limit: 20 });
  const rows = log.data?.pages.flatMap((page) => page.items) ?? [];
  if (log.isPending) return <Loader size="sm" aria-label="Loading SMS history" />;
  if (log.isError)
    return (
      <Alert color="red" title="SMS history could not be loaded">
        {errorMessage(log.error)}
      </Alert>
    );
  if (rows.length === 0)
    return (
      <Text c="dimmed" size="sm">
        {customerId ? "No text messages to or from this customer yet." : "No SMS yet."}
      </Text>
    );
  return (
    <Stack gap="xs">
      {rows.map((row) => (
        <Paper key={row.id} withBorder p="xs">
          <Group justify="space-between" gap="xs">
            <Text size="xs" c="dimmed">
              <DateTime value={row.createdAt} /> ·{" "}
              {row.direction === "inbound" ? `from ${phoneText(row.from)}` : `to ${phoneText(row.to)}`} ·{" "}
              {SMS_PURPOSE_LABELS[row.purpose]}
              {row.ticketId && (
                <>
                  {" · "}
                  <Anchor component={Link} to={`/tickets/${row.ticketId}`} size="xs">
                    {row.ticketNumber}
                  </Anchor>
                </>
              )}
            </Text>
            <SmsStatusBadge status={row.status} />
          </Group>
          <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
            {row.body}
          </Text>
          {row.reason && (
            <Text size="xs" c={row.status === "skipped" ? "dimmed" : "red"}>
              {row.reason}
            </Text>
          )}
        </Paper>
      ))}
      {log.hasNextPage && (
        <Group justify="center">
          <Button variant="default" size="xs" onClick={() => log.fetchNextPage()} loading={log.isFetchingNextPage}>
            Load more
          </Button>
        </Group>
      )}
    </Stack>
  );
}
