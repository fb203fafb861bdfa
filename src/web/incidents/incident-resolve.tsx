import { Alert, Button, Checkbox, Group, Modal, Stack, Text, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { BULK_MESSAGE_LIMIT } from "../../shared/incident-messages.js";
import type { IncidentDetail } from "../../shared/incidents.js";
import { ZResolveIncident } from "../../shared/incidents.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useIsOffice } from "../app/auth.js";
import { validateWith } from "../app/forms.js";
import { useSmsStatus } from "../sms/api.js";
import { useResolveIncident } from "./api.js";

/** The form's own fields: a server error on any other (the message's template) is shown in the dialog's alert. */
const FORM_FIELDS = new Set(["comment", "resolveTickets", "sendMessage"]);

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
  // The message goes out in the resolve's transaction: when it cannot (SMS off, or more customers
  // than a technician may text), nothing is resolved. Said beside the checkbox before, and the
  // refusal shown next to the button after, so the person sees why the dialog stayed open.
  const smsStatus = useSmsStatus();
  const smsOff = smsStatus.data && !smsStatus.data.configured ? (smsStatus.data.reason ?? "SMS is not set up") : null;
  const isOffice = useIsOffice();
  const tooManyForMe = !isOffice && incident.affectedCustomerCount > BULK_MESSAGE_LIMIT;
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
      if (error instanceof ApiError && onFormFields(error)) form.setErrors(error.fieldErrors());
    }
  });
  const failed = resolve.error;
  const problem =
    failed && !(failed instanceof ApiError && onFormFields(failed))
      ? `${errorMessage(failed)}${form.values.sendMessage ? " Nothing was resolved: untick the text to everyone affected to resolve without it." : ""}`
      : null;
  return (
    <Modal opened={opened} onClose={onClose} title={`Resolve ${incident.title}`} size="lg">
      <form noValidate onSubmit={submit}>
        <Stack>
          <Textarea
            label="Comment"
            description="Public: shown on the status page as the resolution update; with the linked tickets below, also their public comment"
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
            disabled={incident.affectedCustomerCount === 0 || smsOff !== null}
            description={
              smsOff !== null
                ? `${smsOff}, so no message can go out.`
                : tooManyForMe
                  ? `Texting more than ${BULK_MESSAGE_LIMIT} customers needs an admin or an office agent; with this ticked the resolve may be refused.`
                  : undefined
            }
            {...form.getInputProps("sendMessage", { type: "checkbox" })}
          />
          <Text size="sm" c="dimmed">
            Each open linked ticket is resolved with the comment above. Those customers get no second, per-ticket status
            SMS: the incident's own message covers them.
          </Text>
          {problem && (
            <Alert color="red" role="alert">
              {problem}
            </Alert>
          )}
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

/** Whether every field the server names is one of the form's (so each shows under its field). */
function onFormFields(error: ApiError): boolean {
  const errors = error.problem.errors ?? [];
  return errors.length > 0 && errors.every((entry) => FORM_FIELDS.has(entry.field));
}
