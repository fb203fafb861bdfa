import { Text } from "@mantine/core";
import { useState } from "react";
import {
  ATTACHMENT_CONTENT_TYPES,
  ATTACHMENT_TYPE_LABELS,
  type AttachmentContentType,
  formatFileSize,
} from "../../shared/attachments.js";
import type { TimelineEntry } from "../../shared/tickets.js";
import { useAttachments } from "./api.js";
import { AttachmentTile, AttachmentViewer } from "./attachment-viewer.js";

type EventEntry = Extract<TimelineEntry, { type: "event" }>;

/** The timeline entries of this feature: a file added to the ticket, or deleted from it. */
export const isAttachmentEvent = (entry: EventEntry) =>
  entry.kind === "attachment_added" || entry.kind === "attachment_deleted";

/** "Jane Tech added IMG_0042.jpg (JPEG, 412 KB)", "Admin deleted quote.pdf". */
export function describeAttachmentEvent(entry: EventEntry): string {
  const who = entry.actor?.name ?? "The system";
  const data = entry.data ?? {};
  const name = typeof data.fileName === "string" ? data.fileName : "a file";
  if (entry.kind === "attachment_deleted") return `${who} deleted ${name}`;
  const type = ATTACHMENT_CONTENT_TYPES.includes(data.contentType as AttachmentContentType)
    ? ATTACHMENT_TYPE_LABELS[data.contentType as AttachmentContentType]
    : null;
  const size = typeof data.size === "number" ? formatFileSize(data.size) : null;
  const facts = [type, size].filter(Boolean).join(", ");
  return `${who} added ${name}${facts ? ` (${facts})` : ""}`;
}

/**
 * Beside an "added" entry: the file's thumbnail (or icon) that opens the viewer, or a note that it
 * has since been deleted.
 */
export function AttachmentEventDetail({ entry, ticketId }: { entry: EventEntry; ticketId: string }) {
  const attachments = useAttachments(ticketId);
  const [open, setOpen] = useState(false);
  const id = entry.data?.attachmentId;
  if (entry.kind !== "attachment_added" || typeof id !== "string" || !attachments.data) return null;
  const attachment = attachments.data.find((item) => item.id === id);
  if (!attachment) {
    return (
      <Text size="xs" c="dimmed">
        Since deleted.
      </Text>
    );
  }
  return (
    <div style={{ marginTop: 4 }}>
      <AttachmentTile attachment={attachment} size={64} onOpen={() => setOpen(true)} />
      <AttachmentViewer ticketId={ticketId} attachment={open ? attachment : null} onClose={() => setOpen(false)} />
    </div>
  );
}
