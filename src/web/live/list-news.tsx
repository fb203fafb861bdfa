import { Button } from "@mantine/core";
import { IconRefresh } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import type { LiveEventMap } from "../../shared/live.js";
import { useSession } from "../app/auth.js";
import { TICKET_ROW_KINDS } from "./live-invalidation.js";
import { useLiveEvent } from "./live-provider.js";

/**
 * What changed since a held list (LIVE_HELD) was fetched: records created, and records on screen
 * changed, by others. The list never refetches for them, so rows never move under the pointer;
 * the page offers them in a pill. Forgotten when the list is fetched again (it then shows them).
 */
export interface ListNews {
  created: number;
  changed: number;
}

type Classify<E> = (event: E) => { id: string; news: "created" | "changed" } | null;

function useListNews<T extends "ticket" | "customer">(
  type: T,
  classify: Classify<LiveEventMap[T]>,
  fetchedAt: number,
): ListNews {
  const { user } = useSession();
  const [news, setNews] = useState({ created: new Set<string>(), changed: new Set<string>() });
  useEffect(() => {
    if (fetchedAt) setNews({ created: new Set(), changed: new Set() });
  }, [fetchedAt]);
  useLiveEvent(type, (event) => {
    // One's own changes: the list was refetched by the change itself.
    if (event.actor?.id === user.id) return;
    const found = classify(event);
    if (!found) return;
    setNews((current) => {
      if (current.created.has(found.id) || current[found.news].has(found.id)) return current;
      return { ...current, [found.news]: new Set(current[found.news]).add(found.id) };
    });
  });
  return { created: news.created.size, changed: news.changed.size };
}

/** News for a ticket queue showing `shownIds`: tickets created, and row changes of those shown. */
export function useTicketListNews(shownIds: ReadonlySet<string>, fetchedAt: number): ListNews {
  return useListNews(
    "ticket",
    (event) => {
      if (event.kind === "created") return { id: event.ticketId, news: "created" };
      if (TICKET_ROW_KINDS.has(event.kind) && shownIds.has(event.ticketId))
        return { id: event.ticketId, news: "changed" };
      return null;
    },
    fetchedAt,
  );
}

/** News for a customer list showing `shownIds`: customers created (or imported), changes to those shown. */
export function useCustomerListNews(shownIds: ReadonlySet<string>, fetchedAt: number): ListNews {
  return useListNews(
    "customer",
    (event) => {
      if (event.action === "customer.create" || event.action === "customer.import") {
        return { id: event.customerId ?? event.key, news: "created" };
      }
      if (event.customerId && shownIds.has(event.customerId)) return { id: event.customerId, news: "changed" };
      return null;
    },
    fetchedAt,
  );
}

/**
 * "3 new · 2 changed — Show": refetches the list. Sits in a line the page keeps for it (the
 * count's), so its arrival moves nothing either; a polite live region says it appeared.
 */
export function ListNewsPill({ news, onShow }: { news: ListNews; onShow: () => void }) {
  const parts = [news.created > 0 && `${news.created} new`, news.changed > 0 && `${news.changed} changed`].filter(
    Boolean,
  );
  return (
    <span aria-live="polite">
      {parts.length > 0 && (
        <Button size="compact-sm" radius="xl" variant="light" leftSection={<IconRefresh size={14} />} onClick={onShow}>
          {parts.join(" · ")} — Show
        </Button>
      )}
    </span>
  );
}
