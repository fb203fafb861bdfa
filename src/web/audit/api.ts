import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import type { AuditFilter, AuditList } from "../../shared/audit.js";
import { api, buildQuery } from "../app/api.js";

/** The audit log, newest first, a page of 50 at a time ("Load more" follows the cursor). */
export function useAuditLog(filter: AuditFilter) {
  return useInfiniteQuery({
    queryKey: ["audit", filter],
    queryFn: ({ pageParam, signal }) =>
      api<AuditList>("/api/audit", { query: { ...filter, limit: 50, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** The CSV export of the same filter: a plain link, the browser downloads it with the session cookie. */
export const auditCsvUrl = (filter: AuditFilter) => `/api/audit/export.csv${buildQuery({ ...filter })}`;
