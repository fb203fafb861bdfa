import { Alert, Progress, Stack, Text } from "@mantine/core";
import { IconCamera } from "@tabler/icons-react";
import { useState } from "react";
import { ATTACHMENT_MAX_BYTES, tooLargeMessage } from "../../shared/attachments.js";
import type { VisitDetail } from "../../shared/visits.js";
import { errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { useUploadAttachment } from "../attachments/api.js";
import { FileInputButton } from "../attachments/file-input-button.js";

/**
 * Add photos in Done: the phone's back camera (or its gallery), each photo uploaded at once to the
 * visit's ticket, naming the visit. A photo is too big for the phone's storage, so unlike the
 * report it is not kept for later: one that fails is said here, to be taken again.
 */
export function VisitPhotos({ visit }: { visit: VisitDetail }) {
  const { csrfToken } = useSession();
  const upload = useUploadAttachment(visit.ticketId);
  const [progress, setProgress] = useState<{ name: string; percent: number } | null>(null);
  const [added, setAdded] = useState<string[]>([]);
  const [problems, setProblems] = useState<string[]>([]);

  const send = async (files: File[]) => {
    setProblems([]);
    for (const file of files) {
      if (file.size > ATTACHMENT_MAX_BYTES) {
        setProblems((list) => [...list, `${file.name}: ${tooLargeMessage(file.size)}`]);
        continue;
      }
      setProgress({ name: file.name, percent: 0 });
      try {
        const attachment = await upload.mutateAsync({
          file,
          csrfToken,
          visitId: visit.id,
          onProgress: (fraction) => setProgress({ name: file.name, percent: Math.round(fraction * 100) }),
        });
        setAdded((list) => [...list, attachment.fileName]);
      } catch (error) {
        setProblems((list) => [...list, `${file.name}: ${errorMessage(error)}`]);
      }
    }
    setProgress(null);
  };

  return (
    <Stack gap="xs">
      <FileInputButton
        label="Add photos"
        icon={<IconCamera size={18} />}
        accept="image/*"
        capture="environment"
        multiple
        size="md"
        disabled={upload.isPending}
        onFiles={send}
      />
      {progress && (
        <Progress.Root
          size="md"
          role="progressbar"
          aria-label={`Uploading ${progress.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={progress.percent}
        >
          <Progress.Section withAria={false} value={progress.percent} animated={progress.percent >= 100} />
        </Progress.Root>
      )}
      {added.length > 0 && (
        <Text size="sm" aria-live="polite" style={{ overflowWrap: "anywhere" }}>
          Added to the ticket: {added.join(", ")}
        </Text>
      )}
      {problems.length > 0 && (
        <Alert color="red" title="Not added">
          <Stack gap={2}>
            {problems.map((problem) => (
              <Text size="sm" key={problem} style={{ overflowWrap: "anywhere" }}>
                {problem}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}
