import { createHash } from "node:crypto";
import fastifyMultipart from "@fastify/multipart";
import type { FastifyReply, FastifyRequest } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  ATTACHMENT_CONTENT_TYPES,
  ATTACHMENT_MAX_BYTES,
  type AttachmentContentType,
  tooLargeMessage,
  ZAttachment,
  ZAttachmentList,
  ZAttachmentUpload,
  ZAttachmentVisitId,
} from "../../shared/attachments.js";
import { ZProblem } from "../../shared/problem.js";
import { actorOf } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { AppError, fieldError } from "../http/errors.js";
import { contentDisposition } from "./attachments.content.js";
import {
  addAttachment,
  deleteAttachment,
  listAttachments,
  type NewAttachment,
  readAttachmentFile,
} from "./attachments.service.js";

const ZTicketId = z.object({ id: z.uuid("id must be a ticket id (UUID)") });
const ZAttachmentId = z.object({ id: z.uuid("id must be an attachment id (UUID)") });
const problems = {
  400: ZProblem,
  401: ZProblem,
  403: ZProblem,
  404: ZProblem,
  409: ZProblem,
  413: ZProblem,
  415: ZProblem,
  422: ZProblem,
};
const ZBinary = z.string().meta({ format: "binary" });

/**
 * Headers of every stored file and thumbnail: the type found at upload (never HTML or SVG), no
 * sniffing, a policy that gives a file opened on its own no script, no plugins and an opaque
 * origin (CVE-2019-13397, CVE-2022-25802 and GHSA-fffc-phh8-5h4v served attacker markup from the
 * help desk's origin), and no copies in shared caches.
 */
function sendStoredFile(
  reply: FastifyReply,
  file: { fileName: string; contentType: AttachmentContentType; data: Buffer },
  thumbnail: boolean,
) {
  return reply
    .type(thumbnail ? "image/webp" : file.contentType)
    .headers({
      "content-disposition": contentDisposition(file.fileName, file.contentType, thumbnail),
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
      "cache-control": "private, max-age=3600",
      "cross-origin-resource-policy": "same-origin",
    })
    .send(file.data);
}

/** Multipart failures the stream reports, as problems a person can act on. */
function uploadProblem(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "FST_REQ_FILE_TOO_LARGE":
      return new AppError(413, "attachment.too_large", tooLargeMessage(), { maxBytes: ATTACHMENT_MAX_BYTES });
    case "FST_FILES_LIMIT":
      return new AppError(413, "attachment.too_many_files", "Send one file per upload (the form field file).");
    case "FST_PARTS_LIMIT":
    case "FST_FIELDS_LIMIT":
      return new AppError(
        413,
        "attachment.too_many_fields",
        "The upload has too many form fields: send file and, if you like, visitId.",
      );
    default:
      return new AppError(
        400,
        "attachment.malformed",
        "The upload could not be read: send multipart/form-data with the file in the field file.",
      );
  }
}

/**
 * An upload as read from the stream. As JSON — what the Idempotency-Key fingerprint hashes — its
 * SHA-256 stands in for its bytes, so a retry of the same file replays the first answer and
 * another file under the same key gets 422.
 */
class Upload implements NewAttachment {
  constructor(
    readonly fileName: string | undefined,
    readonly bytes: Buffer,
    readonly visitId: string | undefined,
  ) {}
  toJSON() {
    const sha256 = createHash("sha256").update(this.bytes).digest("hex");
    return { fileName: this.fileName, size: this.bytes.length, sha256, visitId: this.visitId };
  }
}

/**
 * Reads the upload as it streams in: the one file (stopped at 20 MiB: 413, nothing kept) and the
 * optional visitId. Any other field is refused, so a misspelt one is not silently ignored.
 */
async function readUpload(request: FastifyRequest): Promise<Upload> {
  let file: { fileName: string; bytes: Buffer } | undefined;
  let visitId: string | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === "file" && part.fieldname === "file") {
        file = { fileName: part.filename, bytes: await part.toBuffer() };
      } else if (part.type === "field" && part.fieldname === "visitId" && !part.valueTruncated) {
        const parsed = ZAttachmentVisitId.safeParse(typeof part.value === "string" ? part.value.trim() : part.value);
        if (!parsed.success)
          throw fieldError("attachment.visit_invalid", "visitId", "visitId must be a visit id (UUID)");
        visitId = parsed.data;
      } else {
        const name = part.fieldname.slice(0, 40);
        throw fieldError(
          "attachment.unknown_field",
          name || "(request)",
          `${name || "A nameless field"}: not a field of an upload; send file (and optionally visitId)`,
        );
      }
    }
  } catch (error) {
    throw uploadProblem(error);
  }
  if (!file) throw fieldError("attachment.file_missing", "file", "file: choose a photo or PDF to upload");
  return new Upload(file.fileName, file.bytes, visitId);
}

export async function attachmentsRoutes(app: App) {
  const { database } = app.deps;
  const ctx = serviceContext(app.deps);

  // The upload in a scope of its own: multipart/form-data is read there and nowhere else, and
  // nothing but multipart there (a JSON or form body gets 415). A cross-site form can send
  // multipart, but not the X-CSRF-Token header the guard asks of every session's write.
  await app.register(async (upload: App) => {
    upload.removeAllContentTypeParsers();
    await upload.register(fastifyMultipart, {
      limits: {
        fileSize: ATTACHMENT_MAX_BYTES,
        files: 1,
        fields: 2,
        parts: 3,
        fieldNameSize: 100,
        fieldSize: 1024,
        headerPairs: 20,
      },
    });
    // Read before validation, as the body: the guard (onRequest) has let the request in, and the
    // Idempotency-Key check (preHandler) then sees the file's digest.
    upload.addHook("preValidation", async (request) => {
      request.body = await readUpload(request);
    });
    upload.post(
      "/api/tickets/:id/attachments",
      {
        schema: {
          tags: ["attachments"],
          operationId: "uploadTicketAttachment",
          summary: "Add a photo or file to a ticket (multipart/form-data: file, optional visitId)",
          description:
            "JPEG, PNG, WebP, HEIC or PDF, at most 20 MiB, one file; the type is read from the content (magic bytes), never from the name or the part's Content-Type: anything else gets 415 naming what it is. Photos (JPEG, PNG, WebP) are turned upright, scaled to at most 2048 px on the long side and written again without EXIF (no GPS), with a 320 px WebP thumbnail; a HEIC photo likewise, kept as a JPEG (`image/jpeg`, its name ending `.jpg`), and 422 when no photo can be read from it; PDF files are kept as they are, without a thumbnail. Adds an attachment_added entry to the ticket's timeline.",
          params: ZTicketId,
          consumes: ["multipart/form-data"],
          body: ZAttachmentUpload,
          response: { 201: ZAttachment, ...problems },
        },
        // The body schema documents the form; readUpload (above) has read and checked it.
        validatorCompiler: (route) =>
          route.httpPart === "body"
            ? (data) => ({ value: data })
            : validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]),
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await addAttachment(ctx, actorOf(request), request.params.id, request.body as unknown as Upload)),
    );
  });

  app.get(
    "/api/tickets/:id/attachments",
    {
      schema: {
        tags: ["attachments"],
        operationId: "listTicketAttachments",
        summary: "A ticket's photos and files, oldest first (their details and addresses, not the bytes)",
        params: ZTicketId,
        response: { 200: ZAttachmentList, ...problems },
      },
    },
    async (request) => listAttachments(database.db, request.params.id),
  );

  const fileResponse = (description: string, types: readonly string[]) => ({
    description,
    content: Object.fromEntries(types.map((type) => [type, { schema: ZBinary }])),
  });

  app.get(
    "/api/attachments/:id",
    {
      schema: {
        tags: ["attachments"],
        operationId: "downloadAttachment",
        summary: "Download a stored file",
        description:
          "The bytes as stored, with the type found at upload. Photos (JPEG, PNG, WebP) come `Content-Disposition: inline`, PDF (and HEIC kept before HEIC photos became JPEGs) `attachment`; always `X-Content-Type-Options: nosniff`, `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; sandbox` and `Cache-Control: private`.",
        params: ZAttachmentId,
        response: {
          200: fileResponse("The file.", ATTACHMENT_CONTENT_TYPES),
          ...problems,
        },
      },
    },
    async (request, reply) =>
      sendStoredFile(reply, await readAttachmentFile(database.db, request.params.id, "file"), false),
  );

  app.get(
    "/api/attachments/:id/thumbnail",
    {
      schema: {
        tags: ["attachments"],
        operationId: "getAttachmentThumbnail",
        summary:
          "A photo's thumbnail (WebP, at most 320 px); 404 for PDFs (and HEIC files kept before HEIC photos became JPEGs), which have none",
        description: "Served with the same headers as the file itself, inline.",
        params: ZAttachmentId,
        response: { 200: fileResponse("The thumbnail.", ["image/webp"]), ...problems },
      },
    },
    async (request, reply) =>
      sendStoredFile(reply, await readAttachmentFile(database.db, request.params.id, "thumbnail"), true),
  );

  app.delete(
    "/api/attachments/:id",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["attachments"],
        operationId: "deleteAttachment",
        summary: "Delete a photo or file for good (admins): audited, and noted on the ticket's timeline",
        params: ZAttachmentId,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteAttachment(ctx, actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
