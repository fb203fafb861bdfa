import { Alert, Button, Group, Paper, Stack } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useRef } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { CreateIncident } from "../../shared/incidents.js";
import { ApiError, errorMessage } from "../app/api.js";
import { ErrorSummary, focusFirstError } from "../app/form-errors.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { isRecordId } from "../app/pages.js";
import { useCreateIncident } from "./api.js";
import { IncidentFields } from "./incident-fields.js";
import { emptyIncidentForm, INCIDENT_FIELD_LABELS, toIncidentBody, validateIncidentForm } from "./incident-form.js";

/** Opening an incident; `?siteId=` (the sites page's "Open incident") starts with that site chosen. */
export default function NewIncidentPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const prefilled = params.getAll("siteId").filter(isRecordId);
  const create = useCreateIncident();
  const formRef = useRef<HTMLFormElement>(null);
  usePageTitle("New incident");
  const form = useForm({ initialValues: emptyIncidentForm(prefilled), validate: validateIncidentForm });

  const submit = form.onSubmit(
    async (values) => {
      try {
        const incident = await create.mutateAsync(toIncidentBody(values) as CreateIncident);
        notifications.show({ color: "green", message: `Incident opened: ${incident.title}` });
        navigate(`/incidents/${incident.id}`);
      } catch (error) {
        if (error instanceof ApiError && error.problem.errors?.length) {
          const errors = error.fieldErrors();
          form.setErrors(errors);
          focusFirstError(formRef.current, errors);
        }
      }
    },
    (errors) => focusFirstError(formRef.current, errors),
  );

  const problem =
    create.error && !(create.error instanceof ApiError && create.error.problem.errors?.length)
      ? errorMessage(create.error)
      : null;
  return (
    <Stack maw={860}>
      <PageHeading>New incident</PageHeading>
      <Paper withBorder p="md">
        <form onSubmit={submit} noValidate ref={formRef}>
          <Stack>
            {problem && <Alert color="red">{problem}</Alert>}
            <IncidentFields form={form} />
            <Group justify="flex-end" wrap="nowrap">
              <ErrorSummary errors={form.errors} labels={INCIDENT_FIELD_LABELS} />
              <Button variant="default" component={Link} to="/incidents">
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Open incident
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
