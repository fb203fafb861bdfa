import { Anchor, Group, Text } from "@mantine/core";
import { DataTable } from "mantine-datatable";
import { Link } from "react-router";
import type { TicketListItem } from "../../shared/tickets.js";
import { DateTime } from "../app/date-time.js";
import { AssignToMeRowAction } from "./assign-to-me.js";
import { DueCell, PriorityBadge, StatusBadge } from "./ticket-badges.js";

/** The queue on a large screen: one row per ticket, selectable for bulk changes (tickets-page.tsx). */
export default function TicketTable({
  records,
  pending,
  selected,
  onSelectedChange,
}: {
  records: TicketListItem[];
  pending: boolean;
  selected: TicketListItem[];
  onSelectedChange: (tickets: TicketListItem[]) => void;
}) {
  return (
    <DataTable
      withTableBorder
      highlightOnHover
      minHeight={records.length ? undefined : 180}
      fetching={pending}
      records={records}
      noRecordsText="No tickets match"
      selectedRecords={selected}
      onSelectedRecordsChange={onSelectedChange}
      allRecordsSelectionCheckboxProps={{ "aria-label": "Select all tickets on screen" }}
      getRecordSelectionCheckboxProps={(ticket) => ({ "aria-label": `Select ${ticket.number}` })}
      rowStyle={(ticket) =>
        ticket.overdue
          ? {
              backgroundColor: "var(--mantine-color-red-light)",
              boxShadow: "inset 4px 0 0 var(--mantine-color-red-filled)",
            }
          : undefined
      }
      columns={[
        {
          accessor: "number",
          title: "Number",
          // T-000123 is one word: never broken at its hyphen.
          noWrap: true,
          render: (ticket) => (
            <Anchor component={Link} to={`/tickets/${ticket.id}`} fw={600}>
              {ticket.number}
            </Anchor>
          ),
        },
        {
          accessor: "subject",
          title: "Subject",
          render: (ticket) => (
            // The subject is what people read: it keeps a readable width while the other columns wrap.
            <Anchor component={Link} to={`/tickets/${ticket.id}`} c="inherit" display="block" miw="10rem">
              {ticket.subject}
            </Anchor>
          ),
        },
        {
          accessor: "customer",
          title: "Customer",
          visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
          render: (ticket) =>
            ticket.customer ? (
              <Anchor component={Link} to={`/customers/${ticket.customer.id}`} size="sm">
                {ticket.customer.name}
              </Anchor>
            ) : (
              <Text size="sm" c="dimmed">
                Network-wide
              </Text>
            ),
        },
        { accessor: "status", title: "Status", render: (ticket) => <StatusBadge status={ticket.status} /> },
        {
          accessor: "priority",
          title: "Priority",
          render: (ticket) => <PriorityBadge priority={ticket.priority} />,
        },
        {
          accessor: "assignee",
          title: "Assignee",
          render: (ticket) => (
            <Group gap="xs">
              {ticket.assignee?.name ?? <Text c="dimmed">Unassigned</Text>}
              <AssignToMeRowAction ticket={ticket} />
            </Group>
          ),
        },
        { accessor: "dueAt", title: "Due", render: (ticket) => <DueCell ticket={ticket} /> },
        {
          accessor: "updatedAt",
          title: "Updated",
          visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.lg})`,
          render: (ticket) => (
            <Text size="sm">
              <DateTime value={ticket.updatedAt} />
            </Text>
          ),
        },
      ]}
    />
  );
}
