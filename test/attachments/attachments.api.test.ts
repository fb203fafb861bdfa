import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { LightMyRequestResponse } from "fastify";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/server/db/client.js";
import { attachments, visits } from "../../src/server/db/schema/index.js";
import type { Attachment } from "../../src/shared/attachments.js";
import type { TicketDetail, TimelineEntry } from "../../src/shared/tickets.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, signInAs } from "../support/factories/users.js";
import {
  CAMERA_MAKE,
  exifTags,
  GPS_IFD_TAG,
  HEIC,
  HEIC_PHOTO,
  HTML_PAGE,
  heicPhotoExif,
  PDF,
  phoneJpegWithGps,
  png,
  rawMultipart,
  SVG_PLAIN,
  SVG_WITH_SCRIPT,
  uploadForm,
} from "./files.js";

const ACCEPTED = "Photos (JPEG, PNG, WebP, HEIC) and PDFs are.";

describe.each(testDatabaseKinds())("ticket attachments API on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;
  let agent: Session;
  let john: Session;
  let ticket: TicketDetail;

  beforeAll(async () => {
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
    agent = await signInAs(t().app, await makeStaff(admin, { role: "agent" }));
    ticket = await makeTicket(admin);
  });

  const upload = (session: Session, form: FormData, ticketId = ticket.id) =>
    session.post(`/api/tickets/${ticketId}/attachments`, form);
  const created = (response: LightMyRequestResponse): Attachment => {
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Attachment;
  };
  const storedCount = async (ticketId: string) =>
    (
      await t()
        .database.handle.db.select({ id: attachments.id })
        .from(attachments)
        .where(eq(attachments.ticketId, ticketId))
    ).length;
  const attachmentEvents = async (session: Session, ticketId: string) =>
    ((await session.get(`/api/tickets/${ticketId}/timeline`)).json().items as TimelineEntry[]).filter(
      (entry) => entry.type === "event" && entry.kind.startsWith("attachment_"),
    ) as Extract<TimelineEntry, { type: "event" }>[];

  it("keeps a phone's JPEG upright and without its EXIF (no GPS, no camera), with a thumbnail, for a technician", async () => {
    const original = await phoneJpegWithGps();
    const before = await sharp(original).metadata();
    // The fixture is what a phone sends: turned by EXIF, with a GPS position.
    expect([before.width, before.height, before.orientation]).toEqual([600, 400, 6]);
    expect(exifTags(before.exif as Buffer).has(GPS_IFD_TAG)).toBe(true);
    expect(original.includes(Buffer.from(CAMERA_MAKE))).toBe(true);

    const photo = created(await upload(john, uploadForm(original, "IMG_0042.jpg", { type: "image/jpeg" })));
    expect(photo).toMatchObject({
      ticketId: ticket.id,
      visitId: null,
      url: `/api/attachments/${photo.id}`,
      thumbnailUrl: `/api/attachments/${photo.id}/thumbnail`,
      contentType: "image/jpeg",
      fileName: "IMG_0042.jpg",
      width: 400,
      height: 600,
      uploadedBy: { id: john.user.id, name: john.user.name },
    });

    const file = await john.get(photo.url);
    expect(file.statusCode).toBe(200);
    expect(file.headers["content-type"]).toBe("image/jpeg");
    expect(Number(file.headers["content-length"])).toBe(photo.size);
    const stored = await sharp(file.rawPayload).metadata();
    expect(stored.format).toBe("jpeg");
    expect([stored.width, stored.height]).toEqual([400, 600]);
    expect(stored.exif).toBeUndefined();
    expect(stored.orientation).toBeUndefined();
    expect(file.rawPayload.includes(Buffer.from(CAMERA_MAKE))).toBe(false);

    const thumbnail = await john.get(photo.thumbnailUrl as string);
    expect(thumbnail.statusCode).toBe(200);
    expect(thumbnail.headers["content-type"]).toBe("image/webp");
    const small = await sharp(thumbnail.rawPayload).metadata();
    expect(small.format).toBe("webp");
    expect([small.width, small.height]).toEqual([213, 320]);
    expect(small.exif).toBeUndefined();
  });

  it("scales a large photo to 2048 px on its long side, and keeps a PNG named .pdf as a PNG", async () => {
    const photo = created(
      await upload(agent, uploadForm(await png(3000, 1200), "diagram.pdf", { type: "application/pdf" })),
    );
    expect(photo).toMatchObject({ contentType: "image/png", fileName: "diagram.pdf", width: 2048, height: 819 });
    const file = await agent.get(photo.url);
    expect(file.headers["content-type"]).toBe("image/png");
    // Offered under a name that says what it is.
    expect(file.headers["content-disposition"]).toBe(
      `inline; filename="diagram.pdf.png"; filename*=UTF-8''diagram.pdf.png`,
    );
    const stored = await sharp(file.rawPayload).metadata();
    expect([stored.format, stored.width, stored.height]).toEqual(["png", 2048, 819]);
  });

  it("refuses an HTML page named photo.jpg and SVGs, with or without script: 415 naming them, nothing kept", async () => {
    const other = await makeTicket(admin);
    const cases: [Buffer, string, string, string][] = [
      [HTML_PAGE, "photo.jpg", "image/jpeg", "HTML"],
      [SVG_WITH_SCRIPT, "logo.png", "image/svg+xml", "SVG"],
      [SVG_PLAIN, "plan.svg", "image/png", "SVG"],
      [Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "latin1"), "anim.jpg", "image/jpeg", "GIF"],
    ];
    for (const [bytes, name, claimed, what] of cases) {
      const response = await upload(agent, uploadForm(bytes, name, { type: claimed }), other.id);
      expect(response.statusCode, name).toBe(415);
      const problem = problemOf(response);
      expect(problem.code).toBe("attachment.type_not_accepted");
      expect(problem.detail).toBe(`This file type is not accepted: ${what}. ${ACCEPTED}`);
      expect(problem.acceptedTypes).toEqual(["image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"]);
    }
    expect(await storedCount(other.id)).toBe(0);
    expect(await attachmentEvents(admin, other.id)).toEqual([]);
  });

  it("refuses 21 MB with 413 while it streams in, and keeps nothing", async () => {
    const other = await makeTicket(admin);
    const big = Buffer.alloc(21 * 1024 * 1024, 0x41);
    (await png(4, 4)).copy(big);
    const response = await upload(admin, uploadForm(big, "huge.png", { type: "image/png" }), other.id);
    expect(response.statusCode).toBe(413);
    expect(problemOf(response)).toMatchObject({ code: "attachment.too_large", maxBytes: 20 * 1024 * 1024 });
    expect(problemOf(response).detail).toMatch(/larger than 20 MB/);
    expect(await storedCount(other.id)).toBe(0);
    expect(await attachmentEvents(admin, other.id)).toEqual([]);
    // Exactly 20 MiB of PDF is still accepted.
    // (Random bytes, as a real PDF's compressed streams are: PostgreSQL does not try to compress them.)
    const limit = randomBytes(20 * 1024 * 1024);
    PDF.copy(limit);
    expect(created(await upload(admin, uploadForm(limit, "scan.pdf"), other.id)).size).toBe(20 * 1024 * 1024);
  });

  it("serves a PDF as a download with a safe name, nosniff, a sandboxing policy and no shared caching; no thumbnail", async () => {
    // A name with quotes, a semicolon, control characters, a right-to-left override and a path, as
    // RFC 5987 lets a client send it (busboy itself drops a part whose name holds CR or LF).
    const raw = rawMultipart({
      bytes: PDF,
      type: "text/html",
      disposition: `filename*=UTF-8''..%2F..%2F%C3%9Cberweisung%20%C2%ABM%C3%A4rz%C2%BB%20%22final%22%09%07X%3B%201%E2%80%AEfdp.pdf`,
    });
    const pdf = created(await agent.request({ method: "POST", url: `/api/tickets/${ticket.id}/attachments`, ...raw }));
    expect(pdf).toMatchObject({
      contentType: "application/pdf",
      thumbnailUrl: null,
      width: null,
      height: null,
      size: PDF.length,
      fileName: 'Überweisung «März» "final"X; 1fdp.pdf',
    });
    const file = await agent.get(pdf.url);
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(PDF)).toBe(true);
    expect(file.headers["content-type"]).toBe("application/pdf");
    expect(file.headers["content-disposition"]).toBe(
      `attachment; filename="_berweisung _M_rz_ _final_X_ 1fdp.pdf"; filename*=UTF-8''%C3%9Cberweisung%20%C2%ABM%C3%A4rz%C2%BB%20%22final%22X%3B%201fdp.pdf`,
    );
    expect(file.headers["x-content-type-options"]).toBe("nosniff");
    expect(file.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
    expect(file.headers["cache-control"]).toBe("private, max-age=3600");
    const none = await agent.get(`${pdf.url}/thumbnail`);
    expect(none.statusCode).toBe(404);
    expect(problemOf(none).code).toBe("attachment.no_thumbnail");
  });

  it("keeps an iPhone's HEIC photo as a JPEG without its EXIF (no GPS, no camera), with a thumbnail", async () => {
    // The fixture is a real HEIC with the camera's make and a GPS position in its EXIF.
    expect(exifTags(heicPhotoExif()).has(GPS_IFD_TAG)).toBe(true);
    expect(HEIC_PHOTO.includes(Buffer.from(CAMERA_MAKE))).toBe(true);

    const photo = created(await upload(john, uploadForm(HEIC_PHOTO, "IMG_1234.HEIC", { type: "image/heic" })));
    expect(photo).toMatchObject({
      contentType: "image/jpeg",
      fileName: "IMG_1234.jpg",
      thumbnailUrl: `/api/attachments/${photo.id}/thumbnail`,
      width: 160,
      height: 96,
    });
    const file = await john.get(photo.url);
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(HEIC_PHOTO)).toBe(false);
    expect(file.headers["content-type"]).toBe("image/jpeg");
    expect(file.headers["content-disposition"]).toMatch(/^inline; filename="IMG_1234.jpg"/);
    const stored = await sharp(file.rawPayload).metadata();
    expect([stored.format, stored.width, stored.height]).toEqual(["jpeg", 160, 96]);
    expect(stored.exif).toBeUndefined();
    expect(file.rawPayload.includes(Buffer.from(CAMERA_MAKE))).toBe(false);
    // The pixels are the photo's: red on the left, blue-green on the right (HEVC at q 50 is lossy).
    const { data } = await sharp(file.rawPayload).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * 160 + x) * 3, (y * 160 + x) * 3 + 3)];
    expect(pixel(20, 20)[0]).toBeGreaterThan(180);
    expect(pixel(140, 80)[0]).toBeLessThan(80);
    expect(pixel(140, 80)[1]).toBeGreaterThan(160);

    const thumbnail = await john.get(photo.thumbnailUrl as string);
    expect(thumbnail.statusCode).toBe(200);
    const small = await sharp(thumbnail.rawPayload).metadata();
    expect([small.format, small.width, small.height, small.exif]).toEqual(["webp", 160, 96, undefined]);
  });

  it("refuses a file with a HEIC header that holds no photo, keeping nothing", async () => {
    const other = await makeTicket(admin);
    const response = await upload(john, uploadForm(HEIC, "IMG_1235.HEIC", { type: "image/heic" }), other.id);
    expect(response.statusCode).toBe(422);
    expect(problemOf(response)).toMatchObject({ code: "attachment.unreadable" });
    expect(problemOf(response).detail).toMatch(/^This HEIC photo could not be read/);
    expect(await storedCount(other.id)).toBe(0);
  });

  it("shows photos inline, with the same protective headers", async () => {
    const photo = created(await upload(john, uploadForm(await png(10, 10), "meter.png")));
    for (const url of [photo.url, photo.thumbnailUrl as string]) {
      const response = await john.get(url);
      expect(response.headers["content-disposition"], url).toMatch(/^inline; /);
      expect(response.headers["x-content-type-options"], url).toBe("nosniff");
      expect(response.headers["content-security-policy"], url).toBe(
        "default-src 'none'; frame-ancestors 'none'; sandbox",
      );
      expect(response.headers["cache-control"], url).toBe("private, max-age=3600");
    }
  });

  it("lists a ticket's files oldest first, and notes each upload on the timeline", async () => {
    const own = await makeTicket(admin);
    const first = created(await upload(agent, uploadForm(PDF, "quote.pdf"), own.id));
    t().clock.advance(1000);
    const second = created(await upload(john, uploadForm(await png(20, 10), "cabinet.png"), own.id));
    const list = await john.get(`/api/tickets/${own.id}/attachments`);
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([first, second]);
    const events = await attachmentEvents(john, own.id);
    expect(events.map((e) => [e.kind, e.actor?.id, e.toValue, e.data?.fileName, e.data?.contentType])).toEqual([
      ["attachment_added", agent.user.id, first.id, "quote.pdf", "application/pdf"],
      ["attachment_added", john.user.id, second.id, "cabinet.png", "image/png"],
    ]);
    expect(events[1]?.data).toMatchObject({ attachmentId: second.id, size: second.size, hasThumbnail: true });
  });

  it("honours Idempotency-Key on uploads: the same file again replays the first answer, another file gets 422", async () => {
    const own = await makeTicket(admin);
    const key = `upload-${own.id}`;
    const send = async (bytes: Buffer) =>
      john.request({
        method: "POST",
        url: `/api/tickets/${own.id}/attachments`,
        headers: { "idempotency-key": key },
        payload: uploadForm(bytes, "router.png"),
      });
    const photo = await png(12, 12);
    const first = created(await send(photo));
    const again = await send(photo);
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(first);
    const other = await send(await png(13, 13));
    expect(other.statusCode).toBe(422);
    expect(problemOf(other).code).toBe("idempotency.key_reused");
    expect(await storedCount(own.id)).toBe(1);
  });

  it("lets only admins delete: 403 for agents and technicians; the admin's delete is audited and on the timeline", async () => {
    const own = await makeTicket(admin);
    const photo = created(await upload(john, uploadForm(await png(8, 8), "wall.png"), own.id));
    for (const session of [john, agent]) {
      const refused = await session.delete(photo.url);
      expect(refused.statusCode).toBe(403);
      expect(problemOf(refused).code).toBe("auth.forbidden");
    }
    expect(await storedCount(own.id)).toBe(1);

    expect((await admin.delete(photo.url)).statusCode).toBe(204);
    expect(await storedCount(own.id)).toBe(0);
    expect((await john.get(photo.url)).statusCode).toBe(404);
    expect((await john.get(photo.thumbnailUrl as string)).statusCode).toBe(404);
    expect((await admin.delete(photo.url)).statusCode).toBe(404);
    const audit = await queryRows<{
      action: string;
      actor_id: string;
      entity_id: string;
      data: Record<string, unknown>;
    }>(
      t().database.handle.db,
      sql`select action, actor_id, entity_id, data from audit_log where entity_id = ${photo.id}`,
    );
    expect(audit).toEqual([
      {
        action: "attachment.delete",
        actor_id: admin.user.id,
        entity_id: photo.id,
        data: expect.objectContaining({
          ticketId: own.id,
          fileName: "wall.png",
          contentType: "image/png",
          uploadedById: john.user.id,
        }),
      },
    ]);
    const events = await attachmentEvents(admin, own.id);
    expect(events.map((e) => [e.kind, e.actor?.id, e.data?.attachmentId])).toEqual([
      ["attachment_added", john.user.id, photo.id],
      ["attachment_deleted", admin.user.id, photo.id],
    ]);
    expect((await admin.get(`/api/tickets/${own.id}/attachments`)).json().items).toEqual([]);
  });

  it("ties a file to a visit of the ticket, and refuses another ticket's visit or a malformed id", async () => {
    const own = await makeTicket(admin);
    const db = t().database.handle.db;
    const [visit] = await db
      .insert(visits)
      .values({
        ticketId: own.id,
        technicianId: john.user.id,
        kind: "install",
        startsAt: new Date("2026-05-04T09:00:00Z"),
        endsAt: new Date("2026-05-04T12:00:00Z"),
      })
      .returning({ id: visits.id });
    const visitId = visit?.id as string;
    const photo = created(await upload(john, uploadForm(await png(6, 6), "ont.png", { fields: { visitId } }), own.id));
    expect(photo.visitId).toBe(visitId);

    const elsewhere = await upload(john, uploadForm(await png(6, 6), "ont.png", { fields: { visitId } }));
    expect(elsewhere.statusCode).toBe(422);
    expect(problemOf(elsewhere).errors).toEqual([
      { field: "visitId", message: "visitId: this visit is not one of this ticket's visits" },
    ]);
    const malformed = await upload(john, uploadForm(await png(6, 6), "ont.png", { fields: { visitId: "nope" } }));
    expect(malformed.statusCode).toBe(422);
    expect(problemOf(malformed).errors?.[0]?.field).toBe("visitId");
    const rows = await db
      .select({ id: attachments.id })
      .from(attachments)
      .where(and(eq(attachments.ticketId, own.id), eq(attachments.visitId, visitId)));
    expect(rows).toHaveLength(1);
  });

  it("answers malformed uploads with problems a person can act on, and keeps nothing", async () => {
    const other = await makeTicket(admin);
    const missing = new FormData();
    missing.append("visitId", "7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17");
    const noFile = await upload(admin, missing, other.id);
    expect(noFile.statusCode).toBe(422);
    expect(problemOf(noFile).errors).toEqual([{ field: "file", message: "file: choose a photo or PDF to upload" }]);

    const extra = uploadForm(PDF, "a.pdf", { fields: { ticketId: ticket.id } });
    const unknownField = await upload(admin, extra, other.id);
    expect(unknownField.statusCode).toBe(422);
    expect(problemOf(unknownField).code).toBe("attachment.unknown_field");

    const two = uploadForm(PDF, "a.pdf");
    two.append("file", new Blob([new Uint8Array(PDF)]), "b.pdf");
    const twoFiles = await upload(admin, two, other.id);
    expect(twoFiles.statusCode).toBe(413);
    expect(problemOf(twoFiles).code).toBe("attachment.too_many_files");

    const empty = await upload(admin, uploadForm(Buffer.alloc(0), "empty.jpg"), other.id);
    expect(empty.statusCode).toBe(422);
    expect(problemOf(empty).code).toBe("attachment.empty");

    const broken = await upload(admin, uploadForm((await png(50, 50)).subarray(0, 60), "cut.png"), other.id);
    expect(broken.statusCode).toBe(422);
    expect(problemOf(broken).code).toBe("attachment.unreadable");

    const json = await admin.request({
      method: "POST",
      url: `/api/tickets/${other.id}/attachments`,
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ file: "aGVsbG8=" }),
    });
    expect(json.statusCode).toBe(415);
    problemOf(json);

    const garbage = await admin.request({
      method: "POST",
      url: `/api/tickets/${other.id}/attachments`,
      headers: { "content-type": "multipart/form-data; boundary=x" },
      payload: '--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nabc',
    });
    expect(garbage.statusCode).toBeGreaterThanOrEqual(400);
    expect(garbage.statusCode).toBeLessThan(500);
    problemOf(garbage);
    expect(await storedCount(other.id)).toBe(0);
  });

  it("answers 404 for an unknown ticket or attachment, and 401 without a session", async () => {
    const unknown = "7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17";
    const toNowhere = await upload(admin, uploadForm(PDF, "a.pdf"), unknown);
    expect(toNowhere.statusCode).toBe(404);
    expect(problemOf(toNowhere).code).toBe("ticket.not_found");
    expect((await admin.get(`/api/tickets/${unknown}/attachments`)).statusCode).toBe(404);
    expect(problemOf(await admin.get(`/api/attachments/${unknown}`)).code).toBe("attachment.not_found");
    expect((await admin.get("/api/attachments/not-an-id")).statusCode).toBe(422);

    const photo = created(await upload(admin, uploadForm(await png(5, 5), "x.png")));
    const anonymous = [
      await t().app.inject({
        method: "POST",
        url: `/api/tickets/${ticket.id}/attachments`,
        payload: uploadForm(await png(5, 5), "x.png"),
      }),
      await t().app.inject({ method: "GET", url: `/api/tickets/${ticket.id}/attachments` }),
      await t().app.inject({ method: "GET", url: photo.url }),
      await t().app.inject({ method: "GET", url: photo.thumbnailUrl as string }),
      await t().app.inject({ method: "DELETE", url: photo.url }),
    ];
    for (const response of anonymous) {
      expect(response.statusCode).toBe(401);
      expect(problemOf(response).code).toBe("auth.required");
    }
    // Without the CSRF header a session's upload is refused before the body is read.
    const noCsrf = await t().app.inject({
      method: "POST",
      url: `/api/tickets/${ticket.id}/attachments`,
      headers: { cookie: admin.cookie },
      payload: uploadForm(PDF, "a.pdf"),
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(problemOf(noCsrf).code).toBe("auth.csrf_invalid");
  });
});
