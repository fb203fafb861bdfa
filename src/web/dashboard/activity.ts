import type { ActivityEvent } from "../../shared/dashboard.js";
import type { TicketPriority, TicketStatus } from "../../shared/enums.js";
import { PRIORITY_LABELS, STATUS_LABELS } from "../../shared/labels.js";

const statusOrPriority = (value: string | null) =>
  value === null ? "none" : (STATUS_LABELS[value as TicketStatus] ?? PRIORITY_LABELS[value as TicketPriority] ?? value);

/** What happened, as the verb phrase after the actor's name ("changed the status from Open to Resolved on"). */
export function describeActivity(event: ActivityEvent): string {
  switch (event.kind) {
    case "created":
      return "opened";
    case "status_changed":
      return `changed the status from ${statusOrPriority(event.fromValue)} to ${statusOrPriority(event.toValue)} on`;
    case "priority_changed":
      return `changed the priority from ${statusOrPriority(event.fromValue)} to ${statusOrPriority(event.toValue)} on`;
    case "assigned":
      return event.toValue === null ? "unassigned" : `assigned ${event.toValue} to`;
    case "updated":
      return "edited";
    case "commented":
      return "commented on";
    case "sms_queued":
      return "queued an SMS about";
    case "sms_skipped":
      return "skipped an SMS about";
    case "sms_sent":
      return "sent an SMS about";
    case "sms_delivered":
      return "delivered an SMS about";
    case "sms_failed":
      return "failed to send an SMS about";
    case "sms_received":
      return "received an SMS reply on";
    case "customer_opted_out":
      return "recorded an SMS opt-out on";
    case "customer_opted_in":
      return "recorded an SMS opt-in on";
    case "sla_paused":
      return "paused the SLA clock on";
    case "sla_resumed":
      return "resumed the SLA clock on";
    case "incident_linked":
      return "linked an incident to";
    case "incident_unlinked":
      return "unlinked an incident from";
    case "visit_scheduled":
      return "scheduled a visit on";
    case "visit_updated":
      return "changed a visit on";
    case "visit_en_route":
      return "set off for the visit on";
    case "visit_arrived":
      return "arrived for the visit on";
    case "visit_completed":
      return "completed the visit on";
    case "visit_no_access":
      return "could not get in for the visit on";
    case "visit_cancelled":
      return "cancelled a visit on";
    case "visit_confirmed":
      return "recorded the customer's confirmation of a visit on";
    case "visit_change_requested":
      return "recorded the customer's request to move a visit on";
    case "attachment_added":
      return "attached a file to";
    case "attachment_deleted":
      return "deleted a file from";
  }
}
