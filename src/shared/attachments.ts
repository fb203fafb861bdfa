import { z } from "zod";

/**
 * Photos and files on tickets (docs/attachments.md). The types Uplink keeps, as found in a file's
 * content (its magic bytes): never taken from the file's name or from the Content-Type a client
 * claims, so an HTML page named photo.jpg or an SVG is refused, and a PNG named .pdf is a PNG.
 */
export const ATTACHMENT_CONTENT_TYPES = [
  "image/jpeg",
  "image/png",
  "image/webp",
  "image/heic",
  "application/pdf",
] as const;
export type AttachmentContentType = (typeof ATTACHMENT_CONTENT_TYPES)[number];

/** Short names of the kept types, for people. */
export const ATTACHMENT_TYPE_LABELS: Record<AttachmentContentType, string> = {
  "image/jpeg": "JPEG",
  "image/png": "PNG",
  "image/webp": "WebP",
  "image/heic": "HEIC",
  "application/pdf": "PDF",
};

/**
 * The types a browser shows in place (the viewer, `Content-Disposition: inline`): the photos Uplink
 * decoded and wrote again itself. HEIC (which browsers do not show) and PDF are downloaded.
 */
export const INLINE_ATTACHMENT_TYPES: readonly AttachmentContentType[] = ["image/jpeg", "image/png", "image/webp"];

/** The largest file accepted: 20 MiB. Anything larger gets 413 and nothing is kept. */
export const ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024;

/** A photo is kept at most this many pixels on its long side; its thumbnail at most this many. */
export const ATTACHMENT_MAX_EDGE = 2048;
export const ATTACHMENT_THUMBNAIL_EDGE = 320;

/** What the file inputs offer to pick (a hint to the browser: the server checks the content). */
export const ATTACHMENT_ACCEPT = "image/*,application/pdf";

export const ACCEPTED_ATTACHMENTS_WORDS = "Photos (JPEG, PNG, WebP, HEIC) and PDFs";

/** The refusal of a file whose content is of another type: "…not accepted: HTML. Photos (…) and PDFs are." */
export const typeNotAcceptedMessage = (what: string) =>
  `This file type is not accepted: ${what}. ${ACCEPTED_ATTACHMENTS_WORDS} are.`;

/** "850 KB", "4.2 MB": sizes as people read them (1 MB = 1,048,576 bytes, as the limit is counted). */
export function formatFileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  const megabytes = bytes / (1024 * 1024);
  return `${megabytes < 10 ? megabytes.toFixed(1) : Math.round(megabytes)} MB`;
}

export const tooLargeMessage = (size?: number) =>
  `This file is ${size === undefined ? "larger than 20 MB" : `${formatFileSize(size)}, more than 20 MB`}, the most Uplink accepts. Send a smaller photo (a lower camera resolution) or split the PDF, and try again.`;

const isoTime = z.iso.datetime({ offset: true });

export const ZAttachment = z
  .object({
    id: z.uuid(),
    ticketId: z.uuid(),
    /** The visit it was taken on, when the upload named one. */
    visitId: z.uuid().nullable(),
    /** Downloads the stored file (GET /api/attachments/{id}). */
    url: z.string(),
    /** A small WebP of a photo (GET /api/attachments/{id}/thumbnail); null for PDFs and HEIC photos. */
    thumbnailUrl: z.string().nullable(),
    /** The type found in the content, not the one the client claimed. */
    contentType: z.enum(ATTACHMENT_CONTENT_TYPES),
    /** Bytes stored (a photo after resizing and removing its metadata). */
    size: z.number().int(),
    /** The name the uploaded file had, cleaned of control and path characters. */
    fileName: z.string(),
    /** Pixels of a stored photo (after applying its orientation); null for PDFs and HEIC photos. */
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    createdAt: isoTime,
    uploadedBy: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  })
  .meta({ id: "TicketAttachment" });
export type Attachment = z.infer<typeof ZAttachment>;

export const ZAttachmentList = z.object({ items: z.array(ZAttachment) });
export type AttachmentList = z.infer<typeof ZAttachmentList>;

/**
 * The multipart/form-data body of an upload, as the API documents it. The route reads the stream
 * itself (limits enforced while it arrives), so this schema describes and does not validate.
 */
export const ZAttachmentUpload = z
  .object({
    file: z.string().meta({
      format: "binary",
      contentMediaType: "application/octet-stream",
      description: `The file: ${ACCEPTED_ATTACHMENTS_WORDS}, at most 20 MiB, its type found in its content. Exactly one.`,
    }),
    visitId: z.uuid().optional().meta({ description: "A visit of this ticket the file was taken on." }),
  })
  .meta({ id: "TicketAttachmentUpload" });

/** The optional form field `visitId`, as the upload checks it. */
export const ZAttachmentVisitId = z.uuid("visitId must be a visit id (UUID)");
