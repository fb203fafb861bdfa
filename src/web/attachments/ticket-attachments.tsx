import { Alert, Group, Loader, Paper, Progress, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCamera, IconPaperclip } from "@tabler/icons-react";
import { useState } from "react";
import {
  ACCEPTED_ATTACHMENTS_WORDS,
  ATTACHMENT_ACCEPT,
  ATTACHMENT_MAX_BYTES,
  type Attachment,
  tooLargeMessage,
} from "../../shared/attachments.js";
import { errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { useAttachments, useUploadAttachment } from "./api.js";
import { AttachmentTile, AttachmentViewer } from "./attachment-viewer.js";
import { FileInputButton } from "./file-input-button.js";

/** The upload under way: a named progress bar (its share sent). */
function UploadProgress({ name, fraction }: { name: string; fraction: number }) {
  const percent = Math.round(fraction * 100);
  const words = percent >= 100 ? `Processing ${name}…` : `Uploading ${name}… ${percent}%`;
  return (
    <Stack gap={4}>
      <Progress.Root
        size="md"
        role="progressbar"
        aria-label={`Uploading ${name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={words}
      >
        <Progress.Section withAria={false} value={percent} animated={percent >= 100} />
      </Progress.Root>
      <Text size="xs" c="dimmed" style={{ overflowWrap: "anywhere" }}>
        {words}
      </Text>
    </Stack>
  );
}

/**
 * The ticket's photos and files: add one from the phone's camera or a file picker (with progress;
 * a refusal shows right here, under the buttons), and the gallery of thumbnails that opens the
 * viewer on a tap.
 */
export function TicketAttachments({ ticketId }: { ticketId: string }) {
  const { csrfToken } = useSession();
  const attachments = useAttachments(ticketId);
  const upload = useUploadAttachment(ticketId);
  const [progress, setProgress] = useState<{ name: string; fraction: number } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [viewing, setViewing] = useState<string | null>(null);

  const send = (file: File) => {
    setProblem(null);
    // The server refuses it too; this saves a phone sending 25 MB to hear so.
    if (file.size > ATTACHMENT_MAX_BYTES) {
      setProblem(`${file.name}: ${tooLargeMessage(file.size)}`);
      return;
    }
    setProgress({ name: file.name, fraction: 0 });
    upload.mutate(
      { file, csrfToken, onProgress: (fraction) => setProgress({ name: file.name, fraction }) },
      {
        onSuccess: (attachment) => notifications.show({ color: "green", message: `${attachment.fileName} added` }),
        onError: (error) => setProblem(`${file.name}: ${errorMessage(error)}`),
        onSettled: () => setProgress(null),
      },
    );
  };

  const items = attachments.data ?? [];
  const open = items.find((item) => item.id === viewing) ?? null;
  return (
    <Paper component="section" withBorder p="md" aria-labelledby={`${ticketId}-attachments`}>
      <Stack gap="sm">
        <Title order={4} id={`${ticketId}-attachments`}>
          Photos and files
        </Title>
        <Group gap="xs">
          <FileInputButton
            label="Add photo or file"
            icon={<IconCamera size={16} />}
            accept={ATTACHMENT_ACCEPT}
            capture="environment"
            disabled={upload.isPending}
            onFiles={([file]) => file && send(file)}
          />
          <FileInputButton
            label="Choose a file"
            icon={<IconPaperclip size={16} />}
            accept={ATTACHMENT_ACCEPT}
            disabled={upload.isPending}
            onFiles={([file]) => file && send(file)}
          />
        </Group>
        <Text size="xs" c="dimmed">
          {ACCEPTED_ATTACHMENTS_WORDS}, up to 20 MB. On a phone, “Add photo or file” opens the camera.
        </Text>
        {progress && <UploadProgress name={progress.name} fraction={progress.fraction} />}
        {problem && (
          <Alert color="red" role="alert" title="Not added" withCloseButton onClose={() => setProblem(null)}>
            <Text size="sm" style={{ overflowWrap: "anywhere" }}>
              {problem}
            </Text>
          </Alert>
        )}
        {attachments.isPending ? (
          <Loader size="sm" aria-label="Loading photos and files" />
        ) : attachments.isError ? (
          <Alert color="red">{errorMessage(attachments.error)}</Alert>
        ) : items.length === 0 ? (
          <Text size="sm" c="dimmed">
            No photos or files yet.
          </Text>
        ) : (
          <Group
            component="ul"
            gap="xs"
            aria-label="Photos and files of this ticket"
            style={{ listStyle: "none", padding: 0, margin: 0 }}
          >
            {items.map((item: Attachment) => (
              <li key={item.id}>
                <AttachmentTile attachment={item} size={88} onOpen={() => setViewing(item.id)} />
              </li>
            ))}
          </Group>
        )}
      </Stack>
      <AttachmentViewer ticketId={ticketId} attachment={open} onClose={() => setViewing(null)} />
    </Paper>
  );
}
