import {
  Alert,
  Button,
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Textarea,
  TextInput,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import type { Customer, CustomerWithWarnings } from "../../shared/customers.js";
import { CONNECTION_TYPES, CUSTOMER_STATUSES } from "../../shared/enums.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useCreateCustomer, useServicePlans, useSites, useUpdateCustomer } from "./api.js";
import { labelOf } from "./labels.js";

const TEXT_FIELDS = [
  "name",
  "email",
  "phone",
  "altPhone",
  "street",
  "city",
  "region",
  "postalCode",
  "country",
  "ipAddress",
  "macAddress",
  "cpeModel",
  "cpeSerial",
  "installDate",
  "notes",
] as const;

type Values = Record<(typeof TEXT_FIELDS)[number], string> & {
  latitude: number | string;
  longitude: number | string;
  vlanId: number | string;
  servicePlanId: string | null;
  siteId: string | null;
  connectionType: string | null;
  status: string;
  smsOptOut: boolean;
};

function initialValues(customer?: Customer): Values {
  const text = Object.fromEntries(TEXT_FIELDS.map((f) => [f, customer?.[f] ?? ""])) as Record<
    (typeof TEXT_FIELDS)[number],
    string
  >;
  return {
    ...text,
    latitude: customer?.latitude ?? "",
    longitude: customer?.longitude ?? "",
    vlanId: customer?.vlanId ?? "",
    servicePlanId: customer?.servicePlanId ?? null,
    siteId: customer?.siteId ?? null,
    connectionType: customer?.connectionType ?? null,
    status: customer?.status ?? "active",
    smsOptOut: customer?.smsOptOut ?? false,
  };
}

const numberOrNull = (value: number | string) => (value === "" ? null : Number(value));

/** Client checks mirror the server's for instant feedback; the server's answer is the final word. */
const validate = {
  name: (v: string) => (v.trim() ? null : "Name is required"),
  email: (v: string) => (!v.trim() || /^\S+@\S+\.\S+$/.test(v.trim()) ? null : "Email must look like name@example.com"),
  macAddress: (v: string) =>
    !v.trim() || /^[0-9a-f]{12}$/i.test(v.replace(/[\s:.-]/g, ""))
      ? null
      : "MAC address must be 12 hex digits, such as AA:BB:CC:DD:EE:FF",
  vlanId: (v: number | string) =>
    v === "" || (Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 4094)
      ? null
      : "VLAN must be between 1 and 4094",
  latitude: (v: number | string) =>
    v === "" || (Number(v) >= -90 && Number(v) <= 90) ? null : "Latitude must be between -90 and 90",
  longitude: (v: number | string) =>
    v === "" || (Number(v) >= -180 && Number(v) <= 180) ? null : "Longitude must be between -180 and 180",
  country: (v: string) => (!v.trim() || /^[A-Za-z]{2}$/.test(v.trim()) ? null : "Country must be a two-letter code"),
  installDate: (v: string) =>
    !v || /^\d{4}-\d{2}-\d{2}$/.test(v) ? null : "Install date must be a date like 2026-03-31",
};

/** Create or edit a customer, grouped the way staff think: contact, address, service, notes. */
export function CustomerForm({
  customer,
  onSaved,
  onCancel,
}: {
  customer?: Customer;
  onSaved: (saved: CustomerWithWarnings) => void;
  onCancel: () => void;
}) {
  const create = useCreateCustomer();
  const update = useUpdateCustomer();
  const mutation = customer ? update : create;
  const plans = useServicePlans();
  const sites = useSites();
  const form = useForm<Values>({ initialValues: initialValues(customer), validate, validateInputOnBlur: true });

  const submit = form.onSubmit(async (values) => {
    const body = {
      ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, values[f].trim() === "" ? null : values[f].trim()])),
      name: values.name.trim(),
      latitude: numberOrNull(values.latitude),
      longitude: numberOrNull(values.longitude),
      vlanId: numberOrNull(values.vlanId),
      servicePlanId: values.servicePlanId || null,
      siteId: values.siteId || null,
      connectionType: (values.connectionType || null) as Customer["connectionType"],
      status: values.status as Customer["status"],
      smsOptOut: values.smsOptOut,
    };
    try {
      const saved = customer
        ? await update.mutateAsync({ id: customer.id, version: customer.version, ...body })
        : await create.mutateAsync(body);
      onSaved(saved);
    } catch (error) {
      if (error instanceof ApiError) form.setErrors(error.fieldErrors());
    }
  });

  const planOptions = (plans.data ?? [])
    .filter((p) => p.active || p.id === customer?.servicePlanId)
    .map((p) => ({ value: p.id, label: `${p.name} (${p.downloadMbps}/${p.uploadMbps} Mbit/s)` }));
  const siteOptions = (sites.data ?? [])
    .filter((s) => s.active || s.id === customer?.siteId)
    .map((s) => ({ value: s.id, label: `${s.name} (${s.kind})` }));
  const failure = mutation.error;

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {failure && !(failure instanceof ApiError && failure.problem.errors) && (
          <Alert color="red" title={failure instanceof ApiError && failure.status === 409 ? "Not saved" : undefined}>
            {errorMessage(failure)}
          </Alert>
        )}
        <Fieldset legend="Contact">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Name" required {...form.getInputProps("name")} />
            <TextInput label="Email" type="email" {...form.getInputProps("email")} />
            <TextInput
              label="Mobile phone"
              description="Any format; used for SMS"
              type="tel"
              {...form.getInputProps("phone")}
            />
            <TextInput label="Alternative phone" type="tel" {...form.getInputProps("altPhone")} />
          </SimpleGrid>
          <Checkbox mt="sm" label="Opted out of SMS" {...form.getInputProps("smsOptOut", { type: "checkbox" })} />
        </Fieldset>
        <Fieldset legend="Service address">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Street" {...form.getInputProps("street")} />
            <TextInput label="City" {...form.getInputProps("city")} />
            <TextInput label="Region" {...form.getInputProps("region")} />
            <TextInput label="Postal code" {...form.getInputProps("postalCode")} />
            <TextInput
              label="Country"
              description="Two letters, e.g. US"
              maxLength={2}
              {...form.getInputProps("country")}
            />
            <Group grow align="flex-start">
              <NumberInput label="Latitude" decimalScale={6} hideControls {...form.getInputProps("latitude")} />
              <NumberInput label="Longitude" decimalScale={6} hideControls {...form.getInputProps("longitude")} />
            </Group>
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend="Service and connection">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label="Status"
              allowDeselect={false}
              data={CUSTOMER_STATUSES.map((s) => ({ value: s, label: labelOf(s) }))}
              {...form.getInputProps("status")}
            />
            <Select
              label="Service plan"
              clearable
              searchable
              placeholder={plans.isPending ? "Loading plans…" : "No plan"}
              data={planOptions}
              {...form.getInputProps("servicePlanId")}
            />
            <Select
              label="Connection type"
              clearable
              data={CONNECTION_TYPES.map((c) => ({ value: c, label: labelOf(c) }))}
              {...form.getInputProps("connectionType")}
            />
            <Select
              label="Network site"
              clearable
              searchable
              placeholder={sites.isPending ? "Loading sites…" : "No site"}
              data={siteOptions}
              {...form.getInputProps("siteId")}
            />
            <TextInput label="IP address" placeholder="e.g. 100.64.0.12" {...form.getInputProps("ipAddress")} />
            <TextInput label="MAC address" placeholder="any notation" {...form.getInputProps("macAddress")} />
            <TextInput label="CPE / router model" {...form.getInputProps("cpeModel")} />
            <TextInput label="ONT / CPE serial" {...form.getInputProps("cpeSerial")} />
            <NumberInput
              label="VLAN"
              min={1}
              max={4094}
              clampBehavior="none"
              allowDecimal={false}
              {...form.getInputProps("vlanId")}
            />
            <TextInput label="Install date" type="date" {...form.getInputProps("installDate")} />
          </SimpleGrid>
        </Fieldset>
        <Textarea label="Notes" autosize minRows={2} maxRows={8} {...form.getInputProps("notes")} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={mutation.isPending}>
            {customer ? "Save changes" : "Create customer"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
