import { Alert, Button, Group, Loader, Select, Stack, Text } from "@mantine/core";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { TWO_FACTOR_POLICIES, TWO_FACTOR_POLICY_LABELS, type TwoFactorPolicy } from "../../shared/two-factor.js";
import type { User } from "../../shared/users.js";
import { errorMessage } from "../app/api.js";
import { useResetTwoFactor, useSetTwoFactorPolicy, useTwoFactorPolicy } from "../auth/two-factor-api.js";

/** Settings → Staff: who must use two-factor sign-in (or what REQUIRE_2FA on the server decides). */
export function TwoFactorPolicySetting() {
  const policy = useTwoFactorPolicy();
  const save = useSetTwoFactorPolicy();
  if (policy.isPending) return <Loader size="sm" aria-label="Loading the two-factor policy" />;
  if (policy.isError) return <Alert color="red">{errorMessage(policy.error)}</Alert>;
  const { fromEnvironment } = policy.data;
  const change = (value: string | null) => {
    if (!value || value === policy.data.policy) return;
    const next = value as TwoFactorPolicy;
    modals.openConfirmModal({
      title: `${TWO_FACTOR_POLICY_LABELS[next]}?`,
      children: (
        <Text size="sm">
          {next === "off"
            ? "Staff may still set up two-factor sign-in themselves, but nobody has to."
            : `${next === "all" ? "Every staff member" : "Every admin"} without a second factor will have to set one up (an authenticator app or a passkey) before doing anything else — at their next page load or sign-in.`}
        </Text>
      ),
      labels: { confirm: "Save", cancel: "Cancel" },
      onConfirm: () =>
        save.mutate(next, {
          onSuccess: () => notifications.show({ color: "green", message: TWO_FACTOR_POLICY_LABELS[next] }),
          onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
        }),
    });
  };
  return (
    <Stack gap={4}>
      <Group align="flex-end">
        <Select
          label="Two-factor sign-in"
          data={TWO_FACTOR_POLICIES.map((value) => ({ value, label: TWO_FACTOR_POLICY_LABELS[value] }))}
          value={policy.data.policy}
          onChange={change}
          disabled={fromEnvironment || save.isPending}
          allowDeselect={false}
          w={260}
        />
      </Group>
      <Text size="xs" c="dimmed">
        {fromEnvironment
          ? `Set by REQUIRE_2FA=${policy.data.policy} in the server's environment; change it there.`
          : "Staff covered who have no second factor are asked to set one up before anything else."}
      </Text>
    </Stack>
  );
}

/** Settings → Staff: removes a staff member's second factor (a lost phone), after a confirmation. */
export function ResetTwoFactorButton({ user }: { user: User }) {
  const reset = useResetTwoFactor();
  const confirm = () =>
    modals.openConfirmModal({
      title: `Reset two-factor sign-in of ${user.name}?`,
      children: (
        <Text size="sm">
          Their authenticator app, passkeys and recovery codes are removed and they are signed out everywhere. They sign
          in next with their password alone and set up two-factor sign-in again. Do this only once you are sure the
          request comes from them.
        </Text>
      ),
      labels: { confirm: "Reset two-factor", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        reset.mutate(user.id, {
          onSuccess: () => notifications.show({ color: "green", message: `Two-factor sign-in of ${user.name} reset` }),
          onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
        }),
    });
  return (
    <Button
      size="xs"
      variant="subtle"
      onClick={confirm}
      loading={reset.isPending}
      aria-label={`Reset 2FA of ${user.name}`}
      title="Reset two-factor sign-in"
    >
      Reset 2FA
    </Button>
  );
}
