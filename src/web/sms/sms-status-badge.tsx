import { Badge, type MantineColor } from "@mantine/core";
import type { SmsStatus } from "../../shared/enums.js";
import { SMS_STATUS_LABELS } from "../../shared/labels.js";

const SMS_STATUS_COLORS: Record<SmsStatus, MantineColor> = {
  skipped: "gray",
  queued: "blue",
  sending: "blue",
  sent: "teal",
  delivered: "green",
  undelivered: "red",
  failed: "red",
  received: "violet",
  cancelled: "gray",
};

export function SmsStatusBadge({ status }: { status: SmsStatus }) {
  return (
    <Badge color={SMS_STATUS_COLORS[status]} variant="light">
      {SMS_STATUS_LABELS[status]}
    </Badge>
  );
}
