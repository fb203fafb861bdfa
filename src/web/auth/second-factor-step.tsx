import { Alert, Anchor, Button, Divider, Stack, Text, TextInput, Title } from "@mantine/core";
import { browserSupportsWebAuthn } from "@simplewebauthn/browser";
import { type FormEvent, useState } from "react";
import type { SessionInfo } from "../../shared/auth.js";
import type { SecondFactorRequired } from "../../shared/two-factor.js";
import { ApiError, errorMessage } from "../app/api.js";
import {
  passkeyErrorMessage,
  usePasskeySignIn,
  useSecondFactorCode,
  useSecondFactorPasskey,
} from "./two-factor-api.js";

/**
 * The sign-in's second step, after a right password: the code from the authenticator app, a
 * recovery code, or a passkey. `onExpired` returns to the password (the pending sign-in is gone).
 */
export function SecondFactorStep({
  methods,
  onSignedIn,
  onBack,
}: {
  methods: SecondFactorRequired["secondFactor"]["methods"];
  onSignedIn: (info: SessionInfo) => void;
  onBack: (message?: string) => void;
}) {
  const [mode, setMode] = useState<"totp" | "recovery_code">(methods.includes("totp") ? "totp" : "recovery_code");
  const [code, setCode] = useState("");
  const verify = useSecondFactorCode();
  const passkey = useSecondFactorPasskey();
  const expired = (error: unknown) => error instanceof ApiError && error.problem.code === "auth.second_factor_expired";
  const onError = (error: unknown) => {
    if (expired(error)) onBack(errorMessage(error));
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate({ method: mode, code }, { onSuccess: onSignedIn, onError });
  };
  const codeError = verify.error instanceof ApiError ? verify.error.fieldError("code") : undefined;
  const showPasskey = methods.includes("passkey") && browserSupportsWebAuthn();
  const canSwitch = methods.includes("totp") && methods.includes("recovery_code");

  return (
    <Stack>
      <Title order={2} size="h4">
        Two-factor sign-in
      </Title>
      {showPasskey && (
        <>
          <Button
            variant={methods.includes("totp") ? "default" : "filled"}
            loading={passkey.isPending}
            onClick={() => passkey.mutate(undefined, { onSuccess: onSignedIn, onError })}
          >
            Use a passkey
          </Button>
          {passkey.error && !expired(passkey.error) && (
            <Alert color="red" role="alert">
              {passkeyErrorMessage(passkey.error) ?? errorMessage(passkey.error)}
            </Alert>
          )}
          {(methods.includes("totp") || methods.includes("recovery_code")) && <Divider label="or" />}
        </>
      )}
      {(methods.includes("totp") || methods.includes("recovery_code")) && (
        <form onSubmit={submit} noValidate>
          <Stack>
            <Text size="sm" c="dimmed">
              {mode === "totp"
                ? "Enter the 6-digit code your authenticator app shows for Uplink."
                : "Enter one of the recovery codes you saved when you set up two-factor sign-in. Each works once."}
            </Text>
            {verify.error && !codeError && !expired(verify.error) && (
              <Alert
                color="red"
                role="alert"
                title={
                  verify.error instanceof ApiError && verify.error.status === 429 ? "Too many attempts" : undefined
                }
              >
                {errorMessage(verify.error)}
              </Alert>
            )}
            <TextInput
              key={mode}
              label={mode === "totp" ? "Authentication code" : "Recovery code"}
              inputMode={mode === "totp" ? "numeric" : "text"}
              autoComplete="one-time-code"
              autoCapitalize="none"
              spellCheck={false}
              required
              autoFocus
              value={code}
              onChange={(event) => setCode(event.currentTarget.value)}
              error={codeError}
            />
            <Button type="submit" loading={verify.isPending} fullWidth>
              Verify
            </Button>
            {canSwitch && (
              <Anchor
                component="button"
                type="button"
                size="sm"
                onClick={() => {
                  setMode(mode === "totp" ? "recovery_code" : "totp");
                  setCode("");
                  verify.reset();
                }}
              >
                {mode === "totp" ? "Use a recovery code" : "Use the authenticator app"}
              </Anchor>
            )}
          </Stack>
        </form>
      )}
      <Anchor component="button" type="button" size="sm" c="dimmed" onClick={() => onBack()}>
        Back to email and password
      </Anchor>
    </Stack>
  );
}

/** "Sign in with a passkey": no email or password, the browser offers the passkeys it holds here. */
export function PasskeySignInButton({ onSignedIn }: { onSignedIn: (info: SessionInfo) => void }) {
  const signIn = usePasskeySignIn();
  if (!browserSupportsWebAuthn()) return null;
  return (
    <Stack gap="xs">
      <Button
        variant="default"
        fullWidth
        loading={signIn.isPending}
        onClick={() => signIn.mutate(undefined, { onSuccess: onSignedIn })}
      >
        Sign in with a passkey
      </Button>
      {signIn.error && (
        <Alert color="red" role="alert">
          {passkeyErrorMessage(signIn.error) ?? errorMessage(signIn.error)}
        </Alert>
      )}
    </Stack>
  );
}
