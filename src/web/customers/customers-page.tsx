import { Alert, Anchor, Badge, Button, Group, Modal, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconDownload, IconPlus, IconSearch, IconUpload } from "@tabler/icons-react";
import { DataTable, type DataTableSortStatus } from "mantine-datatable";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { Customer } from "../../shared/customers.js";
import { CONNECTION_TYPE_LABELS, CUSTOMER_STATUS_LABELS, optionsOf } from "../../shared/labels.js";
import { errorMessage } from "../app/api.js";
import { useIsOffice } from "../app/auth.js";
import { DateTime } from "../app/date-time.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { PhoneText } from "../app/phone.js";
import { ListNewsPill, useCustomerListNews } from "../live/list-news.js";
import { useServicePlans } from "../plans/api.js";
import { useSites } from "../sites/api.js";
import { type CustomerListFilter, customersExportUrl, useCustomers } from "./api.js";
import { CustomerStatusBadge } from "./customer-badges.js";
import { CustomerForm } from "./customer-form.js";
import { CustomerImport } from "./customer-import.js";

const PAGE_SIZE = 25;
const SORTABLE: Record<string, string> = { name: "name", createdAt: "created", updatedAt: "updated" };

export default function CustomersPage() {
  // Admins and office agents.
  const canImport = useIsOffice();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get("q") ?? "");
  const [q] = useDebouncedValue(search.trim(), 200);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const plans = useServicePlans();
  const sites = useSites();

  const sortParam = params.get("sort") ?? "";
  const filter: CustomerListFilter = {
    q: q || undefined,
    status: params.get("status") ?? undefined,
    servicePlanId: params.get("plan") ?? undefined,
    siteId: params.get("site") ?? undefined,
    connectionType: params.get("connection") ?? undefined,
    archived: (params.get("archived") as "true" | "all" | null) ?? undefined,
    sort: sortParam || undefined,
  };
  const filterKey = JSON.stringify(filter);
  const [lastFilterKey, setLastFilterKey] = useState(filterKey);
  if (lastFilterKey !== filterKey) {
    // A new filter starts again at the first page.
    setLastFilterKey(filterKey);
    setCursors([undefined]);
  }
  const cursor = cursors.at(-1);
  // Held: others' changes wait in the news pill, so rows never move under the pointer.
  const list = useCustomers(filter, cursor, PAGE_SIZE, { held: true });
  const shownIds = useMemo(() => new Set((list.data?.items ?? []).map((customer) => customer.id)), [list.data]);
  const news = useCustomerListNews(shownIds, list.dataUpdatedAt);
  usePageTitle("Customers");

  // Enter in the search opens the first hit: at once when the list already shows this search's
  // answer, else as soon as it arrives (the search is debounced, so Enter may beat it).
  const [openFirstHitOf, setOpenFirstHitOf] = useState<string | null>(null);
  const answered = !list.isPlaceholderData && !list.isFetching && q === openFirstHitOf;
  const firstHit = answered ? list.data?.items[0] : undefined;
  useEffect(() => {
    if (!answered) return;
    setOpenFirstHitOf(null);
    if (firstHit) navigate(`/customers/${firstHit.id}`);
  }, [answered, firstHit, navigate]);

  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const sortKey = sortParam.replace(/^-/, "");
  const sortStatus: DataTableSortStatus<Customer> = {
    columnAccessor: Object.entries(SORTABLE).find(([, v]) => v === sortKey)?.[0] ?? (q ? "" : "name"),
    direction: sortParam.startsWith("-") ? "desc" : "asc",
  };

  const planName = new Map((plans.data ?? []).map((p) => [p.id, p.name]));

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Group gap="sm" wrap="nowrap">
          <PageHeading>Customers</PageHeading>
          <ListNewsPill news={news} onShow={() => list.refetch()} />
        </Group>
        <Group gap="xs">
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            New customer
          </Button>
          {canImport && (
            <Button variant="default" leftSection={<IconUpload size={16} />} onClick={() => setImporting(true)}>
              Import CSV
            </Button>
          )}
          <Button
            variant="default"
            component="a"
            href={customersExportUrl(filter)}
            download="customers.csv"
            leftSection={<IconDownload size={16} />}
          >
            Export CSV
          </Button>
        </Group>
      </Group>

      <TextInput
        label="Search customers"
        // A description, not a placeholder: it wraps on a phone and stays while the person types.
        description="Name, phone, email, account number, IP, MAC, serial or street; Enter opens the first match"
        leftSection={<IconSearch size={16} />}
        value={search}
        onChange={(event) => {
          setSearch(event.currentTarget.value);
          setOpenFirstHitOf(null);
          setParam("q", event.currentTarget.value.trim() || null);
        }}
        onKeyDown={(event) => {
          if (event.key !== "Enter" || event.nativeEvent.isComposing) return;
          event.preventDefault();
          if (search.trim()) setOpenFirstHitOf(search.trim());
        }}
        autoFocus
        type="search"
      />
      <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }}>
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={optionsOf(CUSTOMER_STATUS_LABELS)}
          value={filter.status ?? null}
          onChange={(value) => setParam("status", value)}
        />
        <Select
          label="Service plan"
          placeholder="Any plan"
          clearable
          searchable
          data={(plans.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={filter.servicePlanId ?? null}
          onChange={(value) => setParam("plan", value)}
        />
        <Select
          label="Network site"
          placeholder="Any site"
          clearable
          searchable
          data={(sites.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
          value={filter.siteId ?? null}
          onChange={(value) => setParam("site", value)}
        />
        <Select
          label="Connection type"
          placeholder="Any connection"
          clearable
          data={optionsOf(CONNECTION_TYPE_LABELS)}
          value={filter.connectionType ?? null}
          onChange={(value) => setParam("connection", value)}
        />
        <Select
          label="Show"
          allowDeselect={false}
          data={[
            { value: "current", label: "Current customers" },
            { value: "true", label: "Archived customers" },
            { value: "all", label: "Current and archived" },
          ]}
          value={filter.archived ?? "current"}
          onChange={(value) => setParam("archived", value === "current" ? null : value)}
        />
      </SimpleGrid>

      {list.isError && <Alert color="red">{errorMessage(list.error)}</Alert>}
      <DataTable<Customer>
        withTableBorder
        striped
        highlightOnHover
        minHeight={200}
        fetching={list.isFetching}
        records={list.data?.items ?? []}
        noRecordsText={q ? `No customer matches “${q}”` : "No customers yet"}
        aria-label="Customers"
        sortStatus={sortStatus}
        onSortStatusChange={(status) => {
          const key = SORTABLE[status.columnAccessor as string];
          setParam("sort", key ? `${status.direction === "desc" ? "-" : ""}${key}` : null);
        }}
        onRowClick={({ record }) => navigate(`/customers/${record.id}`)}
        columns={[
          {
            accessor: "name",
            title: "Name",
            sortable: true,
            render: (c) => (
              <Stack gap={0}>
                <Anchor component={Link} to={`/customers/${c.id}`} onClick={(e) => e.stopPropagation()}>
                  {c.name}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {c.accountNumber}
                </Text>
              </Stack>
            ),
          },
          {
            accessor: "phone",
            title: "Phone",
            render: (c) => (c.phone ? <PhoneText phone={c.phone} /> : "—"),
          },
          {
            accessor: "street",
            title: "Service address",
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
            render: (c) => [c.street, c.city].filter(Boolean).join(", ") || "—",
          },
          {
            accessor: "servicePlanId",
            title: "Plan",
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.lg})`,
            render: (c) => (c.servicePlanId ? (planName.get(c.servicePlanId) ?? "…") : "—"),
          },
          {
            accessor: "status",
            title: "Status",
            render: (c) => (
              <Group gap={4}>
                <CustomerStatusBadge status={c.status} />
                {c.archivedAt && (
                  <Badge color="gray" variant="outline">
                    Archived
                  </Badge>
                )}
              </Group>
            ),
          },
          {
            accessor: "createdAt",
            title: "Created",
            sortable: true,
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
            render: (c) => <DateTime value={c.createdAt} />,
          },
          {
            accessor: "updatedAt",
            title: "Updated",
            sortable: true,
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.lg})`,
            render: (c) => <DateTime value={c.updatedAt} />,
          },
        ]}
      />
      <Group justify="flex-end">
        <Button
          variant="default"
          disabled={cursors.length <= 1}
          onClick={() => setCursors((stack) => stack.slice(0, -1))}
        >
          Previous page
        </Button>
        <Text size="sm" c="dimmed">
          Page {cursors.length}
        </Text>
        <Button
          variant="default"
          disabled={!list.data?.nextCursor}
          onClick={() => {
            const next = list.data?.nextCursor;
            if (next) setCursors((stack) => [...stack, next]);
          }}
        >
          Next page
        </Button>
      </Group>

      <Modal opened={creating} onClose={() => setCreating(false)} title="New customer" size="xl">
        {creating && (
          <CustomerForm
            onCancel={() => setCreating(false)}
            onSaved={(saved) => {
              setCreating(false);
              notifications.show({ color: "green", message: `${saved.name} created as ${saved.accountNumber}` });
              for (const warning of saved.warnings) {
                notifications.show({
                  color: "yellow",
                  title: "Possible duplicate",
                  message: warning.message,
                  autoClose: 10_000,
                });
              }
              navigate(`/customers/${saved.id}`);
            }}
          />
        )}
      </Modal>
      <Modal opened={importing} onClose={() => setImporting(false)} title="Import customers from CSV" size="xl">
        {importing && <CustomerImport onDone={() => setImporting(false)} />}
      </Modal>
    </Stack>
  );
}
