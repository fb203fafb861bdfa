import fastifyFormbody from "@fastify/formbody";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { AppError } from "../http/errors.js";
import { applyStatusCallback, type InboundSmsHandler, receiveInboundSms } from "./sms.inbound.js";
import { isValidTwilioSignature } from "./sms.signature.js";

/** Twilio reads the answer as TwiML; an empty one means "no reply message". */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

const ZStatusCallback = z.looseObject({
  MessageSid: z.string().min(1),
  MessageStatus: z.string().min(1),
  ErrorCode: z.string().optional(),
});

const ZInboundMessage = z.looseObject({
  MessageSid: z.string().min(1),
  From: z.string().min(1),
  To: z.string().default(""),
  Body: z.string().default(""),
});

/**
 * Checks X-Twilio-Signature (HMAC-SHA1 of PUBLIC_URL + path + sorted form fields, keyed with the
 * auth token) before the body is even validated: anything unsigned gets 403 and changes nothing.
 */
function verifyTwilioSignature(app: App) {
  return async (request: FastifyRequest) => {
    const { TWILIO_AUTH_TOKEN: authToken, PUBLIC_URL: publicUrl } = app.deps.config;
    if (!authToken || !publicUrl) {
      throw new AppError(
        403,
        "twilio.webhook_not_configured",
        "Twilio webhooks need TWILIO_AUTH_TOKEN and PUBLIC_URL to verify signatures.",
      );
    }
    const signature = request.headers["x-twilio-signature"];
    const params = (request.body && typeof request.body === "object" ? request.body : {}) as Record<string, unknown>;
    if (
      typeof signature !== "string" ||
      !isValidTwilioSignature(authToken, signature, `${publicUrl}${request.url}`, params)
    ) {
      throw new AppError(
        403,
        "twilio.signature_invalid",
        "The X-Twilio-Signature header is missing or does not match.",
      );
    }
  };
}

export interface SmsWebhookOptions {
  /** What a received text does in the CRM (tickets/tickets.sms-replies.ts). */
  onInboundSms: InboundSmsHandler;
}

export async function smsWebhookRoutes(app: App, options: SmsWebhookOptions) {
  // Form bodies are Twilio's format, and accepted here only: an /api route that took them would
  // let a plain cross-site HTML form post to it (e.g. sign a victim into the attacker's account).
  // And only them here: the signature check reads flat text fields, never a JSON body's objects.
  app.removeAllContentTypeParsers();
  await app.register(fastifyFormbody, { bodyLimit: 65_536 });
  const verify = verifyTwilioSignature(app);
  const ctx = serviceContext(app.deps);

  app.post(
    "/webhooks/twilio/status",
    {
      config: { access: "public" },
      preValidation: verify,
      schema: { tags: ["sms"], summary: "Twilio delivery receipt (signed form post)", body: ZStatusCallback },
    },
    async (request, reply) => {
      const { MessageSid, MessageStatus, ErrorCode } = request.body;
      await applyStatusCallback(ctx, {
        messageSid: MessageSid,
        messageStatus: MessageStatus,
        errorCode: ErrorCode || null,
      });
      return reply.type("text/xml").send(EMPTY_TWIML);
    },
  );

  app.post(
    "/webhooks/twilio/inbound",
    {
      config: { access: "public" },
      preValidation: verify,
      schema: { tags: ["sms"], summary: "A subscriber's text message (signed form post)", body: ZInboundMessage },
    },
    async (request, reply) => {
      const { MessageSid, From, To, Body } = request.body;
      await receiveInboundSms(ctx, { messageSid: MessageSid, from: From, to: To, body: Body }, options.onInboundSms);
      return reply.type("text/xml").send(EMPTY_TWIML);
    },
  );
}
