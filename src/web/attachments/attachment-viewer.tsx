import { Anchor, Button, Group, Modal, Stack, Text, UnstyledButton } from "@mantine/core";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { IconDownload, IconFileTypePdf, IconPhoto } from "@tabler/icons-react";
import type { Attachment } from "../../shared/attachments.js";
import { ATTACHMENT_TYPE_LABELS, formatFileSize, INLINE_ATTACHMENT_TYPES } from "../../shared/attachments.js";
import { errorMessage } from "../app/api.js";
import { useIsAdmin } from "../app/auth.js";
import { DateTime } from "../app/date-time.js";
import { useDeleteAttachment } from "./api.js";

const isPhoto = (attachment: Attachment) => INLINE_ATTACHMENT_TYPES.includes(attachment.contentType);

/** "PDF · 1.2 MB", "JPEG · 2048 × 1536 · 412 KB". */
export function attachmentFacts(attachment: Attachment): string {
  const pixels = attachment.width && attachment.height ? ` · ${attachment.width} × ${attachment.height}` : "";
  return `${ATTACHMENT_TYPE_LABELS[attachment.contentType]}${pixels} · ${formatFileSize(attachment.size)}`;
}

/**
 * A file as a tappable tile: a photo's thumbnail, or an icon and the name for a PDF or a HEIC photo
 * (which browsers cannot show). Tapping opens the viewer.
 */
export function AttachmentTile({
  attachment,
  size,
  onOpen,
}: {
  attachment: Attachment;
  size: number;
  onOpen: () => void;
}) {
  return (
    <UnstyledButton
      onClick={onOpen}
      aria-label={`View ${attachment.fileName}`}
      title={attachment.fileName}
      style={{
        width: size,
        height: size,
        borderRadius: "var(--mantine-radius-sm)",
        border: "1px solid var(--mantine-color-default-border)",
        overflow: "hidden",
        display: "flex",
        alignItems: "center",
        justifyContent: "center",
        background: "var(--mantine-color-default-hover)",
      }}
    >
      {attachment.thumbnailUrl ? (
        <img
          src={attachment.thumbnailUrl}
          alt={attachment.fileName}
          loading="lazy"
          style={{ width: "100%", height: "100%", objectFit: "cover", display: "block" }}
        />
      ) : (
        <Stack gap={2} align="center" p={4} style={{ minWidth: 0 }}>
          {attachment.contentType === "application/pdf" ? <IconFileTypePdf size={28} /> : <IconPhoto size={28} />}
          <Text size="xs" lineClamp={2} ta="center" style={{ overflowWrap: "anywhere" }}>
            {attachment.fileName}
          </Text>
        </Stack>
      )}
    </UnstyledButton>
  );
}

/**
 * The viewer: a photo at full size (as stored, at most 2048 px), or for a PDF or HEIC photo its
 * facts and a download link (they open in the device's own viewer). Admins may delete from here.
 */
export function AttachmentViewer({
  ticketId,
  attachment,
  onClose,
}: {
  ticketId: string;
  attachment: Attachment | null;
  onClose: () => void;
}) {
  const isAdmin = useIsAdmin();
  const remove = useDeleteAttachment(ticketId);
  if (!attachment) return null;

  const confirmDelete = () =>
    modals.openConfirmModal({
      title: `Delete ${attachment.fileName}?`,
      children: (
        <Text size="sm">
          The file is removed from this ticket for good. The timeline and the audit log keep a note that you deleted it.
        </Text>
      ),
      labels: { confirm: "Delete file", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        remove.mutate(attachment.id, {
          onSuccess: () => {
            notifications.show({ color: "green", message: `${attachment.fileName} deleted` });
            onClose();
          },
          onError: (error) => notifications.show({ color: "red", message: errorMessage(error), autoClose: 10_000 }),
        }),
    });

  return (
    <Modal
      opened
      onClose={onClose}
      title={<Text style={{ overflowWrap: "anywhere" }}>{attachment.fileName}</Text>}
      size="xl"
      fullScreen={false}
    >
      <Stack>
        {isPhoto(attachment) ? (
          <img
            src={attachment.url}
            alt={attachment.fileName}
            style={{ display: "block", maxWidth: "100%", maxHeight: "70vh", margin: "0 auto", objectFit: "contain" }}
          />
        ) : (
          <Text size="sm">
            {attachment.contentType === "application/pdf"
              ? "A PDF: download it to open it in your device's PDF viewer."
              : "A HEIC photo: browsers cannot show it here; download it to open it on your device."}
          </Text>
        )}
        <Text size="sm" c="dimmed">
          {attachmentFacts(attachment)} · added <DateTime value={attachment.createdAt} />
          {attachment.uploadedBy ? ` by ${attachment.uploadedBy.name}` : ""}
        </Text>
        <Group justify="space-between" wrap="wrap">
          <Anchor href={attachment.url} download="" size="sm">
            <Group gap={4} wrap="nowrap">
              <IconDownload size={16} /> Download
            </Group>
          </Anchor>
          {isAdmin && (
            <Button color="red" variant="light" size="xs" onClick={confirmDelete} loading={remove.isPending}>
              Delete file
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
