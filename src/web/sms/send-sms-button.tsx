import { Alert, Button, Group, Modal, Stack, Text, Textarea, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconMessage } from "@tabler/icons-react";
import { useState } from "react";
import { DEFAULT_TEMPLATES, firstNameOf, SMS_MAX_LENGTH } from "../../shared/sms.js";
import { ApiError, errorMessage } from "../app/api.js";
import { formatPhone } from "../app/phone.js";
import { useSendSms, useSmsStatus, useSmsTemplates } from "./api.js";
import { SegmentCount } from "./segment-count.js";

export interface SendSmsButtonProps {
  ticketId: string;
  customer: { id: string; name: string; phone: string | null } | null;
  /** Filled into the starting text; the server fills any placeholder left anyway. */
  ticketNumber?: string;
}

/** "Send SMS" on the ticket page: a message to the ticket's customer, logged with purpose manual. */
export function SendSmsButton({ ticketId, customer, ticketNumber }: SendSmsButtonProps) {
  const [opened, setOpened] = useState(false);
  const status = useSmsStatus();
  const unavailable = !customer
    ? "This ticket has no customer to text."
    : !customer.phone
      ? "The customer has no phone number."
      : status.data && !status.data.configured
        ? `${status.data.reason ?? "SMS sending is not set up"}, so no text can be sent.`
        : null;
  return (
    <>
      <Tooltip label={unavailable} disabled={unavailable === null} multiline maw={280}>
        {/* A disabled button takes no pointer events: the wrapper shows the reason on hover. */}
        <span>
          <Button
            variant="default"
            leftSection={<IconMessage size={16} />}
            onClick={() => setOpened(true)}
            disabled={unavailable !== null}
            aria-describedby={unavailable ? "send-sms-unavailable" : undefined}
          >
            Send SMS
          </Button>
          {unavailable && (
            <span id="send-sms-unavailable" hidden>
              {unavailable}
            </span>
          )}
        </span>
      </Tooltip>
      <Modal opened={opened} onClose={() => setOpened(false)} title={`Text ${customer?.name ?? "the customer"}`}>
        {opened && customer && (
          <SendSmsForm
            ticketId={ticketId}
            customer={customer}
            ticketNumber={ticketNumber}
            onDone={() => setOpened(false)}
          />
        )}
      </Modal>
    </>
  );
}

function SendSmsForm({
  ticketId,
  customer,
  ticketNumber,
  onDone,
}: {
  ticketId: string;
  customer: NonNullable<SendSmsButtonProps["customer"]>;
  ticketNumber?: string;
  onDone: () => void;
}) {
  const templates = useSmsTemplates();
  const send = useSendSms();
  const starting = templates.data?.find((t) => t.purpose === "manual")?.body ?? DEFAULT_TEMPLATES.manual;
  const [body, setBody] = useState<string | null>(null);
  const text =
    body ??
    starting
      .replaceAll("{{customer.name}}", customer.name)
      .replaceAll("{{customer.firstName}}", firstNameOf(customer.name))
      .replaceAll("{{ticket.number}}", ticketNumber ?? "{{ticket.number}}");
  const fieldError = send.error instanceof ApiError ? send.error.fieldError("body") : undefined;

  const submit = async () => {
    try {
      const row = await send.mutateAsync({ ticketId, body: text });
      if (row.status === "skipped") {
        notifications.show({ color: "orange", title: "SMS not sent", message: row.reason ?? "Skipped" });
      } else {
        notifications.show({ color: "green", message: `SMS to ${customer.name} queued` });
      }
      onDone();
    } catch {
      // Shown in the form.
    }
  };

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
      noValidate
    >
      <Stack>
        <Text size="sm" c="dimmed">
          To {customer.name}, {customer.phone && formatPhone(customer.phone).display}. Placeholders such as{" "}
          {"{{ticket.status}}"} are filled in when sent.
        </Text>
        {send.error && !fieldError && <Alert color="red">{errorMessage(send.error)}</Alert>}
        <Textarea
          label="Message"
          autosize
          minRows={4}
          maxLength={SMS_MAX_LENGTH}
          value={text}
          onChange={(event) => setBody(event.currentTarget.value)}
          error={fieldError}
          data-autofocus
        />
        <SegmentCount text={text} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={send.isPending} disabled={text.trim() === ""}>
            Send
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export default SendSmsButton;
