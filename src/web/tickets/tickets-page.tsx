import {
  Alert,
  Button,
  Card,
  Collapse,
  Group,
  MultiSelect,
  NativeSelect,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useDebouncedValue, useDisclosure, useMediaQuery } from "@mantine/hooks";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { IconAdjustmentsHorizontal, IconPlus, IconSearch } from "@tabler/icons-react";
import { lazy, Suspense, useDeferredValue, useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { TicketPriority, TicketStatus } from "../../shared/enums.js";
import { PRIORITY_LABELS, STATUS_LABELS } from "../../shared/labels.js";
import type { TicketListItem } from "../../shared/tickets.js";
import { errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { IncidentFilterChip } from "../incidents/incident-filter-chip.js";
import { OutageSuggestions } from "../incidents/outage-suggestion.js";
import { ListNewsPill, useTicketListNews } from "../live/list-news.js";
import { useStaff } from "../users/api.js";
import { useBulkUpdateTickets, useTicketQueue } from "./api.js";
import { AssigneeSelect } from "./assignee-select.js";
import { CustomerFilterChip } from "./customer-filter-chip.js";
import { QUEUE_VIEWS, queueFromParams } from "./queue-url.js";
import {
  CATEGORY_OPTIONS,
  DueCell,
  PRIORITY_OPTIONS,
  PriorityBadge,
  STATUS_OPTIONS,
  StatusBadge,
} from "./ticket-badges.js";

// The desktop's table (mantine-datatable) loads only where it is drawn: a phone lists cards and
// never downloads it.
const TicketTable = lazy(() => import("./ticket-table.js"));

const SORT_OPTIONS = [
  { value: "-created", label: "Newest first" },
  { value: "created", label: "Oldest first" },
  { value: "-updated", label: "Recently updated" },
  { value: "updated", label: "Least recently updated" },
  { value: "due", label: "Due soonest" },
  { value: "-due", label: "Due latest" },
  { value: "-priority", label: "Highest priority" },
  { value: "priority", label: "Lowest priority" },
];

/** Phone layout: one card per ticket, big tap target, nothing wider than the screen. */
function TicketCard({ ticket }: { ticket: TicketListItem }) {
  return (
    <Card
      withBorder
      component={Link}
      to={`/tickets/${ticket.id}`}
      padding="sm"
      style={ticket.overdue ? { borderColor: "var(--mantine-color-red-filled)", borderWidth: 2 } : undefined}
    >
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text fw={600} size="sm">
            {ticket.number}
          </Text>
          <DueCell ticket={ticket} />
        </Group>
        <Text fw={500} lineClamp={2} style={{ overflowWrap: "anywhere" }}>
          {ticket.subject}
        </Text>
        {ticket.customer && (
          <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
            {ticket.customer.name} · {ticket.customer.accountNumber}
          </Text>
        )}
        <Group gap="xs">
          <StatusBadge status={ticket.status} />
          <PriorityBadge priority={ticket.priority} />
          <Text size="xs" c="dimmed">
            {ticket.assignee?.name ?? "Unassigned"}
          </Text>
        </Group>
      </Stack>
    </Card>
  );
}

function BulkBar({ selected, onDone }: { selected: TicketListItem[]; onDone: () => void }) {
  const bulk = useBulkUpdateTickets();
  const [assigneeId, setAssigneeId] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [priority, setPriority] = useState<string | null>(null);
  const staff = useStaff({ active: true });
  const nothingChosen = !assigneeId && !status && !priority;

  const apply = () => {
    const parts = [
      assigneeId && `assign to ${staff.data?.find((u) => u.id === assigneeId)?.name ?? "the chosen staff member"}`,
      status && `set status to ${STATUS_LABELS[status as TicketStatus]}`,
      priority && `set priority to ${PRIORITY_LABELS[priority as TicketPriority]}`,
    ].filter(Boolean);
    modals.openConfirmModal({
      title: `Change ${selected.length} ticket${selected.length === 1 ? "" : "s"}?`,
      children: (
        <Text size="sm">
          This will {parts.join(", ")} on every selected ticket. Customers and technicians get the usual SMS.
        </Text>
      ),
      labels: { confirm: "Apply changes", cancel: "Cancel" },
      onConfirm: () =>
        bulk.mutate(
          {
            ids: selected.map((ticket) => ticket.id),
            ...(assigneeId ? { assigneeId } : {}),
            ...(status ? { status: status as TicketListItem["status"] } : {}),
            ...(priority ? { priority: priority as TicketListItem["priority"] } : {}),
          },
          {
            onSuccess: (result) => {
              notifications.show({ color: "green", message: `${result.items.length} tickets updated` });
              setAssigneeId(null);
              setStatus(null);
              setPriority(null);
              onDone();
            },
            onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
          },
        ),
    });
  };

  return (
    <Paper withBorder p="sm" aria-label="Bulk actions">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={500}>{selected.length} selected</Text>
          <Button variant="subtle" size="xs" onClick={onDone}>
            Clear selection
          </Button>
        </Group>
        <SimpleGrid cols={{ base: 1, sm: 4 }}>
          <AssigneeSelect label="Assign selected to" value={assigneeId} onChange={setAssigneeId} />
          <Select label="Set status of selected" data={STATUS_OPTIONS} value={status} onChange={setStatus} clearable />
          <Select
            label="Set priority of selected"
            data={PRIORITY_OPTIONS}
            value={priority}
            onChange={setPriority}
            clearable
          />
          <Button onClick={apply} disabled={nothingChosen} loading={bulk.isPending} style={{ alignSelf: "end" }}>
            Apply to selected
          </Button>
        </SimpleGrid>
      </Stack>
    </Paper>
  );
}

export default function TicketsPage() {
  const { user } = useSession();
  const [params, setParams] = useSearchParams();
  // Read at once (no server render to match): a phone never draws the desktop's filters first.
  const isPhone = useMediaQuery("(max-width: 48em)", undefined, { getInitialValueInEffect: false });
  const [search, setSearch] = useState(params.get("q") ?? "");
  const [debouncedSearch] = useDebouncedValue(search.trim(), 300);
  const [selected, setSelected] = useState<TicketListItem[]>([]);
  const [filtersOpen, { toggle: toggleFilters }] = useDisclosure(false);
  // The phone's filters are drawn when first opened, not with the first screen (five dropdowns).
  const [filtersDrawn, setFiltersDrawn] = useState(false);
  if (filtersOpen && !filtersDrawn) setFiltersDrawn(true);
  usePageTitle("Tickets");

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
    setSelected([]);
  };

  const changeView = (value: string) =>
    update({ view: value, status: null, assigneeId: null, overdue: null, sort: null });

  // biome-ignore lint/correctness/useExhaustiveDependencies: only a settled search should touch the URL
  useEffect(() => {
    if ((params.get("q") ?? "") !== debouncedSearch) update({ q: debouncedSearch || null });
  }, [debouncedSearch]);

  const { view, filters } = useMemo(
    () => queueFromParams(params, user.role === "technician" ? "mine" : "open"),
    [params, user.role],
  );

  // Held: others' changes wait in the news pill, so rows never move under the pointer.
  const queue = useTicketQueue(filters, 50, { held: true });
  // The rows draw from a deferred copy of the answer: React draws 50 rows in slices between which
  // the phone stays free to scroll or take a tap, instead of in one long task when the answer lands.
  const shown = useDeferredValue(queue.data);
  const rowsPending = queue.isPending || (shown === undefined && queue.data !== undefined);
  const records = useMemo(() => shown?.pages.flatMap((page) => page.items) ?? [], [shown]);
  const shownIds = useMemo(() => new Set(records.map((ticket) => ticket.id)), [records]);
  const news = useTicketListNews(shownIds, queue.dataUpdatedAt);
  const first = shown?.pages[0];
  const staff = useStaff({ active: true });
  const countText =
    first?.count == null
      ? ""
      : first.countCapped
        ? `${first.count.toLocaleString()}+ tickets`
        : `${first.count.toLocaleString()} ticket${first.count === 1 ? "" : "s"}`;

  // The filters a person set over the view's own (the phone's "Filters (n)" counts them).
  const activeFilterCount = ["status", "priority", "category", "assigneeId"].filter((key) => params.get(key)).length;

  const assigneeOptions = [
    { value: "me", label: "Me" },
    { value: "none", label: "Unassigned" },
    ...(staff.data ?? []).map((u) => ({ value: u.id, label: u.name })),
  ];

  const searchInput = (
    <TextInput
      label="Search tickets"
      placeholder="Subject or number (T-000123)"
      leftSection={<IconSearch size={16} />}
      value={search}
      onChange={(event) => setSearch(event.currentTarget.value)}
    />
  );
  const filterInputs = (
    <>
      <MultiSelect
        label="Status"
        placeholder={filters.status ? undefined : "Any status"}
        data={STATUS_OPTIONS}
        value={filters.status ?? []}
        onChange={(values) => update({ status: values.join(",") || null })}
        clearable
      />
      <MultiSelect
        label="Priority"
        placeholder={filters.priority ? undefined : "Any priority"}
        data={PRIORITY_OPTIONS}
        value={filters.priority ?? []}
        onChange={(values) => update({ priority: values.join(",") || null })}
        clearable
      />
      <MultiSelect
        label="Category"
        placeholder={filters.category ? undefined : "Any category"}
        data={CATEGORY_OPTIONS}
        value={filters.category ?? []}
        onChange={(values) => update({ category: values.join(",") || null })}
        clearable
      />
      <Select
        label="Assigned to"
        placeholder="Anyone"
        data={assigneeOptions}
        value={filters.assigneeId ?? null}
        onChange={(value) => update({ assigneeId: value })}
        clearable
        searchable
      />
      <Select
        label="Sort by"
        data={SORT_OPTIONS}
        value={filters.sort ?? "-created"}
        onChange={(value) => update({ sort: value })}
        allowDeselect={false}
      />
    </>
  );

  return (
    <Stack>
      <Group justify="space-between">
        <PageHeading>Tickets</PageHeading>
        <Button component={Link} to="/tickets/new" leftSection={<IconPlus size={16} />}>
          New ticket
        </Button>
      </Group>

      <OutageSuggestions />

      {isPhone ? (
        // A phone picks the view from its own list: one field instead of five stacked buttons above
        // the tickets, and none of the segmented control's measuring (it laid out the whole page
        // in the middle of the first screen's commit, a long task on a slowed phone).
        <NativeSelect
          label="Queue"
          data={QUEUE_VIEWS.map((v) => ({ value: v.value, label: v.label }))}
          value={view}
          onChange={(event) => changeView(event.currentTarget.value)}
        />
      ) : (
        <SegmentedControl
          aria-label="Queue"
          data={QUEUE_VIEWS.map((v) => ({ value: v.value, label: v.label }))}
          value={view}
          onChange={changeView}
        />
      )}

      {isPhone ? (
        // On a phone the tickets come first: search stays, the other filters wait behind one button.
        <Stack gap="xs">
          {searchInput}
          <Button
            variant="default"
            w="fit-content"
            leftSection={<IconAdjustmentsHorizontal size={16} />}
            onClick={toggleFilters}
            aria-expanded={filtersOpen}
            aria-controls="ticket-filters"
          >
            Filters ({activeFilterCount})
          </Button>
          <Collapse expanded={filtersOpen} id="ticket-filters" keepMountedMode="display-none">
            {(filtersOpen || filtersDrawn) && <SimpleGrid cols={1}>{filterInputs}</SimpleGrid>}
          </Collapse>
        </Stack>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {searchInput}
          {filterInputs}
        </SimpleGrid>
      )}

      {filters.customerId && (
        <CustomerFilterChip customerId={filters.customerId} onRemove={() => update({ customerId: null })} />
      )}
      {filters.incidentId && (
        <IncidentFilterChip incidentId={filters.incidentId} onRemove={() => update({ incidentId: null })} />
      )}

      {selected.length > 0 && !isPhone && <BulkBar selected={selected} onDone={() => setSelected([])} />}

      {queue.isError && (
        <Alert color="red" title="The tickets could not be loaded">
          {errorMessage(queue.error)}
          <Button variant="light" size="xs" ml="sm" onClick={() => queue.refetch()}>
            Try again
          </Button>
        </Alert>
      )}

      {/* As tall as the news pill, so the pill's arrival moves no row. */}
      <Group gap="sm" mih={26} wrap="wrap">
        <Text size="sm" c="dimmed" aria-live="polite">
          {rowsPending ? "Loading tickets…" : countText}
        </Text>
        <ListNewsPill news={news} onShow={() => queue.refetch()} />
      </Group>

      {isPhone ? (
        <Stack gap="sm">
          {records.map((ticket) => (
            <TicketCard key={ticket.id} ticket={ticket} />
          ))}
          {!rowsPending && records.length === 0 && (
            <Text c="dimmed" ta="center" py="lg">
              No tickets match
            </Text>
          )}
        </Stack>
      ) : (
        <Suspense fallback={<Skeleton h={180} />}>
          <TicketTable records={records} pending={rowsPending} selected={selected} onSelectedChange={setSelected} />
        </Suspense>
      )}

      {queue.hasNextPage && (
        <Group justify="center">
          <Button variant="default" onClick={() => queue.fetchNextPage()} loading={queue.isFetchingNextPage}>
            Load more
          </Button>
        </Group>
      )}
    </Stack>
  );
}
