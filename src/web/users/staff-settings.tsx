import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  PasswordInput,
  Select,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { DataTable } from "mantine-datatable";
import { useState } from "react";
import { z } from "zod";
import { optionsOf, USER_ROLE_LABELS } from "../../shared/labels.js";
import { type User, ZCreateUser, ZPassword } from "../../shared/users.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { validateWith } from "../app/forms.js";
import { changedFields, pickFields } from "../app/merge.js";
import { PhoneText } from "../app/phone.js";
import { useCreateUser, useStaff, useStaffMember, useUpdateUser } from "./api.js";
import { SessionsList } from "./sessions-card.js";
import { ResetTwoFactorButton, TwoFactorPolicySetting } from "./two-factor-admin.js";

const ROLE_OPTIONS = optionsOf(USER_ROLE_LABELS);
/** Editing an account asks for no password (an admin resets it on its own form). */
const ZEditUserForm = ZCreateUser.extend({ password: z.string() });
const ZResetPasswordForm = z.object({ password: ZPassword });

function StaffForm({ user, onDone }: { user?: User; onDone: () => void }) {
  const { user: me } = useSession();
  const create = useCreateUser();
  const update = useUpdateUser();
  const mutation = user ? update : create;
  const form = useForm({
    initialValues: {
      name: user?.name ?? "",
      email: user?.email ?? "",
      phone: user?.phone ?? "",
      role: user?.role ?? "technician",
      password: "",
    },
    validate: validateWith(user ? ZEditUserForm : ZCreateUser),
  });
  const submit = form.onSubmit(async (values) => {
    try {
      if (user) {
        // Only what the person changed: another admin's change to a different field stays.
        const body = {
          name: values.name,
          email: values.email,
          phone: values.phone || null,
          role: values.role as User["role"],
        };
        const fields = changedFields(form.getInitialValues(), values).filter(
          (field): field is keyof typeof body => field in body && (field !== "role" || user.id !== me.id),
        );
        if (fields.length > 0) await update.mutateAsync({ id: user.id, ...pickFields(body, fields) });
      } else {
        await create.mutateAsync({
          name: values.name,
          email: values.email,
          phone: values.phone || null,
          role: values.role as User["role"],
          password: values.password,
        });
      }
      notifications.show({ color: "green", message: user ? "Staff account saved" : "Staff account created" });
      onDone();
    } catch (error) {
      if (error instanceof ApiError) form.setErrors(error.fieldErrors());
    }
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {mutation.error && !(mutation.error instanceof ApiError && mutation.error.problem.errors) && (
          <Alert color="red">{errorMessage(mutation.error)}</Alert>
        )}
        <TextInput label="Name" required {...form.getInputProps("name")} />
        <TextInput label="Email" type="email" required {...form.getInputProps("email")} />
        <TextInput
          label="Mobile phone"
          description="For SMS about tickets assigned to them"
          {...form.getInputProps("phone")}
        />
        <Select
          label="Role"
          data={ROLE_OPTIONS}
          allowDeselect={false}
          disabled={user?.id === me.id}
          description={user?.id === me.id ? "You cannot change your own role" : undefined}
          {...form.getInputProps("role")}
        />
        {!user && (
          <PasswordInput
            label="Initial password"
            description="At least 10 characters"
            required
            {...form.getInputProps("password")}
          />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={mutation.isPending}>
            {user ? "Save" : "Create account"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ResetPasswordForm({ user, onDone }: { user: User; onDone: () => void }) {
  const update = useUpdateUser();
  const form = useForm({
    initialValues: { password: "" },
    validate: validateWith(ZResetPasswordForm),
  });
  return (
    <form
      onSubmit={form.onSubmit(async ({ password }) => {
        try {
          await update.mutateAsync({ id: user.id, password });
          notifications.show({ color: "green", message: `Password of ${user.name} reset; their sessions ended` });
          onDone();
        } catch (error) {
          if (error instanceof ApiError) form.setErrors(error.fieldErrors());
        }
      })}
      noValidate
    >
      <Stack>
        <Text size="sm">{user.name} will be signed out everywhere and must use the new password from now on.</Text>
        {update.error && <Alert color="red">{errorMessage(update.error)}</Alert>}
        <PasswordInput label="New password" required {...form.getInputProps("password")} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={update.isPending}>
            Reset password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

const UNASSIGNED = "__unassigned__";

/**
 * Deactivating a staff member: how many open tickets they hold, and who takes them over (a
 * colleague, or nobody), in the same action; the server moves them in the same transaction.
 */
function DeactivateForm({ user, onDone }: { user: User; onDone: () => void }) {
  const detail = useStaffMember(user.id);
  const staff = useStaff({ active: true });
  const update = useUpdateUser();
  const [successor, setSuccessor] = useState<string | null>(null);
  const [choiceError, setChoiceError] = useState<string | null>(null);
  const open = detail.data?.openTicketCount ?? 0;
  const options = [
    { value: UNASSIGNED, label: "Nobody: leave them unassigned" },
    ...(staff.data ?? [])
      .filter((member) => member.id !== user.id)
      .map((member) => ({ value: member.id, label: `${member.name} (${USER_ROLE_LABELS[member.role]})` })),
  ];

  const deactivate = () => {
    if (open > 0 && successor === null) {
      setChoiceError("Choose who takes over their open tickets");
      return;
    }
    update.mutate(
      {
        id: user.id,
        active: false,
        ...(open > 0 ? { reassignTo: successor === UNASSIGNED ? null : successor } : {}),
      },
      {
        onSuccess: () => {
          const moved =
            open > 0
              ? successor === UNASSIGNED
                ? `; ${open} open ticket${open === 1 ? "" : "s"} left unassigned`
                : `; ${open} open ticket${open === 1 ? "" : "s"} reassigned to ${options.find((o) => o.value === successor)?.label ?? "a colleague"}`
              : "";
          notifications.show({ color: "green", message: `${user.name} deactivated${moved}` });
          onDone();
        },
        onError: (error) => {
          // Someone assigned them a ticket meanwhile: show the new count and ask again.
          if (error instanceof ApiError && error.problem.code === "user.has_open_tickets") void detail.refetch();
          if (error instanceof ApiError) setChoiceError(error.fieldErrors().reassignTo ?? null);
        },
      },
    );
  };

  if (detail.isPending) {
    return (
      <Group gap="xs">
        <Loader size="sm" />
        <Text size="sm">Checking the tickets {user.name} holds…</Text>
      </Group>
    );
  }
  return (
    <Stack>
      {detail.isError && <Alert color="red">{errorMessage(detail.error)}</Alert>}
      <Text size="sm">
        {user.name} is signed out at once and can no longer sign in or be assigned tickets. Their history stays.
      </Text>
      {open > 0 && (
        <>
          <Alert color="orange" title={`${user.name} holds ${open} open ticket${open === 1 ? "" : "s"}`}>
            Choose who takes them over; each ticket records the change on its timeline.
          </Alert>
          <Select
            label="Give their open tickets to"
            placeholder={staff.isPending ? "Loading staff…" : "Choose a colleague or nobody"}
            data={options}
            value={successor}
            onChange={(value) => {
              setSuccessor(value);
              setChoiceError(null);
            }}
            searchable
            allowDeselect={false}
            required
            error={choiceError}
          />
        </>
      )}
      {update.error && !(update.error instanceof ApiError && update.error.problem.errors) && (
        <Alert color="red" role="alert">
          {errorMessage(update.error)}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button color="red" onClick={deactivate} loading={update.isPending} disabled={detail.isError}>
          {open > 0 ? "Reassign and deactivate" : "Deactivate"}
        </Button>
      </Group>
    </Stack>
  );
}

export default function StaffSettings() {
  const { user: me } = useSession();
  const staff = useStaff();
  const update = useUpdateUser();
  const [editing, setEditing] = useState<User | "new" | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const [deactivating, setDeactivating] = useState<User | null>(null);
  const [viewingSessions, setViewingSessions] = useState<User | null>(null);

  const toggleActive = (user: User) => {
    if (user.active) {
      setDeactivating(user);
      return;
    }
    modals.openConfirmModal({
      title: `Reactivate ${user.name}?`,
      children: <Text size="sm">They can sign in again with their password.</Text>,
      labels: { confirm: "Reactivate", cancel: "Cancel" },
      confirmProps: { color: "blue" },
      onConfirm: () =>
        update.mutate(
          { id: user.id, active: true },
          {
            onSuccess: () => notifications.show({ color: "green", message: `${user.name} reactivated` }),
            onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
          },
        ),
    });
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          Who uses Uplink: admins (everything, settings included), office agents (customers, tickets and SMS; no
          settings, no archiving) and field technicians.
        </Text>
        <Button onClick={() => setEditing("new")}>Add staff member</Button>
      </Group>
      <TwoFactorPolicySetting />
      {staff.isError && <Alert color="red">{errorMessage(staff.error)}</Alert>}
      <DataTable
        withTableBorder
        striped
        minHeight={160}
        fetching={staff.isPending}
        records={staff.data ?? []}
        noRecordsText="No staff accounts"
        columns={[
          { accessor: "name", title: "Name" },
          { accessor: "email", title: "Email" },
          {
            accessor: "phone",
            title: "Phone",
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
            render: (user) => user.phone && <PhoneText phone={user.phone} />,
          },
          {
            accessor: "role",
            title: "Role",
            render: (user) => <Badge variant="light">{USER_ROLE_LABELS[user.role]}</Badge>,
          },
          {
            accessor: "active",
            title: "Status",
            render: (user) => (
              <Badge color={user.active ? "green" : "gray"} variant="light">
                {user.active ? "active" : "deactivated"}
              </Badge>
            ),
          },
          {
            accessor: "actions",
            title: "Actions",
            textAlign: "right",
            render: (user) => (
              <Group gap={4} justify="flex-end" wrap="nowrap">
                <Button size="xs" variant="subtle" onClick={() => setEditing(user)} aria-label={`Edit ${user.name}`}>
                  Edit
                </Button>
                <Button
                  size="xs"
                  variant="subtle"
                  onClick={() => setResetting(user)}
                  aria-label={`Reset password of ${user.name}`}
                >
                  Reset password
                </Button>
                <Button
                  size="xs"
                  variant="subtle"
                  onClick={() => setViewingSessions(user)}
                  aria-label={`Sessions of ${user.name}`}
                >
                  Sessions
                </Button>
                {user.id !== me.id && <ResetTwoFactorButton user={user} />}
                {user.id !== me.id && (
                  <Button
                    size="xs"
                    variant="subtle"
                    color={user.active ? "red" : "blue"}
                    onClick={() => toggleActive(user)}
                    aria-label={`${user.active ? "Deactivate" : "Reactivate"} ${user.name}`}
                  >
                    {user.active ? "Deactivate" : "Reactivate"}
                  </Button>
                )}
              </Group>
            ),
          },
        ]}
      />
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === "new" ? "Add staff member" : `Edit ${editing?.name ?? ""}`}
      >
        {editing !== null && (
          <StaffForm user={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} />
        )}
      </Modal>
      <Modal
        opened={resetting !== null}
        onClose={() => setResetting(null)}
        title={`Reset password of ${resetting?.name ?? ""}`}
      >
        {resetting && <ResetPasswordForm user={resetting} onDone={() => setResetting(null)} />}
      </Modal>
      <Modal
        opened={deactivating !== null}
        onClose={() => setDeactivating(null)}
        title={`Deactivate ${deactivating?.name ?? ""}?`}
      >
        {deactivating && <DeactivateForm user={deactivating} onDone={() => setDeactivating(null)} />}
      </Modal>
      <Modal
        opened={viewingSessions !== null}
        onClose={() => setViewingSessions(null)}
        title={`Where ${viewingSessions?.name ?? ""} is signed in`}
      >
        {viewingSessions && (
          <SessionsList owner={{ kind: "staff", userId: viewingSessions.id }} name={viewingSessions.name} />
        )}
      </Modal>
    </Stack>
  );
}
