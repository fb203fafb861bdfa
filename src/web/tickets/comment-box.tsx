import { Button, Checkbox, Group, SegmentedControl, Stack, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import type { CommentVisibility } from "../../shared/enums.js";
import { DEFAULT_TEMPLATES, firstNameOf, renderTemplate, SAMPLE_TEMPLATE_VALUES } from "../../shared/sms.js";
import { type TicketDetail, ZCreateComment } from "../../shared/tickets.js";
import { ApiError, errorMessage } from "../app/api.js";
import { validateWith } from "../app/forms.js";
import { formatPhone } from "../app/phone.js";
import { MentionTextarea } from "../notifications/mention-textarea.js";
import { useSmsStatus, useSmsTemplates } from "../sms/api.js";
import { SegmentCount } from "../sms/segment-count.js";
import { useAddComment } from "./api.js";

/** decided: false while the check runs (the reply then leaves the choice to the server's default). */
type SmsChoice = { checked: boolean; disabled: boolean; note: string; decided: boolean };

/**
 * What "Also send as SMS" offers: on by default when the customer can be texted now (valid mobile,
 * not opted out, SMS set up), otherwise off and disabled with the reason in words, as the server
 * would log it.
 */
function useReplySmsChoice(ticket: TicketDetail, chosen: boolean | null): SmsChoice {
  const customer = ticket.customer;
  const status = useSmsStatus(ticket.id, { recipientKey: `${customer?.id ?? ""}:${customer?.phone ?? ""}` });
  if (status.isPending) {
    return { checked: true, disabled: true, decided: false, note: "Checking whether the customer can be texted…" };
  }
  if (status.isError) {
    return {
      checked: chosen ?? true,
      disabled: false,
      decided: true,
      note: "Could not check whether the customer can be texted; if they cannot, the SMS is logged as not sent, with the reason.",
    };
  }
  const { configured, reason, recipient } = status.data;
  if (!configured) {
    return { checked: false, disabled: true, decided: true, note: `${reason ?? "SMS sending is not set up"}.` };
  }
  if (recipient && !recipient.canSend) {
    return {
      checked: false,
      disabled: true,
      decided: true,
      note: `Not available: ${recipient.reason ?? "the customer cannot be texted"}.`,
    };
  }
  const to = recipient?.to ? formatPhone(recipient.to).display : (customer?.phone ?? "the customer");
  return {
    checked: chosen ?? true,
    disabled: false,
    decided: true,
    note: `Texted to ${customer?.name ?? "the customer"} at ${to}.`,
  };
}

/**
 * The ticket page's comment box: an internal note, or a public reply that can also go out as SMS.
 * `onDraftChange`: whether a comment is being written (the page reports "editing" meanwhile).
 */
export function CommentBox({
  ticket,
  onDraftChange,
}: {
  ticket: TicketDetail;
  onDraftChange?: (drafting: boolean) => void;
}) {
  const add = useAddComment(ticket.id);
  const templates = useSmsTemplates();
  const [chosen, setChosen] = useState<boolean | null>(null);
  const form = useForm({
    initialValues: { body: "", visibility: "internal" as CommentVisibility },
    validate: validateWith(ZCreateComment),
  });
  const sms = useReplySmsChoice(ticket, chosen);
  const drafting = form.values.body.trim() !== "";
  useEffect(() => {
    onDraftChange?.(drafting);
  }, [drafting, onDraftChange]);
  const isPublic = form.values.visibility === "public";
  const texting = isPublic && sms.checked;
  const template = templates.data?.find((t) => t.purpose === "ticket_reply")?.body ?? DEFAULT_TEMPLATES.ticket_reply;
  const preview = renderTemplate(template, {
    ...SAMPLE_TEMPLATE_VALUES,
    "customer.name": ticket.customer?.name ?? "customer",
    "customer.firstName": ticket.customer ? firstNameOf(ticket.customer.name) : "customer",
    "ticket.number": ticket.number,
    "ticket.subject": ticket.subject,
    "technician.name": ticket.assignee?.name ?? "our technician",
    "reply.body": form.values.body.trim(),
  });

  return (
    <form
      noValidate
      onSubmit={form.onSubmit(async (values) => {
        try {
          const created = await add.mutateAsync({
            ...values,
            // Only a public reply can be texted; while the check is still running the server decides.
            ...(values.visibility === "public" && sms.decided ? { sendSms: sms.checked } : {}),
          });
          form.reset();
          setChosen(null);
          if (created.sms?.status === "skipped") {
            notifications.show({
              color: "orange",
              title: "Reply added; SMS not sent",
              message: created.sms.reason ?? "Skipped",
            });
          } else if (created.sms) {
            notifications.show({ color: "green", message: "Reply added and queued as SMS" });
          } else {
            notifications.show({ color: "green", message: isPublic ? "Reply added" : "Comment added" });
          }
        } catch (error) {
          if (error instanceof ApiError) {
            const errors = error.fieldErrors();
            if (Object.keys(errors).length > 0) form.setErrors(errors);
            else notifications.show({ color: "red", message: errorMessage(error) });
          } else notifications.show({ color: "red", message: errorMessage(error) });
        }
      })}
    >
      <Stack gap="xs">
        <MentionTextarea
          label="Comment"
          description={isPublic ? undefined : "Type @ to mention a colleague: they are notified."}
          mentions={!isPublic}
          autosize
          minRows={3}
          maxRows={12}
          {...form.getInputProps("body")}
          value={form.values.body}
          onChange={(body) => form.setFieldValue("body", body)}
        />
        <Group justify="space-between" wrap="wrap">
          <SegmentedControl
            aria-label="Comment visibility"
            data={[
              { value: "internal", label: "Internal note" },
              { value: "public", label: "Public reply" },
            ]}
            {...form.getInputProps("visibility")}
          />
          <Button type="submit" loading={add.isPending}>
            Add comment
          </Button>
        </Group>
        {isPublic && (
          <Stack gap={4}>
            <Checkbox
              label="Also send as SMS"
              description={sms.note}
              checked={sms.checked}
              disabled={sms.disabled}
              onChange={(event) => setChosen(event.currentTarget.checked)}
              error={form.errors.sendSms}
            />
            {texting && form.values.body.trim() !== "" && <SegmentCount text={preview} />}
          </Stack>
        )}
        <Text size="xs" c="dimmed">
          {isPublic
            ? texting
              ? "Public replies are part of the customer-facing record; this one is also texted to the customer."
              : "Public replies are part of the customer-facing record; this one is not texted."
            : "Internal notes are for staff only and are never texted."}
        </Text>
      </Stack>
    </form>
  );
}
