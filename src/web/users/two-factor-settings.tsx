import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Image,
  List,
  Loader,
  Modal,
  PasswordInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { browserSupportsWebAuthn } from "@simplewebauthn/browser";
import { type FormEvent, useState } from "react";
import type { Passkey, TotpSetup } from "../../shared/two-factor.js";
import { ApiError, errorMessage } from "../app/api.js";
import { formatDateTime } from "../app/format.js";
import {
  passkeyErrorMessage,
  useAddPasskey,
  useConfirmTotp,
  useDeletePasskey,
  useDisableTotp,
  useRegenerateRecoveryCodes,
  useStartTotpSetup,
  useTwoFactorStatus,
} from "../auth/two-factor-api.js";

/** Recovery codes, shown once: copy or download them, then say they are kept. */
export function RecoveryCodesShown({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const text = `Uplink recovery codes (each works once)\n\n${codes.join("\n")}\n`;
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "uplink-recovery-codes.txt";
    link.click();
    URL.revokeObjectURL(url);
  };
  return (
    <Stack>
      <Alert color="yellow" title="Save your recovery codes now">
        Each code signs you in once if you lose your phone or passkey. They are shown only this once: copy them to your
        password manager or download them.
      </Alert>
      <SimpleGrid cols={2} spacing="xs" aria-label="Recovery codes" role="list">
        {codes.map((code) => (
          <Code key={code} role="listitem" fz="sm">
            {code}
          </Code>
        ))}
      </SimpleGrid>
      <Group>
        <CopyButton value={text}>
          {({ copied, copy }) => (
            <Button variant="default" onClick={copy}>
              {copied ? "Copied" : "Copy codes"}
            </Button>
          )}
        </CopyButton>
        <Button variant="default" onClick={download}>
          Download codes
        </Button>
        <Button onClick={onDone}>I have saved my codes</Button>
      </Group>
    </Stack>
  );
}

/**
 * Setting up an authenticator app: the QR code and the secret as text, then the first code it
 * shows. `onRecoveryCodes` gets the recovery codes when this was the first second factor.
 */
export function TotpEnrolment({ onDone }: { onDone: (recoveryCodes: string[] | null) => void }) {
  const start = useStartTotpSetup();
  const confirm = useConfirmTotp();
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [code, setCode] = useState("");
  const begin = () => start.mutate(undefined, { onSuccess: setSetup });

  if (!setup) {
    return (
      <Stack gap="xs">
        {start.error && <Alert color="red">{errorMessage(start.error)}</Alert>}
        <Group>
          <Button variant="default" onClick={begin} loading={start.isPending}>
            Set up an authenticator app
          </Button>
        </Group>
      </Stack>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    confirm.mutate(code, { onSuccess: (answer) => onDone(answer.recoveryCodes) });
  };
  const codeError = confirm.error instanceof ApiError ? confirm.error.fieldError("code") : undefined;
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text size="sm">
          Scan this QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password,
          Aegis…), or type the key into it. Then enter the 6-digit code it shows.
        </Text>
        <Image src={setup.qrCode} alt="QR code for your authenticator app" w={200} h={200} bg="white" />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="totp-secret-label">
            Setup key
          </Text>
          <Group gap="xs" wrap="nowrap">
            <Code aria-labelledby="totp-secret-label" fz="sm" style={{ wordBreak: "break-all" }}>
              {setup.secret}
            </Code>
            <CopyButton value={setup.secret.replace(/\s/g, "")}>
              {({ copied, copy }) => (
                <Button size="xs" variant="subtle" onClick={copy}>
                  {copied ? "Copied" : "Copy key"}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Stack>
        <TextInput
          label="Code from the app"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          required
          value={code}
          onChange={(event) => setCode(event.currentTarget.value)}
          error={codeError}
        />
        {confirm.error && !codeError && <Alert color="red">{errorMessage(confirm.error)}</Alert>}
        <Group>
          <Button type="submit" loading={confirm.isPending}>
            Turn on
          </Button>
          <Button
            variant="subtle"
            onClick={() => {
              setSetup(null);
              setCode("");
              confirm.reset();
            }}
          >
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Naming and creating a passkey on this device (or a security key, or a phone nearby). */
export function AddPasskeyForm({ onDone }: { onDone: (recoveryCodes: string[] | null) => void }) {
  const add = useAddPasskey();
  const [name, setName] = useState("");
  if (!browserSupportsWebAuthn()) {
    return <Text size="sm">This browser cannot use passkeys.</Text>;
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate(name, {
      onSuccess: (answer) => {
        setName("");
        notifications.show({ color: "green", message: `Passkey “${answer.passkey.name}” added` });
        onDone(answer.recoveryCodes);
      },
    });
  };
  const nameError = add.error instanceof ApiError ? add.error.fieldError("name") : undefined;
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="xs">
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label="Passkey name"
            description="To tell your passkeys apart, such as “Work laptop”"
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            maxLength={60}
            error={nameError}
            style={{ flex: 1, minWidth: 200 }}
          />
          <Button type="submit" loading={add.isPending}>
            Add a passkey
          </Button>
        </Group>
        {add.error && !nameError && (
          <Alert color="red">{passkeyErrorMessage(add.error) ?? errorMessage(add.error)}</Alert>
        )}
      </Stack>
    </form>
  );
}

/** Asks for the password before a factor is removed or codes are made anew. */
function PasswordConfirmModal({
  title,
  action,
  opened,
  pending,
  error,
  onClose,
  onConfirm,
  children,
}: {
  title: string;
  action: string;
  opened: boolean;
  pending: boolean;
  error: unknown;
  onClose: () => void;
  onConfirm: (password: string) => void;
  children?: React.ReactNode;
}) {
  const [password, setPassword] = useState("");
  const passwordError = error instanceof ApiError ? error.fieldError("password") : undefined;
  return (
    <Modal
      opened={opened}
      onClose={() => {
        setPassword("");
        onClose();
      }}
      title={title}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm(password);
        }}
        noValidate
      >
        <Stack>
          {children}
          <PasswordInput
            label="Your password"
            autoComplete="current-password"
            required
            data-autofocus
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={passwordError}
          />
          {Boolean(error) && !passwordError && <Alert color="red">{errorMessage(error)}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" loading={pending}>
              {action}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function PasskeyRow({ passkey }: { passkey: Passkey }) {
  const remove = useDeletePasskey();
  const [confirming, setConfirming] = useState(false);
  return (
    <List.Item>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Stack gap={0}>
          <Text size="sm" fw={500}>
            {passkey.name}
            {passkey.backedUp && (
              <Badge ml="xs" size="xs" variant="light">
                synced
              </Badge>
            )}
          </Text>
          <Text size="xs" c="dimmed">
            Added {formatDateTime(passkey.createdAt)}
            {passkey.lastUsedAt ? ` · last used ${formatDateTime(passkey.lastUsedAt)}` : " · not used yet"}
          </Text>
        </Stack>
        <Button
          size="xs"
          variant="subtle"
          color="red"
          onClick={() => setConfirming(true)}
          aria-label={`Remove passkey ${passkey.name}`}
        >
          Remove
        </Button>
      </Group>
      <PasswordConfirmModal
        title={`Remove passkey “${passkey.name}”?`}
        action="Remove passkey"
        opened={confirming}
        pending={remove.isPending}
        error={remove.error}
        onClose={() => {
          remove.reset();
          setConfirming(false);
        }}
        onConfirm={(password) =>
          remove.mutate(
            { id: passkey.id, password },
            {
              onSuccess: () => {
                setConfirming(false);
                notifications.show({ color: "green", message: `Passkey “${passkey.name}” removed` });
              },
            },
          )
        }
      >
        <Text size="sm">It will no longer sign you in. Confirm with your password.</Text>
      </PasswordConfirmModal>
    </List.Item>
  );
}

/** Profile → Two-factor sign-in: the authenticator app, passkeys and recovery codes. */
export function TwoFactorCard() {
  const status = useTwoFactorStatus();
  const disable = useDisableTotp();
  const regenerate = useRegenerateRecoveryCodes();
  const [disabling, setDisabling] = useState(false);
  const [regenerating, setRegenerating] = useState(false);
  const [codes, setCodes] = useState<string[] | null>(null);

  const header = (
    <Group justify="space-between">
      <Title order={2} size="h3">
        Two-factor sign-in
      </Title>
      {status.data && (
        <Badge color={status.data.enabled ? "green" : "gray"} variant="light">
          {status.data.enabled ? "on" : "off"}
        </Badge>
      )}
    </Group>
  );
  if (status.isPending) {
    return (
      <Stack>
        {header}
        <Loader size="sm" aria-label="Loading two-factor sign-in" />
      </Stack>
    );
  }
  if (status.isError) {
    return (
      <Stack>
        {header}
        <Alert color="red">{errorMessage(status.error)}</Alert>
      </Stack>
    );
  }
  const { totp, passkeys, recoveryCodesLeft, required, enabled } = status.data;
  return (
    <Stack>
      {header}
      <Text size="sm" c="dimmed">
        Besides your password, sign-in asks for a code from an authenticator app or a passkey (your fingerprint, face or
        PIN on this device, or a security key).
        {required && " Your admins require it for your account."}
      </Text>
      {codes && (
        <RecoveryCodesShown
          codes={codes}
          onDone={() => {
            setCodes(null);
          }}
        />
      )}

      <Stack gap="xs">
        <Title order={3} size="h5">
          Authenticator app
        </Title>
        {totp.enabled ? (
          <Group justify="space-between">
            <Text size="sm">
              On since {totp.confirmedAt ? formatDateTime(totp.confirmedAt) : "—"}: sign-in asks for its 6-digit code.
            </Text>
            <Button size="xs" variant="subtle" color="red" onClick={() => setDisabling(true)}>
              Remove authenticator app
            </Button>
          </Group>
        ) : (
          <TotpEnrolment
            onDone={(recoveryCodes) => {
              setCodes(recoveryCodes);
              notifications.show({ color: "green", message: "Authenticator app turned on" });
            }}
          />
        )}
      </Stack>

      <Stack gap="xs">
        <Title order={3} size="h5">
          Passkeys
        </Title>
        {passkeys.length === 0 ? (
          <Text size="sm" c="dimmed">
            No passkeys yet. A passkey also lets you sign in without your password (“Sign in with a passkey”).
          </Text>
        ) : (
          <List listStyleType="none" spacing="xs" aria-label="Your passkeys">
            {passkeys.map((passkey) => (
              <PasskeyRow key={passkey.id} passkey={passkey} />
            ))}
          </List>
        )}
        <AddPasskeyForm onDone={(recoveryCodes) => setCodes(recoveryCodes)} />
      </Stack>

      {enabled && (
        <Stack gap="xs">
          <Title order={3} size="h5">
            Recovery codes
          </Title>
          <Group justify="space-between">
            <Text size="sm" c={recoveryCodesLeft <= 2 ? "orange" : undefined}>
              {recoveryCodesLeft} of 10 left
              {recoveryCodesLeft <= 2 && ": make new ones before you run out"}
            </Text>
            <Button size="xs" variant="default" onClick={() => setRegenerating(true)}>
              Make new recovery codes
            </Button>
          </Group>
        </Stack>
      )}

      <PasswordConfirmModal
        title="Remove the authenticator app?"
        action="Remove authenticator app"
        opened={disabling}
        pending={disable.isPending}
        error={disable.error}
        onClose={() => {
          disable.reset();
          setDisabling(false);
        }}
        onConfirm={(password) =>
          disable.mutate(password, {
            onSuccess: () => {
              setDisabling(false);
              notifications.show({ color: "green", message: "Authenticator app removed" });
            },
          })
        }
      >
        <Text size="sm">
          Its codes will no longer sign you in
          {passkeys.length === 0 ? ", and sign-in will ask for your password only" : ""}. Confirm with your password.
        </Text>
      </PasswordConfirmModal>
      <PasswordConfirmModal
        title="Make new recovery codes?"
        action="Make new codes"
        opened={regenerating}
        pending={regenerate.isPending}
        error={regenerate.error}
        onClose={() => {
          regenerate.reset();
          setRegenerating(false);
        }}
        onConfirm={(password) =>
          regenerate.mutate(password, {
            onSuccess: (answer) => {
              setRegenerating(false);
              setCodes(answer.recoveryCodes);
            },
          })
        }
      >
        <Text size="sm">Your current recovery codes will stop working. Confirm with your password.</Text>
      </PasswordConfirmModal>
    </Stack>
  );
}
