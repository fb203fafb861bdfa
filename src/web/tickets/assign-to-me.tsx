import { Button } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import type { TicketListItem } from "../../shared/tickets.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { ticketsKey, useUpdateTicket } from "./api.js";

/**
 * "Assign to me": one click to take a ticket. Hidden when the ticket is already the signed-in
 * person's. The ticket page passes its own save (which merges a colleague's concurrent change).
 */
export function AssignToMeButton({
  assigneeId,
  onAssign,
  loading,
  disabled,
  label = "Assign to me",
}: {
  assigneeId: string | null;
  onAssign: (myId: string) => void;
  loading?: boolean;
  disabled?: boolean;
  label?: string;
}) {
  const { user } = useSession();
  if (assigneeId === user.id) return null;
  return (
    <Button
      size="compact-xs"
      variant="light"
      // Never squeezed to "Ass…" in a crowded table row.
      miw="max-content"
      onClick={() => onAssign(user.id)}
      loading={loading}
      disabled={disabled}
      aria-label={label}
    >
      Assign to me
    </Button>
  );
}

/**
 * The row action of the ticket lists: takes the ticket on the version the list showed, so a
 * colleague's assignment made meanwhile is not overwritten (409: the list reloads and says so).
 */
export function AssignToMeRowAction({ ticket }: { ticket: TicketListItem }) {
  const update = useUpdateTicket(ticket.id);
  const queryClient = useQueryClient();
  return (
    <AssignToMeButton
      assigneeId={ticket.assignee?.id ?? null}
      label={`Assign to me: ${ticket.number}`}
      loading={update.isPending}
      onAssign={(myId) =>
        update.mutate(
          { assigneeId: myId, version: ticket.version },
          {
            onSuccess: () => notifications.show({ color: "green", message: `${ticket.number} is now yours` }),
            onError: (error) => {
              const changed = error instanceof ApiError && error.status === 409;
              notifications.show({
                color: changed ? "orange" : "red",
                title: `${ticket.number} not assigned`,
                message: changed
                  ? "Someone changed this ticket meanwhile; the list now shows it as it is. Try again if it is still free."
                  : errorMessage(error),
              });
              if (changed) void queryClient.invalidateQueries({ queryKey: ticketsKey });
            },
          },
        )
      }
    />
  );
}
