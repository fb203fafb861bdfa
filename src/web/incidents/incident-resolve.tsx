import { Alert, Button, Checkbox, Group, Modal, Stack, Text, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import type { IncidentDetail } from "../../shared/incidents.js";
import { ZResolveIncident } from "../../shared/incidents.js";
import { ApiError, errorMessage } from "../app/api.js";
import { validateWith } from "../app/forms.js";
import { useResolveIncident } from "./api.js";

/** Resolving: the status, and if asked every open linked ticket with one public comment. */
export function ResolveIncidentModal({
  incident,
  opened,
  onClose,
}: {
  incident: IncidentDetail;
  opened: boolean;
  onClose: () => void;
}) {
  const resolve = useResolveIncident(incident.id);
  const open = incident.tickets.open;
  const form = useForm({
    initialValues: { comment: "", resolveTickets: open > 0, sendMessage: false },
    validate: validateWith(ZResolveIncident),
  });
  const submit = form.onSubmit(async (values) => {
    try {
      const result = await resolve.mutateAsync({
        comment: values.comment || null,
        resolveTickets: values.resolveTickets,
        sendMessage: values.sendMessage,
      });
      const count = result.resolvedTicketIds.length;
      notifications.show({
        color: "green",
        message: `Incident resolved${count ? `; ${count} linked ticket${count === 1 ? "" : "s"} resolved` : ""}`,
      });
      onClose();
    } catch (error) {
      if (error instanceof ApiError && error.problem.errors?.length) form.setErrors(error.fieldErrors());
    }
  });
  const problem =
    resolve.error && !(resolve.error instanceof ApiError && resolve.error.problem.errors?.length)
      ? errorMessage(resolve.error)
      : null;
  return (
    <Modal opened={opened} onClose={onClose} title={`Resolve ${incident.title}`} size="lg">
      <form noValidate onSubmit={submit}>
        <Stack>
          {problem && <Alert color="red">{problem}</Alert>}
          <Textarea
            label="Comment"
            description="Recorded on the incident; with the linked tickets below, also their public comment"
            autosize
            minRows={3}
            maxRows={10}
            {...form.getInputProps("comment")}
          />
          <Checkbox
            label={`Resolve the linked tickets too (${open} open)`}
            disabled={open === 0}
            {...form.getInputProps("resolveTickets", { type: "checkbox" })}
          />
          <Checkbox
            label={`Text everyone affected that it is resolved (${incident.affectedCustomerCount} customers; the "Incident resolved" template)`}
            disabled={incident.affectedCustomerCount === 0}
            {...form.getInputProps("sendMessage", { type: "checkbox" })}
          />
          <Text size="sm" c="dimmed">
            Each open linked ticket is resolved with the comment above. Those customers get no second, per-ticket status
            SMS: the incident's own message covers them.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="green" loading={resolve.isPending}>
              Resolve incident
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
