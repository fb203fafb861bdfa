import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Attachment, AttachmentList } from "../../shared/attachments.js";
import type { Problem } from "../../shared/problem.js";
import { CSRF_HEADER } from "../../shared/protocol.js";
import { ApiError, api } from "../app/api.js";
import { SESSION_QUERY_KEY } from "../app/auth.js";

export const attachmentsKey = (ticketId: string) => ["attachments", ticketId] as const;

/** A ticket's photos and files, oldest first. */
export function useAttachments(ticketId: string) {
  return useQuery({
    queryKey: attachmentsKey(ticketId),
    queryFn: ({ signal }) => api<AttachmentList>(`/api/tickets/${ticketId}/attachments`, { signal }),
    select: (data) => data.items,
  });
}

/** After a file came or went: the gallery and the ticket's timeline (which notes both). */
function refreshTicket(queryClient: ReturnType<typeof useQueryClient>, ticketId: string) {
  queryClient.invalidateQueries({ queryKey: attachmentsKey(ticketId) });
  queryClient.invalidateQueries({ queryKey: ["tickets", "timeline", ticketId] });
}

const networkProblem: Problem = {
  type: "about:blank",
  title: "Network error",
  status: 0,
  code: "network.unreachable",
  detail: "The upload did not reach Uplink. Check your connection and try again.",
};

/**
 * Sends one file as multipart/form-data. XMLHttpRequest rather than the app's fetch client
 * (app/api.ts): fetch reports no upload progress, and a photo on a phone's connection takes a
 * while. Errors come back as ApiError with the server's problem, as from `api()`.
 */
export function uploadAttachment(
  ticketId: string,
  file: File,
  options: { csrfToken: string; onProgress?: (fraction: number) => void; signal?: AbortSignal; visitId?: string },
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `/api/tickets/${ticketId}/attachments`);
    request.setRequestHeader("accept", "application/json");
    request.setRequestHeader(CSRF_HEADER, options.csrfToken);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    request.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // Not JSON (a proxy's error page): described below from the status alone.
      }
      if (request.status === 201 && body) {
        resolve(body as Attachment);
        return;
      }
      const problem =
        body && typeof body === "object" && "detail" in body
          ? (body as Problem)
          : {
              ...networkProblem,
              status: request.status,
              title: request.statusText,
              code: "http.error",
              detail:
                request.status === 413
                  ? "This file is larger than the upload limit."
                  : `The upload failed (${request.status} ${request.statusText}).`,
            };
      reject(new ApiError(request.status, problem));
    };
    request.onerror = () => reject(new ApiError(0, networkProblem));
    request.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    options.signal?.addEventListener("abort", () => request.abort());
    const form = new FormData();
    // A photo taken during a visit (My day's Done) names the visit too.
    if (options.visitId) form.append("visitId", options.visitId);
    form.append("file", file, file.name);
    request.send(form);
  });
}

/** Uploads one file; on success the gallery and timeline refresh, on a 401 the app signs out. */
export function useUploadAttachment(ticketId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { file: File; csrfToken: string; onProgress: (fraction: number) => void; visitId?: string }) =>
      uploadAttachment(ticketId, input.file, {
        csrfToken: input.csrfToken,
        onProgress: input.onProgress,
        visitId: input.visitId,
      }),
    onSuccess: () => refreshTicket(queryClient, ticketId),
    onError: (error) => {
      // The session ended: asking who is signed in takes the app back to the sign-in page.
      if (error instanceof ApiError && error.status === 401) {
        queryClient.invalidateQueries({ queryKey: SESSION_QUERY_KEY });
      }
    },
  });
}

/** Deletes a file for good (admins). */
export function useDeleteAttachment(ticketId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/attachments/${id}`, { method: "DELETE" }),
    onSuccess: () => refreshTicket(queryClient, ticketId),
  });
}
