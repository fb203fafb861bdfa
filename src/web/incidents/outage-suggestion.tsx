import { Alert, Button, Group, Stack, Text } from "@mantine/core";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { IconBroadcast } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import type { OutageSuggestion, OutageSuggestionList } from "../../shared/incident-suggestions.js";
import { api, errorMessage, idempotencyKeyFor } from "../app/api.js";

const suggestionsKey = ["incidents", "suggestions"] as const;

/** The possible outages, asked again every minute: a burst of calls is news while it happens. */
function useOutageSuggestions() {
  return useQuery({
    queryKey: suggestionsKey,
    queryFn: ({ signal }) => api<OutageSuggestionList>("/api/incidents/suggestions", { signal }),
    refetchInterval: 60_000,
    select: (list) => list.items,
  });
}

/** "4 tickets in 12 minutes"; a burst inside one minute says so. */
export function describeBurst(suggestion: Pick<OutageSuggestion, "ticketCount" | "firstAt" | "lastAt">): string {
  const minutes = Math.round((Date.parse(suggestion.lastAt) - Date.parse(suggestion.firstAt)) / 60_000);
  const span = minutes < 1 ? "within a minute" : `in ${minutes} minute${minutes === 1 ? "" : "s"}`;
  return `${suggestion.ticketCount} tickets ${span}`;
}

/**
 * Opens the incident the suggestion proposes, then links its tickets: two steps of the API (the
 * incident, then each ticket), so a failure on a link leaves an incident that staff finish on its
 * page, where the rest can be linked by hand.
 */
function useOpenSuggestedIncident() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (suggestion: OutageSuggestion) => {
      const incident = await api<{ id: string }>("/api/incidents", {
        method: "POST",
        idempotencyKey: idempotencyKeyFor(suggestion),
        body: {
          title: `Outage: ${suggestion.siteName}`,
          kind: "outage",
          severity: "major",
          siteIds: [suggestion.siteId],
        },
      });
      for (const ticketId of suggestion.ticketIds) {
        await api(`/api/incidents/${incident.id}/tickets`, { method: "POST", body: { ticketId } });
      }
      return incident;
    },
    onSettled: () => client.invalidateQueries({ queryKey: ["incidents"] }),
  });
}

/**
 * "Possible outage at North Tower: 4 tickets in 12 minutes", with a button that opens the incident
 * on that site and links those tickets (after a confirmation). Shown on the dashboard and above the
 * ticket list; renders nothing while there is no suggestion.
 */
export function OutageSuggestions() {
  const suggestions = useOutageSuggestions();
  const open = useOpenSuggestedIncident();
  const navigate = useNavigate();
  if (!suggestions.data || suggestions.data.length === 0) return null;

  const confirm = (suggestion: OutageSuggestion) =>
    modals.openConfirmModal({
      title: `Open an incident at ${suggestion.siteName}?`,
      children: (
        <Text size="sm">
          This opens an outage incident on {suggestion.siteName} (investigating, severity major) and links the{" "}
          {suggestion.ticketCount} tickets. Nobody is messaged yet: you write the public message and send it from the
          incident's page.
        </Text>
      ),
      labels: { confirm: "Open incident", cancel: "Cancel" },
      onConfirm: () =>
        open.mutate(suggestion, {
          onSuccess: (incident) => navigate(`/incidents/${incident.id}`),
          onError: (error) =>
            notifications.show({
              color: "red",
              title: "The incident could not be opened",
              message: errorMessage(error),
            }),
        }),
    });

  return (
    <Stack gap="xs">
      {suggestions.data.map((suggestion) => (
        <Alert
          key={suggestion.siteId}
          color="orange"
          variant="light"
          icon={<IconBroadcast size={20} />}
          title={`Possible outage at ${suggestion.siteName}: ${describeBurst(suggestion)}`}
        >
          <Group justify="space-between" gap="xs">
            <Text size="sm">
              Customers of this site report no service or an intermittent line, and no incident covers it.
            </Text>
            <Button
              size="xs"
              color="orange"
              loading={open.isPending && open.variables?.siteId === suggestion.siteId}
              onClick={() => confirm(suggestion)}
            >
              Open incident
            </Button>
          </Group>
        </Alert>
      ))}
    </Stack>
  );
}
