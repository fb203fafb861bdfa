import { Badge, CloseButton, Group } from "@mantine/core";
import { useCustomer } from "../customers/api.js";

/**
 * The queue's customer filter (`?customerId=`, e.g. from a customer page's "All tickets"): the
 * customer's name, and a button that removes the filter.
 */
export function CustomerFilterChip({ customerId, onRemove }: { customerId: string; onRemove: () => void }) {
  const customer = useCustomer(customerId);
  const name = customer.data ? `${customer.data.name} (${customer.data.accountNumber})` : "one customer";
  return (
    <Group gap={4} wrap="nowrap">
      <Badge variant="light" size="lg" tt="none" maw="100%">
        Customer: {name}
      </Badge>
      <CloseButton aria-label={`Remove the filter: customer ${name}`} onClick={onRemove} />
    </Group>
  );
}
