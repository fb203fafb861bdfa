import { z } from "zod";
import { ZBooleanParam, ZPageQuery } from "./pagination.js";

/**
 * The bell (docs/notifications.md): what a staff member is told, in the app, by the browser while
 * the tab is in the background, and (technicians who choose it) by SMS.
 */
export const NOTIFICATION_KINDS = [
  /** A ticket was assigned to you (on creation or reassigned). */
  "assigned",
  /** A customer replied by SMS on a ticket assigned to you. */
  "sms_reply",
  /** A first-response or resolution target of your ticket is less than 30 minutes away. */
  "sla_due_soon",
  /** … or has passed. */
  "sla_overdue",
  /** Someone wrote `@Your Name` or `@handle` in an internal note. */
  "mentioned",
  /** An incident was opened (to everyone who keeps it on). */
  "incident_opened",
  /** A visit of yours moved to another time or technician. */
  "visit_moved",
  /** A webhook endpoint was disabled automatically (410 Gone, or 3 days of failures): to every admin. */
  "webhook_disabled",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The kinds a technician may also get by SMS. */
export const SMS_NOTIFICATION_KINDS = ["assigned", "mentioned"] as const satisfies readonly NotificationKind[];
export type SmsNotificationKind = (typeof SMS_NOTIFICATION_KINDS)[number];
export const isSmsNotificationKind = (kind: string): kind is SmsNotificationKind =>
  (SMS_NOTIFICATION_KINDS as readonly string[]).includes(kind);

/** "About to be due": a target this close (or closer) gets `sla_due_soon`. */
export const SLA_DUE_SOON_MINUTES = 30;

const isoTime = z.iso.datetime({ offset: true });

export const ZNotification = z
  .object({
    id: z.number().int(),
    kind: z.enum(NOTIFICATION_KINDS),
    title: z.string(),
    body: z.string(),
    /** Where it leads in the app ("/tickets/…"). */
    link: z.string().nullable(),
    ticketId: z.uuid().nullable(),
    incidentId: z.uuid().nullable(),
    visitId: z.uuid().nullable(),
    /** Who caused it; null for the system (the SLA clock) or a customer's SMS. */
    actor: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    readAt: isoTime.nullable(),
    createdAt: isoTime,
  })
  .meta({ id: "Notification" });
export type Notification = z.infer<typeof ZNotification>;

export const ZNotificationListQuery = ZPageQuery.extend({
  /** Only the unread ones. */
  unread: ZBooleanParam("unread").optional(),
});
export type NotificationListQuery = z.infer<typeof ZNotificationListQuery>;

export const ZNotificationList = z
  .object({
    items: z.array(ZNotification),
    nextCursor: z.string().nullable(),
    /** All of your unread notifications, whatever the page holds. */
    unreadCount: z.number().int().min(0),
  })
  .meta({ id: "NotificationList" });
export type NotificationList = z.infer<typeof ZNotificationList>;

export const ZNotificationId = z.object({
  id: z.coerce
    .number({ error: "id must be a notification id (a number)" })
    .int("id must be a notification id (a whole number)")
    .min(1, "id must be a notification id (1 or more)")
    .max(Number.MAX_SAFE_INTEGER, "id must be a notification id"),
});

export const ZMarkedRead = z.object({
  /** How many were unread and now are read. */
  marked: z.number().int().min(0),
  unreadCount: z.number().int().min(0),
});
export type MarkedRead = z.infer<typeof ZMarkedRead>;

/** How one kind reaches you. */
const ZChannels = z.object({
  /** In the bell. Off: nothing is written for you (nor shown by the browser). */
  inApp: z.boolean(),
  /** By the browser (the Notification API) while Uplink's tab is in the background. */
  browser: z.boolean(),
});
/** For the kinds a technician may also get by SMS. */
const ZSmsChannels = ZChannels.extend({ sms: z.boolean() });

export const ZNotificationPreferences = z
  .object({
    kinds: z.object({
      /**
       * `sms`: the assignment SMS every technician gets today (on by default); `smsUrgentOnly`
       * keeps it to tickets of urgent and high priority.
       */
      assigned: ZSmsChannels.extend({ smsUrgentOnly: z.boolean() }),
      sms_reply: ZChannels,
      sla_due_soon: ZChannels,
      sla_overdue: ZChannels,
      mentioned: ZSmsChannels,
      incident_opened: ZChannels,
      visit_moved: ZChannels,
      webhook_disabled: ZChannels,
    }),
    /** Whether SMS is offered to you (technicians only); others' `sms` settings change nothing. */
    smsOffered: z.boolean(),
  })
  .meta({ id: "NotificationPreferences" });
export type NotificationPreferences = z.infer<typeof ZNotificationPreferences>;
export type NotificationKindPreferences = NotificationPreferences["kinds"];

const flag = (name: string) => z.boolean({ error: `${name} must be true or false` }).optional();
const channelsPatch = (kind: string) =>
  z.object({ inApp: flag(`${kind}.inApp`), browser: flag(`${kind}.browser`) }).strict();
const smsChannelsPatch = (kind: string) =>
  channelsPatch(kind)
    .extend({ sms: flag(`${kind}.sms`) })
    .strict();

/** PUT …/preferences: the switches to change (any subset); the rest stay as they are. */
export const ZUpdateNotificationPreferences = z
  .object({
    kinds: z
      .object({
        assigned: smsChannelsPatch("assigned")
          .extend({ smsUrgentOnly: flag("assigned.smsUrgentOnly") })
          .strict()
          .optional(),
        sms_reply: channelsPatch("sms_reply").optional(),
        sla_due_soon: channelsPatch("sla_due_soon").optional(),
        sla_overdue: channelsPatch("sla_overdue").optional(),
        mentioned: smsChannelsPatch("mentioned").optional(),
        incident_opened: channelsPatch("incident_opened").optional(),
        visit_moved: channelsPatch("visit_moved").optional(),
        webhook_disabled: channelsPatch("webhook_disabled").optional(),
      })
      .strict(),
  })
  .strict();
export type UpdateNotificationPreferences = z.infer<typeof ZUpdateNotificationPreferences>;

/**
 * Everyone's starting point: everything in the bell; the browser for what is about you and
 * needs you soon (an assignment, a mention, a customer's reply); the assignment SMS technicians
 * have always had, every assignment; mentions by SMS only when chosen.
 */
export const DEFAULT_NOTIFICATION_PREFERENCES: NotificationKindPreferences = {
  assigned: { inApp: true, browser: true, sms: true, smsUrgentOnly: false },
  sms_reply: { inApp: true, browser: true },
  sla_due_soon: { inApp: true, browser: false },
  sla_overdue: { inApp: true, browser: false },
  mentioned: { inApp: true, browser: true, sms: false },
  incident_opened: { inApp: true, browser: false },
  visit_moved: { inApp: true, browser: false },
  webhook_disabled: { inApp: true, browser: false },
};

/** Someone a note can mention: the autocomplete's entries. */
export const ZMentionable = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The part of their email before the @: `@handle` mentions them too. */
  handle: z.string(),
});
export type Mentionable = z.infer<typeof ZMentionable>;

export const ZMentionableQuery = z.object({
  q: z.string().trim().max(200, "q must be at most 200 characters").optional(),
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, "limit must be between 1 and 50")
    .max(50, "limit must be between 1 and 50")
    .default(10),
});
export const ZMentionableList = z.object({ items: z.array(ZMentionable) });
export type MentionableList = z.infer<typeof ZMentionableList>;

/**
 * The `@mentions` in a note: each active staff member written as `@Full Name` or `@handle` (their
 * email's part before the @), any case, where the @ starts a word and the name or handle ends
 * one. Shared so the comment box can show whom a note will tell with the server's own rule.
 */
export function findMentions<T extends { name: string; handle: string }>(text: string, staff: readonly T[]): T[] {
  const lower = text.toLowerCase();
  const found: T[] = [];
  for (const person of staff) {
    const names = [person.name, person.handle].map((name) => name.trim().toLowerCase()).filter((name) => name !== "");
    if (names.some((name) => mentionsName(lower, name))) found.push(person);
  }
  return found;
}

/** Letters, digits and the characters of an email's local part: a mention may not run into them. */
const WORD_CHARACTER = /[\p{L}\p{N}_.+-]/u;

function mentionsName(text: string, name: string): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf(`@${name}`, from);
    if (at < 0) return false;
    const before = at === 0 ? "" : (text[at - 1] ?? "");
    const after = text.slice(at + 1 + name.length, at + 2 + name.length);
    // "@Jane Tech." ends a sentence: a final dot is punctuation, not part of the handle.
    const afterDot = after === "." && !WORD_CHARACTER.test(text.slice(at + 2 + name.length, at + 3 + name.length));
    if (!WORD_CHARACTER.test(before) && (after === "" || afterDot || !WORD_CHARACTER.test(after))) return true;
    from = at + 1;
  }
}
