import { Alert, Button, Group, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { ApiError, errorMessage } from "../app/api.js";
import { useQuietHours, useSaveQuietHours } from "./api.js";

/**
 * SMS quiet hours: a message to everyone an incident affects waits for them to end (a maintenance
 * notice always; an outage message unless sent "during quiet hours"). Ticket notifications are
 * not held: the customer who just called expects them.
 */
export function QuietHoursSettings({ canEdit }: { canEdit: boolean }) {
  const hours = useQuietHours();
  const save = useSaveQuietHours();
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  useEffect(() => {
    if (hours.data) {
      setStart(hours.data.start ?? "");
      setEnd(hours.data.end ?? "");
    }
  }, [hours.data]);
  const submit = (value: { start: string | null; end: string | null }) =>
    save.mutate(value, {
      onSuccess: () => notifications.show({ color: "green", message: "Quiet hours saved" }),
    });
  const fieldError = (field: string) => (save.error instanceof ApiError ? save.error.fieldError(field) : undefined);
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Quiet hours
        </Title>
        <Text size="sm" c="dimmed">
          Messages to everyone an incident affects wait until quiet hours end (time zone {hours.data?.timeZone ?? "…"}).
          A maintenance notice always waits; an outage message may be sent at once when the sender chooses to. Leave
          both empty for none.
        </Text>
        {hours.isError && <Alert color="red">{errorMessage(hours.error)}</Alert>}
        {save.error && !(save.error instanceof ApiError && save.error.problem.errors?.length) && (
          <Alert color="red">{errorMessage(save.error)}</Alert>
        )}
        <Group align="flex-start">
          <TextInput
            label="Start"
            placeholder="21:00"
            value={start}
            disabled={!canEdit}
            error={fieldError("start")}
            onChange={(event) => setStart(event.currentTarget.value)}
          />
          <TextInput
            label="End"
            placeholder="08:00"
            value={end}
            disabled={!canEdit}
            error={fieldError("end")}
            onChange={(event) => setEnd(event.currentTarget.value)}
          />
        </Group>
        {canEdit && (
          <Group>
            <Button
              loading={save.isPending}
              onClick={() => submit({ start: start.trim() || null, end: end.trim() || null })}
            >
              Save quiet hours
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
