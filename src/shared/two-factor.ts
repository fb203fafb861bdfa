import { z } from "zod";

/**
 * Two-factor sign-in (docs/security.md): an authenticator app (TOTP), passkeys (WebAuthn), and
 * ten single-use recovery codes.
 */

/** Who must have a second factor: nobody, admins, or every staff member. */
export const TWO_FACTOR_POLICIES = ["off", "admins", "all"] as const;
export type TwoFactorPolicy = (typeof TWO_FACTOR_POLICIES)[number];

export const TWO_FACTOR_POLICY_LABELS: Record<TwoFactorPolicy, string> = {
  off: "Not required",
  admins: "Required for admins",
  all: "Required for everyone",
};

/** The ways a second step can be answered. */
export const SECOND_FACTOR_METHODS = ["totp", "recovery_code", "passkey"] as const;
export type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];

/** The pending sign-in's cookie: set by a right password, spent by the second step. */
export const PENDING_LOGIN_COOKIE = "uplink_pending_login";

/** How many recovery codes a person gets at once. */
export const RECOVERY_CODE_COUNT = 10;

/** `POST /api/auth/login` when the password was right and a second step is needed (202, no session yet). */
export const ZSecondFactorRequired = z
  .object({
    secondFactor: z.object({
      methods: z.array(z.enum(SECOND_FACTOR_METHODS)),
      expiresAt: z.iso.datetime({ offset: true }),
    }),
  })
  .meta({ id: "SecondFactorRequired" });
export type SecondFactorRequired = z.infer<typeof ZSecondFactorRequired>;

const ZTotpCode = z
  .string({ error: "Enter the 6-digit code from your authenticator app" })
  .trim()
  .transform((code) => code.replace(/\s+/g, ""))
  .pipe(z.string().regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app"));

/** Recovery codes are shown as xxxxx-xxxxx (base32 letters and digits); case and dashes do not matter. */
const ZRecoveryCode = z
  .string({ error: "Enter one of your recovery codes" })
  .trim()
  .max(40, "Enter one of your recovery codes")
  .transform((code) => code.replace(/[\s-]+/g, "").toLowerCase())
  .pipe(z.string().regex(/^[a-z2-7]{16}$/, "A recovery code has 16 letters and digits, such as abcd-efgh-ijk2-mn34"));

/** The second step answered with a code. */
export const ZSecondFactorCode = z.discriminatedUnion("method", [
  z.object({ method: z.literal("totp"), code: ZTotpCode }).strict(),
  z.object({ method: z.literal("recovery_code"), code: ZRecoveryCode }).strict(),
]);
export type SecondFactorCode = z.input<typeof ZSecondFactorCode>;

const ZBase64Url = z
  .string()
  .max(65_536)
  .regex(/^[A-Za-z0-9_-]*={0,2}$/, "must be base64url");

/** What the browser answers navigator.credentials.create() with (@simplewebauthn/browser's JSON). */
export const ZPasskeyRegistrationResponse = z
  .object({
    id: ZBase64Url.min(1).max(1024),
    rawId: ZBase64Url.min(1).max(1024),
    type: z.literal("public-key"),
    response: z
      .object({
        clientDataJSON: ZBase64Url,
        attestationObject: ZBase64Url,
        authenticatorData: ZBase64Url.optional(),
        transports: z.array(z.string().max(32)).max(10).optional(),
        publicKeyAlgorithm: z.number().int().optional(),
        publicKey: ZBase64Url.optional(),
      })
      .strict(),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
    clientExtensionResults: z.record(z.string().max(100), z.unknown()),
  })
  .strict();
export type PasskeyRegistrationResponse = z.infer<typeof ZPasskeyRegistrationResponse>;

/** What the browser answers navigator.credentials.get() with. */
export const ZPasskeyAssertion = z
  .object({
    id: ZBase64Url.min(1).max(1024),
    rawId: ZBase64Url.min(1).max(1024),
    type: z.literal("public-key"),
    response: z
      .object({
        clientDataJSON: ZBase64Url,
        authenticatorData: ZBase64Url,
        signature: ZBase64Url,
        userHandle: ZBase64Url.optional(),
      })
      .strict(),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
    clientExtensionResults: z.record(z.string().max(100), z.unknown()),
  })
  .strict();
export type PasskeyAssertion = z.infer<typeof ZPasskeyAssertion>;

export const ZPasskeySignIn = z.object({ response: ZPasskeyAssertion }).strict();

/**
 * The options a browser needs for navigator.credentials (@simplewebauthn's
 * PublicKeyCredential{Creation,Request}OptionsJSON), passed through as they are.
 */
export const ZWebAuthnOptions = z.record(z.string(), z.unknown()).meta({ id: "WebAuthnOptions" });

export const ZAddPasskey = z
  .object({
    name: z
      .string({ error: "Name the passkey" })
      .trim()
      .min(1, "Name the passkey, such as “Work laptop”")
      .max(60, "The name must be at most 60 characters"),
    response: ZPasskeyRegistrationResponse,
  })
  .strict();
export type AddPasskey = z.infer<typeof ZAddPasskey>;

export const ZPasskey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    backedUp: z.boolean(),
    createdAt: z.iso.datetime({ offset: true }),
    lastUsedAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .meta({ id: "Passkey" });
export type Passkey = z.infer<typeof ZPasskey>;

/** One's own second factors (Profile → Two-factor sign-in). */
export const ZTwoFactorStatus = z
  .object({
    /** Whether sign-in asks for a second step (an authenticator app or a passkey is set up). */
    enabled: z.boolean(),
    totp: z.object({ enabled: z.boolean(), confirmedAt: z.iso.datetime({ offset: true }).nullable() }),
    passkeys: z.array(ZPasskey),
    recoveryCodesLeft: z.number().int(),
    /** Whether the installation's policy requires this person to have a second factor. */
    required: z.boolean(),
  })
  .meta({ id: "TwoFactorStatus" });
export type TwoFactorStatus = z.infer<typeof ZTwoFactorStatus>;

/** A new authenticator app's secret, to scan or type in; proven by a first code (confirm). */
export const ZTotpSetup = z
  .object({
    secret: z.string(),
    otpauthUrl: z.string(),
    /** The otpauth URL as a QR code (an SVG data: URL). */
    qrCode: z.string(),
  })
  .meta({ id: "TotpSetup" });
export type TotpSetup = z.infer<typeof ZTotpSetup>;

export const ZConfirmTotp = z.object({ code: ZTotpCode }).strict();

/** Recovery codes as shown once: when the first factor is set up, and when they are made anew. */
export const ZRecoveryCodes = z.object({ recoveryCodes: z.array(z.string()) }).meta({ id: "RecoveryCodes" });
export type RecoveryCodes = z.infer<typeof ZRecoveryCodes>;

/** The answer to enrolling a factor: the recovery codes when this was the first factor, else none. */
export const ZFactorAdded = z.object({ recoveryCodes: z.array(z.string()).nullable() }).meta({ id: "FactorAdded" });

export const ZPasskeyAdded = z
  .object({ passkey: ZPasskey, recoveryCodes: z.array(z.string()).nullable() })
  .meta({ id: "PasskeyAdded" });
export type PasskeyAdded = z.infer<typeof ZPasskeyAdded>;

/** Turning a factor off or making new recovery codes asks for the password again. */
export const ZPasswordConfirmation = z
  .object({ password: z.string({ error: "Enter your password" }).min(1, "Enter your password").max(200) })
  .strict();
export type PasswordConfirmation = z.infer<typeof ZPasswordConfirmation>;

export const ZTwoFactorPolicySetting = z
  .object({
    policy: z.enum(TWO_FACTOR_POLICIES),
    /** Set when REQUIRE_2FA in the server's environment decides (the setting cannot change it then). */
    fromEnvironment: z.boolean(),
  })
  .meta({ id: "TwoFactorPolicy" });
export type TwoFactorPolicySetting = z.infer<typeof ZTwoFactorPolicySetting>;

export const ZUpdateTwoFactorPolicy = z
  .object({ policy: z.enum(TWO_FACTOR_POLICIES, { error: "Choose off, admins or all" }) })
  .strict();
