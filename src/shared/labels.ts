/**
 * Every enum value as people read it: the one label source of the web app and the server's SMS
 * texts. Types only from the enums, no zod: a page that only shows labels does not load zod's runtime.
 */
import type { CustomerCsvField } from "./customers.js";
import type {
  ConnectionType,
  CustomerStatus,
  SiteKind,
  SmsDirection,
  SmsPurpose,
  SmsStatus,
  TicketCategory,
  TicketPriority,
  TicketStatus,
  UserRole,
  VisitKind,
  VisitStatus,
} from "./enums.js";
import type { NotificationKind } from "./notifications.js";

export const STATUS_LABELS: Record<TicketStatus, string> = {
  open: "Open",
  in_progress: "In progress",
  waiting_on_customer: "Waiting on customer",
  resolved: "Resolved",
  closed: "Closed",
};
export const PRIORITY_LABELS: Record<TicketPriority, string> = {
  low: "Low",
  normal: "Normal",
  high: "High",
  urgent: "Urgent",
};
export const CATEGORY_LABELS: Record<TicketCategory, string> = {
  no_service: "No service",
  slow_speed: "Slow speed",
  intermittent: "Intermittent",
  installation: "Installation",
  relocation: "Relocation",
  equipment: "Equipment",
  billing: "Billing",
  other: "Other",
};

/** Ticket fields as a sentence names them ("edited subject, customer"). */
export const TICKET_FIELD_WORDS: Record<string, string> = {
  status: "status",
  priority: "priority",
  assigneeId: "assignee",
  subject: "subject",
  category: "category",
  description: "description",
  customerId: "customer",
};

export const CUSTOMER_STATUS_LABELS: Record<CustomerStatus, string> = {
  lead: "Lead",
  pending_install: "Pending install",
  active: "Active",
  suspended: "Suspended",
  cancelled: "Cancelled",
};

/** A customer's editable fields as forms, error summaries and conflict views name them. */
export const CUSTOMER_FIELD_LABELS = {
  name: "Name",
  email: "Email",
  phone: "Mobile phone",
  altPhone: "Alternative phone",
  smsOptOut: "Opted out of SMS",
  street: "Street",
  city: "City",
  region: "Region",
  postalCode: "Postal code",
  country: "Country",
  latitude: "Latitude",
  longitude: "Longitude",
  status: "Status",
  servicePlanId: "Service plan",
  connectionType: "Connection type",
  siteId: "Network site",
  ipAddress: "IP address",
  macAddress: "MAC address",
  cpeModel: "CPE / router model",
  cpeSerial: "ONT / CPE serial",
  vlanId: "VLAN",
  installDate: "Install date",
  notes: "Notes",
} as const satisfies Record<string, string>;

/** Customer fields as the CSV import names them. */
export const CUSTOMER_CSV_FIELD_LABELS: Record<CustomerCsvField, string> = {
  accountNumber: "Account number",
  name: "Name",
  email: "Email",
  phone: "Mobile phone",
  altPhone: "Alternative phone",
  street: "Street",
  city: "City",
  region: "Region",
  postalCode: "Postal code",
  country: "Country",
  latitude: "Latitude",
  longitude: "Longitude",
  servicePlan: "Service plan (by name)",
  connectionType: "Connection type",
  site: "Network site (by name)",
  ipAddress: "IP address",
  macAddress: "MAC address",
  cpeModel: "CPE / router model",
  cpeSerial: "ONT / CPE serial",
  vlanId: "VLAN",
  status: "Status",
  installDate: "Install date",
  smsOptOut: "SMS opt-out",
  notes: "Notes",
};

export const CONNECTION_TYPE_LABELS: Record<ConnectionType, string> = {
  fiber: "Fiber",
  cable: "Cable",
  dsl: "DSL",
  fixed_wireless: "Fixed wireless",
  satellite: "Satellite",
  other: "Other",
};

export const SITE_KIND_LABELS: Record<SiteKind, string> = {
  tower: "Tower",
  pop: "POP",
  olt: "OLT",
  cabinet: "Cabinet",
  other: "Other",
};

export const VISIT_KIND_LABELS: Record<VisitKind, string> = {
  install: "Install",
  repair: "Repair",
  survey: "Site survey",
  removal: "Removal",
  maintenance: "Maintenance",
};

export const VISIT_STATUS_LABELS: Record<VisitStatus, string> = {
  scheduled: "Scheduled",
  en_route: "On the way",
  on_site: "On site",
  completed: "Completed",
  // The technician's own words for it, as on their button ("Couldn't get in").
  no_access: "Couldn't get in",
  cancelled: "Cancelled",
};

export const USER_ROLE_LABELS: Record<UserRole, string> = {
  technician: "Technician",
  agent: "Office agent",
  admin: "Admin",
};

export const SMS_STATUS_LABELS: Record<SmsStatus, string> = {
  skipped: "Skipped",
  queued: "Queued",
  sending: "Sending",
  sent: "Sent",
  delivered: "Delivered",
  undelivered: "Undelivered",
  failed: "Failed",
  received: "Received",
  cancelled: "Cancelled",
};

export const SMS_DIRECTION_LABELS: Record<SmsDirection, string> = { outbound: "Outgoing", inbound: "Incoming" };

export const SMS_PURPOSE_LABELS: Record<SmsPurpose, string> = {
  ticket_created: "Ticket created",
  ticket_assigned: "Ticket assigned",
  ticket_status: "Status changed",
  manual: "Manual",
  inbound: "Inbound",
  ticket_reply: "Reply",
  incident: "Incident",
  incident_started: "Incident started",
  incident_update: "Incident update",
  incident_resolved: "Incident resolved",
  maintenance_notice: "Maintenance notice",
  technician_en_route: "Technician on the way",
  visit_missed: "Visit missed",
  visit_reminder: "Visit reminder",
  ticket_mention: "Mention",
};

/** A purpose inside a sentence of the ticket timeline ("SMS (status update) sent"). */
export const SMS_PURPOSE_WORDS: Record<SmsPurpose, string> = {
  ticket_created: "ticket created",
  ticket_assigned: "ticket assigned",
  ticket_status: "status update",
  manual: "message",
  inbound: "reply",
  ticket_reply: "reply to the customer",
  incident: "incident message",
  incident_started: "incident started",
  incident_update: "incident update",
  incident_resolved: "incident resolved",
  maintenance_notice: "maintenance notice",
  technician_en_route: "technician on the way",
  visit_missed: "missed visit",
  visit_reminder: "visit reminder",
  ticket_mention: "mention",
};

export const TEMPLATE_PURPOSE_LABELS: Record<Exclude<SmsPurpose, "inbound" | "incident" | "ticket_mention">, string> = {
  ticket_created: "Ticket created (to the customer)",
  ticket_assigned: "Ticket assigned (to the technician)",
  ticket_status: "Status changed (to the customer)",
  manual: "Manual message (starting text)",
  ticket_reply: "Public reply (to the customer)",
  incident_started: "Incident started (to everyone affected)",
  incident_update: "Incident update (to everyone affected)",
  incident_resolved: "Incident resolved (to everyone affected)",
  maintenance_notice: "Maintenance notice (to everyone affected)",
  technician_en_route: "Technician on the way (to the customer)",
  visit_missed: "Visit missed, reply to rebook (to the customer)",
  visit_reminder: "Visit reminder, reply 1 or 2 (to the customer)",
};

/** Each kind of notification as the preferences name it ("Tell me when …"). */
export const NOTIFICATION_KIND_LABELS: Record<NotificationKind, string> = {
  assigned: "A ticket is assigned to me",
  sms_reply: "A customer replies by SMS on my ticket",
  sla_due_soon: "My ticket's SLA target is 30 minutes away",
  sla_overdue: "My ticket's SLA target has passed",
  mentioned: "I am @mentioned in an internal note",
  incident_opened: "An incident is opened",
  visit_moved: "A visit of mine moves (time or technician)",
  webhook_disabled: "A webhook endpoint is disabled automatically (admins)",
};

/** A ticket's status as an SMS to the customer says it ("your ticket … is now waiting on you"). */
export const TICKET_STATUS_WORDS: Record<TicketStatus, string> = {
  open: "open",
  in_progress: "in progress",
  waiting_on_customer: "waiting on you",
  resolved: "resolved",
  closed: "closed",
};

/** Words for the Twilio error codes staff meet; the code is shown too. */
export const TWILIO_ERROR_WORDS: Record<string, string> = {
  "20003": "Twilio rejected the account SID or auth token",
  "21211": "The phone number is not a valid number",
  "21408": "Sending to this country or region is not enabled in the Twilio account",
  "21606": "The sending number cannot send SMS",
  "21610": "The recipient has unsubscribed (replied STOP)",
  "21612": "Twilio cannot route a message to this number",
  "21614": "The number is not a mobile number",
  "30003": "The phone is switched off or unreachable",
  "30004": "The message was blocked",
  "30005": "The number is unknown or no longer in service",
  "30006": "The number is a landline or the carrier cannot take SMS",
  "30007": "The carrier filtered the message",
  "30008": "Delivery failed for an unknown reason",
};

/** Options for a select: every value of a label map, in the map's order. */
export function optionsOf<T extends string>(labels: Record<T, string>): { value: T; label: string }[] {
  return (Object.entries(labels) as [T, string][]).map(([value, label]) => ({ value, label }));
}
