import { Alert, Anchor, Group, List, Text } from "@mantine/core";
import { Link } from "react-router";
import { OPEN_TICKET_STATUSES } from "../../shared/enums.js";
import { errorMessage } from "../app/api.js";
import { useTicketQueue } from "./api.js";
import { StatusBadge } from "./ticket-badges.js";

const SHOWN = 5;

/**
 * On a new ticket, once a customer is chosen: their open tickets (number, subject, status, a
 * link), so a second report of the same fault goes onto the ticket that exists. Only informs:
 * the new ticket can still be saved.
 */
export function OpenTicketsNotice({ customerId }: { customerId: string | null }) {
  return customerId ? <OpenTickets customerId={customerId} /> : null;
}

function OpenTickets({ customerId }: { customerId: string }) {
  const tickets = useTicketQueue({ customerId, status: [...OPEN_TICKET_STATUSES] }, SHOWN + 1);
  if (tickets.isPending) {
    return (
      <Text size="sm" c="dimmed">
        Looking for this customer's open tickets…
      </Text>
    );
  }
  if (tickets.isError) {
    return (
      <Text size="sm" c="red">
        This customer's open tickets could not be checked: {errorMessage(tickets.error)}
      </Text>
    );
  }
  const items = tickets.data.pages[0]?.items.filter((t) => t.customerId === customerId) ?? [];
  if (items.length === 0) return null;
  const more = items.length > SHOWN;
  return (
    <Alert
      color="yellow"
      title={`This customer has ${more ? `more than ${SHOWN}` : items.length} open ${items.length === 1 ? "ticket" : "tickets"}`}
      role="status"
    >
      <Text size="sm" mb="xs">
        Is it the same problem? Add to the existing ticket instead of opening another.
      </Text>
      <List spacing={4} size="sm" listStyleType="none">
        {items.slice(0, SHOWN).map((ticket) => (
          <List.Item key={ticket.id}>
            <Group gap="xs" wrap="nowrap">
              <Anchor component={Link} to={`/tickets/${ticket.id}`}>
                {ticket.number}
              </Anchor>
              <Text size="sm" truncate="end" style={{ minWidth: 0 }}>
                {ticket.subject}
              </Text>
              <StatusBadge status={ticket.status} />
            </Group>
          </List.Item>
        ))}
      </List>
      {more && (
        <Anchor component={Link} to={`/customers/${customerId}`} size="sm">
          All of this customer's tickets
        </Anchor>
      )}
    </Alert>
  );
}
