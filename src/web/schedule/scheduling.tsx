import { Button, Group, List, Modal, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { type ReactNode, useCallback, useState } from "react";
import { VISIT_KIND_LABELS } from "../../shared/labels.js";
import type { VisitDetail } from "../../shared/visits.js";
import { ApiError, errorMessage } from "../app/api.js";
import { formatWindow } from "../visits/visit-format.js";
import { useBoardWrites } from "./api.js";

/** 409 visit.double_booked names the technician's visits in the window. */
interface Overlap {
  id: string;
  ticketId: string;
  startsAt: string;
  endsAt: string;
  kind: VisitDetail["kind"];
}

interface PendingOverlap {
  technicianName: string;
  overlaps: Overlap[];
  confirm: () => void;
  cancel: () => void;
}

/** One attempt at a write: the request (with or without the dispatcher's consent to overlap) and how to undo the drag. */
export interface Attempt {
  send: (allowOverlap: boolean) => Promise<VisitDetail>;
  /** Puts the calendar back as it was (the drag's revert); the refetch that follows redraws the rest. */
  revert: () => void;
  technicianName: string;
  /** "Booked", "Moved"… for the confirmation. */
  done: string;
}

const overlapsOf = (error: ApiError): Overlap[] =>
  Array.isArray(error.problem.overlaps) ? (error.problem.overlaps as Overlap[]) : [];

/**
 * Every write of the board goes through here: a double booking asks the dispatcher (Book anyway, or
 * put it back); a colleague's change in between (version conflict) or a visit already under way
 * puts it back and shows the board as it now is; anything else puts it back and says why.
 */
export function useScheduling(board: readonly VisitDetail[]) {
  const { refresh } = useBoardWrites();
  const [pending, setPending] = useState<PendingOverlap | null>(null);
  const [confirming, setConfirming] = useState(false);

  const succeeded = useCallback(
    (attempt: Attempt, visit: VisitDetail) => {
      notifications.show({
        color: "green",
        message: `${attempt.done}: ${visit.ticket.number} with ${visit.technician.name}, ${formatWindow(visit)}`,
      });
      refresh();
    },
    [refresh],
  );

  const failed = useCallback(
    (attempt: Attempt, error: unknown) => {
      attempt.revert();
      const code = error instanceof ApiError ? error.problem.code : null;
      notifications.show({
        color: "red",
        title: code === "visit.version_conflict" ? "Changed meanwhile" : "Not saved",
        message:
          code === "visit.version_conflict"
            ? "Someone changed this visit after the board showed it. The board now shows it as it is: try again."
            : errorMessage(error),
        autoClose: 10_000,
      });
      refresh();
    },
    [refresh],
  );

  /** Resolves true once the write is saved, false once it is put back (after the dispatcher's answer, if asked). */
  const run = useCallback(
    (attempt: Attempt) =>
      new Promise<boolean>((resolve) => {
        attempt
          .send(false)
          .then((visit) => {
            succeeded(attempt, visit);
            resolve(true);
          })
          .catch((error: unknown) => {
            if (!(error instanceof ApiError && error.problem.code === "visit.double_booked")) {
              failed(attempt, error);
              resolve(false);
              return;
            }
            setPending({
              technicianName: attempt.technicianName,
              overlaps: overlapsOf(error),
              confirm: async () => {
                setConfirming(true);
                try {
                  succeeded(attempt, await attempt.send(true));
                  resolve(true);
                } catch (again) {
                  failed(attempt, again);
                  resolve(false);
                } finally {
                  setConfirming(false);
                  setPending(null);
                }
              },
              cancel: () => {
                setPending(null);
                attempt.revert();
                refresh();
                resolve(false);
              },
            });
          });
      }),
    [succeeded, failed, refresh],
  );

  const dialog: ReactNode = (
    <OverlapDialog pending={pending} confirming={confirming} board={board} onClose={() => pending?.cancel()} />
  );
  return { run, dialog };
}

function OverlapDialog({
  pending,
  confirming,
  board,
  onClose,
}: {
  pending: PendingOverlap | null;
  confirming: boolean;
  board: readonly VisitDetail[];
  onClose: () => void;
}) {
  const describe = (overlap: Overlap) => {
    const known = board.find((visit) => visit.id === overlap.id);
    const what = known ? `${known.ticket.number} ${known.ticket.subject}` : "Another visit";
    return `${what} · ${formatWindow(overlap)} · ${VISIT_KIND_LABELS[overlap.kind]}`;
  };
  return (
    <Modal
      opened={pending !== null}
      onClose={onClose}
      title="Double booking"
      closeOnClickOutside={!confirming}
      closeOnEscape={!confirming}
    >
      {pending && (
        <Stack>
          <Text size="sm">
            {pending.technicianName} already has{" "}
            {pending.overlaps.length === 1 ? "a visit" : `${pending.overlaps.length} visits`} in this window:
          </Text>
          <List size="sm" aria-label="Overlapping visits">
            {pending.overlaps.map((overlap) => (
              <List.Item key={overlap.id}>{describe(overlap)}</List.Item>
            ))}
          </List>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose} disabled={confirming}>
              Put it back
            </Button>
            <Button color="orange" onClick={pending.confirm} loading={confirming}>
              Book anyway
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
