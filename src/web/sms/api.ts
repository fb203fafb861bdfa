import {
  keepPreviousData,
  type QueryClient,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import type { QuietHours, QuietHoursSetting } from "../../shared/incident-messages.js";
import type {
  SendSms,
  SmsLog,
  SmsLogPage,
  SmsLogQuery,
  SmsStatusInfo,
  SmsTemplate,
  TemplatePurpose,
} from "../../shared/sms.js";
import { SMS_STATUS_BLOCK } from "../../shared/web-pages.js";
import { api, idempotencyKeyFor } from "../app/api.js";
import { takePageData } from "../app/page-data.js";
import { useLiveStatus } from "../live/live-provider.js";

export const smsKey = ["sms"] as const;
const templatesKey = ["sms-templates"] as const;

/** The SMS log with filters, newest first; "Load more" fetches the next page. */
export function useSmsLog(filters: SmsLogQuery, options: { limit?: number; refetchInterval?: number } = {}) {
  const live = useLiveStatus();
  return useInfiniteQuery({
    queryKey: [...smsKey, "list", filters, options.limit],
    queryFn: ({ pageParam, signal }) =>
      api<SmsLogPage>("/api/sms", {
        query: { ...filters, limit: options.limit ?? 50, cursor: pageParam },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    // Statuses move in the background (dispatcher, delivery receipts): the live stream says when;
    // without it, look again every 10 s.
    refetchInterval: options.refetchInterval ?? (live.connected ? false : 10_000),
  });
}

const smsStatusKey = (ticketId?: string, recipientKey?: string) =>
  [...smsKey, "status", ticketId ?? null, recipientKey ?? null] as const;

/**
 * An admin's page carries the SMS status (server: http/web.ts), which their pages wait for:
 * taken into the cache as the answer /api/sms/status gave just now.
 */
export function primeSmsStatusFromPage(queryClient: QueryClient) {
  const data = takePageData<SmsStatusInfo>(SMS_STATUS_BLOCK);
  if (data) queryClient.setQueryData(smsStatusKey(), data.value);
}

/**
 * Whether SMS can be sent at all and, with a ticket, whether its customer can be texted now (the
 * server applies the same rules as when it writes a message). Refreshed with the ticket's data.
 */
export function useSmsStatus(ticketId?: string, options: { recipientKey?: string; enabled?: boolean } = {}) {
  return useQuery({
    enabled: options.enabled ?? true,
    // recipientKey (e.g. the customer's id and phone): asks again when the ticket's customer changes.
    queryKey: smsStatusKey(ticketId, options.recipientKey),
    queryFn: ({ signal }) => api<SmsStatusInfo>("/api/sms/status", { query: { ticketId }, signal }),
    staleTime: 30_000,
  });
}

export function useSendSms() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SendSms) =>
      api<SmsLog>("/api/sms", { method: "POST", body, idempotencyKey: idempotencyKeyFor(body) }),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: smsKey });
      queryClient.invalidateQueries({ queryKey: ["tickets"] });
    },
  });
}

export function useRetrySms() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<SmsLog>(`/api/sms/${id}/retry`, { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: smsKey }),
  });
}

export function useSmsTemplates() {
  return useQuery({
    queryKey: templatesKey,
    queryFn: () => api<{ items: SmsTemplate[] }>("/api/sms/templates"),
    select: (list) => list.items,
  });
}

export function useSaveSmsTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ purpose, body }: { purpose: TemplatePurpose; body: string }) =>
      api<SmsTemplate>(`/api/sms/templates/${purpose}`, { method: "PUT", body: { body } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: templatesKey }),
  });
}

export function useResetSmsTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (purpose: TemplatePurpose) => api<SmsTemplate>(`/api/sms/templates/${purpose}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: templatesKey }),
  });
}

const quietHoursKey = ["sms-quiet-hours"] as const;

/** The SMS quiet hours (incident messages wait for them to end), in the ISP's time zone. */
export function useQuietHours() {
  return useQuery({
    queryKey: quietHoursKey,
    queryFn: () => api<QuietHoursSetting>("/api/sms/quiet-hours"),
  });
}

export function useSaveQuietHours() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: QuietHours) => api<QuietHoursSetting>("/api/sms/quiet-hours", { method: "PUT", body }),
    onSuccess: (saved) => queryClient.setQueryData(quietHoursKey, saved),
  });
}
