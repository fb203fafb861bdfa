import { MultiSelect, Select, SimpleGrid, Stack, TagsInput, Text, Textarea, TextInput } from "@mantine/core";
import type { UseFormReturnType } from "@mantine/form";
import { CONNECTION_TYPE_LABELS, optionsOf } from "../../shared/labels.js";
import { useServicePlans } from "../plans/api.js";
import { useSites } from "../sites/api.js";
import {
  INCIDENT_KIND_OPTIONS,
  INCIDENT_SEVERITY_OPTIONS,
  INCIDENT_STATUS_LABELS,
  INCIDENT_STATUS_OPTIONS,
} from "./incident-badges.js";
import type { IncidentFormValues } from "./incident-form.js";

const CONNECTION_OPTIONS = optionsOf(CONNECTION_TYPE_LABELS);

/**
 * The fields of a new or an edited incident. Resolving goes through its own dialog (the linked
 * tickets), so an edit offers every status but "Resolved".
 */
export function IncidentFields({ form, editing }: { form: UseFormReturnType<IncidentFormValues>; editing?: boolean }) {
  const sites = useSites();
  const plans = useServicePlans();
  const siteOptions = (sites.data ?? []).map((site) => ({
    value: site.id,
    label: `${site.name} (${site.customerCount.toLocaleString("en-US")} customers)${site.active ? "" : " — inactive"}`,
  }));
  const planOptions = (plans.data ?? []).map((plan) => ({ value: plan.id, label: plan.name }));
  const statusOptions = editing
    ? INCIDENT_STATUS_OPTIONS.filter((option) => option.value !== "resolved" || form.values.status === "resolved")
    : INCIDENT_STATUS_OPTIONS.filter((option) => option.value !== "resolved" && option.value !== "cancelled");
  return (
    <Stack>
      <TextInput label="Title" required maxLength={200} {...form.getInputProps("title")} />
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Select label="Kind" data={INCIDENT_KIND_OPTIONS} allowDeselect={false} {...form.getInputProps("kind")} />
        <Select
          label="Severity"
          data={INCIDENT_SEVERITY_OPTIONS}
          allowDeselect={false}
          {...form.getInputProps("severity")}
        />
        <Select
          label="Status"
          data={statusOptions}
          allowDeselect={!editing}
          clearable={!editing}
          placeholder={editing ? undefined : "Automatic"}
          description={
            editing ? undefined : `Empty: ${INCIDENT_STATUS_LABELS.scheduled} when it starts later, else investigating`
          }
          {...form.getInputProps("status")}
        />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          type="datetime-local"
          label="Starts"
          description={editing ? undefined : "Empty: now. Later: planned work, which starts by itself then"}
          {...form.getInputProps("startsAt")}
        />
        <TextInput
          type="datetime-local"
          label="Expected end"
          description="The time customers are told to expect service back"
          {...form.getInputProps("expectedEndAt")}
        />
      </SimpleGrid>
      <MultiSelect
        label="Sites"
        required
        searchable
        placeholder={form.values.siteIds.length ? undefined : "Choose the affected network sites"}
        data={siteOptions}
        nothingFoundMessage={sites.isPending ? "Loading sites…" : "No site matches"}
        {...form.getInputProps("siteIds")}
      />
      <Textarea
        label="Public message"
        description="What customers and the public status page see"
        autosize
        minRows={2}
        maxRows={8}
        {...form.getInputProps("publicMessage")}
      />
      <Textarea
        label="Internal notes"
        description="Staff only"
        autosize
        minRows={2}
        maxRows={10}
        {...form.getInputProps("internalNotes")}
      />
      <Text size="sm" fw={600}>
        Only some customers of these sites?{" "}
        <Text span size="sm" c="dimmed" fw={400}>
          Leave these empty to include them all.
        </Text>
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <MultiSelect label="Plans" searchable clearable data={planOptions} {...form.getInputProps("planIds")} />
        <MultiSelect
          label="Connection types"
          clearable
          data={CONNECTION_OPTIONS}
          {...form.getInputProps("connectionTypes")}
        />
        <TagsInput label="Cities" clearable placeholder="Type a city, Enter" {...form.getInputProps("cities")} />
        <TagsInput
          label="Postal codes"
          clearable
          placeholder="Type a postal code, Enter"
          {...form.getInputProps("postalCodes")}
        />
      </SimpleGrid>
    </Stack>
  );
}
