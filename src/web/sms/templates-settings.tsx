import { Alert, Badge, Button, Card, Code, Group, Loader, Paper, Stack, Text, Textarea, Title } from "@mantine/core";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { TEMPLATE_PURPOSE_LABELS } from "../../shared/labels.js";
import {
  INCIDENT_PLACEHOLDERS,
  renderTemplate,
  SMS_MAX_LENGTH,
  type SmsTemplate,
  sampleValuesFor,
  TEMPLATE_PLACEHOLDERS,
  templateProblem,
} from "../../shared/sms.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useIsAdmin } from "../app/auth.js";
import { useResetSmsTemplate, useSaveSmsTemplate, useSmsTemplates } from "./api.js";
import { QuietHoursSettings } from "./quiet-hours-settings.js";
import { SegmentCount } from "./segment-count.js";

function TemplateEditor({ template, canEdit }: { template: SmsTemplate; canEdit: boolean }) {
  const save = useSaveSmsTemplate();
  const reset = useResetSmsTemplate();
  const [draft, setDraft] = useState(template.body);
  const label = TEMPLATE_PURPOSE_LABELS[template.purpose];
  const preview = renderTemplate(draft, sampleValuesFor(template.purpose));
  const problem = templateProblem(template.purpose, draft);
  const serverError = save.error instanceof ApiError ? save.error.fieldError("body") : undefined;
  const error = problem ?? serverError ?? (save.error ? errorMessage(save.error) : undefined);
  // Saving trims the text, so leading and trailing spaces alone are no change (the manual
  // template's default ends with a space, where the message goes).
  const changed = draft.trim() !== template.body.trim();

  const submit = () =>
    save.mutate(
      { purpose: template.purpose, body: draft.trim() },
      { onSuccess: () => notifications.show({ color: "green", message: `Template "${label}" saved` }) },
    );

  const confirmReset = () =>
    modals.openConfirmModal({
      title: "Restore the built-in text?",
      children: <Text size="sm">Your text for "{label}" is replaced by Uplink's default.</Text>,
      labels: { confirm: "Restore default", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        reset.mutate(template.purpose, {
          onSuccess: (restored) => {
            setDraft(restored.body);
            notifications.show({ color: "green", message: `Template "${label}" restored` });
          },
          onError: (failure) => notifications.show({ color: "red", message: errorMessage(failure) }),
        }),
    });

  return (
    <Card withBorder padding="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>{label}</Title>
          <Badge variant="light" color={template.isDefault ? "gray" : "blue"}>
            {template.isDefault ? "default" : "customised"}
          </Badge>
        </Group>
        <Textarea
          label={`Template: ${label}`}
          autosize
          minRows={3}
          maxLength={SMS_MAX_LENGTH}
          value={draft}
          readOnly={!canEdit}
          onChange={(event) => setDraft(event.currentTarget.value)}
          error={error}
        />
        <Paper withBorder p="xs" bg="var(--mantine-color-default-hover)">
          <Text size="xs" c="dimmed">
            Preview
          </Text>
          <Text
            size="sm"
            style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}
            aria-label={`Preview of ${label}`}
          >
            {preview || "—"}
          </Text>
        </Paper>
        <SegmentCount text={preview} />
        {canEdit && (
          <Group justify="flex-end">
            {!template.isDefault && (
              <Button variant="subtle" color="red" onClick={confirmReset} loading={reset.isPending}>
                Restore default
              </Button>
            )}
            <Button variant="default" disabled={!changed} onClick={() => setDraft(template.body)}>
              Discard changes
            </Button>
            <Button
              onClick={submit}
              loading={save.isPending}
              disabled={!changed || problem !== null || draft.trim() === ""}
              aria-label={`Save template ${label}`}
            >
              Save
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

export default function TemplatesSettings() {
  const isAdmin = useIsAdmin();
  const templates = useSmsTemplates();
  return (
    <Stack>
      <Text c="dimmed" size="sm">
        The text of each automatic SMS. Placeholders:{" "}
        {TEMPLATE_PLACEHOLDERS.map((name, index) => (
          <span key={name}>
            {index > 0 ? " " : ""}
            <Code>{`{{${name}}}`}</Code>
          </span>
        ))}
        . <Code>{"{{customer.firstName}}"}</Code> is the first word of the customer's name;{" "}
        <Code>{"{{reply.body}}"}</Code> is the text of a public reply and belongs in the public reply template only. The
        incident templates (a message to everyone an incident affects) use{" "}
        {INCIDENT_PLACEHOLDERS.map((name, index) => (
          <span key={name}>
            {index > 0 ? " " : ""}
            <Code>{`{{${name}}}`}</Code>
          </span>
        ))}
        ; <Code>{"{{incident.expectedEnd}}"}</Code> is the expected end in the ISP's time zone and{" "}
        <Code>{"{{site.name}}"}</Code> the site's public name (else its name). The preview uses sample values.
      </Text>
      <QuietHoursSettings canEdit={isAdmin} />
      {!isAdmin && <Alert color="gray">Only admins can change the templates.</Alert>}
      {templates.isPending && <Loader aria-label="Loading templates" />}
      {templates.isError && <Alert color="red">{errorMessage(templates.error)}</Alert>}
      {templates.data?.map((template) => (
        <TemplateEditor key={`${template.purpose}-${template.updatedAt}`} template={template} canEdit={isAdmin} />
      ))}
    </Stack>
  );
}
