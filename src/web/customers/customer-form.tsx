import {
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
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { CustomerConflict } from "../../shared/conflict.js";
import {
  type CreateCustomer,
  type Customer,
  type CustomerWithWarnings,
  type UpdateCustomer,
  ZCreateCustomer,
  ZUpdateCustomer,
} from "../../shared/customers.js";
import type { ConnectionType, CustomerStatus } from "../../shared/enums.js";
import {
  CONNECTION_TYPE_LABELS,
  CUSTOMER_FIELD_LABELS,
  CUSTOMER_STATUS_LABELS,
  optionsOf,
  SITE_KIND_LABELS,
} from "../../shared/labels.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { ErrorSummary, focusFirstError } from "../app/form-errors.js";
import { validateWith, withNumberInputs } from "../app/forms.js";
import { changedFields, mergeEdits, type PendingMerge, saveWithMerge, undecided } from "../app/merge.js";
import { MergeConflict } from "../app/merge-conflict.js";
import { useLiveEvent } from "../live/live-provider.js";
import { listInWords, SavedWhileEditingNotice } from "../live/saved-while-editing.js";
import { useServicePlans } from "../plans/api.js";
import { useSites } from "../sites/api.js";
import { customersKey, useCreateCustomer, useUpdateCustomer } from "./api.js";
import { PhoneHolders } from "./phone-holders.js";

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

const NUMBER_FIELDS = ["latitude", "longitude", "vlanId"] as const;

/** The API's own customer rules, with the numbers as the form's inputs hold them ("" for none). */
const ZCustomerForm = withNumberInputs(ZCreateCustomer, NUMBER_FIELDS);
/** An edit's body: the changed fields and the version, by the API's update rules. */
const ZCustomerEdit = withNumberInputs(ZUpdateCustomer, NUMBER_FIELDS);

/** The form's fields as the person reads them: for the error summary and the conflict view. */
const FIELD_LABELS: Record<keyof Values, string> = CUSTOMER_FIELD_LABELS;

const isCustomerConflict = (error: unknown): error is ApiError & { problem: CustomerConflict } =>
  error instanceof ApiError && error.status === 409 && error.problem.code === "customer.version_conflict";

/** The version an edit is based on, and the values it had then: an edit sends what differs from them. */
interface Base {
  values: Values;
  version: number;
}

/**
 * Create or edit a customer, grouped the way staff think: contact, address, service, notes.
 * Editing, a colleague's save (the live stream refetches `customer`) moves the form onto their
 * version at once, the person's edits kept, with a notice; a save that still meets a 409 merges.
 */
export function CustomerForm({
  customer,
  prefill,
  onSaved,
  onCancel,
  onDirtyChange,
}: {
  customer?: Customer;
  /** A new customer's fields known already (the caller's number, from a screen-pop). */
  prefill?: { phone?: string };
  onSaved: (saved: CustomerWithWarnings) => void;
  onCancel: () => void;
  /** Whether an edit has unsaved changes (the page reports "editing" to colleagues meanwhile). */
  onDirtyChange?: (dirty: boolean) => void;
}) {
  const { user } = useSession();
  const queryClient = useQueryClient();
  const create = useCreateCustomer();
  const update = useUpdateCustomer();
  const mutation = customer ? update : create;
  const plans = useServicePlans();
  const sites = useSites();
  const form = useForm<Values>({
    initialValues: { ...initialValues(customer), ...prefill },
    validate: validateWith(ZCustomerForm),
    validateInputOnBlur: true,
  });
  const formRef = useRef<HTMLFormElement>(null);
  const [base, setBase] = useState<Base>(() => ({ values: initialValues(customer), version: customer?.version ?? 0 }));
  const [pending, setPending] = useState<PendingMerge<Values> | null>(null);
  const [showUndecided, setShowUndecided] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  /** Who saved the customer since the form opened; the fields they changed, those taken from them. */
  const [othersNames, setOthersNames] = useState<string[]>([]);
  const [liveMerge, setLiveMerge] = useState<{ changed: string[]; kept: string[]; collisions: string[] } | null>(null);
  const dirty = customer !== undefined && changedFields(base.values, form.values).length > 0;

  useEffect(() => {
    onDirtyChange?.(dirty);
  }, [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange?.(false), [onDirtyChange]);

  useLiveEvent("customer", (event) => {
    if (!customer || event.customerId !== customer.id || !event.actor || event.actor.id === user.id) return;
    const name = event.actor.name;
    setOthersNames((names) => (names.includes(name) ? names : [...names, name]));
  });

  // A newer version of the customer reached the page: the form moves onto it, unless a field the
  // person changed was changed there too (the save's 409 then asks which to keep).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the form object is new each render; its values are read, not watched
  useEffect(() => {
    if (!customer || saving || pending || customer.version <= base.version) return;
    const fresh = initialValues(customer);
    const merge = mergeEdits(base.values, fresh, form.getValues());
    const changed = changedFields(base.values, fresh);
    if (merge.collisions.length > 0) {
      setLiveMerge((seen) => ({
        changed: [...new Set([...(seen?.changed ?? []), ...changed])],
        kept: seen?.kept ?? [],
        collisions: merge.collisions,
      }));
      return;
    }
    form.setValues(merge.merged);
    setBase({ values: fresh, version: customer.version });
    setLiveMerge((seen) => ({
      changed: [...new Set([...(seen?.changed ?? []), ...changed])],
      kept: [...new Set([...(seen?.kept ?? []), ...merge.theirsOnly])],
      collisions: [],
    }));
  }, [customer, saving, pending, base]);

  const showFieldErrors = (error: unknown) => {
    if (error instanceof ApiError && error.problem.errors?.length) {
      const errors = error.fieldErrors();
      form.setErrors(errors);
      setProblem(null);
      focusFirstError(formRef.current, errors);
    } else {
      setProblem(errorMessage(error));
    }
  };

  /**
   * Saves only the fields changed since the version the form is based on. A 409 brings the
   * customer as it is now: their changes merge in, and only fields both changed wait for a choice.
   */
  const saveEdit = async (id: string, values: Values) => {
    const result: { saved?: CustomerWithWarnings } = {};
    setSaving(true);
    try {
      const outcome = await saveWithMerge(
        async (fields: Partial<Values>, version) => {
          try {
            const body = ZCustomerEdit.parse({ ...fields, version }) as UpdateCustomer;
            result.saved = await update.mutateAsync({ id, ...body });
            return null;
          } catch (error) {
            if (!isCustomerConflict(error)) throw error;
            queryClient.invalidateQueries({ queryKey: customersKey });
            return error.problem;
          }
        },
        (conflict) => ({ values: initialValues(conflict.current), version: conflict.current.version }),
        base.values,
        base.version,
        values,
      );
      if (!outcome.saved) {
        setBase({ values: outcome.base, version: outcome.version });
        setPending(outcome.pending);
        form.setValues(outcome.pending.merge.merged);
        setShowUndecided(false);
        return;
      }
      if (!result.saved) {
        notifications.show({ message: "Nothing changed, so nothing was saved." });
        onCancel();
        return;
      }
      const kept = [
        ...new Set([
          ...((liveMerge?.kept ?? []) as (keyof Values)[]),
          ...(pending?.merge.theirsOnly ?? []),
          ...outcome.theirsKept,
        ]),
      ];
      if (kept.length > 0) {
        notifications.show({
          color: "blue",
          message: `Saved with the other change to ${kept.map((f) => FIELD_LABELS[f]).join(", ")} kept.`,
        });
      }
      onSaved(result.saved);
    } catch (error) {
      showFieldErrors(error);
    } finally {
      setSaving(false);
    }
  };

  const submit = form.onSubmit(
    async (values) => {
      setProblem(null);
      if (!customer) {
        try {
          onSaved(await create.mutateAsync(ZCustomerForm.parse(values) as CreateCustomer));
        } catch (error) {
          showFieldErrors(error);
        }
        return;
      }
      if (pending && undecided(pending).length > 0) {
        setShowUndecided(true);
        setProblem("Choose which value to keep where you both changed a field.");
        return;
      }
      await saveEdit(customer.id, values);
    },
    (errors) => focusFirstError(formRef.current, errors),
  );

  const planOptions = (plans.data ?? [])
    .filter((p) => p.active || p.id === customer?.servicePlanId)
    .map((p) => ({ value: p.id, label: `${p.name} (${p.downloadMbps}/${p.uploadMbps} Mbit/s)` }));
  const siteOptions = (sites.data ?? [])
    .filter((s) => s.active || s.id === customer?.siteId)
    .map((s) => ({ value: s.id, label: `${s.name} (${SITE_KIND_LABELS[s.kind]})` }));
  /** A value as the conflict view shows it: names for ids and codes, as the inputs show them. */
  const showFieldValue = (field: string) => (value: unknown) => {
    if (value === null || value === undefined || value === "") return "(empty)";
    if (field === "servicePlanId") return plans.data?.find((p) => p.id === value)?.name ?? "another plan";
    if (field === "siteId") return sites.data?.find((s) => s.id === value)?.name ?? "another site";
    if (field === "status") return CUSTOMER_STATUS_LABELS[value as CustomerStatus] ?? String(value);
    if (field === "connectionType") return CONNECTION_TYPE_LABELS[value as ConnectionType] ?? String(value);
    if (field === "smsOptOut") return value ? "opted out" : "receives SMS";
    return String(value);
  };

  return (
    <form onSubmit={submit} noValidate ref={formRef}>
      <Stack>
        {othersNames.length > 0 && liveMerge && !pending && (
          <SavedWhileEditingNotice
            changes={`${listInWords(othersNames)} changed ${
              liveMerge.changed.length > 0
                ? listInWords(liveMerge.changed.map((field) => FIELD_LABELS[field as keyof Values] ?? field))
                : "this customer"
            }`}
            collisions={liveMerge.collisions.map((field) => FIELD_LABELS[field as keyof Values] ?? field)}
            editing={dirty}
            onClose={() => setOthersNames([])}
          />
        )}
        {pending && (
          <MergeConflict
            pending={pending}
            fields={Object.fromEntries(
              Object.entries(FIELD_LABELS).map(([field, label]) => [field, { label, show: showFieldValue(field) }]),
            )}
            showMissing={showUndecided}
            onChoose={(field, choice) => {
              setPending({ ...pending, choices: { ...pending.choices, [field]: choice } });
              form.setFieldValue(field, choice === "theirs" ? pending.theirs[field] : pending.mine[field]);
            }}
          />
        )}
        <Fieldset legend="Contact">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Name" required {...form.getInputProps("name")} />
            <TextInput label="Email" type="email" {...form.getInputProps("email")} />
            <TextInput
              label="Mobile phone"
              description={
                <>
                  Any format; used for SMS
                  <PhoneHolders phone={form.values.phone} selfId={customer?.id} />
                </>
              }
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
        <Group justify="flex-end" wrap="nowrap" align="center">
          <ErrorSummary errors={form.errors} labels={FIELD_LABELS} message={problem} />
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
