import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";
import { invalidateAfterVisit, sendVisitStep } from "./api.js";
import { type DraftStorage, type ReportDraft, ReportOutbox, type ReportState } from "./report-outbox.js";

/** This phone's storage, or none where the browser refuses it (then drafts live as long as the page). */
function browserStorage(): DraftStorage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null;
  }
}

/** The one outbox of Done reports on this phone (src/web/visits/report-outbox.ts). */
export const reportOutbox = new ReportOutbox(browserStorage(), (visitId, body, key) =>
  sendVisitStep(visitId, "complete", body, key),
);

/** A visit's draft and where its sending stands, re-read whenever the outbox changes. */
export function useReport(visitId: string): { draft: ReportDraft | null; state: ReportState } {
  useSyncExternalStore(reportOutbox.subscribe, reportOutbox.getRevision);
  return { draft: reportOutbox.draft(visitId), state: reportOutbox.state(visitId) };
}

/** How often reports still waiting are tried again while the browser believes it is online. */
const RETRY_EVERY_MS = 30_000;

/**
 * Sends the reports waiting on this phone: when the page opens, when the browser says it is back
 * online, and every half minute (a phone can be "online" on a Wi-Fi without Internet, which fires
 * no event). A confirmed report refreshes the visits, the ticket and the customer.
 */
export function useReportRetries() {
  const queryClient = useQueryClient();
  useEffect(() => {
    const stopListening = reportOutbox.onSent((visit) => invalidateAfterVisit(queryClient, visit));
    const retry = () => {
      if (navigator.onLine !== false) reportOutbox.retryAll();
    };
    retry();
    window.addEventListener("online", retry);
    const timer = setInterval(retry, RETRY_EVERY_MS);
    return () => {
      stopListening();
      window.removeEventListener("online", retry);
      clearInterval(timer);
    };
  }, [queryClient]);
}
