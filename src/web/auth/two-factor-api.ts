import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { SessionInfo } from "../../shared/auth.js";
import type {
  PasskeyAdded,
  RecoveryCodes,
  SecondFactorCode,
  TotpSetup,
  TwoFactorPolicy,
  TwoFactorPolicySetting,
  TwoFactorStatus,
} from "../../shared/two-factor.js";
import { api, setCsrfToken } from "../app/api.js";
import { SESSION_QUERY_KEY } from "../app/auth.js";

const TWO_FACTOR_KEY = ["auth", "two-factor"] as const;
const POLICY_KEY = ["auth", "two-factor", "policy"] as const;

type Options = Parameters<typeof startAuthentication>[0]["optionsJSON"];
type CreationOptions = Parameters<typeof startRegistration>[0]["optionsJSON"];

/** A finished sign-in: its session becomes the app's at once. */
function useSignedIn() {
  const queryClient = useQueryClient();
  return (info: SessionInfo) => {
    setCsrfToken(info.csrfToken);
    queryClient.setQueryData(SESSION_QUERY_KEY, info);
  };
}

/** The second step of a sign-in with a code (authenticator app or recovery code). */
export function useSecondFactorCode() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (body: SecondFactorCode) => api<SessionInfo>("/api/auth/login/second-factor", { method: "POST", body }),
    onSuccess: signedIn,
  });
}

/** The second step with a passkey: the challenge, the browser's prompt, the answer. */
export function useSecondFactorPasskey() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: async () => {
      const optionsJSON = await api<Options>("/api/auth/login/second-factor/passkey-options", { method: "POST" });
      const response = await startAuthentication({ optionsJSON });
      return api<SessionInfo>("/api/auth/login/second-factor/passkey", { method: "POST", body: { response } });
    },
    onSuccess: signedIn,
  });
}

/** Password-less sign-in: the browser offers the passkeys it holds for this site. */
export function usePasskeySignIn() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: async () => {
      const optionsJSON = await api<Options>("/api/auth/login/passkey-options", { method: "POST" });
      const response = await startAuthentication({ optionsJSON });
      return api<SessionInfo>("/api/auth/login/passkey", { method: "POST", body: { response } });
    },
    onSuccess: signedIn,
  });
}

export function useTwoFactorStatus() {
  return useQuery({ queryKey: TWO_FACTOR_KEY, queryFn: () => api<TwoFactorStatus>("/api/auth/two-factor") });
}

/**
 * After a change of one's factors: the status. (The session, which says whether enrolment is still
 * required, is asked again by the enrolment screen once its recovery codes were seen.)
 */
function useRefresh() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: TWO_FACTOR_KEY });
}

export function useStartTotpSetup() {
  return useMutation({ mutationFn: () => api<TotpSetup>("/api/auth/two-factor/totp", { method: "POST" }) });
}

export function useConfirmTotp() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (code: string) =>
      api<{ recoveryCodes: string[] | null }>("/api/auth/two-factor/totp/confirm", { method: "POST", body: { code } }),
    onSuccess: refresh,
  });
}

export function useDisableTotp() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (password: string) => api<void>("/api/auth/two-factor/totp", { method: "DELETE", body: { password } }),
    onSuccess: refresh,
  });
}

export function useRegenerateRecoveryCodes() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (password: string) =>
      api<RecoveryCodes>("/api/auth/two-factor/recovery-codes", { method: "POST", body: { password } }),
    onSuccess: refresh,
  });
}

/** Adds a passkey: the challenge, the browser's prompt to create one, the named answer. */
export function useAddPasskey() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (name: string) => {
      const optionsJSON = await api<CreationOptions>("/api/auth/two-factor/passkeys/options", { method: "POST" });
      const response = await startRegistration({ optionsJSON });
      return api<PasskeyAdded>("/api/auth/two-factor/passkeys", { method: "POST", body: { name, response } });
    },
    onSuccess: refresh,
  });
}

export function useDeletePasskey() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: ({ id, password }: { id: string; password: string }) =>
      api<void>(`/api/auth/two-factor/passkeys/${id}`, { method: "DELETE", body: { password } }),
    onSuccess: refresh,
  });
}

export function useTwoFactorPolicy() {
  return useQuery({ queryKey: POLICY_KEY, queryFn: () => api<TwoFactorPolicySetting>("/api/auth/two-factor/policy") });
}

export function useSetTwoFactorPolicy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (policy: TwoFactorPolicy) =>
      api<TwoFactorPolicySetting>("/api/auth/two-factor/policy", { method: "PUT", body: { policy } }),
    onSuccess: (setting) => {
      queryClient.setQueryData(POLICY_KEY, setting);
      queryClient.invalidateQueries({ queryKey: SESSION_QUERY_KEY });
    },
  });
}

export function useResetTwoFactor() {
  return useMutation({
    mutationFn: (userId: string) => api<void>(`/api/users/${userId}/two-factor/reset`, { method: "POST" }),
  });
}

/** The browser's words when a passkey prompt was cancelled or timed out, put plainly. */
export function passkeyErrorMessage(error: unknown): string | null {
  if (error instanceof Error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
    return "The passkey prompt was cancelled or timed out. Try again, or use another way.";
  }
  if (error instanceof Error && error.name === "InvalidStateError") {
    return "This passkey is already registered on your account.";
  }
  return null;
}
