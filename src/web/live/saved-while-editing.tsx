import { Alert } from "@mantine/core";
import { IconInfoCircle } from "@tabler/icons-react";
import type { TicketEventKind, TicketPriority, TicketStatus } from "../../shared/enums.js";
import { PRIORITY_LABELS, STATUS_LABELS, TICKET_FIELD_WORDS } from "../../shared/labels.js";
import type { LiveTicketEvent } from "../../shared/live.js";

/**
 * "Saved while you edit": a colleague's save reaching a form with unsaved edits. The form moves
 * onto their version (merge.ts: their fields taken where the person changed nothing, the person's
 * kept), so the person's save applies on top instead of meeting a 409; only a field both changed
 * waits for the save to ask which to keep (merge-conflict.tsx).
 */

/** Ticket timeline kinds that are a save of the ticket's own fields (its version moved). */
export const TICKET_SAVE_KINDS: ReadonlySet<TicketEventKind> = new Set<TicketEventKind>([
  "status_changed",
  "priority_changed",
  "assigned",
  "updated",
]);

/** "a", "a and b", "a, b and c". */
export function listInWords(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

const statusWord = (value: string | null) => (value ? (STATUS_LABELS[value as TicketStatus] ?? value) : "none");
const priorityWord = (value: string | null) => (value ? (PRIORITY_LABELS[value as TicketPriority] ?? value) : "none");

/**
 * "Jane changed status (Open → Resolved) and assignee": what others' saves changed, from their
 * timeline events, a field once (from its first value to its last).
 */
export function ticketChangesInWords(events: LiveTicketEvent[]): string {
  const names = [...new Set(events.map((event) => event.actor?.name ?? "Someone"))];
  const fields = new Map<string, { from: string | null; to: string | null }>();
  for (const event of events) {
    for (const field of event.fields) {
      const seen = fields.get(field);
      fields.set(field, { from: seen ? seen.from : event.from, to: event.to });
    }
  }
  const words = [...fields].map(([field, { from, to }]) => {
    const known = from !== null || to !== null;
    if (field === "status" && known) return `status (${statusWord(from)} → ${statusWord(to)})`;
    if (field === "priority" && known) return `priority (${priorityWord(from)} → ${priorityWord(to)})`;
    return TICKET_FIELD_WORDS[field] ?? field;
  });
  return `${listInWords(names)} changed ${words.length > 0 ? listInWords(words) : "this"}`;
}

/**
 * The notice, inside the form: non-blocking (a status, not an alert), dismissable. `changes`
 * says who changed what; `collisions` the fields the person changed too; `editing` whether the
 * person has unsaved edits.
 */
export function SavedWhileEditingNotice({
  changes,
  collisions,
  editing,
  onClose,
}: {
  changes: string;
  collisions: string[];
  editing: boolean;
  onClose: () => void;
}) {
  const then =
    collisions.length > 0
      ? `you changed ${listInWords(collisions)} too: saving will ask which to keep`
      : editing
        ? "your edits are kept; saving will apply them on top"
        : "the form shows their values";
  return (
    <Alert
      role="status"
      color="blue"
      variant="light"
      icon={<IconInfoCircle size={18} />}
      withCloseButton
      closeButtonLabel="Dismiss this notice"
      onClose={onClose}
    >
      {changes} — {then}
    </Alert>
  );
}
