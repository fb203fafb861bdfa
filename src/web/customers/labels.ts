import type { CustomerStatus } from "../../shared/enums.js";

const SPECIAL: Record<string, string> = { dsl: "DSL", pop: "POP", olt: "OLT" };

/** `fixed_wireless` → "Fixed wireless": enum values as people read them. */
export function labelOf(value: string): string {
  if (SPECIAL[value]) return SPECIAL[value];
  const words = value.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Mantine colour names (theme-aware), never hard-coded colours. */
export const STATUS_COLOR: Record<CustomerStatus, string> = {
  lead: "gray",
  pending_install: "yellow",
  active: "green",
  suspended: "orange",
  cancelled: "red",
};
