import { keepPreviousData, useQueries } from "@tanstack/react-query";
import type { CustomerList } from "../../shared/customers.js";
import type { SiteList } from "../../shared/sites.js";
import type { TicketList } from "../../shared/tickets.js";
import type { UserList } from "../../shared/users.js";
import { api } from "../app/api.js";

export const searchKey = ["search"] as const;

/** Matches per kind: the palette is for jumping to one thing, the lists are for browsing. */
export const RESULTS_PER_KIND = 5;

export interface PaletteSearch {
  customers: CustomerList["items"];
  tickets: TicketList["items"];
  sites: SiteList["items"];
  staff: UserList["items"];
  /** A request for the current text is still on its way. */
  searching: boolean;
  /** The kinds whose request failed (the others still show). */
  failed: string[];
}

/**
 * The palette's search: the lists' own endpoints side by side, each with the text as `q`
 * (customers: every form the customer search reads; tickets: number, subject and the customer's
 * name, phone or account). Debounce `q` in the component; a newer text leaves the older queries
 * without observers, and TanStack Query aborts their requests (the signal is passed on).
 */
export function usePaletteSearch(q: string, options: { staff: boolean }): PaletteSearch {
  const text = q.trim();
  const enabled = text.length > 0;
  const query = { q: text, limit: RESULTS_PER_KIND };
  const common = { enabled, placeholderData: keepPreviousData, staleTime: 15_000, retry: false } as const;
  return useQueries({
    queries: [
      {
        ...common,
        queryKey: [...searchKey, "customers", text],
        queryFn: ({ signal }) => api<CustomerList>("/api/customers", { query, signal }),
      },
      {
        ...common,
        queryKey: [...searchKey, "tickets", text],
        queryFn: ({ signal }) => api<TicketList>("/api/tickets", { query: { ...query, sort: "-updated" }, signal }),
      },
      {
        ...common,
        queryKey: [...searchKey, "sites", text],
        queryFn: ({ signal }) => api<SiteList>("/api/sites", { query, signal }),
      },
      {
        ...common,
        enabled: enabled && options.staff,
        queryKey: [...searchKey, "staff", text],
        queryFn: ({ signal }) => api<UserList>("/api/users", { query, signal }),
      },
    ],
    combine: ([customers, tickets, sites, staff]) => {
      const kinds = [
        ["customers", customers],
        ["tickets", tickets],
        ["sites", sites],
        ["staff", staff],
      ] as const;
      return {
        customers: customers.data?.items ?? [],
        tickets: tickets.data?.items ?? [],
        sites: sites.data?.items ?? [],
        staff: options.staff ? (staff.data?.items ?? []) : [],
        searching: kinds.some(([, result]) => result.isFetching),
        failed: kinds.filter(([, result]) => result.isError).map(([name]) => name),
      };
    },
  });
}
