import { pgEnum } from "drizzle-orm/pg-core";
import {
  COMMENT_SOURCES,
  COMMENT_VISIBILITIES,
  CONNECTION_TYPES,
  CUSTOMER_STATUSES,
  INCIDENT_EVENT_KINDS,
  INCIDENT_KINDS,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  SITE_KINDS,
  SMS_DIRECTIONS,
  SMS_PURPOSES,
  SMS_STATUSES,
  TICKET_CATEGORIES,
  TICKET_EVENT_KINDS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  USER_ROLES,
  VISIT_KINDS,
  VISIT_STATUSES,
} from "../../../shared/enums.js";

export const userRole = pgEnum("user_role", USER_ROLES);
export const siteKind = pgEnum("site_kind", SITE_KINDS);
export const connectionType = pgEnum("connection_type", CONNECTION_TYPES);
export const customerStatus = pgEnum("customer_status", CUSTOMER_STATUSES);
export const ticketCategory = pgEnum("ticket_category", TICKET_CATEGORIES);
export const ticketPriority = pgEnum("ticket_priority", TICKET_PRIORITIES);
export const ticketStatus = pgEnum("ticket_status", TICKET_STATUSES);
export const commentVisibility = pgEnum("comment_visibility", COMMENT_VISIBILITIES);
export const commentSource = pgEnum("comment_source", COMMENT_SOURCES);
export const ticketEventKind = pgEnum("ticket_event_kind", TICKET_EVENT_KINDS);
export const smsDirection = pgEnum("sms_direction", SMS_DIRECTIONS);
export const smsPurpose = pgEnum("sms_purpose", SMS_PURPOSES);
export const smsStatus = pgEnum("sms_status", SMS_STATUSES);
export const incidentKind = pgEnum("incident_kind", INCIDENT_KINDS);
export const incidentSeverity = pgEnum("incident_severity", INCIDENT_SEVERITIES);
export const incidentStatus = pgEnum("incident_status", INCIDENT_STATUSES);
export const incidentEventKind = pgEnum("incident_event_kind", INCIDENT_EVENT_KINDS);
export const visitKind = pgEnum("visit_kind", VISIT_KINDS);
export const visitStatus = pgEnum("visit_status", VISIT_STATUSES);
