import { Select } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import type { Customer } from "../../shared/customers.js";
import { formatPhone } from "../app/phone.js";
import { useCustomer, useCustomerSearch } from "../customers/api.js";

const labelOf = (customer: Pick<Customer, "name" | "accountNumber" | "phone">) =>
  [customer.name, customer.accountNumber, customer.phone && formatPhone(customer.phone).display]
    .filter(Boolean)
    .join(" · ");

/**
 * Search-as-you-type customer choice: name, account number, phone, address… whatever the
 * customers search understands. `value` is a customer id; a prefilled id is looked up for its label.
 */
export function CustomerPicker({
  value,
  onChange,
  error,
  label = "Customer",
  description,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  error?: string;
  label?: string;
  description?: string;
}) {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const results = useCustomerSearch(debounced);
  const selected = useCustomer(value ?? undefined);
  const options = new Map<string, string>();
  if (value) options.set(value, selected.data ? labelOf(selected.data) : selected.isError ? "Customer" : "Loading…");
  for (const customer of results.data ?? []) options.set(customer.id, labelOf(customer));

  return (
    <Select
      label={label}
      description={description}
      placeholder="Name, account, phone or address"
      searchable
      clearable
      value={value}
      onChange={(id) => onChange(id)}
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      data={[...options].map(([id, text]) => ({ value: id, label: text }))}
      nothingFoundMessage={
        debounced.length === 0
          ? "Type to search customers"
          : results.isFetching
            ? "Searching…"
            : results.isError
              ? "Customer search is unavailable"
              : "No customer matches"
      }
      error={error}
    />
  );
}
