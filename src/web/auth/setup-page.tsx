import { Alert, Anchor, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { z } from "zod";
import { ZSetup } from "../../shared/auth.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useSessionQuery } from "../app/auth.js";
import { validateWith } from "../app/forms.js";
import { usePageTitle } from "../app/page-title.js";
import { PageLoader } from "../app/pages.js";
import { useCompleteSetup, useSetupStatus } from "./api.js";

const ZSetupForm = ZSetup.extend({ confirm: z.string() }).refine((values) => values.password === values.confirm, {
  message: "The two passwords differ",
  path: ["confirm"],
});

/**
 * First-run setup: the link the server prints while no admin exists opens this page, which
 * creates the first admin and signs them in. Once an admin exists the link no longer works.
 */
export default function SetupPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const session = useSessionQuery();
  const status = useSetupStatus();
  const setup = useCompleteSetup();
  const tokenFromLink = params.get("token") ?? "";
  usePageTitle("First-run setup");
  const form = useForm({
    initialValues: { token: tokenFromLink, name: "", email: "", password: "", confirm: "" },
    validate: validateWith(ZSetupForm),
  });

  if (session.data) return <Navigate to="/" replace />;
  if (status.isPending) return <PageLoader />;

  const submit = form.onSubmit(async ({ confirm: _confirm, ...values }) => {
    try {
      await setup.mutateAsync(values);
      navigate("/", { replace: true });
    } catch (error) {
      if (error instanceof ApiError) form.setErrors(error.fieldErrors());
    }
  });
  const fieldErrorsOnly = setup.error instanceof ApiError && setup.error.problem.errors;

  return (
    <Center mih="100vh" p="md">
      <Stack w="100%" maw={440}>
        <Stack gap={4} align="center">
          <Title order={1}>Uplink</Title>
          <Text c="dimmed">First-run setup: create the first admin</Text>
        </Stack>
        {status.data?.needed === false ? (
          <Alert color="blue" title="Uplink is already set up">
            An admin account exists, so this setup link no longer works.{" "}
            <Anchor component={Link} to="/login">
              Sign in
            </Anchor>
            , or ask an admin to create your account.
          </Alert>
        ) : (
          <Paper withBorder shadow="sm" p="lg" radius="md">
            <form onSubmit={submit} noValidate>
              <Stack>
                {status.isError && <Alert color="red">{errorMessage(status.error)}</Alert>}
                {setup.error && !fieldErrorsOnly && (
                  <Alert color="red" role="alert" title="Could not create the admin">
                    {errorMessage(setup.error)}
                  </Alert>
                )}
                {tokenFromLink ? null : (
                  <TextInput
                    label="Setup token"
                    description="The part after ?token= in the setup link printed in the server log"
                    required
                    {...form.getInputProps("token")}
                  />
                )}
                {tokenFromLink && form.errors.token && (
                  <Alert color="red" role="alert">
                    {form.errors.token}
                  </Alert>
                )}
                <Text size="sm">
                  This account manages staff, service plans, network sites, SMS templates and the SLA. Add your
                  colleagues in Settings afterwards.
                </Text>
                <TextInput label="Your name" autoComplete="name" required autoFocus {...form.getInputProps("name")} />
                <TextInput
                  label="Email"
                  type="email"
                  autoComplete="username"
                  required
                  {...form.getInputProps("email")}
                />
                <PasswordInput
                  label="Password"
                  description="At least 10 characters"
                  autoComplete="new-password"
                  required
                  {...form.getInputProps("password")}
                />
                <PasswordInput
                  label="Same password again"
                  autoComplete="new-password"
                  required
                  {...form.getInputProps("confirm")}
                />
                <Button type="submit" loading={setup.isPending} fullWidth>
                  Create admin and sign in
                </Button>
              </Stack>
            </form>
          </Paper>
        )}
      </Stack>
    </Center>
  );
}
