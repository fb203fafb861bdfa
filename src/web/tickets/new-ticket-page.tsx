import { Alert, Button, Group, Paper, Select, SimpleGrid, Stack, Textarea, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { TicketCategory, TicketPriority } from "../../shared/enums.js";
import { ZCreateTicket } from "../../shared/tickets.js";
import { ApiError, errorMessage } from "../app/api.js";
import { validateWith } from "../app/forms.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { CustomerIncidentBanners } from "../incidents/incident-badges.js";
import { useCreateTicket, useSlaSettings } from "./api.js";
import { AssigneeSelect } from "./assignee-select.js";
import { CustomerPicker } from "./customer-picker.js";
import { OpenTicketsNotice } from "./open-tickets-notice.js";
import { CATEGORY_OPTIONS, PRIORITY_OPTIONS } from "./ticket-badges.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default function NewTicketPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const prefilled = params.get("customerId");
  const create = useCreateTicket();
  const sla = useSlaSettings();
  usePageTitle("New ticket");
  const form = useForm({
    initialValues: {
      customerId: prefilled && UUID.test(prefilled) ? prefilled : (null as string | null),
      subject: "",
      description: "",
      category: "other" as TicketCategory,
      priority: "normal" as TicketPriority,
      assigneeId: null as string | null,
    },
    validate: validateWith(ZCreateTicket),
  });

  const submit = form.onSubmit(async (values) => {
    try {
      const ticket = await create.mutateAsync({
        customerId: values.customerId,
        subject: values.subject,
        description: values.description,
        category: values.category,
        priority: values.priority,
        assigneeId: values.assigneeId,
      });
      notifications.show({ color: "green", message: `Ticket ${ticket.number} created` });
      navigate(`/tickets/${ticket.id}`);
    } catch (error) {
      if (error instanceof ApiError) form.setErrors(error.fieldErrors());
    }
  });

  const hours = sla.data?.resolutionHours[form.values.priority];
  const firstHours = sla.data?.firstResponseHours[form.values.priority];
  // Business hours count only while open; around the clock they are plain hours.
  const unit =
    sla.data?.week.every((day) => day?.open === "00:00" && day.close === "24:00") && !sla.data.holidays.length
      ? "h"
      : "business hours";
  const cancelTo = prefilled && UUID.test(prefilled) ? `/customers/${prefilled}` : "/tickets";
  return (
    <Stack maw={760}>
      <PageHeading>New ticket</PageHeading>
      <Paper withBorder p="md">
        <form onSubmit={submit} noValidate>
          <Stack>
            {create.error && !(create.error instanceof ApiError && create.error.problem.errors) && (
              <Alert color="red">{errorMessage(create.error)}</Alert>
            )}
            <CustomerPicker
              value={form.values.customerId}
              onChange={(id) => form.setFieldValue("customerId", id)}
              error={form.errors.customerId as string | undefined}
              description="Leave empty for a network-wide ticket (an outage, maintenance)"
            />
            <CustomerIncidentBanners customerId={form.values.customerId} />
            <OpenTicketsNotice customerId={form.values.customerId} />
            <TextInput label="Subject" required maxLength={200} {...form.getInputProps("subject")} />
            <Textarea label="Description" autosize minRows={4} maxRows={14} {...form.getInputProps("description")} />
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <Select
                label="Category"
                data={CATEGORY_OPTIONS}
                allowDeselect={false}
                {...form.getInputProps("category")}
              />
              <Select
                label="Priority"
                data={PRIORITY_OPTIONS}
                allowDeselect={false}
                description={
                  hours ? `First answer within ${firstHours} ${unit}, resolved within ${hours} ${unit}` : undefined
                }
                {...form.getInputProps("priority")}
              />
              <AssigneeSelect
                value={form.values.assigneeId}
                onChange={(id) => form.setFieldValue("assigneeId", id)}
                error={form.errors.assigneeId as string | undefined}
              />
            </SimpleGrid>
            <Group justify="flex-end">
              <Button variant="default" component={Link} to={cancelTo}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create ticket
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
