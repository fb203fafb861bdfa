import { Alert, Button, Group, Loader, NumberInput, SimpleGrid, Stack, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useEffect } from "react";
import { DEFAULT_SLA_HOURS, type SlaHours, ZSlaHours } from "../../shared/tickets.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useIsAdmin } from "../app/auth.js";
import { validateWith } from "../app/forms.js";
import { useSlaHours, useUpdateSlaHours } from "./api.js";

const PRIORITIES: { key: keyof SlaHours; label: string }[] = [
  { key: "urgent", label: "Urgent" },
  { key: "high", label: "High" },
  { key: "normal", label: "Normal" },
  { key: "low", label: "Low" },
];

/** Resolution targets per priority, in hours (admins). */
export default function SlaSettings() {
  const isAdmin = useIsAdmin();
  const sla = useSlaHours();
  const save = useUpdateSlaHours();
  const form = useForm<SlaHours>({ initialValues: DEFAULT_SLA_HOURS, validate: validateWith(ZSlaHours) });

  // biome-ignore lint/correctness/useExhaustiveDependencies: load the saved values once they arrive
  useEffect(() => {
    if (sla.data) {
      form.setValues(sla.data);
      form.resetDirty(sla.data);
    }
  }, [sla.data]);

  if (sla.isPending) return <Loader aria-label="Loading SLA targets" />;
  if (sla.isError) return <Alert color="red">{errorMessage(sla.error)}</Alert>;

  return (
    <form
      noValidate
      onSubmit={form.onSubmit(async (values) => {
        try {
          await save.mutateAsync(values);
          form.resetDirty(values);
          notifications.show({ color: "green", message: "SLA targets saved" });
        } catch (error) {
          if (error instanceof ApiError) form.setErrors(error.fieldErrors());
        }
      })}
    >
      <Stack maw={640}>
        <Text size="sm" c="dimmed">
          How long a ticket of each priority may take to resolve, counted from when it was opened. A new target applies
          to new tickets and to tickets whose priority changes; existing due times stay as they are.
        </Text>
        {save.error && !(save.error instanceof ApiError && save.error.problem.errors) && (
          <Alert color="red">{errorMessage(save.error)}</Alert>
        )}
        <SimpleGrid cols={{ base: 1, xs: 2, sm: 4 }}>
          {PRIORITIES.map(({ key, label }) => (
            <NumberInput
              key={key}
              label={`${label} (hours)`}
              min={1}
              max={2160}
              allowDecimal={false}
              disabled={!isAdmin}
              {...form.getInputProps(key)}
            />
          ))}
        </SimpleGrid>
        {isAdmin ? (
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
              Save SLA targets
            </Button>
          </Group>
        ) : (
          <Text size="sm" c="dimmed">
            Only admins can change the targets.
          </Text>
        )}
      </Stack>
    </form>
  );
}
