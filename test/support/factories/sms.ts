import type { LightMyRequestResponse } from "fastify";
import type { App } from "../../../src/server/deps.js";
import { STAND_IN_FROM, signedWebhook } from "../twilio-stand-in.js";

let sequence = 0;

/** A MessageSid no other inbound message of this process has. */
export function uniqueMessageSid(): string {
  sequence += 1;
  return `SM${Date.now().toString(16)}${process.pid.toString(16)}${sequence.toString(16).padStart(8, "0")}`;
}

/**
 * A text from `from` arriving as Twilio would deliver it: a signed inbound webhook. The app must
 * be configured with the Twilio stand-in (`useSmsApp`). Returns the webhook's answer.
 */
export function receiveSms(
  app: App,
  sms: { from: string; body: string; messageSid?: string },
): Promise<LightMyRequestResponse> {
  return app.inject(
    signedWebhook("/webhooks/twilio/inbound", {
      MessageSid: sms.messageSid ?? uniqueMessageSid(),
      From: sms.from,
      To: STAND_IN_FROM,
      AccountSid: "AC1",
      Body: sms.body,
    }),
  );
}
