import { Avatar, Group, Text } from "@mantine/core";
import { useEffect, useRef } from "react";
import type { PresenceState, PresenceViewer } from "../../shared/live.js";
import { PRESENCE_REPORT_EVERY_MS } from "../../shared/protocol.js";
import { useSession } from "../app/auth.js";
import { reportPresence, usePresenceViewers } from "./api.js";
import { useLiveStatus } from "./live-provider.js";

/** "ticket:<id>" or "customer:<id>", the resource presence is reported on. */
export type PresenceResource = `ticket:${string}` | `customer:${string}`;

/**
 * Says this tab is on `resource` (viewing, or editing while a form there has unsaved changes)
 * and answers who else is. Reported on arrival, on each change of state, every 20 s (a report
 * lapses after 45), and "left" on leaving; under this tab's stream, so a closed tab's presence
 * ends with its stream. Without a stream nothing is reported (the server would end it at once).
 * The signed-in user is left out of the answer: their other tab is no news to them.
 */
export function usePresence(resource: PresenceResource | null, state: PresenceState): PresenceViewer[] {
  const { streamId } = useLiveStatus();
  const { user } = useSession();
  const viewers = usePresenceViewers(resource);
  const latest = useRef(state);
  const sent = useRef<PresenceState | null>(null);

  useEffect(() => {
    if (!resource || !streamId) return;
    const send = (reported: PresenceState | "left", keepalive = false) =>
      // A lost report is made good by the next one, 20 s later.
      reportPresence({ resource, state: reported, streamId }, { keepalive }).catch(() => undefined);
    sent.current = latest.current;
    send(latest.current);
    const timer = setInterval(() => {
      sent.current = latest.current;
      send(latest.current);
    }, PRESENCE_REPORT_EVERY_MS);
    return () => {
      clearInterval(timer);
      sent.current = null;
      // keepalive: the report still leaves when leaving the page closes it.
      send("left", true);
    };
  }, [resource, streamId]);

  useEffect(() => {
    latest.current = state;
    if (!resource || !streamId || sent.current === null || sent.current === state) return;
    sent.current = state;
    reportPresence({ resource, state, streamId }).catch(() => undefined);
  }, [resource, streamId, state]);

  return (viewers.data ?? []).filter((viewer) => viewer.userId !== user.id);
}

/** "Jane", "Jane and John", "Jane, John and Ann", "Jane, John and 3 others". */
function namesInWords(names: string[]): string {
  if (names.length <= 1) return names.join("");
  if (names.length <= 3) return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return `${names.slice(0, 2).join(", ")} and ${names.length - 2} others`;
}

/** "Jane is editing · John and Ann are viewing": those editing first, they matter most. */
export function presenceInWords(viewers: PresenceViewer[]): string {
  const parts: string[] = [];
  for (const state of ["editing", "viewing"] as const) {
    const names = viewers.filter((viewer) => viewer.state === state).map((viewer) => viewer.name);
    if (names.length > 0) parts.push(`${namesInWords(names)} ${names.length === 1 ? "is" : "are"} ${state}`);
  }
  return parts.join(" · ");
}

const initialsOf = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join("");

/**
 * Who else is on this page, under its heading. A status region that is always there, so a screen
 * reader hears someone arrive or start editing; empty while nobody else is.
 */
export function PresenceLine({ viewers }: { viewers: PresenceViewer[] }) {
  return (
    <div role="status">
      {viewers.length > 0 && (
        <Group gap="xs" wrap="nowrap">
          <Avatar.Group spacing="xs" aria-hidden="true">
            {viewers.slice(0, 3).map((viewer) => (
              <Avatar
                key={viewer.userId}
                size="sm"
                radius="xl"
                color={viewer.state === "editing" ? "orange" : "blue"}
                variant={viewer.state === "editing" ? "filled" : "light"}
              >
                {initialsOf(viewer.name)}
              </Avatar>
            ))}
          </Avatar.Group>
          <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
            {presenceInWords(viewers)}
          </Text>
        </Group>
      )}
    </div>
  );
}
