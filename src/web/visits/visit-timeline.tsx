import { Stack, Table, Text } from "@mantine/core";
import type { VisitKind } from "../../shared/enums.js";
import { VISIT_KIND_LABELS } from "../../shared/labels.js";
import type { TimelineEntry } from "../../shared/tickets.js";
import type { Equipment } from "../../shared/visits.js";
import { formatDayWindow } from "./visit-format.js";

/** A visit's steps on the ticket's timeline (src/server/visits/visits.service.ts writes them). */

type EventEntry = Extract<TimelineEntry, { type: "event" }>;

/** The visit kinds of TICKET_EVENT_KINDS (src/shared/enums.ts) all start with "visit_". */
export const isVisitEvent = (entry: EventEntry) => entry.kind.startsWith("visit_");

const text = (value: unknown) => (typeof value === "string" ? value : null);
/** "an install visit", "a repair visit"; "a visit" for a kind this page does not know. */
const aVisit = (kind: unknown) => {
  const word = VISIT_KIND_LABELS[kind as VisitKind]?.toLowerCase();
  if (!word) return "a visit";
  return `${/^[aeiou]/.test(word) ? "an" : "a"} ${word} visit`;
};
const windowOf = (startsAt: unknown, endsAt: unknown) =>
  typeof startsAt === "string" && typeof endsAt === "string" ? formatDayWindow({ startsAt, endsAt }) : null;

/** "SMS not sent: the customer opted out" when the step's text was skipped; nothing when it went out. */
const smsSkipped = (data: Record<string, unknown>) =>
  text(data.smsSkipped) ? `; no SMS sent: ${text(data.smsSkipped)}` : "";

/** One sentence for a visit's event, e.g. "Tom Rivera is on the way (ETA 30 min)". */
export function describeVisitEvent(entry: EventEntry): string {
  const who = entry.actor?.name ?? "The system";
  const data = entry.data ?? {};
  switch (entry.kind) {
    case "visit_scheduled": {
      const window = windowOf(data.startsAt, data.endsAt);
      // toValue: the technician's name as it was when the visit was booked.
      const technician = entry.toValue;
      return `${who} scheduled ${aVisit(data.kind)}${technician ? ` with ${technician}` : ""}${window ? ` for ${window}` : ""}`;
    }
    case "visit_updated": {
      const changes = (data.changes ?? {}) as Record<string, { from: unknown; to: unknown }>;
      const parts: string[] = [];
      if (changes.startsAt || changes.endsAt) {
        const window = windowOf(
          changes.startsAt?.to ?? changes.startsAt?.from ?? null,
          changes.endsAt?.to ?? changes.endsAt?.from ?? null,
        );
        parts.push(window ? `moved the visit to ${window}` : "moved the visit");
      }
      if (changes.technicianId) parts.push("gave the visit to another technician");
      if (changes.kind) parts.push(`made it ${aVisit(changes.kind.to)}`);
      if (changes.notes) parts.push("edited the visit's notes");
      return `${who} ${parts.join(", ") || "changed the visit"}`;
    }
    case "visit_en_route":
      return `${who} is on the way${typeof data.etaMinutes === "number" ? ` (ETA ${data.etaMinutes} min)` : ""}${smsSkipped(data)}`;
    case "visit_arrived":
      return `${who} arrived${data.position ? " (position shared)" : ""}`;
    case "visit_completed":
      // A new ticket status has its own entry beside this one.
      return `${who} completed the visit`;
    case "visit_no_access":
      return `${who} could not get in${text(data.smsSkipped) ? smsSkipped(data) : "; the customer was asked by SMS to reply to rebook"}`;
    case "visit_cancelled":
      return `${who} cancelled the visit`;
    case "visit_confirmed":
      return "The customer confirmed the visit by SMS";
    case "visit_change_requested":
      return "The customer asked by SMS to move the visit";
    default:
      return `${who}: ${String(entry.kind).replace(/_/g, " ")}`;
  }
}

const EQUIPMENT_LABELS: Record<keyof Equipment, string> = {
  cpeModel: "CPE model",
  cpeSerial: "CPE serial",
  macAddress: "MAC address",
};

/** Under the sentence: the report and the equipment before → after, a note or a reason. */
export function VisitEventDetail({ entry }: { entry: EventEntry }) {
  const data = entry.data ?? {};
  const note =
    entry.kind === "visit_completed"
      ? text(data.report)
      : entry.kind === "visit_no_access"
        ? text(data.note)
        : entry.kind === "visit_cancelled"
          ? text(data.reason)
          : null;
  const equipment =
    entry.kind === "visit_completed" ? (data.equipment as { before: Equipment; after: Equipment } | null) : null;
  const swapped = equipment
    ? (Object.keys(EQUIPMENT_LABELS) as (keyof Equipment)[]).filter(
        (key) => (equipment.before?.[key] ?? null) !== (equipment.after?.[key] ?? null),
      )
    : [];
  if (!note && swapped.length === 0) return null;
  return (
    <Stack gap={4} mt={4} w="100%">
      {note && (
        <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
          {note}
        </Text>
      )}
      {equipment && swapped.length > 0 && (
        <Table
          withRowBorders={false}
          verticalSpacing={2}
          horizontalSpacing="xs"
          aria-label="Equipment before and after"
        >
          <Table.Tbody>
            {swapped.map((key) => (
              <Table.Tr key={key}>
                <Table.Td c="dimmed" style={{ whiteSpace: "nowrap" }}>
                  {EQUIPMENT_LABELS[key]}
                </Table.Td>
                <Table.Td style={{ overflowWrap: "anywhere" }}>
                  {equipment.before?.[key] ?? "none"} → {equipment.after?.[key] ?? "none"}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
