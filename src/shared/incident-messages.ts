import { z } from "zod";
import { SMS_MAX_LENGTH } from "./sms.js";

/**
 * One message to everyone an incident affects (POST /api/incidents/:id/messages), its preview,
 * its progress, and the SMS quiet hours it respects (docs/incidents.md).
 */
const isoTime = z.iso.datetime({ offset: true });

export const INCIDENT_MESSAGE_TEMPLATES = [
  "incident_started",
  "incident_update",
  "incident_resolved",
  "maintenance_notice",
] as const;
export type IncidentMessageTemplate = (typeof INCIDENT_MESSAGE_TEMPLATES)[number];

/** Why an affected customer gets no message. */
export const INCIDENT_SKIP_REASONS = ["opted_out", "no_valid_mobile", "shared_number"] as const;
export type IncidentSkipReason = (typeof INCIDENT_SKIP_REASONS)[number];

/** Above this many recipients only an admin or an agent may send (technicians get 403). */
export const BULK_MESSAGE_LIMIT = 50;

/** A template, or a custom text with the same placeholders; `duringQuietHours` sends at once in quiet hours. */
export const ZIncidentMessageInput = z
  .object({
    template: z
      .enum(INCIDENT_MESSAGE_TEMPLATES, {
        error: `Template must be one of: ${INCIDENT_MESSAGE_TEMPLATES.join(", ")}`,
      })
      .optional(),
    body: z
      .string({ error: "Message must be text" })
      .trim()
      .min(1, "Message: write something to send")
      .max(SMS_MAX_LENGTH, `Message: at most ${SMS_MAX_LENGTH} characters`)
      .optional(),
    duringQuietHours: z.boolean({ error: "duringQuietHours must be true or false" }).default(false),
  })
  .strict()
  .refine((input) => (input.template === undefined) !== (input.body === undefined), {
    message: "Choose a template or write a message (one of them)",
    path: ["template"],
  });
export type IncidentMessageInput = z.output<typeof ZIncidentMessageInput>;

const ZSkipped = z.record(z.enum(INCIDENT_SKIP_REASONS), z.number().int());

/** What a send would do: one rendered sample, whom it reaches, what it costs, whom it skips. */
export const ZIncidentMessagePreview = z
  .object({
    /** The message as the first recipient would get it; null when nobody would get one. */
    sample: z.string().nullable(),
    /** Distinct phone numbers a message goes to. */
    recipients: z.number().int(),
    /** Segments of the sample (each recipient's message may differ by a name's length). */
    segmentsPerMessage: z.number().int(),
    /** Segments of all messages together, each counted. */
    totalSegments: z.number().int(),
    skipped: ZSkipped,
    /** Needs an admin or an agent (more than BULK_MESSAGE_LIMIT recipients). */
    needsBulkRole: z.boolean(),
    quietHours: z.object({
      /** Quiet hours are on now. */
      active: z.boolean(),
      /** When they end (the messages would leave then, unless sent during quiet hours). */
      endsAt: isoTime.nullable(),
      /** Whether this message may be sent during quiet hours (a maintenance notice may not). */
      mayOverride: z.boolean(),
    }),
  })
  .meta({ id: "IncidentMessagePreview" });
export type IncidentMessagePreview = z.infer<typeof ZIncidentMessagePreview>;

export const INCIDENT_MESSAGE_STATES = ["queued", "sent", "delivered", "failed", "skipped", "cancelled"] as const;

/** One send and how far it has gone. */
export const ZIncidentMessage = z
  .object({
    id: z.uuid(),
    incidentId: z.uuid(),
    template: z.enum(INCIDENT_MESSAGE_TEMPLATES).nullable(),
    /** The text before its placeholders were filled. */
    body: z.string(),
    recipients: z.number().int(),
    skipped: ZSkipped,
    /** Held by quiet hours until then; null when it went at once. */
    holdUntil: isoTime.nullable(),
    duringQuietHours: z.boolean(),
    createdBy: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    createdAt: isoTime,
    cancelledAt: isoTime.nullable(),
    /** SMS rows by state: queued (waiting or being sent), sent, delivered, failed (or undelivered), skipped, cancelled. */
    counts: z.object({
      queued: z.number().int(),
      sent: z.number().int(),
      delivered: z.number().int(),
      failed: z.number().int(),
      skipped: z.number().int(),
      cancelled: z.number().int(),
    }),
  })
  .meta({ id: "IncidentMessage" });
export type IncidentMessage = z.infer<typeof ZIncidentMessage>;

export const ZIncidentMessageList = z.object({ items: z.array(ZIncidentMessage) }).meta({ id: "IncidentMessageList" });
export type IncidentMessageList = z.infer<typeof ZIncidentMessageList>;

export const ZCancelIncidentMessageResult = z
  .object({ message: ZIncidentMessage, cancelled: z.number().int() })
  .meta({ id: "CancelIncidentMessageResult" });
export type CancelIncidentMessageResult = z.infer<typeof ZCancelIncidentMessageResult>;

const ZClockTime = z
  .string({ error: "must be a time such as 21:00" })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time such as 21:00 (24-hour)");

/** SMS quiet hours in the ISP's time zone; null start and end: none. */
export const ZQuietHours = z
  .object({
    start: ZClockTime.nullable(),
    end: ZClockTime.nullable(),
  })
  .strict()
  .refine((hours) => (hours.start === null) === (hours.end === null), {
    message: "Set both the start and the end, or neither",
    path: ["end"],
  })
  .refine((hours) => hours.start === null || hours.start !== hours.end, {
    message: "The end must differ from the start",
    path: ["end"],
  });
export type QuietHours = z.output<typeof ZQuietHours>;

export const ZQuietHoursSetting = z
  .object({ start: z.string().nullable(), end: z.string().nullable(), timeZone: z.string() })
  .meta({ id: "SmsQuietHours" });
export type QuietHoursSetting = z.infer<typeof ZQuietHoursSetting>;
