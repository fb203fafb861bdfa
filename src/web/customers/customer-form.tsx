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
import { type Customer, type CustomerWithWarnings, customerFields, ZCreateCustomer } from "../../shared/customers.js";
import { CONNECTION_TYPE_LABELS, CUSTOMER_STATUS_LABELS, optionsOf, SITE_KIND_LABELS } from "../../shared/labels.js";
import { ApiError, errorMessage } from "../app/api.js";
import { fromNumberInput, validateWith } from "../app/forms.js";
import { useServicePlans } from "../plans/api.js";
import { useSites } from "../sites/api.js";
import { useCreateCustomer, useUpdateCustomer } from "./api.js";

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

/** The API's customer rules, with the numbers as the form's inputs hold them ("" for none). */
const ZCustomerForm = ZCreateCustomer.extend({
  latitude: fromNumberInput(customerFields.latitude),
  longitude: fromNumberInput(customerFields.longitude),
  vlanId: fromNumberInput(customerFields.vlanId),
});

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
  const form = useForm<Values>({
    initialValues: initialValues(customer),
    validate: validateWith(ZCustomerForm),
    validateInputOnBlur: true,
  });

  const submit = form.onSubmit(async (values) => {
    const body = ZCustomerForm.parse(values);
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
    .map((s) => ({ value: s.id, label: `${s.name} (${SITE_KIND_LABELS[s.kind]})` }));
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
              data={optionsOf(CUSTOMER_STATUS_LABELS)}
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
              data={optionsOf(CONNECTION_TYPE_LABELS)}
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
