import { Alert, Button, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { ApiError, errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { useUpdateProfile } from "./api.js";

function ProfileForm() {
  const { user } = useSession();
  const update = useUpdateProfile();
  const form = useForm({
    initialValues: { name: user.name, phone: user.phone ?? "" },
    validate: { name: (v) => (v.trim() ? null : "Name is required") },
  });
  return (
    <form
      onSubmit={form.onSubmit(async (values) => {
        try {
          await update.mutateAsync({ name: values.name, phone: values.phone || null });
          notifications.show({ color: "green", message: "Profile saved" });
        } catch (error) {
          if (error instanceof ApiError) form.setErrors(error.fieldErrors());
        }
      })}
      noValidate
    >
      <Stack>
        <Title order={3}>Profile</Title>
        <Text size="sm" c="dimmed">
          {user.email} · {user.role}
        </Text>
        {update.error && !(update.error instanceof ApiError && update.error.problem.errors) && (
          <Alert color="red">{errorMessage(update.error)}</Alert>
        )}
        <TextInput label="Name" required {...form.getInputProps("name")} />
        <TextInput
          label="Mobile phone"
          description="Ticket assignments are sent here by SMS"
          {...form.getInputProps("phone")}
        />
        <Group justify="flex-end">
          <Button type="submit" loading={update.isPending}>
            Save profile
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function PasswordForm() {
  const update = useUpdateProfile();
  const form = useForm({
    initialValues: { currentPassword: "", newPassword: "", confirm: "" },
    validate: {
      currentPassword: (v) => (v ? null : "Enter your current password"),
      newPassword: (v) => (v.length >= 10 ? null : "Password must be at least 10 characters"),
      confirm: (v, values) => (v === values.newPassword ? null : "The passwords do not match"),
    },
  });
  return (
    <form
      onSubmit={form.onSubmit(async ({ currentPassword, newPassword }) => {
        try {
          await update.mutateAsync({ currentPassword, newPassword });
          form.reset();
          notifications.show({ color: "green", message: "Password changed; your other sessions were signed out" });
        } catch (error) {
          if (error instanceof ApiError) form.setErrors(error.fieldErrors());
        }
      })}
      noValidate
    >
      <Stack>
        <Title order={3}>Change password</Title>
        {update.error && !(update.error instanceof ApiError && update.error.problem.errors) && (
          <Alert color="red">{errorMessage(update.error)}</Alert>
        )}
        <PasswordInput
          label="Current password"
          autoComplete="current-password"
          required
          {...form.getInputProps("currentPassword")}
        />
        <PasswordInput
          label="New password"
          autoComplete="new-password"
          required
          {...form.getInputProps("newPassword")}
        />
        <PasswordInput
          label="Repeat new password"
          autoComplete="new-password"
          required
          {...form.getInputProps("confirm")}
        />
        <Group justify="flex-end">
          <Button type="submit" loading={update.isPending}>
            Change password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export default function ProfilePage() {
  return (
    <Stack maw={560}>
      <Title order={2}>Your account</Title>
      <Paper withBorder p="md">
        <ProfileForm />
      </Paper>
      <Paper withBorder p="md">
        <PasswordForm />
      </Paper>
    </Stack>
  );
}
