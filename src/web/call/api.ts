import { useQuery } from "@tanstack/react-query";
import type { CustomerList } from "../../shared/customers.js";
import { api } from "../app/api.js";
import { customersKey } from "../customers/api.js";

/** How many customers one caller id may match before the chooser asks for a search instead. */
export const CALLER_MATCH_LIMIT = 20;

/**
 * Customers (archived ones too: a former customer calling back is worth knowing) whose mobile or
 * alternative phone is the caller id. The server reads it in any format (E.164, national, with 1,
 * 00 or 011 in front); one it cannot read at all answers 422.
 */
export function useCallerMatches(callerId: string) {
  return useQuery({
    queryKey: [...customersKey, "caller", callerId],
    queryFn: ({ signal }) =>
      api<CustomerList>("/api/customers", {
        query: { phone: callerId, archived: "all", limit: CALLER_MATCH_LIMIT },
        signal,
      }),
    enabled: callerId !== "",
    retry: false,
    select: (list) => list.items,
  });
}
