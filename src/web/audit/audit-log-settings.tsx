import {
  Alert,
  Anchor,
  Badge,
  Button,
  CloseButton,
  Code,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useDebouncedValue } from "@mantine/hooks";
import { IconDownload } from "@tabler/icons-react";
import { DataTable } from "mantine-datatable";
import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import {
  AUDIT_RECORD_TYPE_LABELS,
  type AuditEntry,
  type AuditFilter,
  auditChanges,
  auditRecordPath,
  auditValueText,
} from "../../shared/audit.js";
import { errorMessage } from "../app/api.js";
import { DateTime } from "../app/date-time.js";
import { dayParam, startOfLocalDay, startOfNextLocalDay } from "../app/format.js";
import { useStaff } from "../users/api.js";
import { auditCsvUrl, useAuditLog } from "./api.js";

const VIA_LABELS: Record<AuditEntry["via"], string> = {
  session: "Signed in",
  token: "API token",
  sign_in: "Sign-in",
  system: "Uplink",
};

const recordTypeLabel = (type: string) => AUDIT_RECORD_TYPE_LABELS[type] ?? type;

/** Who did it and how it reached Uplink (a session, an API token by name, Uplink itself). */
function Who({ entry }: { entry: AuditEntry }) {
  return (
    <Stack gap={0}>
      <Text size="sm" fw={500}>
        {entry.actor?.name ?? (entry.via === "system" ? "Uplink" : "—")}
      </Text>
      <Text size="xs" c="dimmed" style={{ overflowWrap: "anywhere" }}>
        {entry.via === "token" && entry.token ? `API token “${entry.token.name}”` : VIA_LABELS[entry.via]}
        {entry.ip ? ` · ${entry.ip}` : ""}
      </Text>
    </Stack>
  );
}

function RecordCell({ entry }: { entry: AuditEntry }) {
  const path = auditRecordPath(entry.entityType, entry.entityId);
  const name = entry.record ?? entry.entityId;
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {recordTypeLabel(entry.entityType)}
      </Text>
      {name &&
        (path ? (
          <Anchor component={Link} to={path} size="sm" style={{ overflowWrap: "anywhere" }}>
            {name}
          </Anchor>
        ) : (
          <Text size="sm" style={{ overflowWrap: "anywhere" }}>
            {name}
          </Text>
        ))}
    </Stack>
  );
}

/** Before → after of each changed field; other logged data as it was written. */
function Changes({ entry }: { entry: AuditEntry }) {
  const changes = auditChanges(entry.data);
  if (changes.length > 0) {
    return (
      <Stack gap={2} miw="14rem">
        {changes.map((change) => (
          <Text key={change.field} size="sm" style={{ overflowWrap: "anywhere" }}>
            <Text span fw={600} size="sm">
              {change.field}
            </Text>
            {": "}
            <Text span c="red.7" td="line-through" size="sm">
              {auditValueText(change.from) || "(empty)"}
            </Text>
            {" → "}
            <Text span c="green.8" size="sm">
              {auditValueText(change.to) || "(empty)"}
            </Text>
          </Text>
        ))}
      </Stack>
    );
  }
  const rest = Object.entries(entry.data ?? {});
  if (rest.length === 0) return null;
  return (
    <Stack gap={2} miw="14rem">
      {rest.map(([key, value]) => (
        <Text key={key} size="xs" style={{ overflowWrap: "anywhere" }}>
          <Text span fw={600} size="xs">
            {key}
          </Text>
          : <Code>{auditValueText(value)}</Code>
        </Text>
      ))}
    </Stack>
  );
}

/**
 * Settings → Audit log (admins): who did what to which record, when and from where, newest first,
 * filtered in the URL (?actorId=…&entityType=customer&entityId=…&action=…&from=…&to=…) so a
 * record's "History" link and a shared address open the same view. CSV export of the same filter.
 */
export default function AuditLogSettings() {
  const [params, setParams] = useSearchParams();
  const staff = useStaff();
  const actorId = params.get("actorId");
  const entityType = params.get("entityType");
  const entityId = params.get("entityId");
  const action = (params.get("action") ?? "").trim();
  const range: [string | null, string | null] = [dayParam(params.get("from")), dayParam(params.get("to"))];
  const [actionText, setActionText] = useState(action);
  const [debouncedAction] = useDebouncedValue(actionText.trim(), 400);

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
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new debounced text is written
  useEffect(() => {
    if (debouncedAction !== action) setFilters({ action: debouncedAction || null });
  }, [debouncedAction]);
  useEffect(() => {
    setActionText((text) => (text.trim() === action ? text : action));
  }, [action]);

  const filter: AuditFilter = useMemo(
    () => ({
      actorId: actorId ?? undefined,
      entityType: entityType ?? undefined,
      entityId: entityId ?? undefined,
      action: /^[a-z_.]{1,100}$/.test(action) ? action : undefined,
      from: range[0] ? startOfLocalDay(range[0]) : undefined,
      to: range[1] ? startOfNextLocalDay(range[1]) : undefined,
    }),
    [actorId, entityType, entityId, action, range[0], range[1]],
  );
  const log = useAuditLog(filter);
  const rows = log.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = Boolean(actorId || entityType || entityId || action || range[0] || range[1]);
  const recordName = entityId ? (rows.find((row) => row.entityId === entityId)?.record ?? entityId) : null;

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Text c="dimmed" size="sm" maw={640}>
          Who did what to which record, when and from where, newest first. Only admins see it.
        </Text>
        <Button
          variant="default"
          component="a"
          href={auditCsvUrl(filter)}
          download="audit-log.csv"
          leftSection={<IconDownload size={16} />}
        >
          Export CSV
        </Button>
      </Group>
      {entityId && (
        <Alert color="blue" variant="light" aria-label="Record history">
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Text size="sm" style={{ overflowWrap: "anywhere" }}>
              History of {recordTypeLabel(entityType ?? "record").toLowerCase()} <strong>{recordName}</strong>
            </Text>
            <CloseButton
              aria-label="Show every record"
              onClick={() => setFilters({ entityId: null, entityType: null })}
            />
          </Group>
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        <Select
          label="Person"
          placeholder="Anyone"
          clearable
          searchable
          data={(staff.data ?? []).map((user) => ({ value: user.id, label: user.name }))}
          value={actorId}
          onChange={(value) => setFilters({ actorId: value })}
        />
        <Select
          label="Record type"
          placeholder="Any record"
          clearable
          data={Object.entries(AUDIT_RECORD_TYPE_LABELS).map(([value, label]) => ({ value, label }))}
          value={entityType}
          onChange={(value) => setFilters({ entityType: value, entityId: null })}
        />
        <TextInput
          label="Action"
          placeholder="e.g. customer.update"
          value={actionText}
          onChange={(event) => setActionText(event.currentTarget.value)}
          error={action && !filter.action ? "Letters, dots and underscores, e.g. customer.update" : undefined}
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
      </SimpleGrid>
      <Group justify="flex-end">
        <Button
          variant="default"
          disabled={!filtered}
          onClick={() => {
            setActionText("");
            setParams(new URLSearchParams(), { replace: true });
          }}
        >
          Clear filters
        </Button>
      </Group>
      {log.isError && <Alert color="red">{errorMessage(log.error)}</Alert>}
      <DataTable
        aria-label="Audit log"
        withTableBorder
        striped
        minHeight={180}
        fetching={log.isPending || (log.isFetching && log.isPlaceholderData)}
        records={rows}
        idAccessor="id"
        noRecordsText={filtered ? "Nothing in the audit log matches these filters" : "The audit log is empty"}
        columns={[
          {
            accessor: "at",
            title: "When",
            render: (entry) => (
              <Text size="sm">
                <DateTime value={entry.at} />
              </Text>
            ),
          },
          { accessor: "actor", title: "Who", render: (entry) => <Who entry={entry} /> },
          {
            accessor: "action",
            title: "Action",
            render: (entry) => (
              <Badge variant="light" style={{ textTransform: "none" }}>
                {entry.action}
              </Badge>
            ),
          },
          { accessor: "entityType", title: "Record", render: (entry) => <RecordCell entry={entry} /> },
          { accessor: "data", title: "Changes", render: (entry) => <Changes entry={entry} /> },
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
