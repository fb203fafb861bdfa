import { gzipSync } from "node:zlib";
import type { LightMyRequestResponse } from "fastify";
import type { Download, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { Attachment } from "../../src/shared/attachments.js";
import {
  HEIC,
  HEIC_PHOTO,
  HTML_PAGE,
  PDF,
  png,
  rawMultipart,
  SVG_WITH_SCRIPT,
  uploadForm,
} from "../attachments/files.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";

/**
 * Attachment XSS, as help desks have shipped it and Uplink must not: osTicket CVE-2019-13397 (an
 * HTML file uploaded to a ticket and opened from the help desk's origin), Request Tracker
 * CVE-2022-25802 (XSS through an attachment's crafted content type) and FreeScout
 * GHSA-fffc-phh8-5h4v (attachment-borne script in the help desk's origin). Uplink keeps only
 * photos and PDFs found by their content, re-encodes photos, serves everything with the type it
 * found, nosniff, `sandbox` and never HTML or SVG, and shows file names as text.
 */

const KEPT = ["image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"];
const SANDBOX = "default-src 'none'; frame-ancestors 'none'; sandbox";
const SCRIPT = "<script>window.__xss(1)</script>";

/** HTML after a PNG's end: a valid PNG to an image decoder, a page to a sniffing browser. */
async function pngHtmlPolyglot(): Promise<Buffer> {
  return Buffer.concat([await png(16, 16), Buffer.from(`<html><body>${SCRIPT}</body></html>`)]);
}

/** A JPEG whose comment segment (COM, right after SOI) holds a page. */
async function jpegWithHtmlComment(): Promise<Buffer> {
  const sharp = (await import("sharp")).default;
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: "#888" } })
    .jpeg()
    .toBuffer();
  const comment = Buffer.from(`<html>${SCRIPT}</html>`);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(comment.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), length, comment, jpeg.subarray(2)]);
}

/** A PDF with document JavaScript, and a page after its end: kept as it is, so only the headers stand in the way. */
const PDF_WITH_SCRIPT = Buffer.concat([
  Buffer.from(
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
  ),
  Buffer.from(`<html>${SCRIPT}</html>`),
]);

/** A HEIC header followed by a page: libheif finds no photo in it, so it is refused (HEIC photos are kept as JPEG). */
const HEIC_HTML_POLYGLOT = Buffer.concat([HEIC.subarray(0, 24), Buffer.from(`<html>${SCRIPT}</html>`)]);

describe.each(testDatabaseKinds())("attachment XSS on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;
  let john: Session;
  let ticketId: string;
  beforeAll(async () => {
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
    ticketId = (await makeTicket(admin)).id;
  });
  const upload = (form: FormData) => john.post(`/api/tickets/${ticketId}/attachments`, form);
  const created = (response: LightMyRequestResponse) => {
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Attachment;
  };
  const listed = async () =>
    ((await john.get(`/api/tickets/${ticketId}/attachments`)).json().items as Attachment[]).length;

  /** Every answer for a stored file: its kept type, nosniff, sandboxed, inline only for photos Uplink wrote. */
  async function expectServedSafely(attachment: Attachment) {
    for (const url of [attachment.url, attachment.thumbnailUrl].filter((u): u is string => u !== null)) {
      const response = await john.get(url);
      expect(response.statusCode, url).toBe(200);
      const type = String(response.headers["content-type"]);
      expect([...KEPT, "image/webp"], url).toContain(type);
      expect(type, url).not.toMatch(/html|xml|svg|text/);
      expect(response.headers["x-content-type-options"], url).toBe("nosniff");
      expect(response.headers["content-security-policy"], url).toBe(SANDBOX);
      const disposition = String(response.headers["content-disposition"]);
      const inline = ["image/jpeg", "image/png", "image/webp"].includes(type);
      expect(disposition.startsWith(inline ? "inline;" : "attachment;"), `${url}: ${disposition}`).toBe(true);
      expect(disposition, url).not.toMatch(/[\r\n]/);
    }
  }

  it("CVE-2019-13397 (osTicket): refuses HTML however it is named, dressed or typed, and keeps none of it", async () => {
    const before = await listed();
    const pages: [Buffer, string, string][] = [
      [HTML_PAGE, "invoice.html", "text/html"],
      [HTML_PAGE, "photo.jpg", "image/jpeg"],
      [HTML_PAGE, "scan.pdf", "application/pdf"],
      [HTML_PAGE, "IMG_1.HEIC", "image/heic"],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\n  <HTML>${SCRIPT}`)]), "bom.png", "image/png"],
      [Buffer.from(`<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">${SCRIPT}</html>`), "x.xhtml", ""],
      [Buffer.from(`<iframe srcdoc="${SCRIPT}"></iframe>`), "frame.webp", "image/webp"],
      [Buffer.from(`\u0000\u0000<html>${SCRIPT}`), "nul.jpg", "image/jpeg"],
    ];
    for (const [bytes, name, type] of pages) {
      const response = await upload(uploadForm(bytes, name, { type }));
      expect(response.statusCode, name).toBe(415);
      expect(problemOf(response).code, name).toBe("attachment.type_not_accepted");
    }
    expect(await listed()).toBe(before);
  });

  it("CVE-2022-25802 (Request Tracker): the content type a client claims is never stored nor served", async () => {
    const claims = [
      "text/html",
      "text/html; charset=utf-8",
      "image/svg+xml",
      "application/xhtml+xml",
      "text/xml",
      "application/javascript",
      "multipart/x-mixed-replace; boundary=x",
    ];
    for (const claimed of claims) {
      const raw = rawMultipart({ bytes: await png(9, 9), type: claimed, disposition: 'filename="page.html"' });
      const photo = created(
        await john.request({ method: "POST", url: `/api/tickets/${ticketId}/attachments`, ...raw }),
      );
      expect(photo.contentType, claimed).toBe("image/png");
      await expectServedSafely(photo);
      expect(String((await john.get(photo.url)).headers["content-disposition"])).toMatch(/filename="page\.html\.png"/);
    }
    const pdf = created(await upload(uploadForm(PDF, "report.html", { type: "text/html" })));
    expect(pdf.contentType).toBe("application/pdf");
    await expectServedSafely(pdf);
  });

  it("GHSA-fffc-phh8-5h4v (FreeScout): no SVG in any form, and no markup survives inside a photo", async () => {
    const before = await listed();
    const svgs: [Buffer, string][] = [
      [SVG_WITH_SCRIPT, "logo.svg"],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss(1)"/>'), "onload.png"],
      [
        Buffer.from(
          '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:window.__xss(1)"><text y="10">x</text></a></svg>',
        ),
        "doctype.jpg",
      ],
      [gzipSync(SVG_WITH_SCRIPT), "logo.svgz"],
    ];
    for (const [bytes, name] of svgs) {
      const response = await upload(uploadForm(bytes, name, { type: "image/svg+xml" }));
      expect(response.statusCode, name).toBe(415);
    }
    expect(await listed()).toBe(before);

    // Polyglots that are valid photos: kept as photos, but written again, so the page is gone.
    for (const [bytes, name] of [
      [await pngHtmlPolyglot(), "poly.png"],
      [await jpegWithHtmlComment(), "comment.jpg"],
    ] as const) {
      const photo = created(await upload(uploadForm(bytes, name, { type: "text/html" })));
      const stored = (await john.get(photo.url)).rawPayload;
      expect(stored.includes(Buffer.from("<script")), name).toBe(false);
      expect(stored.includes(Buffer.from("<html")), name).toBe(false);
      await expectServedSafely(photo);
    }
  });

  it("keeps what it cannot rewrite (PDF) byte for byte, but only ever as a sandboxed download; refuses a HEIC-headed page", async () => {
    const pdf = created(await upload(uploadForm(PDF_WITH_SCRIPT, "statement.pdf", { type: "text/html" })));
    expect(pdf.thumbnailUrl).toBeNull();
    const response = await john.get(pdf.url);
    expect(response.rawPayload.equals(PDF_WITH_SCRIPT)).toBe(true);
    await expectServedSafely(pdf);

    const before = await listed();
    const heic = await upload(uploadForm(HEIC_HTML_POLYGLOT, "IMG_9.HEIC", { type: "text/html" }));
    expect(heic.statusCode).toBe(422);
    expect(problemOf(heic).code).toBe("attachment.unreadable");
    expect(await listed()).toEqual(before);
  });

  it("keeps a hostile file name as text: JSON-escaped in answers, sanitised in headers", async () => {
    const name = "<img src=x onerror=window.__xss(1)>.png";
    const photo = created(await upload(uploadForm(await png(5, 5), name)));
    expect(photo.fileName).toBe(name);
    const file = await john.get(photo.url);
    expect(String(file.headers["content-disposition"])).toBe(
      `inline; filename="<img src=x onerror=window.__xss(1)>.png"; filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%281%29%3E.png`,
    );
  });
});

describeBrowser("attachment XSS in Chromium", () => {
  const h = useBrowserApp();
  let ticketId: string;
  const stored: Record<string, Attachment> = {};

  beforeAll(async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    ticketId = (await makeTicket(admin, { subject: "Attachment XSS probe" })).id;
    const files: [string, Buffer, string, string][] = [
      ["polyglot", await pngHtmlPolyglot(), `"><img src=x onerror=window.__xss(2)>.png`, "text/html"],
      ["pdf", PDF_WITH_SCRIPT, "statement.pdf", "text/html"],
      ["heic", HEIC_PHOTO, "IMG_1234.HEIC", "text/html"],
    ];
    for (const [key, bytes, name, type] of files) {
      const response = await admin.post(`/api/tickets/${ticketId}/attachments`, uploadForm(bytes, name, { type }));
      if (response.statusCode !== 201) throw new Error(`upload ${key}: ${response.statusCode} ${response.body}`);
      stored[key] = response.json() as Attachment;
    }
  });

  /** An admin's page that records every call of window.__xss and every dialog. */
  async function watchedPage(): Promise<{ page: Page; calls: unknown[]; dialogs: string[] }> {
    const page = await h().newPage({ viewport: { width: 390, height: 844 } });
    page.setDefaultTimeout(30_000);
    const calls: unknown[] = [];
    const dialogs: string[] = [];
    await page.exposeBinding("__xss", (_source, value: unknown) => {
      calls.push(value ?? "called");
    });
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signInThroughUi(page, DEMO.admin.email, DEMO.admin.password);
    return { page, calls, dialogs };
  }

  it("shows hostile files and names on the ticket page as pictures and text, never as markup", async () => {
    const { page, calls, dialogs } = await watchedPage();
    await page.goto(`/tickets/${ticketId}`);
    const gallery = page.getByRole("list", { name: "Photos and files of this ticket" });
    await gallery.getByRole("listitem").nth(2).waitFor();
    const hostile = stored.polyglot?.fileName ?? "";
    await gallery.getByRole("button", { name: `View ${hostile}` }).click();
    const viewer = page.getByRole("dialog");
    await viewer.getByText(hostile, { exact: true }).waitFor();
    await page.waitForLoadState("networkidle").catch(() => {});
    const injected = await page.evaluate(
      () => [...document.querySelectorAll("img[src='x'], [onerror], [onload], script:not([src]), iframe")].length,
    );
    expect(injected).toBe(0);
    expect(calls).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  }, 90_000);

  it("opens a stored photo on its own as an image (a HEIC one as the JPEG kept), and hands PDFs over as downloads, running nothing", async () => {
    const { page, calls, dialogs } = await watchedPage();
    const response = await page.goto(stored.polyglot?.url ?? "");
    expect(response?.headers()["content-type"]).toBe("image/png");
    expect(await page.evaluate(() => document.contentType)).toBe("image/png");
    expect(await page.evaluate(() => document.querySelectorAll("script").length)).toBe(0);
    const heic = await page.goto(stored.heic?.url ?? "");
    expect(heic?.headers()["content-type"]).toBe("image/jpeg");
    expect(await page.evaluate(() => document.contentType)).toBe("image/jpeg");

    for (const key of ["pdf"]) {
      const url = stored[key]?.url ?? "";
      const [download] = await Promise.all([
        page.waitForEvent("download") as Promise<Download>,
        page.goto(url).catch(() => null),
      ]);
      expect(download.url(), key).toMatch(new RegExp(`${url}$`));
      expect(download.suggestedFilename(), key).toBe("statement.pdf");
      await download.cancel();
    }
    await page.waitForTimeout(500);
    expect(calls).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  }, 90_000);
});
