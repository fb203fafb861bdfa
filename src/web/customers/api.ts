import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type {
  CreateCustomer,
  Customer,
  CustomerDetail,
  CustomerList,
  CustomerWithWarnings,
  ImportRequest,
  ImportResult,
  UpdateCustomer,
} from "../../shared/customers.js";
import { api, buildQuery, idempotencyKeyFor } from "../app/api.js";
import { LIVE_HELD } from "../live/api.js";

export const customersKey = ["customers"] as const;

export interface CustomerListFilter {
  q?: string;
  status?: string;
  servicePlanId?: string;
  siteId?: string;
  connectionType?: string;
  archived?: "true" | "all";
  sort?: string;
}

/**
 * The customer list: filtered, sorted, one page of `limit` per cursor. `held`: others' changes do
 * not refetch it (the page offers them in a pill instead, src/web/live/list-news.tsx).
 */
export function useCustomers(
  filter: CustomerListFilter,
  cursor: string | undefined,
  limit = 25,
  options: { held?: boolean } = {},
) {
  return useQuery({
    queryKey: [...customersKey, "list", filter, cursor, limit],
    meta: options.held ? LIVE_HELD : undefined,
    queryFn: ({ signal }) => api<CustomerList>("/api/customers", { query: { ...filter, cursor, limit }, signal }),
    placeholderData: keepPreviousData,
  });
}

/**
 * Search-as-you-type for customer pickers: the first 10 matches for `q` (nothing while `q` is
 * empty). Debounce `q` in the component; a newer `q` cancels the older request.
 */
export function useCustomerSearch(q: string, options: { limit?: number } = {}) {
  const text = q.trim();
  return useQuery({
    queryKey: [...customersKey, "search", text, options.limit ?? 10],
    queryFn: ({ signal }) =>
      api<CustomerList>("/api/customers", { query: { q: text, limit: options.limit ?? 10 }, signal }),
    enabled: text.length > 0,
    select: (list) => list.items,
    placeholderData: keepPreviousData,
  });
}

export function useCustomer(id: string | undefined) {
  return useQuery({
    queryKey: [...customersKey, "one", id],
    queryFn: () => api<CustomerDetail>(`/api/customers/${id}`),
    enabled: Boolean(id),
  });
}

/**
 * Current customers whose mobile or alternative phone is `phone` (any format; debounce it in the
 * component). Nothing is asked while the text is too short to be a number; a number the server
 * cannot read answers with an error, which the form's own check reports.
 */
export function usePhoneHolders(phone: string) {
  const text = phone.trim();
  return useQuery({
    queryKey: [...customersKey, "phone", text],
    queryFn: ({ signal }) => api<CustomerList>("/api/customers", { query: { phone: text, limit: 6 }, signal }),
    enabled: text.replace(/\D/g, "").length >= 7,
    select: (list) => list.items,
    retry: false,
  });
}

export function useCreateCustomer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateCustomer) =>
      api<CustomerWithWarnings>("/api/customers", { method: "POST", body, idempotencyKey: idempotencyKeyFor(body) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: customersKey }),
  });
}

export function useUpdateCustomer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateCustomer & { id: string }) =>
      api<CustomerWithWarnings>(`/api/customers/${id}`, { method: "PATCH", body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: customersKey }),
  });
}

export function useArchiveCustomer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Customer>(`/api/customers/${id}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: customersKey }),
  });
}

export function useRestoreCustomer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Customer>(`/api/customers/${id}/restore`, { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: customersKey }),
  });
}

export function useImportCustomers() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ImportRequest) => api<ImportResult>("/api/customers/import", { method: "POST", body }),
    onSuccess: (result) => {
      if (!result.dryRun) queryClient.invalidateQueries({ queryKey: customersKey });
    },
  });
}

/** The export link for the current filter (a plain download: the browser streams it to disk). */
export function customersExportUrl(filter: CustomerListFilter): string {
  return `/api/customers/export.csv${buildQuery({ ...filter })}`;
}
