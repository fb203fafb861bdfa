import {
  Alert,
  Button,
  Center,
  Code,
  Divider,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { isNotEmpty, useForm } from "@mantine/form";
import { useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import type { SessionInfo } from "../../shared/auth.js";
import type { UserRole } from "../../shared/enums.js";
import type { SecondFactorRequired } from "../../shared/two-factor.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useSessionQuery } from "../app/auth.js";
import { ThemeToggle } from "../app/layout.js";
import { usePageTitle } from "../app/page-title.js";
import { useSetupStatus, useSignIn } from "./api.js";
import { PasskeySignInButton, SecondFactorStep } from "./second-factor-step.js";

/** Only same-site paths: `?next=https://evil.example` must not become a redirect. */
/** Where signing in leads: the page asked for, else the person's home (My day for a technician). */
function safeNext(next: string | null, role: UserRole | undefined): string {
  if (next?.startsWith("/") && !next.startsWith("//")) return next;
  return role === "technician" ? "/my-day" : "/";
}

export function LoginPage() {
  const session = useSessionQuery();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const form = useForm({
    initialValues: { email: "", password: "" },
    // The one form not checked by its shared zod schema (ZLogin, which the server applies): zod is a
    // tenth of the sign-in screen's download, and two required fields need no more than this.
    validate: { email: isNotEmpty("Email is required"), password: isNotEmpty("Password is required") },
  });
  const login = useSignIn();
  const setup = useSetupStatus();
  // After a right password, when the account has two-factor sign-in: the second step's ways.
  const [secondFactor, setSecondFactor] = useState<SecondFactorRequired["secondFactor"] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  usePageTitle("Sign in");
  const signedIn = (info: SessionInfo) => navigate(safeNext(params.get("next"), info.user.role), { replace: true });

  if (session.data) return <Navigate to={safeNext(params.get("next"), session.data.user.role)} replace />;

  const retryAfter =
    login.error instanceof ApiError && login.error.status === 429 ? Number(login.error.problem.retryAfterSeconds) : 0;

  return (
    <Center mih="100vh" p="md">
      <Stack w="100%" maw={400}>
        <Stack gap={4} align="center">
          <Title order={1}>Uplink</Title>
          <Text c="dimmed">Sign in to the helpdesk</Text>
        </Stack>
        {setup.data?.needed && (
          <Alert color="blue" title="No staff account yet" role="status">
            This installation has no admin yet, so nobody can sign in. Open the one-time setup link printed in the
            server log when Uplink started (it ends in <Code>/setup?token=…</Code>) to create the first admin, or create
            one with <Code>npm run user:create -- --email you@example.com --role admin</Code>.
          </Alert>
        )}
        <Paper withBorder shadow="sm" p="lg" radius="md">
          {secondFactor ? (
            <SecondFactorStep
              methods={secondFactor.methods}
              onSignedIn={signedIn}
              onBack={(message) => {
                setSecondFactor(null);
                setNotice(message ?? null);
                login.reset();
                form.setFieldValue("password", "");
              }}
            />
          ) : (
            <Stack>
              <form
                onSubmit={form.onSubmit((values) => {
                  setNotice(null);
                  login.mutate(values, {
                    onSuccess: (answer) =>
                      "secondFactor" in answer ? setSecondFactor(answer.secondFactor) : signedIn(answer),
                  });
                })}
                noValidate
              >
                <Stack>
                  {notice && (
                    <Alert color="orange" role="alert">
                      {notice}
                    </Alert>
                  )}
                  {login.error && (
                    <Alert color="red" role="alert" title={retryAfter ? "Too many attempts" : "Could not sign in"}>
                      {errorMessage(login.error)}
                    </Alert>
                  )}
                  <TextInput
                    label="Email"
                    type="email"
                    autoComplete="username"
                    required
                    autoFocus
                    {...form.getInputProps("email")}
                  />
                  <PasswordInput
                    label="Password"
                    autoComplete="current-password"
                    required
                    {...form.getInputProps("password")}
                  />
                  <Button type="submit" loading={login.isPending} fullWidth>
                    Sign in
                  </Button>
                </Stack>
              </form>
              <Divider label="or" />
              <PasskeySignInButton onSignedIn={signedIn} />
            </Stack>
          )}
        </Paper>
        <Center>
          <ThemeToggle />
        </Center>
      </Stack>
    </Center>
  );
}
