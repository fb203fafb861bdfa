import { createHmac, randomBytes } from "node:crypto";

/** Standard Webhooks secrets: `whsec_` and the base64 of the key (32 random bytes). */
const SECRET_PREFIX = "whsec_";

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

/** A `webhook-id`: unique per event, the same for every attempt and redelivery of it. */
export function generateMessageId(): string {
  return `msg_${randomBytes(16).toString("base64url")}`;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the secret's key. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64")}`;
}

/**
 * The three Standard Webhooks headers for one attempt. During a rotation's overlap both secrets
 * sign, space-separated, so a receiver that still knows only the old one keeps verifying.
 */
export function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "Uplink-Webhooks/1",
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": secrets.map((secret) => signWebhook(secret, id, timestampSeconds, body)).join(" "),
  };
}
