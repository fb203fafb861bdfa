import { z } from "zod";
import { SMS_DIRECTIONS, SMS_PURPOSES, SMS_STATUSES } from "./enums.js";
import { ZPageQuery } from "./pagination.js";

/** The templates of a message to everyone an incident affects (POST /api/incidents/:id/messages). */
export const INCIDENT_TEMPLATE_PURPOSES = [
  "incident_started",
  "incident_update",
  "incident_resolved",
  "maintenance_notice",
] as const;
export type IncidentTemplatePurpose = (typeof INCIDENT_TEMPLATE_PURPOSES)[number];

/** The templates of a technician's visit (docs/field-work.md). */
export const VISIT_TEMPLATE_PURPOSES = ["technician_en_route", "visit_missed", "visit_reminder"] as const;
export type VisitTemplatePurpose = (typeof VISIT_TEMPLATE_PURPOSES)[number];

/** Purposes whose text comes from an editable template (inbound messages have none). */
export const TEMPLATE_PURPOSES = [
  "ticket_created",
  "ticket_assigned",
  "ticket_status",
  "ticket_reply",
  "manual",
  ...INCIDENT_TEMPLATE_PURPOSES,
  ...VISIT_TEMPLATE_PURPOSES,
] as const;
export type TemplatePurpose = (typeof TEMPLATE_PURPOSES)[number];

export const isVisitTemplatePurpose = (purpose: string): purpose is VisitTemplatePurpose =>
  (VISIT_TEMPLATE_PURPOSES as readonly string[]).includes(purpose);

export const isIncidentTemplatePurpose = (purpose: string): purpose is IncidentTemplatePurpose =>
  (INCIDENT_TEMPLATE_PURPOSES as readonly string[]).includes(purpose);

/** Every placeholder a template may use. */
export const TEMPLATE_PLACEHOLDERS = [
  "customer.name",
  "customer.firstName",
  "ticket.number",
  "ticket.subject",
  "ticket.status",
  "technician.name",
  "reply.body",
] as const;
export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];
export type TemplateValues = Record<TemplatePlaceholder, string>;

/**
 * The placeholders of the incident templates (and of a custom incident message). The ETA is
 * written in the ISP's time zone; the site is its public name, else its name.
 */
export const INCIDENT_PLACEHOLDERS = [
  "incident.title",
  "incident.publicMessage",
  "incident.expectedEnd",
  "customer.name",
  "customer.firstName",
  "site.name",
] as const;
export type IncidentPlaceholder = (typeof INCIDENT_PLACEHOLDERS)[number];
export type IncidentTemplateValues = Record<IncidentPlaceholder, string>;

/**
 * The placeholders of the visit templates: the window and day in the ISP's time zone ("between
 * 9:00 AM and 12:00 PM", "tomorrow, Thu, Dec 5"), the technician's first name and the ETA they gave.
 */
export const VISIT_PLACEHOLDERS = [
  "customer.name",
  "customer.firstName",
  "ticket.number",
  "technician.firstName",
  "visit.day",
  "visit.window",
  "visit.eta",
] as const;
export type VisitPlaceholder = (typeof VISIT_PLACEHOLDERS)[number];
export type VisitTemplateValues = Record<VisitPlaceholder, string>;

/** The placeholders a purpose's template may use. */
export function placeholdersFor(purpose: TemplatePurpose): readonly string[] {
  if (isVisitTemplatePurpose(purpose)) return VISIT_PLACEHOLDERS;
  return isIncidentTemplatePurpose(purpose) ? INCIDENT_PLACEHOLDERS : TEMPLATE_PLACEHOLDERS;
}

/** The placeholder that carries a public reply's text: only in, and required by, the reply template. */
export const REPLY_PLACEHOLDER = "reply.body" satisfies TemplatePlaceholder;

export const DEFAULT_TEMPLATES: Record<TemplatePurpose, string> = {
  ticket_created:
    "Hi {{customer.firstName}}, we have opened ticket {{ticket.number}} ({{ticket.subject}}). We will keep you posted by SMS. Reply STOP to opt out.",
  ticket_assigned: "Ticket {{ticket.number}} is assigned to you: {{ticket.subject}} ({{customer.name}}).",
  ticket_status: "Hi {{customer.firstName}}, your ticket {{ticket.number}} is now {{ticket.status}}.",
  ticket_reply: "Hi {{customer.firstName}}, about your ticket {{ticket.number}}: {{reply.body}}",
  manual: "Hi {{customer.firstName}}, about ticket {{ticket.number}}: ",
  incident_started:
    "Hi {{customer.firstName}}, we know about a problem affecting your service in {{site.name}}: {{incident.publicMessage}} Expected back: {{incident.expectedEnd}}.",
  incident_update: "Update on {{incident.title}}: {{incident.publicMessage}} Expected back: {{incident.expectedEnd}}.",
  incident_resolved:
    "Hi {{customer.firstName}}, {{incident.title}} is resolved and your service should be back. If it is not, restart your router or reply to this message.",
  maintenance_notice:
    "Hi {{customer.firstName}}, planned maintenance in {{site.name}}: {{incident.publicMessage}} Expected to end: {{incident.expectedEnd}}.",
  technician_en_route:
    "Hi {{customer.firstName}}, {{technician.firstName}} from your internet provider is on the way and should arrive in about {{visit.eta}}.",
  visit_missed:
    "Hi {{customer.firstName}}, {{technician.firstName}} came by for ticket {{ticket.number}} but could not get in. Reply to this message to book a new visit.",
  visit_reminder:
    "Hi {{customer.firstName}}, a technician visits you {{visit.day}} {{visit.window}} (ticket {{ticket.number}}). Reply 1 to confirm, 2 to change.",
};

/**
 * The name a message greets with: the first whitespace-separated word of the customer's name
 * ("Maria Lopez" → "Maria"); the whole name when it has one word.
 */
export function firstNameOf(name: string): string {
  return name.trim().split(/\s+/)[0] ?? "";
}

/** Sample values for the template editor's live preview. */
export const SAMPLE_TEMPLATE_VALUES: TemplateValues = {
  "customer.name": "Maria Lopez",
  "customer.firstName": "Maria",
  "ticket.number": "T-000123",
  "ticket.subject": "No internet since this morning",
  "ticket.status": "in progress",
  "technician.name": "John Smith",
  "reply.body": "A technician will visit tomorrow between 9 and 11 am.",
};

/** Sample values for the incident templates' preview in the template editor. */
export const SAMPLE_INCIDENT_VALUES: IncidentTemplateValues = {
  "incident.title": "Outage in North Boulder",
  "incident.publicMessage": "A fibre cable was cut; crews are repairing it.",
  "incident.expectedEnd": "Thu 3 Dec, 6:00 PM",
  "customer.name": "Maria Lopez",
  "customer.firstName": "Maria",
  "site.name": "North Boulder",
};

/** Sample values for the visit templates' preview in the template editor. */
export const SAMPLE_VISIT_VALUES: VisitTemplateValues = {
  "customer.name": "Maria Lopez",
  "customer.firstName": "Maria",
  "ticket.number": "T-000123",
  "technician.firstName": "John",
  "visit.day": "tomorrow, Thu, Dec 5",
  "visit.window": "between 9:00 AM and 12:00 PM",
  "visit.eta": "30 minutes",
};

/** The preview values for a purpose's template. */
export function sampleValuesFor(purpose: TemplatePurpose): Readonly<Record<string, string>> {
  if (isVisitTemplatePurpose(purpose)) return SAMPLE_VISIT_VALUES;
  return isIncidentTemplatePurpose(purpose) ? SAMPLE_INCIDENT_VALUES : SAMPLE_TEMPLATE_VALUES;
}

/** Twilio refuses bodies longer than this. */
export const SMS_MAX_LENGTH = 1600;

const PLACEHOLDER_PATTERN = /\{\{\s*([a-zA-Z_.]+)\s*\}\}/g;

/** Placeholders the template uses that its purpose does not fill (the ticket ones when no purpose is named). */
export function unknownPlaceholders(template: string, purpose?: TemplatePurpose): string[] {
  const known = new Set<string>(purpose ? placeholdersFor(purpose) : TEMPLATE_PLACEHOLDERS);
  const unknown = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) {
    if (!known.has(match[1] as string)) unknown.add(match[1] as string);
  }
  return [...unknown];
}

/**
 * What is wrong with a purpose's template, in words (null when nothing): an unknown placeholder,
 * or the reply's text missing from (or misplaced outside) the public-reply template.
 */
export function templateProblem(purpose: TemplatePurpose, template: string): string | null {
  const unknown = unknownPlaceholders(template, purpose);
  if (unknown.length > 0) {
    return `Template: unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(", ")}; use ${placeholdersFor(
      purpose,
    )
      .map((name) => `{{${name}}}`)
      .join(", ")}`;
  }
  const used = new Set([...template.matchAll(PLACEHOLDER_PATTERN)].map((match) => match[1]));
  if (purpose === "ticket_reply" && !used.has(REPLY_PLACEHOLDER)) {
    return `Template: the public reply template must contain {{${REPLY_PLACEHOLDER}}}, where the reply's text goes`;
  }
  if (purpose !== "ticket_reply" && used.has(REPLY_PLACEHOLDER)) {
    return `Template: {{${REPLY_PLACEHOLDER}}} can only be used in the public reply template`;
  }
  return null;
}

/** Fills the placeholders; the result is plain text (an SMS), never HTML. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return fillPlaceholders(template, values).slice(0, SMS_MAX_LENGTH);
}

/** The template with its placeholders filled, uncut (to check it fits SMS_MAX_LENGTH before sending). */
export function fillPlaceholders(template: string, values: Readonly<Record<string, string>>): string {
  // Object.hasOwn, not `in`: {{constructor}} or {{toString}} must stay text, not become a JS function's source.
  const rendered = template.replace(PLACEHOLDER_PATTERN, (whole, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : whole,
  );
  return rendered.trim();
}

/** The placeholder names a template uses, each once, in order. */
export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER_PATTERN)].map((match) => match[1] as string))];
}

export const ZSmsLog = z.object({
  id: z.uuid(),
  direction: z.enum(SMS_DIRECTIONS),
  to: z.string().nullable(),
  from: z.string().nullable(),
  body: z.string(),
  purpose: z.enum(SMS_PURPOSES),
  ticketId: z.uuid().nullable(),
  ticketNumber: z.string().nullable(),
  customerId: z.uuid().nullable(),
  customerName: z.string().nullable(),
  userId: z.uuid().nullable(),
  userName: z.string().nullable(),
  /** The public reply (ticket comment) this message carries (purpose ticket_reply). */
  commentId: z.uuid().nullable(),
  status: z.enum(SMS_STATUSES),
  reason: z.string().nullable(),
  providerSid: z.string().nullable(),
  errorCode: z.string().nullable(),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SmsLog = z.infer<typeof ZSmsLog>;

export const ZSmsLogPage = z.object({ items: z.array(ZSmsLog), nextCursor: z.string().nullable() });
export type SmsLogPage = z.infer<typeof ZSmsLogPage>;

const ZDateFilter = z.iso
  .datetime({ offset: true, error: "must be a date and time such as 2026-01-31T00:00:00Z" })
  // 0001-01-01T00:00:00+14:00 is year 0 in UTC, 9999-12-31T23:59:59-23:59 year 10000: PostgreSQL takes neither.
  .refine((value) => {
    const year = new Date(value).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, "must be a date and time between the years 1 and 9999");

export const ZSmsLogQuery = z.object({
  status: z.enum(SMS_STATUSES).optional(),
  purpose: z.enum(SMS_PURPOSES).optional(),
  direction: z.enum(SMS_DIRECTIONS).optional(),
  ticketId: z.uuid({ error: "must be a ticket id" }).optional(),
  customerId: z.uuid({ error: "must be a customer id" }).optional(),
  since: ZDateFilter.optional(),
  until: ZDateFilter.optional(),
  q: z.string().trim().max(200).optional(),
});
export type SmsLogQuery = z.infer<typeof ZSmsLogQuery>;

/** GET /api/sms: the filters and a page. */
export const ZSmsLogListQuery = ZSmsLogQuery.extend(ZPageQuery.shape);
export type SmsLogListQuery = z.infer<typeof ZSmsLogListQuery>;

export const ZSendSms = z.object({
  ticketId: z.uuid({ error: "Ticket: choose a ticket" }),
  body: z
    .string()
    .trim()
    .min(1, "Message: write something to send")
    .max(SMS_MAX_LENGTH, `Message: at most ${SMS_MAX_LENGTH} characters`),
});
export type SendSms = z.infer<typeof ZSendSms>;

export const ZSmsTemplate = z.object({
  purpose: z.enum(TEMPLATE_PURPOSES),
  body: z.string(),
  isDefault: z.boolean(),
  defaultBody: z.string(),
  updatedAt: z.string().nullable(),
});
export type SmsTemplate = z.infer<typeof ZSmsTemplate>;

export const ZUpdateSmsTemplate = z.object({
  body: z
    .string()
    .trim()
    .min(1, "Template: write the message text")
    .max(SMS_MAX_LENGTH, `Template: at most ${SMS_MAX_LENGTH} characters`),
});

/** What became of a public reply's SMS: on the created comment and beside the reply in the timeline. */
export const ZCommentSms = z
  .object({
    id: z.uuid(),
    status: z.enum(SMS_STATUSES),
    /** Why it was skipped or failed, in words. */
    reason: z.string().nullable(),
    to: z.string().nullable(),
    errorCode: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: "CommentSms" });
export type CommentSms = z.infer<typeof ZCommentSms>;

export const ZSmsStatusQuery = z.object({ ticketId: z.uuid({ error: "ticketId must be a ticket id" }).optional() });

/** GET /api/sms/status: whether anything can be texted, and (with ticketId) to this ticket's customer. */
export const ZSmsStatus = z
  .object({
    /** Twilio's account, token and number are all set. */
    configured: z.boolean(),
    /** Why nothing can be sent, in words for anyone (no setting names); null when configured. */
    reason: z.string().nullable(),
    /** Admins only (null for others): what to set on the server, by name. */
    adminHint: z.string().nullable(),
    /** With ?ticketId: whether a message to the ticket's customer would go out now, and why not. */
    recipient: z.object({ canSend: z.boolean(), reason: z.string().nullable(), to: z.string().nullable() }).nullable(),
  })
  .meta({ id: "SmsAvailability" });
export type SmsStatusInfo = z.infer<typeof ZSmsStatus>;
