import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Fieldset,
  Group,
  Loader,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconTrash } from "@tabler/icons-react";
import { useEffect, useMemo, useState } from "react";
import {
  ALWAYS_OPEN_DAY,
  DEFAULT_FIRST_RESPONSE_HOURS,
  DEFAULT_SLA_HOURS,
  SLA_WEEKDAYS,
  type SlaDayHours,
  type SlaHours,
  type SlaSettings as SlaPolicy,
  ZSlaSettings,
} from "../../shared/tickets.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useIsAdmin } from "../app/auth.js";
import { formatDate } from "../app/format.js";
import { validateWith } from "../app/forms.js";
import { useSlaSettings, useUpdateSlaSettings } from "./api.js";

const PRIORITIES: { key: keyof SlaHours; label: string }[] = [
  { key: "urgent", label: "Urgent" },
  { key: "high", label: "High" },
  { key: "normal", label: "Normal" },
  { key: "low", label: "Low" },
];

const OFFICE_DAY: SlaDayHours = { open: "09:00", close: "17:00" };
const ALWAYS_WEEK = SLA_WEEKDAYS.map(() => ALWAYS_OPEN_DAY);
const OFFICE_WEEK = SLA_WEEKDAYS.map((_, i) => (i < 5 ? OFFICE_DAY : null));

const DEFAULTS: SlaPolicy = {
  resolutionHours: DEFAULT_SLA_HOURS,
  firstResponseHours: DEFAULT_FIRST_RESPONSE_HOURS,
  timeZone: null,
  week: ALWAYS_WEEK,
  holidays: [],
};

const isAlwaysOpen = (week: (SlaDayHours | null)[]) =>
  week.every((day) => day !== null && day.open === "00:00" && day.close === "24:00");

const KEYS = ["resolutionHours", "firstResponseHours", "timeZone", "week", "holidays"] as const;

function timeZoneOptions(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

/** The SLA policy (admins): targets per priority, business hours, holidays and the time zone. */
export default function SlaSettings() {
  const isAdmin = useIsAdmin();
  const sla = useSlaSettings();
  const save = useUpdateSlaSettings();
  const form = useForm<SlaPolicy>({ initialValues: DEFAULTS, validate: validateWith(ZSlaSettings) });
  const [holiday, setHoliday] = useState("");
  const zones = useMemo(timeZoneOptions, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: load the saved values once they arrive
  useEffect(() => {
    if (sla.data) {
      const { defaultTimeZone: _, ...values } = sla.data;
      form.setValues(values);
      form.resetDirty(values);
    }
  }, [sla.data]);

  if (sla.isPending) return <Loader aria-label="Loading SLA settings" />;
  if (sla.isError) return <Alert color="red">{errorMessage(sla.error)}</Alert>;

  const values = form.getValues();
  const alwaysOpen = isAlwaysOpen(values.week);
  const disabled = !isAdmin || save.isPending;
  const weekError = form.errors.week;
  const holidayError =
    form.errors.holidays ?? Object.entries(form.errors).find(([k]) => k.startsWith("holidays."))?.[1];

  const addHoliday = () => {
    if (!holiday || values.holidays.includes(holiday)) return;
    form.setFieldValue("holidays", [...values.holidays, holiday].sort());
    setHoliday("");
  };

  return (
    <form
      noValidate
      onSubmit={form.onSubmit(async (submitted) => {
        // Only the parts the admin changed: a colleague's edit of another part is kept.
        const changed = Object.fromEntries(KEYS.filter((key) => form.isDirty(key)).map((key) => [key, submitted[key]]));
        try {
          await save.mutateAsync(changed);
          form.resetDirty(submitted);
          notifications.show({ color: "green", message: "SLA settings saved" });
        } catch (error) {
          if (error instanceof ApiError) form.setErrors(error.fieldErrors());
        }
      })}
    >
      <Stack maw={760}>
        <Text size="sm" c="dimmed">
          The SLA clock counts business time only, and stops while a ticket waits on the customer or is resolved (until
          it is reopened). New settings apply to new tickets, to priority changes and to clocks stopped or restarted
          from now on; due times already set stay as they are.
        </Text>
        {save.error && !(save.error instanceof ApiError && save.error.problem.errors) && (
          <Alert color="red">{errorMessage(save.error)}</Alert>
        )}
        {save.error instanceof ApiError && save.error.problem.errors && (
          <Alert color="red">The settings were not saved: correct the fields marked below.</Alert>
        )}

        <Fieldset legend="Resolution target (business hours)">
          <SimpleGrid cols={{ base: 1, xs: 2, sm: 4 }}>
            {PRIORITIES.map(({ key, label }) => (
              <NumberInput
                key={key}
                label={`${label} (hours)`}
                min={1}
                max={2160}
                allowDecimal={false}
                disabled={disabled}
                {...form.getInputProps(`resolutionHours.${key}`)}
              />
            ))}
          </SimpleGrid>
        </Fieldset>

        <Fieldset legend="First response target (business hours)">
          <SimpleGrid cols={{ base: 1, xs: 2, sm: 4 }}>
            {PRIORITIES.map(({ key, label }) => (
              <NumberInput
                key={key}
                label={`${label} first response (hours)`}
                min={1}
                max={2160}
                allowDecimal={false}
                disabled={disabled}
                {...form.getInputProps(`firstResponseHours.${key}`)}
              />
            ))}
          </SimpleGrid>
        </Fieldset>

        <Fieldset legend="Business hours">
          <Stack>
            <Select
              label="Time zone"
              description={`Opening hours and holidays are read in this zone. Empty: the server's zone (${sla.data.defaultTimeZone}).`}
              placeholder={`Server default (${sla.data.defaultTimeZone})`}
              data={zones}
              searchable
              clearable
              disabled={disabled}
              {...form.getInputProps("timeZone")}
            />
            <Switch
              label="Around the clock (24×7)"
              checked={alwaysOpen}
              disabled={disabled}
              onChange={(event) => form.setFieldValue("week", event.currentTarget.checked ? ALWAYS_WEEK : OFFICE_WEEK)}
            />
            {!alwaysOpen && (
              <Table withRowBorders={false} maw={520}>
                <Table.Tbody>
                  {SLA_WEEKDAYS.map((name, i) => {
                    const day = values.week[i] ?? null;
                    return (
                      <Table.Tr key={name}>
                        <Table.Td>
                          <Checkbox
                            label={`Open on ${name}`}
                            checked={day !== null}
                            disabled={disabled}
                            onChange={(event) =>
                              form.setFieldValue(`week.${i}`, event.currentTarget.checked ? OFFICE_DAY : null)
                            }
                          />
                        </Table.Td>
                        <Table.Td>
                          {day && (
                            <TextInput
                              aria-label={`${name} opens`}
                              placeholder="09:00"
                              w={90}
                              disabled={disabled}
                              {...form.getInputProps(`week.${i}.open`)}
                            />
                          )}
                        </Table.Td>
                        <Table.Td>
                          {day && (
                            <TextInput
                              aria-label={`${name} closes`}
                              placeholder="17:00"
                              w={90}
                              disabled={disabled}
                              {...form.getInputProps(`week.${i}.close`)}
                            />
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            )}
            {!alwaysOpen && (
              <Text size="xs" c="dimmed">
                Times as HH:MM in 24-hour form; 24:00 closes at midnight.
              </Text>
            )}
            {typeof weekError === "string" && (
              <Text size="sm" c="red">
                {weekError}
              </Text>
            )}
          </Stack>
        </Fieldset>

        <Fieldset legend="Holidays (the SLA clock does not run on these days)">
          <Stack>
            {isAdmin && (
              <Group align="flex-end">
                <TextInput
                  type="date"
                  label="Holiday date"
                  value={holiday}
                  disabled={disabled}
                  onChange={(event) => setHoliday(event.currentTarget.value)}
                />
                <Button variant="light" onClick={addHoliday} disabled={disabled || !holiday}>
                  Add holiday
                </Button>
              </Group>
            )}
            {values.holidays.length === 0 ? (
              <Text size="sm" c="dimmed">
                No holidays.
              </Text>
            ) : (
              <Stack gap={4}>
                {values.holidays.map((date) => (
                  <Group key={date} gap="xs">
                    <Text size="sm">{formatDate(`${date}T12:00:00Z`)}</Text>
                    {isAdmin && (
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Remove holiday ${date}`}
                        disabled={disabled}
                        onClick={() =>
                          form.setFieldValue(
                            "holidays",
                            values.holidays.filter((d) => d !== date),
                          )
                        }
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    )}
                  </Group>
                ))}
              </Stack>
            )}
            {holidayError && (
              <Text size="sm" c="red">
                {holidayError}
              </Text>
            )}
          </Stack>
        </Fieldset>

        {isAdmin ? (
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
              Save SLA settings
            </Button>
          </Group>
        ) : (
          <Text size="sm" c="dimmed">
            Only admins can change the SLA settings.
          </Text>
        )}
      </Stack>
    </form>
  );
}
