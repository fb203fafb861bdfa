import { Alert, Anchor, Button, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconSearch } from "@tabler/icons-react";
import { DataTable } from "mantine-datatable";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import {
  SMS_DIRECTIONS,
  SMS_PURPOSES,
  SMS_STATUSES,
  type SmsDirection,
  type SmsPurpose,
  type SmsStatus,
} from "../../shared/enums.js";
import {
  SMS_DIRECTION_LABELS,
  SMS_PURPOSE_LABELS,
  SMS_STATUS_LABELS,
  TWILIO_ERROR_WORDS,
} from "../../shared/labels.js";
import type { SmsLog, SmsLogQuery } from "../../shared/sms.js";
import { errorMessage } from "../app/api.js";
import { useIsAdmin } from "../app/auth.js";
import { formatDateTime } from "../app/format.js";
import { formatPhone } from "../app/phone.js";
import { useRetrySms, useSmsLog } from "./api.js";
import { SmsStatusBadge } from "./sms-status-badge.js";

/** What went wrong, in words (the code alone means nothing to most people). */
function problemText(row: SmsLog): string | null {
  if (row.reason) return row.reason;
  if (row.errorCode) return TWILIO_ERROR_WORDS[row.errorCode] ?? `Twilio error ${row.errorCode}`;
  return null;
}

/** The other end of the conversation. */
const phone = (row: SmsLog) => {
  const number = row.direction === "inbound" ? row.from : row.to;
  return number ? formatPhone(number) : null;
};

/** Local calendar day → the instant it starts. */
const startOfDay = (day: string) => new Date(`${day}T00:00:00`).toISOString();
const startOfNextDay = (day: string) => {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + 1);
  return date.toISOString();
};

export default function SmsLogPage() {
  const isAdmin = useIsAdmin();
  const [status, setStatus] = useState<SmsStatus | null>(null);
  const [purpose, setPurpose] = useState<SmsPurpose | null>(null);
  const [direction, setDirection] = useState<SmsDirection | null>(null);
  const [range, setRange] = useState<[string | null, string | null]>([null, null]);
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 300);

  const filters: SmsLogQuery = useMemo(
    () => ({
      status: status ?? undefined,
      purpose: purpose ?? undefined,
      direction: direction ?? undefined,
      since: range[0] ? startOfDay(range[0]) : undefined,
      until: range[1] ? startOfNextDay(range[1]) : undefined,
      q: q || undefined,
    }),
    [status, purpose, direction, range, q],
  );
  const log = useSmsLog(filters);
  const retry = useRetrySms();
  const rows = log.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = Boolean(status || purpose || direction || range[0] || range[1] || q);

  const retryRow = (row: SmsLog) =>
    retry.mutate(row.id, {
      onSuccess: () => notifications.show({ color: "green", message: `SMS to ${row.to} queued again` }),
      onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
    });

  return (
    <Stack>
      <Title order={2}>SMS log</Title>
      <Text c="dimmed" size="sm">
        Every text Uplink sent, skipped or received, newest first.
      </Text>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3, lg: 6 }}>
        <TextInput
          label="Search"
          placeholder="Text, number, ticket, customer"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(event) => setSearch(event.currentTarget.value)}
        />
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={SMS_STATUSES.map((value) => ({ value, label: SMS_STATUS_LABELS[value] }))}
          value={status}
          onChange={(value) => setStatus(value as SmsStatus | null)}
        />
        <Select
          label="Purpose"
          placeholder="Any purpose"
          clearable
          data={SMS_PURPOSES.map((value) => ({ value, label: SMS_PURPOSE_LABELS[value] }))}
          value={purpose}
          onChange={(value) => setPurpose(value as SmsPurpose | null)}
        />
        <Select
          label="Direction"
          placeholder="Both directions"
          clearable
          data={SMS_DIRECTIONS.map((value) => ({ value, label: SMS_DIRECTION_LABELS[value] }))}
          value={direction}
          onChange={(value) => setDirection(value as SmsDirection | null)}
        />
        <DatePickerInput
          type="range"
          label="Dates"
          placeholder="Any date"
          clearable
          allowSingleDateInRange
          value={range}
          onChange={(value) => setRange(value as [string | null, string | null])}
        />
        <Stack justify="flex-end">
          <Button
            variant="default"
            disabled={!filtered}
            onClick={() => {
              setStatus(null);
              setPurpose(null);
              setDirection(null);
              setRange([null, null]);
              setSearch("");
            }}
          >
            Clear filters
          </Button>
        </Stack>
      </SimpleGrid>
      {log.isError && <Alert color="red">{errorMessage(log.error)}</Alert>}
      <DataTable
        aria-label="SMS messages"
        withTableBorder
        striped
        minHeight={180}
        fetching={log.isPending || (log.isFetching && log.isPlaceholderData)}
        records={rows}
        idAccessor="id"
        noRecordsText={filtered ? "No SMS matches these filters" : "No SMS yet"}
        columns={[
          {
            accessor: "createdAt",
            title: "Time",
            render: (row) => <Text size="sm">{formatDateTime(row.createdAt)}</Text>,
          },
          {
            accessor: "purpose",
            title: "Purpose",
            render: (row) => (
              <Stack gap={0}>
                <Text size="sm">{SMS_PURPOSE_LABELS[row.purpose]}</Text>
                <Text size="xs" c="dimmed">
                  {SMS_DIRECTION_LABELS[row.direction]}
                </Text>
              </Stack>
            ),
          },
          {
            accessor: "to",
            title: "Number",
            render: (row) => (
              <Text size="sm" title={phone(row)?.e164}>
                {row.direction === "inbound" ? `from ${phone(row)?.display ?? "—"}` : (phone(row)?.display ?? "—")}
              </Text>
            ),
          },
          {
            accessor: "body",
            title: "Message",
            render: (row) => (
              <Text size="sm" lineClamp={3} style={{ overflowWrap: "anywhere", whiteSpace: "pre-wrap" }}>
                {row.body}
              </Text>
            ),
          },
          {
            accessor: "status",
            title: "Status",
            render: (row) => (
              <Stack gap={4}>
                <SmsStatusBadge status={row.status} />
                {problemText(row) && (
                  <Text size="xs" c={row.status === "skipped" ? "dimmed" : "red"} style={{ overflowWrap: "anywhere" }}>
                    {problemText(row)}
                    {row.errorCode && !problemText(row)?.includes(row.errorCode) ? ` (error ${row.errorCode})` : ""}
                  </Text>
                )}
                {row.attempts > 1 && (
                  <Text size="xs" c="dimmed">
                    {row.attempts} attempts
                  </Text>
                )}
              </Stack>
            ),
          },
          {
            accessor: "ticketNumber",
            title: "Ticket / customer",
            render: (row) => (
              <Stack gap={0}>
                {row.ticketId && (
                  <Anchor component={Link} to={`/tickets/${row.ticketId}`} size="sm">
                    {row.ticketNumber}
                  </Anchor>
                )}
                {row.customerId && (
                  <Anchor component={Link} to={`/customers/${row.customerId}`} size="sm">
                    {row.customerName}
                  </Anchor>
                )}
                {!row.ticketId && !row.customerId && (
                  <Text size="sm" c="dimmed">
                    —
                  </Text>
                )}
              </Stack>
            ),
          },
          ...(isAdmin
            ? [
                {
                  accessor: "actions",
                  title: "Actions",
                  textAlign: "right" as const,
                  render: (row: SmsLog) =>
                    row.direction === "outbound" && (row.status === "failed" || row.status === "undelivered") ? (
                      <Button
                        size="xs"
                        variant="light"
                        onClick={() => retryRow(row)}
                        loading={retry.isPending && retry.variables === row.id}
                        aria-label={`Retry SMS to ${row.to}`}
                      >
                        Retry
                      </Button>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
      {log.hasNextPage && (
        <Group justify="center">
          <Button variant="default" onClick={() => log.fetchNextPage()} loading={log.isFetchingNextPage}>
            Load more
          </Button>
        </Group>
      )}
    </Stack>
  );
}
