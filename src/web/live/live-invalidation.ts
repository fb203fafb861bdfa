import type { InfiniteData, Query, QueryClient, QueryKey } from "@tanstack/react-query";
import type { CustomerList } from "../../shared/customers.js";
import type { TicketEventKind } from "../../shared/enums.js";
import type {
  LiveCustomerEvent,
  LiveEventMap,
  LiveEventType,
  LiveIncidentEvent,
  LivePresenceEvent,
  LiveSmsEvent,
  LiveTicketEvent,
} from "../../shared/live.js";
import type { TicketDetail, TicketList } from "../../shared/tickets.js";
import { attachmentsKey } from "../attachments/api.js";
import { customersKey } from "../customers/api.js";
import { dashboardKey } from "../dashboard/api.js";
import { incidentsKey } from "../incidents/api.js";
import { boardKey } from "../schedule/api.js";
import { smsKey } from "../sms/api.js";
import { ticketsKey } from "../tickets/api.js";
import { visitsKey } from "../visits/api.js";
import { LIVE_HELD_FLAG, presenceKey } from "./api.js";

/**
 * What each live event makes the screens refetch: TanStack Query invalidations of the features'
 * own query keys (each feature's api.ts), so only what is on screen is fetched again and the cache
 * stays the one copy of the server's data. Narrow where the event says enough (one ticket, one
 * customer), broad where it cannot (an import, a truncated SMS hint).
 */

const isHeld = (query: Query) => query.meta?.[LIVE_HELD_FLAG] === true;

/** Ticket timeline kinds that change what a ticket's row in a list shows. */
export const TICKET_ROW_KINDS: ReadonlySet<TicketEventKind> = new Set<TicketEventKind>([
  "created",
  "status_changed",
  "assigned",
  "priority_changed",
  "updated",
  "commented",
  "sla_paused",
  "sla_resumed",
  "incident_linked",
  "incident_unlinked",
]);

/** The dashboard's figures are heavy to compute: at most one refetch in this long, the last event included. */
const DASHBOARD_EVERY_MS = 5_000;
/** The SMS lists during an incident's send change every second: refetched at most this often. */
const SMS_LISTS_EVERY_MS = 3_000;

/** A call at most once per `everyMs`; a call inside the window runs once at its end. */
function throttled(run: () => void, everyMs: number) {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = () => {
    const wait = last + everyMs - Date.now();
    if (wait <= 0) {
      last = Date.now();
      run();
    } else {
      timer ??= setTimeout(() => {
        timer = undefined;
        last = Date.now();
        run();
      }, wait);
    }
  };
  call.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return call;
}

/** The filters a ticket list's key carries: ["tickets", "list", filters, limit]. */
const ticketListFilters = (query: Query) =>
  query.queryKey[2] as { customerId?: string; incidentId?: string } | undefined;

const listHoldsTicket = (query: Query, ticketId: string) =>
  (query.state.data as InfiniteData<TicketList> | undefined)?.pages.some((page) =>
    page.items.some((ticket) => ticket.id === ticketId),
  ) ?? false;

const listHoldsCustomer = (query: Query, customerId: string) =>
  (query.state.data as CustomerList | undefined)?.items.some((customer) => customer.id === customerId) ?? false;

export function createLiveInvalidation(queryClient: QueryClient) {
  const invalidate = (queryKey: QueryKey, predicate?: (query: Query) => boolean) =>
    void queryClient.invalidateQueries({
      queryKey,
      predicate: (query) => !isHeld(query) && (predicate?.(query) ?? true),
    });
  const dashboard = throttled(() => invalidate(dashboardKey), DASHBOARD_EVERY_MS);
  const smsLists = throttled(() => invalidate([...smsKey, "list"]), SMS_LISTS_EVERY_MS);

  function onTicket(event: LiveTicketEvent) {
    const { ticketId, customerId, kind } = event;
    invalidate([...ticketsKey, "detail", ticketId]);
    invalidate([...ticketsKey, "timeline", ticketId]);
    if (kind.startsWith("attachment_")) invalidate(attachmentsKey(ticketId));
    if (kind.startsWith("visit_")) {
      // My day, today's visits, the ticket's and the customer's visits, the dispatch board.
      invalidate(visitsKey);
    } else if (TICKET_ROW_KINDS.has(kind)) {
      // Tickets waiting for a visit on the board: a new or changed ticket may join or leave them.
      invalidate([...boardKey, "unscheduled"]);
    }
    if (TICKET_ROW_KINDS.has(kind)) {
      // Lists on other pages that show this ticket, or would now: the customer's tickets, an
      // incident's linked tickets. The queues are held.
      invalidate(
        [...ticketsKey, "list"],
        (query) =>
          listHoldsTicket(query, ticketId) ||
          (customerId !== null && ticketListFilters(query)?.customerId === customerId) ||
          ((kind === "incident_linked" || kind === "incident_unlinked") &&
            ticketListFilters(query)?.incidentId !== undefined),
      );
      if (customerId) invalidate([...customersKey, "one", customerId]);
      // Other customers' pages at the same site list this one's open tickets.
      if (kind === "created" || kind === "status_changed") invalidate([...ticketsKey, "site-of-customer"]);
      if (kind === "incident_linked" || kind === "incident_unlinked") invalidate([...incidentsKey, "list"]);
    }
    dashboard();
  }

  function onCustomer(event: LiveCustomerEvent) {
    const { customerId } = event;
    if (customerId === null) {
      // Many at once (an import): every customer view.
      invalidate(customersKey);
      return;
    }
    invalidate([...customersKey, "one", customerId]);
    invalidate([...customersKey, "list"], (query) => listHoldsCustomer(query, customerId));
    // A ticket page shows its customer's card (name, phone, plan, address).
    invalidate(
      [...ticketsKey, "detail"],
      (query) => (query.state.data as TicketDetail | undefined)?.customerId === customerId,
    );
    dashboard();
  }

  function onIncident(event: LiveIncidentEvent) {
    const { incidentId, kind } = event;
    // Its page (detail, timeline, affected customers, map, messages and their send progress),
    // the lists, and the banners on customers' and tickets' pages.
    invalidate(
      incidentsKey,
      (query) => query.queryKey[2] === incidentId || query.queryKey[1] === "list" || query.queryKey[1] === "customer",
    );
    if (kind === "ticket_linked" || kind === "ticket_unlinked") {
      invalidate([...ticketsKey, "list"], (query) => ticketListFilters(query)?.incidentId === incidentId);
    }
    if (kind === "message_queued" || kind === "message_cancelled") smsLists();
  }

  function onSms(event: LiveSmsEvent) {
    smsLists();
    if (event.truncated) {
      // Cut short: every view with SMS states.
      invalidate([...ticketsKey, "timeline"]);
      invalidate(incidentsKey, (query) => query.queryKey[1] === "messages");
      return;
    }
    // A ticket's timeline carries its SMS (a reply's delivery state, an SMS the customer sent).
    for (const ticketId of event.ticketIds) invalidate([...ticketsKey, "timeline", ticketId]);
    // An incident's send progress.
    for (const incidentId of event.incidentIds) invalidate([...incidentsKey, "messages", incidentId]);
  }

  /** The stream carries every viewer of the resource: written straight into the page's query. */
  function onPresence(event: LivePresenceEvent) {
    const key = presenceKey(event.resource);
    if (queryClient.getQueryState(key)) queryClient.setQueryData(key, event);
  }

  return {
    handle<T extends LiveEventType>(type: T, event: LiveEventMap[T]) {
      if (type === "ticket") onTicket(event as LiveTicketEvent);
      else if (type === "customer") onCustomer(event as LiveCustomerEvent);
      else if (type === "incident") onIncident(event as LiveIncidentEvent);
      else if (type === "sms") onSms(event as LiveSmsEvent);
      else if (type === "presence") onPresence(event as LivePresenceEvent);
    },
    /** After a reconnect: everything on screen refetches (held lists too when events were lost). */
    refreshAll({ includeHeld }: { includeHeld: boolean }) {
      void queryClient.invalidateQueries({ predicate: (query) => includeHeld || !isHeld(query) });
    },
    stop() {
      dashboard.cancel();
      smsLists.cancel();
    },
  };
}
