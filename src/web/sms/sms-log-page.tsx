import { Alert, Anchor, Button, Group, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconSearch } from "@tabler/icons-react";
import { DataTable } from "mantine-datatable";
import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { SMS_DIRECTIONS, SMS_PURPOSES, SMS_STATUSES } from "../../shared/enums.js";
import {
  SMS_DIRECTION_LABELS,
  SMS_PURPOSE_LABELS,
  SMS_STATUS_LABELS,
  TWILIO_ERROR_WORDS,
} from "../../shared/labels.js";
import type { SmsLog, SmsLogQuery } from "../../shared/sms.js";
import { errorMessage } from "../app/api.js";
import { useIsOffice } from "../app/auth.js";
import { DateTime } from "../app/date-time.js";
import { dayParam, startOfLocalDay, startOfNextLocalDay } from "../app/format.js";
import { Hint } from "../app/hint.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { formatPhone } from "../app/phone.js";
import { useRetrySms, useSmsLog, useSmsStatus } from "./api.js";
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

/** A filter value from the URL, or null when it is missing or not one of the allowed values. */
function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

export default function SmsLogPage() {
  // Admins and office agents.
  const canRetry = useIsOffice();
  const smsStatus = useSmsStatus();
  usePageTitle("SMS log");
  // The filters live in the URL (?status=failed&purpose=ticket_reply&from=2026-01-01&to=…&q=…), so
  // a reload, the back button and a shared link keep them.
  const [params, setParams] = useSearchParams();
  const status = oneOf(params.get("status"), SMS_STATUSES);
  const purpose = oneOf(params.get("purpose"), SMS_PURPOSES);
  const direction = oneOf(params.get("direction"), SMS_DIRECTIONS);
  const range: [string | null, string | null] = [dayParam(params.get("from")), dayParam(params.get("to"))];
  const q = (params.get("q") ?? "").trim();
  const [search, setSearch] = useState(params.get("q") ?? "");
  const [debounced] = useDebouncedValue(search.trim(), 300);

  const setFilters = (changes: Record<string, string | null>) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes)) {
          if (value) next.set(key, value);
          else next.delete(key);
        }
        return next;
      },
      { replace: true },
    );

  // The search box writes to the URL once the typing pauses; the URL (back button) writes to the box.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new debounced text is written
  useEffect(() => {
    if (debounced !== q) setFilters({ q: debounced || null });
  }, [debounced]);
  useEffect(() => {
    setSearch((text) => (text.trim() === q ? text : q));
  }, [q]);

  const filters: SmsLogQuery = useMemo(
    () => ({
      status: status ?? undefined,
      purpose: purpose ?? undefined,
      direction: direction ?? undefined,
      since: range[0] ? startOfLocalDay(range[0]) : undefined,
      until: range[1] ? startOfNextLocalDay(range[1]) : undefined,
      q: q || undefined,
    }),
    [status, purpose, direction, range[0], range[1], q],
  );
  const log = useSmsLog(filters);
  const retry = useRetrySms();
  const rows = log.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = Boolean(status || purpose || direction || range[0] || range[1] || q);
  const cannotSend = smsStatus.data && !smsStatus.data.configured ? smsStatus.data.reason : null;

  const retryRow = (row: SmsLog) =>
    retry.mutate(row.id, {
      onSuccess: () =>
        notifications.show({
          color: "green",
          message: `SMS to ${row.to ? formatPhone(row.to).display : "the customer"} queued again`,
        }),
      onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
    });

  return (
    <Stack>
      <PageHeading>SMS log</PageHeading>
      <Text c="dimmed" size="sm">
        Every text Uplink sent, skipped or received, newest first.
      </Text>
      {/* Three across at most: six made the search and a date range too narrow to read at 1440 px. */}
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }}>
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
          onChange={(value) => setFilters({ status: value })}
        />
        <Select
          label="Purpose"
          placeholder="Any purpose"
          clearable
          data={SMS_PURPOSES.map((value) => ({ value, label: SMS_PURPOSE_LABELS[value] }))}
          value={purpose}
          onChange={(value) => setFilters({ purpose: value })}
        />
        <Select
          label="Direction"
          placeholder="Both directions"
          clearable
          data={SMS_DIRECTIONS.map((value) => ({ value, label: SMS_DIRECTION_LABELS[value] }))}
          value={direction}
          onChange={(value) => setFilters({ direction: value })}
        />
        <DatePickerInput
          type="range"
          label="Dates"
          placeholder="Any date"
          clearable
          allowSingleDateInRange
          value={range}
          onChange={(value) => {
            const [from, to] = value as [string | null, string | null];
            setFilters({ from, to });
          }}
        />
        <Stack justify="flex-end">
          <Button
            variant="default"
            disabled={!filtered}
            onClick={() => {
              setSearch("");
              setParams(new URLSearchParams(), { replace: true });
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
            render: (row) => (
              <Text size="sm">
                <DateTime value={row.createdAt} />
              </Text>
            ),
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
              <Text size="sm" title={phone(row)?.e164} style={{ whiteSpace: "nowrap" }}>
                {row.direction === "inbound" ? `from ${phone(row)?.display ?? "—"}` : (phone(row)?.display ?? "—")}
              </Text>
            ),
          },
          {
            accessor: "body",
            title: "Message",
            render: (row) => (
              // The whole text: the log is where people read what was sent. A readable width even on a
              // phone, where the table scrolls sideways in its frame.
              <Text size="sm" miw="14rem" style={{ overflowWrap: "anywhere", whiteSpace: "pre-wrap" }}>
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
          ...(canRetry
            ? [
                {
                  accessor: "actions",
                  title: "Actions",
                  textAlign: "right" as const,
                  render: (row: SmsLog) =>
                    row.direction === "outbound" && (row.status === "failed" || row.status === "undelivered") ? (
                      <Hint label={`${cannotSend}, so nothing can be sent.`} disabled={!cannotSend} multiline maw={260}>
                        <span>
                          <Button
                            size="xs"
                            variant="light"
                            onClick={() => retryRow(row)}
                            disabled={Boolean(cannotSend)}
                            loading={retry.isPending && retry.variables === row.id}
                            aria-label={`Retry SMS to ${row.to ? formatPhone(row.to).display : "the customer"}`}
                          >
                            Retry
                          </Button>
                        </span>
                      </Hint>
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
