import { Alert, Badge, Button, Checkbox, Group, Modal, NumberInput, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { DataTable } from "mantine-datatable";
import { useState } from "react";
import { type ServicePlan, ZCreateServicePlan } from "../../shared/plans.js";
import { ApiError, errorMessage } from "../app/api.js";
import { formatMoney } from "../app/format.js";
import { fromNumberInput, validateWith } from "../app/forms.js";
import { InUseDeleteButton } from "../app/in-use-delete-button.js";
import { changedFields, pickFields } from "../app/merge.js";
import { useDeletePlan, useSavePlan, useServicePlans } from "./api.js";

/** The API's plan rules, with the numbers as the form's inputs hold them. */
const ZPlanForm = ZCreateServicePlan.extend({
  downloadMbps: fromNumberInput(ZCreateServicePlan.shape.downloadMbps),
  uploadMbps: fromNumberInput(ZCreateServicePlan.shape.uploadMbps),
  monthlyPrice: fromNumberInput(ZCreateServicePlan.shape.monthlyPrice),
});

function PlanForm({ plan, onDone }: { plan?: ServicePlan; onDone: () => void }) {
  const save = useSavePlan();
  const form = useForm({
    initialValues: {
      name: plan?.name ?? "",
      downloadMbps: plan?.downloadMbps ?? ("" as number | string),
      uploadMbps: plan?.uploadMbps ?? ("" as number | string),
      monthlyPrice: plan?.monthlyPrice ?? ("" as number | string),
      active: plan?.active ?? true,
    },
    validate: validateWith(ZPlanForm),
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit(async (values) => {
        try {
          const body = ZPlanForm.parse(values);
          // An edit sends only what the person changed: a colleague's change to another field stays.
          const fields = changedFields(form.getInitialValues(), values);
          if (plan && fields.length === 0) {
            onDone();
            return;
          }
          await save.mutateAsync({ id: plan?.id, ...(plan ? pickFields(body, fields) : body) });
          notifications.show({ color: "green", message: plan ? "Plan saved" : "Plan created" });
          onDone();
        } catch (error) {
          if (error instanceof ApiError) form.setErrors(error.fieldErrors());
        }
      })}
    >
      <Stack>
        {save.error && !(save.error instanceof ApiError && save.error.problem.errors) && (
          <Alert color="red">{errorMessage(save.error)}</Alert>
        )}
        <TextInput label="Name" required {...form.getInputProps("name")} />
        <Group grow align="flex-start">
          <NumberInput label="Download (Mbit/s)" required min={0} {...form.getInputProps("downloadMbps")} />
          <NumberInput label="Upload (Mbit/s)" required min={0} {...form.getInputProps("uploadMbps")} />
        </Group>
        <NumberInput label="Monthly price" required min={0} decimalScale={2} {...form.getInputProps("monthlyPrice")} />
        <Checkbox label="Active (offered to new customers)" {...form.getInputProps("active", { type: "checkbox" })} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {plan ? "Save plan" : "Create plan"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export default function PlansSettings() {
  const plans = useServicePlans();
  const remove = useDeletePlan();
  const save = useSavePlan();
  const [editing, setEditing] = useState<ServicePlan | "new" | null>(null);

  const confirmDelete = (plan: ServicePlan) =>
    modals.openConfirmModal({
      title: `Delete ${plan.name}?`,
      children: (
        <Text size="sm">
          The plan is removed for good. Plans that customers use cannot be deleted; deactivate them instead.
        </Text>
      ),
      labels: { confirm: "Delete plan", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        remove.mutate(plan.id, {
          onSuccess: () => notifications.show({ color: "green", message: `${plan.name} deleted` }),
          onError: (error) => notifications.show({ color: "red", message: errorMessage(error), autoClose: 10_000 }),
        }),
    });

  const toggle = (plan: ServicePlan) =>
    save.mutate(
      { id: plan.id, active: !plan.active },
      { onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }) },
    );

  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          The plans customers subscribe to. Deactivated plans stay on the customers who have them.
        </Text>
        <Button onClick={() => setEditing("new")}>Add plan</Button>
      </Group>
      {plans.isError && <Alert color="red">{errorMessage(plans.error)}</Alert>}
      <DataTable
        withTableBorder
        striped
        minHeight={160}
        fetching={plans.isPending}
        records={plans.data ?? []}
        noRecordsText="No service plans yet"
        columns={[
          { accessor: "name", title: "Name" },
          { accessor: "speed", title: "Speed (Mbit/s)", render: (p) => `${p.downloadMbps} / ${p.uploadMbps}` },
          { accessor: "monthlyPrice", title: "Monthly price", render: (p) => formatMoney(p.monthlyPrice) },
          { accessor: "customerCount", title: "Customers" },
          {
            accessor: "active",
            title: "Status",
            render: (p) => (
              <Badge color={p.active ? "green" : "gray"} variant="light">
                {p.active ? "active" : "deactivated"}
              </Badge>
            ),
          },
          {
            accessor: "actions",
            title: "Actions",
            textAlign: "right",
            render: (p) => (
              <Group gap={4} justify="flex-end" wrap="nowrap">
                <Button size="xs" variant="subtle" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>
                  Edit
                </Button>
                <Button
                  size="xs"
                  variant="subtle"
                  onClick={() => toggle(p)}
                  aria-label={`${p.active ? "Deactivate" : "Activate"} ${p.name}`}
                >
                  {p.active ? "Deactivate" : "Activate"}
                </Button>
                <InUseDeleteButton
                  name={p.name}
                  customerCount={p.customerCount}
                  insteadHint="deactivate it instead, or move those customers to another plan first"
                  onDelete={() => confirmDelete(p)}
                />
              </Group>
            ),
          },
        ]}
      />
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === "new" ? "Add plan" : `Edit ${editing?.name ?? ""}`}
      >
        {editing !== null && (
          <PlanForm plan={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} />
        )}
      </Modal>
    </Stack>
  );
}
