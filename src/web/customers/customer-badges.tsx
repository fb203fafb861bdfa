import { Badge, type MantineColor } from "@mantine/core";
import type { CustomerStatus } from "../../shared/enums.js";
import { CUSTOMER_STATUS_LABELS } from "../../shared/labels.js";

/** Mantine colour names (theme-aware), never hard-coded colours. */
export const CUSTOMER_STATUS_COLORS: Record<CustomerStatus, MantineColor> = {
  lead: "gray",
  pending_install: "yellow",
  active: "green",
  suspended: "orange",
  cancelled: "red",
};

export function CustomerStatusBadge({ status }: { status: CustomerStatus }) {
  return (
    <Badge color={CUSTOMER_STATUS_COLORS[status]} variant="light">
      {CUSTOMER_STATUS_LABELS[status]}
    </Badge>
  );
}
