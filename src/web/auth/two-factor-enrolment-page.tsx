import { Alert, Button, Center, Divider, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { SESSION_QUERY_KEY, useSession } from "../app/auth.js";
import { usePageTitle } from "../app/page-title.js";
import { AddPasskeyForm, RecoveryCodesShown, TotpEnrolment } from "../users/two-factor-settings.js";
import { useSignOut } from "./sign-out.js";

/**
 * What a signed-in person sees while the installation requires two-factor sign-in of them and they
 * have none (REQUIRE_2FA): setting one up, or signing out. The API refuses everything else meanwhile.
 */
export default function TwoFactorEnrolmentPage() {
  const { user } = useSession();
  const queryClient = useQueryClient();
  const signOut = useSignOut();
  const [codes, setCodes] = useState<string[] | null>(null);
  usePageTitle("Set up two-factor sign-in");
  // Enrolled: the session is asked again, and the app opens (after the recovery codes were seen).
  const finish = () => queryClient.invalidateQueries({ queryKey: SESSION_QUERY_KEY });
  const enrolled = (recoveryCodes: string[] | null) => (recoveryCodes ? setCodes(recoveryCodes) : finish());

  return (
    <Center mih="100vh" p="md">
      <Stack w="100%" maw={520}>
        <Title order={1} ta="center">
          Set up two-factor sign-in
        </Title>
        <Paper withBorder shadow="sm" p="lg" radius="md">
          {codes ? (
            <RecoveryCodesShown codes={codes} onDone={finish} />
          ) : (
            <Stack>
              <Alert color="blue" title="Required for your account">
                Your admins require a second step at sign-in for {user.email}: a code from an authenticator app on your
                phone, or a passkey. Set one up to continue.
              </Alert>
              <Stack gap="xs">
                <Title order={2} size="h5">
                  Authenticator app
                </Title>
                <TotpEnrolment onDone={enrolled} />
              </Stack>
              <Divider label="or" />
              <Stack gap="xs">
                <Title order={2} size="h5">
                  Passkey
                </Title>
                <Text size="sm" c="dimmed">
                  Your fingerprint, face or PIN on this device, or a security key.
                </Text>
                <AddPasskeyForm onDone={enrolled} />
              </Stack>
            </Stack>
          )}
        </Paper>
        <Group justify="center">
          <Button variant="subtle" onClick={() => signOut.mutate()} loading={signOut.isPending}>
            Sign out
          </Button>
        </Group>
      </Stack>
    </Center>
  );
}
