import { z } from "zod";
import { ZCursor, ZLimit } from "./pagination.js";

/** The kinds of record the audit log names, as people call them (others show as written). */
export const AUDIT_RECORD_TYPE_LABELS: Readonly<Record<string, string>> = {
  customer: "Customer",
  ticket: "Ticket",
  incident: "Incident",
  visit: "Visit",
  user: "Staff member",
  api_token: "API token",
  attachment: "Attachment",
  service_plan: "Service plan",
  site: "Network site",
  sms: "SMS",
  sms_template: "SMS template",
  settings: "Settings",
  webhook: "Webhook",
};

/** The address of a record's page in the web app, when it has one. */
export function auditRecordPath(entityType: string, entityId: string | null): string | null {
  if (!entityId) return null;
  const id = encodeURIComponent(entityId);
  switch (entityType) {
    case "customer":
      return `/customers/${id}`;
    case "ticket":
      return `/tickets/${id}`;
    case "incident":
      return `/incidents/${id}`;
    default:
      return null;
  }
}

/** How the change reached Uplink: a signed-in browser, an API token, a sign-in attempt, or Uplink itself. */
export const AUDIT_VIA = ["session", "token", "sign_in", "system"] as const;
export type AuditVia = (typeof AUDIT_VIA)[number];

const ZWhen = (name: string) =>
  z.iso.datetime({ offset: true, error: `${name} must be a date and time (ISO 8601, e.g. 2026-05-01T00:00:00Z)` });

/** GET /api/audit and its CSV export: every filter optional, all of them combined with AND. */
const ZAuditFilterFields = z
  .object({
    /** Who did it (a staff id). */
    actorId: z.uuid("actorId must be a staff id (UUID)").optional(),
    /** The kind of record: customer, ticket, user, … */
    entityType: z
      .string()
      .trim()
      .regex(/^[a-z_]{1,50}$/, "entityType must be a record type such as customer or ticket")
      .optional(),
    /** One record's history (with entityType). */
    entityId: z.string().trim().min(1).max(100, "entityId must be at most 100 characters").optional(),
    /** What was done, exactly as logged: customer.update, auth.login, … */
    action: z
      .string()
      .trim()
      .regex(/^[a-z_.]{1,100}$/, "action must be an action such as customer.update")
      .optional(),
    /** From this time on (inclusive). */
    from: ZWhen("from").optional(),
    /** Before this time (exclusive). */
    to: ZWhen("to").optional(),
  })
  .strict();
const fromBeforeTo = (filter: { from?: string; to?: string }) =>
  !filter.from || !filter.to || Date.parse(filter.from) < Date.parse(filter.to);
const FROM_BEFORE_TO = { message: "to must be after from", path: ["to"] };

export const ZAuditFilter = ZAuditFilterFields.refine(fromBeforeTo, FROM_BEFORE_TO);
export type AuditFilter = z.infer<typeof ZAuditFilter>;

export const ZAuditListQuery = ZAuditFilterFields.extend({ limit: ZLimit, cursor: ZCursor.optional() }).refine(
  fromBeforeTo,
  FROM_BEFORE_TO,
);
export type AuditListQuery = z.infer<typeof ZAuditListQuery>;

export const ZAuditEntry = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime({ offset: true }),
    /** Who did it; null for Uplink itself (an inbound SMS, a scheduled job) or a deleted account. */
    actor: z.object({ id: z.uuid(), name: z.string(), email: z.string() }).nullable(),
    via: z.enum(AUDIT_VIA),
    /** The API token it came through (via "token"). */
    token: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    /** The address the request came from. */
    ip: z.string().nullable(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string().nullable(),
    /** The record as people know it ("C-000042 Ada Lovelace", "T-000007 No signal"), while it exists. */
    record: z.string().nullable(),
    /** What was logged with it: for changes, `changes: {field: {from, to}}`. */
    data: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: "AuditEntry" });
export type AuditEntry = z.infer<typeof ZAuditEntry>;

export const ZAuditList = z
  .object({ items: z.array(ZAuditEntry), nextCursor: z.string().nullable() })
  .meta({ id: "AuditList" });
export type AuditList = z.infer<typeof ZAuditList>;

/** One field's change in a readable list: from `changes: {f: {from, to}}`, or `from`/`to` of the whole. */
export interface AuditChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** The before/after pairs an entry's data holds, if any (customers, tickets, settings log them). */
export function auditChanges(data: Record<string, unknown> | null): AuditChange[] {
  if (!data) return [];
  const changes = data.changes;
  if (changes && typeof changes === "object" && !Array.isArray(changes)) {
    return Object.entries(changes as Record<string, unknown>).flatMap(([field, change]) =>
      change && typeof change === "object" && "from" in change && "to" in change
        ? [{ field, from: (change as { from: unknown }).from, to: (change as { to: unknown }).to }]
        : [],
    );
  }
  if ("from" in data && "to" in data) return [{ field: "value", from: data.from, to: data.to }];
  return [];
}

/** A logged value as text: empty for null, JSON for objects. */
export function auditValueText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
