import { Badge, type MantineColor } from "@mantine/core";
import type { VisitKind, VisitStatus } from "../../shared/enums.js";
import { optionsOf, VISIT_KIND_LABELS, VISIT_STATUS_LABELS } from "../../shared/labels.js";

export const VISIT_STATUS_COLORS: Record<VisitStatus, MantineColor> = {
  scheduled: "blue",
  en_route: "violet",
  on_site: "teal",
  completed: "green",
  no_access: "orange",
  cancelled: "gray",
};

export const VISIT_KIND_OPTIONS = optionsOf(VISIT_KIND_LABELS);

export function VisitStatusBadge({ status }: { status: VisitStatus }) {
  return (
    <Badge variant="light" color={VISIT_STATUS_COLORS[status]}>
      {VISIT_STATUS_LABELS[status]}
    </Badge>
  );
}

export const visitKindLabel = (kind: VisitKind) => VISIT_KIND_LABELS[kind];
