/** Enumerations shared by the database schema, the API schemas and the web app. */

/** admin: everything; agent: office staff (no settings, no archiving); technician: field staff. */
export const USER_ROLES = ["admin", "agent", "technician"] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const SITE_KINDS = ["tower", "pop", "olt", "cabinet", "other"] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

export const CONNECTION_TYPES = ["fiber", "cable", "dsl", "fixed_wireless", "satellite", "other"] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

export const CUSTOMER_STATUSES = ["lead", "pending_install", "active", "suspended", "cancelled"] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export const TICKET_CATEGORIES = [
  "no_service",
  "slow_speed",
  "intermittent",
  "installation",
  "relocation",
  "equipment",
  "billing",
  "other",
] as const;
export type TicketCategory = (typeof TICKET_CATEGORIES)[number];

export const TICKET_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const TICKET_STATUSES = ["open", "in_progress", "waiting_on_customer", "resolved", "closed"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** Statuses in which a ticket still needs work (counts as "open" in queues and the dashboard). */
export const OPEN_TICKET_STATUSES = ["open", "in_progress", "waiting_on_customer"] as const;

export const COMMENT_VISIBILITIES = ["internal", "public"] as const;
export type CommentVisibility = (typeof COMMENT_VISIBILITIES)[number];

export const COMMENT_SOURCES = ["web", "sms", "api"] as const;
export type CommentSource = (typeof COMMENT_SOURCES)[number];

export const TICKET_EVENT_KINDS = [
  "created",
  "status_changed",
  "assigned",
  "priority_changed",
  "updated",
  "commented",
  "sms_queued",
  "sms_skipped",
  "sms_sent",
  "sms_delivered",
  "sms_failed",
  "sms_received",
  "customer_opted_out",
  "customer_opted_in",
  "sla_paused",
  "sla_resumed",
  "incident_linked",
  "incident_unlinked",
  // Field work (docs/field-work.md): each step of a visit, the customer's answer to its reminder,
  // and the files added to or removed from the ticket.
  "visit_scheduled",
  "visit_updated",
  "visit_en_route",
  "visit_arrived",
  "visit_completed",
  "visit_no_access",
  "visit_cancelled",
  "visit_confirmed",
  "visit_change_requested",
  "attachment_added",
  "attachment_deleted",
] as const;
export type TicketEventKind = (typeof TICKET_EVENT_KINDS)[number];

export const SMS_DIRECTIONS = ["outbound", "inbound"] as const;
export type SmsDirection = (typeof SMS_DIRECTIONS)[number];

export const SMS_PURPOSES = [
  "ticket_created",
  "ticket_assigned",
  "ticket_status",
  "manual",
  "inbound",
  "ticket_reply",
  // A message to the customers an incident affects (rows carry incident_id); the four below are
  // its templates' purposes (sms_templates is keyed by purpose), never a row's.
  "incident",
  "incident_started",
  "incident_update",
  "incident_resolved",
  "maintenance_notice",
  // Field work: the technician is on the way, the visit was missed, tomorrow's reminder.
  "technician_en_route",
  "visit_missed",
  "visit_reminder",
  // A technician who chose SMS for mentions (docs/notifications.md): a fixed text, no template.
  "ticket_mention",
] as const;
export type SmsPurpose = (typeof SMS_PURPOSES)[number];

export const SMS_STATUSES = [
  "skipped",
  "queued",
  "sending",
  "sent",
  "delivered",
  "undelivered",
  "failed",
  "received",
  // Stopped before it was sent (an incident message cancelled while queued).
  "cancelled",
] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];

export const INCIDENT_KINDS = ["outage", "degraded", "maintenance"] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export const INCIDENT_SEVERITIES = ["minor", "major", "critical"] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/** scheduled → investigating → identified → monitoring → resolved, or cancelled (docs/incidents.md). */
export const INCIDENT_STATUSES = [
  "scheduled",
  "investigating",
  "identified",
  "monitoring",
  "resolved",
  "cancelled",
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** An incident in these statuses is going on now: new tickets of its customers link to it. */
export const ACTIVE_INCIDENT_STATUSES = ["investigating", "identified", "monitoring"] as const;
/** Over: no further change but its notes. */
export const CLOSED_INCIDENT_STATUSES = ["resolved", "cancelled"] as const;

export const INCIDENT_EVENT_KINDS = [
  "created",
  "updated",
  "status_changed",
  "public_update",
  "activated",
  "ticket_linked",
  "ticket_unlinked",
  "resolved",
  // A message to the affected customers was queued, or its unsent part cancelled (incidents.messages.ts).
  "message_queued",
  "message_cancelled",
  // An alert from network monitoring fired or resolved (integrations/, docs/integrations-alerts.md).
  "alert_firing",
  "alert_resolved",
] as const;
export type IncidentEventKind = (typeof INCIDENT_EVENT_KINDS)[number];

/** What a technician goes out to do. */
export const VISIT_KINDS = ["install", "repair", "survey", "removal", "maintenance"] as const;
export type VisitKind = (typeof VISIT_KINDS)[number];

/**
 * scheduled → en_route → on_site → completed; or no_access (nobody let them in) or cancelled.
 * completed, no_access and cancelled are final.
 */
export const VISIT_STATUSES = ["scheduled", "en_route", "on_site", "completed", "no_access", "cancelled"] as const;
export type VisitStatus = (typeof VISIT_STATUSES)[number];
export const FINAL_VISIT_STATUSES = ["completed", "no_access", "cancelled"] as const;
