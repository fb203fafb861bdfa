import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { DataTable } from "mantine-datatable";
import { useState } from "react";
import { Link } from "react-router";
import { optionsOf, SITE_KIND_LABELS } from "../../shared/labels.js";
import { type Site, ZCreateSite } from "../../shared/sites.js";
import { ApiError, errorMessage } from "../app/api.js";
import { validateWith, withNumberInputs } from "../app/forms.js";
import { InUseDeleteButton } from "../app/in-use-delete-button.js";
import { changedFields, pickFields } from "../app/merge.js";
import { useDeleteSite, useSaveSite, useSites } from "./api.js";

/** The API's site rules, with the coordinates as the form's inputs hold them ("" for none). */
const ZSiteForm = withNumberInputs(ZCreateSite, ["latitude", "longitude"]);

function SiteForm({ site, onDone }: { site?: Site; onDone: () => void }) {
  const save = useSaveSite();
  const form = useForm({
    initialValues: {
      name: site?.name ?? "",
      kind: site?.kind ?? "tower",
      address: site?.address ?? "",
      latitude: site?.latitude ?? ("" as number | string),
      longitude: site?.longitude ?? ("" as number | string),
      notes: site?.notes ?? "",
      active: site?.active ?? true,
    },
    validate: validateWith(ZSiteForm),
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit(async (values) => {
        try {
          const body = ZSiteForm.parse(values);
          // An edit sends only what the person changed: a colleague's change to another field stays.
          const fields = changedFields(form.getInitialValues(), values);
          if (site && fields.length === 0) {
            onDone();
            return;
          }
          await save.mutateAsync({ id: site?.id, ...(site ? pickFields(body, fields) : body) });
          notifications.show({ color: "green", message: site ? "Site saved" : "Site created" });
          onDone();
        } catch (error) {
          if (error instanceof ApiError) form.setErrors(error.fieldErrors());
        }
      })}
    >
      <Stack>
        {save.error && !(save.error instanceof ApiError && save.error.problem.errors) && (
          <Alert color="red">{errorMessage(save.error)}</Alert>
        )}
        <TextInput label="Name" required {...form.getInputProps("name")} />
        <Select label="Kind" allowDeselect={false} data={optionsOf(SITE_KIND_LABELS)} {...form.getInputProps("kind")} />
        <TextInput label="Address" {...form.getInputProps("address")} />
        <Group grow align="flex-start">
          <NumberInput label="Latitude" decimalScale={6} hideControls {...form.getInputProps("latitude")} />
          <NumberInput label="Longitude" decimalScale={6} hideControls {...form.getInputProps("longitude")} />
        </Group>
        <Textarea label="Notes" autosize minRows={2} {...form.getInputProps("notes")} />
        <Checkbox
          label="Active (customers can be connected through it)"
          {...form.getInputProps("active", { type: "checkbox" })}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {site ? "Save site" : "Create site"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export default function SitesSettings() {
  const sites = useSites();
  const remove = useDeleteSite();
  const save = useSaveSite();
  const [editing, setEditing] = useState<Site | "new" | null>(null);

  const confirmDelete = (site: Site) =>
    modals.openConfirmModal({
      title: `Delete ${site.name}?`,
      children: (
        <Text size="sm">
          The site is removed for good. Sites that customers are connected through cannot be deleted; deactivate them
          instead.
        </Text>
      ),
      labels: { confirm: "Delete site", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        remove.mutate(site.id, {
          onSuccess: () => notifications.show({ color: "green", message: `${site.name} deleted` }),
          onError: (error) => notifications.show({ color: "red", message: errorMessage(error), autoClose: 10_000 }),
        }),
    });

  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          Towers, POPs, OLTs and street cabinets. Each customer hangs off one site, so an outage there reaches them all.
        </Text>
        <Button onClick={() => setEditing("new")}>Add site</Button>
      </Group>
      {sites.isError && <Alert color="red">{errorMessage(sites.error)}</Alert>}
      <DataTable
        withTableBorder
        striped
        minHeight={160}
        fetching={sites.isPending}
        records={sites.data ?? []}
        noRecordsText="No network sites yet"
        columns={[
          { accessor: "name", title: "Name" },
          { accessor: "kind", title: "Kind", render: (s) => SITE_KIND_LABELS[s.kind] },
          {
            accessor: "address",
            title: "Address",
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
            render: (s) => s.address ?? "—",
          },
          { accessor: "customerCount", title: "Customers" },
          {
            accessor: "active",
            title: "Status",
            render: (s) => (
              <Badge color={s.active ? "green" : "gray"} variant="light">
                {s.active ? "active" : "deactivated"}
              </Badge>
            ),
          },
          {
            accessor: "actions",
            title: "Actions",
            textAlign: "right",
            render: (s) => (
              <Group gap={4} justify="flex-end" wrap="nowrap">
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  component={Link}
                  to={`/incidents/new?siteId=${s.id}`}
                  aria-label={`Open incident at ${s.name}`}
                >
                  Open incident
                </Button>
                <Button size="xs" variant="subtle" onClick={() => setEditing(s)} aria-label={`Edit ${s.name}`}>
                  Edit
                </Button>
                <Button
                  size="xs"
                  variant="subtle"
                  onClick={() =>
                    save.mutate(
                      { id: s.id, active: !s.active },
                      { onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }) },
                    )
                  }
                  aria-label={`${s.active ? "Deactivate" : "Activate"} ${s.name}`}
                >
                  {s.active ? "Deactivate" : "Activate"}
                </Button>
                <InUseDeleteButton
                  name={s.name}
                  customerCount={s.customerCount}
                  insteadHint="deactivate it instead, or move those customers to another site first"
                  onDelete={() => confirmDelete(s)}
                />
              </Group>
            ),
          },
        ]}
      />
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === "new" ? "Add site" : `Edit ${editing?.name ?? ""}`}
      >
        {editing !== null && (
          <SiteForm site={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} />
        )}
      </Modal>
    </Stack>
  );
}
