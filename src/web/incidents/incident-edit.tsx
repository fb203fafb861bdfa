import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useRef, useState } from "react";
import type { ConflictChange } from "../../shared/conflict.js";
import type { IncidentConflict, IncidentDetail, UpdateIncident } from "../../shared/incidents.js";
import { ApiError, errorMessage } from "../app/api.js";
import { ErrorSummary, focusFirstError } from "../app/form-errors.js";
import { formatDateTime, formatRelative } from "../app/format.js";
import { type PendingMerge, saveWithMerge, undecided } from "../app/merge.js";
import { MergeConflict, type MergeFieldInfos } from "../app/merge-conflict.js";
import { useUpdateIncident } from "./api.js";
import { INCIDENT_KIND_LABELS, INCIDENT_SEVERITY_LABELS, INCIDENT_STATUS_LABELS } from "./incident-badges.js";
import { IncidentFields } from "./incident-fields.js";
import {
  INCIDENT_FIELD_LABELS,
  type IncidentFormValues,
  incidentFormOf,
  toIncidentBody,
  validateIncidentForm,
} from "./incident-form.js";

const isIncidentConflict = (error: unknown): error is ApiError & { problem: IncidentConflict } =>
  error instanceof ApiError && error.status === 409 && error.problem.code === "incident.version_conflict";

/** How the conflict view shows each field's value ("theirs" and "mine"). */
function mergeFieldsOf(incident: IncidentDetail): MergeFieldInfos<IncidentFormValues> {
  const siteName = (id: string) => incident.sites.find((site) => site.id === id)?.name ?? "another site";
  const list = (value: unknown) => (Array.isArray(value) && value.length ? value.join(", ") : "(none)");
  const time = (value: unknown) => (value ? formatDateTime(new Date(String(value))) : "(none)");
  const shows: Partial<Record<keyof IncidentFormValues & string, (value: unknown) => string>> = {
    kind: (value) => INCIDENT_KIND_LABELS[value as keyof typeof INCIDENT_KIND_LABELS] ?? String(value),
    severity: (value) => INCIDENT_SEVERITY_LABELS[value as keyof typeof INCIDENT_SEVERITY_LABELS] ?? String(value),
    status: (value) => INCIDENT_STATUS_LABELS[value as keyof typeof INCIDENT_STATUS_LABELS] ?? String(value),
    startsAt: time,
    expectedEndAt: time,
    siteIds: (value) => (Array.isArray(value) && value.length ? value.map(siteName).join(", ") : "(none)"),
    planIds: (value) => (Array.isArray(value) && value.length ? `${value.length} plan(s)` : "(all plans)"),
    connectionTypes: list,
    cities: list,
    postalCodes: list,
  };
  return Object.fromEntries(
    Object.entries(INCIDENT_FIELD_LABELS).map(([field, label]) => [
      field,
      { label, ...(shows[field] ? { show: shows[field] } : {}) },
    ]),
  );
}

const changedBy = (changes: ConflictChange[]) =>
  [...new Set(changes.map((change) => change.by?.name).filter(Boolean))].join(", ") || "Someone";

function ConflictChanges({ changes }: { changes: ConflictChange[] }) {
  if (changes.length === 0) return null;
  return (
    <Stack gap={2} component="ul" m={0} pl="md">
      {changes.map((change) => (
        <Text component="li" size="sm" key={`${change.kind}-${change.at}-${change.fields.join()}`}>
          {change.by?.name ?? "Someone"} changed{" "}
          {change.fields.map((field) => INCIDENT_FIELD_LABELS[field] ?? field).join(", ") || change.kind} (
          {formatRelative(change.at)})
        </Text>
      ))}
    </Stack>
  );
}

/**
 * Edits an incident, sending only the fields the person changed with the version they saw. A
 * colleague's save meanwhile merges in; fields both changed wait for a choice (theirs or mine),
 * as on the ticket page.
 */
export function EditIncidentModal({
  incident,
  opened,
  onClose,
}: {
  incident: IncidentDetail;
  opened: boolean;
  onClose: () => void;
}) {
  const update = useUpdateIncident(incident.id);
  const form = useForm({ initialValues: incidentFormOf(incident), validate: validateIncidentForm });
  const formRef = useRef<HTMLFormElement>(null);
  const [base, setBase] = useState({ values: incidentFormOf(incident), version: incident.version });
  const [conflict, setConflict] = useState<{
    pending: PendingMerge<IncidentFormValues>;
    problem: IncidentConflict;
  } | null>(null);
  const [showUndecided, setShowUndecided] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const send = async (fields: Partial<IncidentFormValues>, version: number) => {
    try {
      await update.mutateAsync({ ...toIncidentBody(fields), version } as UpdateIncident);
      return null;
    } catch (error) {
      if (isIncidentConflict(error)) return error.problem;
      throw error;
    }
  };

  const submit = form.onSubmit(
    async (values) => {
      setProblem(null);
      if (conflict && undecided(conflict.pending).length > 0) {
        setShowUndecided(true);
        setProblem("Choose which value to keep where you both changed a field.");
        return;
      }
      setSaving(true);
      try {
        const outcome = await saveWithMerge<IncidentFormValues, IncidentConflict>(
          send,
          (found) => ({ values: incidentFormOf(found.current), version: found.current.version }),
          base.values,
          base.version,
          values,
        );
        if (outcome.saved) {
          notifications.show({ color: "green", message: "Incident saved" });
          setConflict(null);
          onClose();
          return;
        }
        setBase({ values: outcome.base, version: outcome.version });
        setConflict({ pending: outcome.pending, problem: outcome.conflict });
        form.setValues(outcome.pending.merge.merged);
        setShowUndecided(false);
      } catch (error) {
        if (error instanceof ApiError && error.problem.errors?.length) {
          const errors = error.fieldErrors();
          form.setErrors(errors);
          focusFirstError(formRef.current, errors);
        } else {
          setProblem(errorMessage(error));
        }
      } finally {
        setSaving(false);
      }
    },
    (errors) => focusFirstError(formRef.current, errors),
  );

  return (
    <Modal opened={opened} onClose={onClose} title={`Edit ${incident.title}`} size="xl">
      <form noValidate onSubmit={submit} ref={formRef}>
        <Stack>
          {conflict && (
            <MergeConflict
              pending={conflict.pending}
              fields={mergeFieldsOf(conflict.problem.current)}
              who={changedBy(conflict.problem.changes)}
              changes={<ConflictChanges changes={conflict.problem.changes} />}
              showMissing={showUndecided}
              onChoose={(field, choice) => {
                const pending = conflict.pending;
                setConflict({ ...conflict, pending: { ...pending, choices: { ...pending.choices, [field]: choice } } });
                form.setFieldValue(field, choice === "theirs" ? pending.theirs[field] : pending.mine[field]);
              }}
            />
          )}
          <IncidentFields form={form} editing />
          <Group justify="flex-end" wrap="nowrap" align="center">
            <ErrorSummary errors={form.errors} labels={INCIDENT_FIELD_LABELS} message={problem} />
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={saving}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
