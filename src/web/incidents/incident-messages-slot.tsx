import type { IncidentDetail } from "../../shared/incidents.js";

/**
 * The incident page's place for "Message customers" (one SMS to everyone affected, its preview,
 * progress and cancel: issue 15 item 4), which the incident messaging work fills. It draws nothing
 * until then rather than a button that would pretend to send.
 */
export function IncidentMessagesSlot(_props: { incident: IncidentDetail }) {
  return null;
}
