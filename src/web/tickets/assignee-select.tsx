import { Select } from "@mantine/core";
import type { ReactNode } from "react";
import { useStaff } from "../users/api.js";

/**
 * Active staff to assign a ticket to. A ticket already held by a deactivated account still shows
 * that name, marked, so nobody wonders where the assignee went.
 */
export function AssigneeSelect({
  value,
  onChange,
  current,
  label = "Assignee",
  error,
  disabled,
  description,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  current?: { id: string; name: string; active: boolean } | null;
  label?: string;
  error?: string;
  disabled?: boolean;
  /** Under the label: e.g. the ticket page's "Assign to me". */
  description?: ReactNode;
}) {
  const staff = useStaff({ active: true });
  const data = (staff.data ?? []).map((user) => ({ value: user.id, label: user.name }));
  if (current && !data.some((option) => option.value === current.id)) {
    data.push({ value: current.id, label: `${current.name}${current.active ? "" : " (deactivated)"}` });
  }
  return (
    <Select
      label={label}
      placeholder={staff.isPending ? "Loading staff…" : "Unassigned"}
      data={data}
      value={value}
      onChange={onChange}
      clearable
      searchable
      error={error ?? (staff.isError ? "Staff list could not be loaded" : undefined)}
      disabled={disabled}
      description={description}
      nothingFoundMessage="No active staff member matches"
    />
  );
}
