import { Alert, Button, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { z } from "zod";
import { USER_ROLE_LABELS } from "../../shared/labels.js";
import { ZCreateUser, ZPassword } from "../../shared/users.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { validateWith } from "../app/forms.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { NotificationPreferencesCard } from "../notifications/notification-preferences.js";
import { CalendarFeedCard } from "../visits/calendar-feed.js";
import { useUpdateProfile } from "./api.js";
import { SessionsCard } from "./sessions-card.js";
import { TwoFactorCard } from "./two-factor-settings.js";

/** Name and phone follow the same rules as on a staff account. */
const ZProfileForm = ZCreateUser.pick({ name: true, phone: true });
/** The new password follows the API's rule; the repeat is the form's own check. */
const ZPasswordForm = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password"),
    newPassword: ZPassword,
    confirm: z.string(),
  })
  .refine((values) => values.confirm === values.newPassword, {
    message: "The passwords do not match",
    path: ["confirm"],
  });

function ProfileForm() {
  const { user } = useSession();
  const update = useUpdateProfile();
  const form = useForm({
    initialValues: { name: user.name, phone: user.phone ?? "" },
    validate: validateWith(ZProfileForm),
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
        <Title order={2} size="h3">
          Profile
        </Title>
        <Text size="sm" c="dimmed">
          {user.email} · {USER_ROLE_LABELS[user.role]}
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
    validate: validateWith(ZPasswordForm),
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
        <Title order={2} size="h3">
          Change password
        </Title>
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
  usePageTitle("Your account");
  return (
    <Stack maw={560}>
      <PageHeading>Your account</PageHeading>
      <Paper withBorder p="md">
        <ProfileForm />
      </Paper>
      <Paper withBorder p="md">
        <NotificationPreferencesCard />
      </Paper>
      <Paper withBorder p="md">
        <PasswordForm />
      </Paper>
      <Paper withBorder p="md">
        <TwoFactorCard />
      </Paper>
      <Paper withBorder p="md">
        <SessionsCard />
      </Paper>
      <Paper withBorder p="md">
        <CalendarFeedCard />
      </Paper>
    </Stack>
  );
}
