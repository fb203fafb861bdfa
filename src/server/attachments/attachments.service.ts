import { and, asc, eq, sql } from "drizzle-orm";
import type { Attachment, AttachmentContentType, AttachmentList } from "../../shared/attachments.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { attachments, tickets, users, visits } from "../db/schema/index.js";
import { fieldError, notFound, PG_FOREIGN_KEY_VIOLATION, pgErrorCode } from "../http/errors.js";
import { recordTicketEvents } from "../tickets/tickets.events.js";
import { cleanFileName, prepareFile, withExtension } from "./attachments.content.js";

/**
 * Photos and files on tickets (owned by `attachments/`). The bytes live in PostgreSQL (the
 * `attachments` table), so every instance on the database serves the same files and a backup
 * holds them. Adding and deleting write the ticket's timeline through the tickets feature, in
 * the same transaction; deleting is audited.
 */

/** An upload as the route read it from the multipart stream. */
export interface NewAttachment {
  fileName: string | undefined;
  bytes: Buffer;
  visitId?: string;
}

/** Everything but the bytes: what lists and answers are made of. */
const listedColumns = {
  id: attachments.id,
  ticketId: attachments.ticketId,
  visitId: attachments.visitId,
  fileName: attachments.fileName,
  contentType: attachments.contentType,
  size: attachments.size,
  width: attachments.width,
  height: attachments.height,
  hasThumbnail: sql<boolean>`${attachments.thumbnail} is not null`,
  uploadedById: attachments.uploadedById,
  createdAt: attachments.createdAt,
};

type ListedRow = {
  id: string;
  ticketId: string;
  visitId: string | null;
  fileName: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  hasThumbnail: boolean;
  uploadedById: string | null;
  createdAt: Date;
};

/**
 * Bytes in and out as hex text, converted by PostgreSQL (decode/encode) and by Node's Buffer.
 * node-postgres sends a bytea parameter as hex text anyway; PGlite converts bytea byte by byte in
 * JavaScript, which took 11 s for a 20 MB file (2 s this way) and 2 s to read it back (0.5 s).
 */
const hexToBytea = (bytes: Buffer) => sql`decode(${bytes.toString("hex")}, 'hex')`;
const byteaToHex = (column: typeof attachments.data | typeof attachments.thumbnail) =>
  sql<string | null>`encode(${column}, 'hex')`;

export const attachmentUrl = (id: string) => `/api/attachments/${id}`;

function toAttachment(row: ListedRow, uploaderName: string | null): Attachment {
  return {
    id: row.id,
    ticketId: row.ticketId,
    visitId: row.visitId,
    url: attachmentUrl(row.id),
    thumbnailUrl: row.hasThumbnail ? `${attachmentUrl(row.id)}/thumbnail` : null,
    contentType: row.contentType as AttachmentContentType,
    size: row.size,
    fileName: row.fileName,
    width: row.width,
    height: row.height,
    createdAt: row.createdAt.toISOString(),
    uploadedBy: row.uploadedById ? { id: row.uploadedById, name: uploaderName ?? "" } : null,
  };
}

async function assertTicketExists(db: Executor, ticketId: string): Promise<void> {
  const [row] = await db.select({ id: tickets.id }).from(tickets).where(eq(tickets.id, ticketId)).limit(1);
  if (!row) throw notFound("ticket.not_found", "This ticket");
}

/** A visit named by an upload must be one of the ticket's (a plain look at `visits`, owned by `visits/`). */
async function assertVisitOfTicket(db: Executor, ticketId: string, visitId: string): Promise<void> {
  const [row] = await db
    .select({ id: visits.id })
    .from(visits)
    .where(and(eq(visits.id, visitId), eq(visits.ticketId, ticketId)))
    .limit(1);
  if (!row) {
    throw fieldError(
      "attachment.visit_not_on_ticket",
      "visitId",
      "visitId: this visit is not one of this ticket's visits",
    );
  }
}

/**
 * Keeps a file on a ticket: the type from its content (415 for anything but photos and PDFs), a
 * photo re-encoded upright without metadata plus its thumbnail, and an `attachment_added`
 * timeline entry in the same transaction. The image work happens before the transaction opens.
 */
export async function addAttachment(
  ctx: ServiceContext,
  actor: Actor,
  ticketId: string,
  input: NewAttachment,
): Promise<Attachment> {
  await assertTicketExists(ctx.db, ticketId);
  if (input.visitId) await assertVisitOfTicket(ctx.db, ticketId, input.visitId);
  const prepared = await prepareFile(input.bytes);
  const cleanName = cleanFileName(input.fileName);
  const fileName = prepared.convertedExtension ? withExtension(cleanName, prepared.convertedExtension) : cleanName;
  return inTransaction(ctx, async ({ db: tx }) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(attachments)
      .values({
        ticketId,
        visitId: input.visitId ?? null,
        fileName,
        contentType: prepared.contentType,
        size: prepared.data.length,
        data: hexToBytea(prepared.data),
        thumbnail: prepared.thumbnail ? hexToBytea(prepared.thumbnail) : null,
        width: prepared.width,
        height: prepared.height,
        uploadedById: actor.id,
        createdAt: now,
      })
      .returning(listedColumns)
      .catch((error: unknown) => {
        // The ticket or visit went away between the checks and the insert.
        if (pgErrorCode(error) === PG_FOREIGN_KEY_VIOLATION) throw notFound("ticket.not_found", "This ticket");
        throw error;
      });
    if (!row) throw new Error("insert returned no row");
    await recordTicketEvents(tx, {
      ticketId,
      kind: "attachment_added",
      actorId: actor.id,
      toValue: row.id,
      data: {
        attachmentId: row.id,
        fileName,
        contentType: prepared.contentType,
        size: row.size,
        hasThumbnail: row.hasThumbnail,
        visitId: row.visitId,
      },
      at: now,
    });
    const [uploader] = actor.id
      ? await tx.select({ name: users.name }).from(users).where(eq(users.id, actor.id)).limit(1)
      : [];
    return toAttachment(row, uploader?.name ?? null);
  });
}

/** A ticket's files, oldest first (in the order they were added). Never the bytes. */
export async function listAttachments(db: Executor, ticketId: string): Promise<AttachmentList> {
  await assertTicketExists(db, ticketId);
  const rows = await db
    .select({ ...listedColumns, uploaderName: users.name })
    .from(attachments)
    .leftJoin(users, eq(users.id, attachments.uploadedById))
    .where(eq(attachments.ticketId, ticketId))
    .orderBy(asc(attachments.createdAt), asc(attachments.id));
  return { items: rows.map((row) => toAttachment(row, row.uploaderName)) };
}

/** The stored bytes of a file or of its thumbnail, with what the download headers need. */
export async function readAttachmentFile(
  db: Executor,
  id: string,
  part: "file" | "thumbnail",
): Promise<{ fileName: string; contentType: AttachmentContentType; data: Buffer }> {
  const [row] = await db
    .select({
      fileName: attachments.fileName,
      contentType: attachments.contentType,
      hex: byteaToHex(part === "file" ? attachments.data : attachments.thumbnail),
    })
    .from(attachments)
    .where(eq(attachments.id, id))
    .limit(1);
  if (!row) throw notFound("attachment.not_found", "This attachment");
  if (row.hex === null) {
    throw notFound(
      "attachment.no_thumbnail",
      "This file has no thumbnail (PDFs and HEIC files kept as uploaded have none; download the file itself)",
    );
  }
  return {
    fileName: row.fileName,
    contentType: row.contentType as AttachmentContentType,
    data: Buffer.from(row.hex, "hex"),
  };
}

/** Deletes a file for good (admins): an `attachment_deleted` timeline entry and an audit row, in one transaction. */
export async function deleteAttachment(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  await inTransaction(ctx, async ({ db: tx }) => {
    const [row] = await tx.delete(attachments).where(eq(attachments.id, id)).returning({
      id: attachments.id,
      ticketId: attachments.ticketId,
      visitId: attachments.visitId,
      fileName: attachments.fileName,
      contentType: attachments.contentType,
      size: attachments.size,
      uploadedById: attachments.uploadedById,
      createdAt: attachments.createdAt,
    });
    if (!row) throw notFound("attachment.not_found", "This attachment");
    const now = ctx.clock.now();
    const described = { fileName: row.fileName, contentType: row.contentType, size: row.size };
    await recordTicketEvents(tx, {
      ticketId: row.ticketId,
      kind: "attachment_deleted",
      actorId: actor.id,
      fromValue: row.id,
      data: { attachmentId: row.id, ...described },
      at: now,
    });
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "attachment.delete",
      entityType: "attachment",
      entityId: row.id,
      data: {
        ticketId: row.ticketId,
        visitId: row.visitId,
        ...described,
        uploadedById: row.uploadedById,
        uploadedAt: row.createdAt.toISOString(),
      },
      ip: actor.ip,
      at: now,
    });
  });
}
