import { fileTypeFromBuffer } from "file-type";
import decodeHeic from "heic-decode";
import sharp from "sharp";
import {
  ATTACHMENT_CONTENT_TYPES,
  ATTACHMENT_MAX_EDGE,
  ATTACHMENT_THUMBNAIL_EDGE,
  type AttachmentContentType,
  INLINE_ATTACHMENT_TYPES,
  typeNotAcceptedMessage,
} from "../../shared/attachments.js";
import { AppError } from "../http/errors.js";

/**
 * What an uploaded file's bytes are and what Uplink keeps of them: the type from the content's
 * magic bytes (file-type), photos decoded and written again by sharp (libvips) — turned upright,
 * at most 2048 px, without EXIF, GPS or any other metadata — and a thumbnail. The prebuilt
 * libvips that sharp ships decodes no HEVC, so HEIC photos are decoded by libheif compiled to
 * WebAssembly (heic-decode) and kept as JPEG; PDFs are kept as they came (nothing renders them).
 */

/**
 * Photos above this many pixels are refused (a decompression bomb: a 20 MB PNG can claim a
 * 30,000 × 30,000 canvas). 100 megapixels covers every phone camera's ordinary mode.
 */
const MAX_INPUT_PIXELS = 100_000_000;

/** file-type's answers that are the kept types: iPhone HEIC (brand heic) and Android's (brand mif1) alike. */
const KEPT_TYPES: Record<string, AttachmentContentType> = {
  "image/jpeg": "image/jpeg",
  "image/png": "image/png",
  "image/webp": "image/webp",
  "image/heic": "image/heic",
  "image/heif": "image/heic",
  "application/pdf": "application/pdf",
};

/** The file's name ending a download of each type (the stored name keeps its own when it is one of these). */
const EXTENSIONS: Record<AttachmentContentType, readonly string[]> = {
  "image/jpeg": ["jpg", "jpeg", "jfif"],
  "image/png": ["png"],
  "image/webp": ["webp"],
  "image/heic": ["heic", "heif"],
  "application/pdf": ["pdf"],
};

export interface PreparedFile {
  contentType: AttachmentContentType;
  /** The extension the stored name takes when the file was kept in another format (a HEIC photo as "jpg"). */
  convertedExtension: string | null;
  data: Buffer;
  thumbnail: Buffer | null;
  width: number | null;
  height: number | null;
}

/** The kept type of the content, or a 415 that names what the file is. */
export async function detectContentType(bytes: Buffer): Promise<AttachmentContentType> {
  if (bytes.length === 0) {
    throw new AppError(422, "attachment.empty", "This file is empty (0 bytes). Choose the photo or PDF again.");
  }
  const found = await fileTypeFromBuffer(bytes);
  const kept = found ? KEPT_TYPES[found.mime] : undefined;
  if (kept) return kept;
  // file-type knows XML by its declaration; whether that is an SVG, the text itself says.
  const what = found && found.ext !== "xml" ? found.ext.toUpperCase() : textKind(bytes);
  throw new AppError(415, "attachment.type_not_accepted", typeNotAcceptedMessage(what), {
    acceptedTypes: [...ATTACHMENT_CONTENT_TYPES],
  });
}

/**
 * Names a file file-type does not know (it reads binary signatures; markup is text), for the
 * refusal: HTML and SVG are the files that would carry script, so say so plainly.
 */
function textKind(bytes: Buffer): string {
  const head = bytes
    .subarray(0, 2048)
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .trimStart()
    .toLowerCase();
  if (/<svg[\s>/]/.test(head)) return "SVG";
  if (head.startsWith("<!doctype html") || /<(html|head|body|script|iframe|meta|div|img)[\s>/]/.test(head))
    return "HTML";
  if (head.startsWith("<?xml")) return "XML";
  if (head.startsWith("{") || head.startsWith("[")) return "JSON";
  return "unknown (not a photo or a PDF)";
}

/** Detects the type and makes what is stored: photos re-encoded without metadata, the rest as they came. */
export async function prepareFile(bytes: Buffer): Promise<PreparedFile> {
  const contentType = await detectContentType(bytes);
  if (contentType === "image/heic") return prepareHeic(bytes);
  if (!INLINE_ATTACHMENT_TYPES.includes(contentType)) {
    return { contentType, convertedExtension: null, data: bytes, thumbnail: null, width: null, height: null };
  }
  try {
    // failOn "error": a phone's slightly odd JPEG still loads; a damaged one does not. Only the
    // first frame of an animated WebP or PNG is kept.
    const upright = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: "error" })
      .autoOrient()
      .resize({ width: ATTACHMENT_MAX_EDGE, height: ATTACHMENT_MAX_EDGE, fit: "inside", withoutEnlargement: true });
    // No withMetadata()/keepExif(): sharp writes none of the input's EXIF (GPS, camera, time),
    // XMP or IPTC. The orientation is applied to the pixels above, so nothing needs it any more.
    const encoded =
      contentType === "image/jpeg"
        ? upright.jpeg({ quality: 85 })
        : contentType === "image/png"
          ? upright.png()
          : upright.webp({ quality: 85 });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    const thumbnail = await makeThumbnail(data);
    return { contentType, convertedExtension: null, data, thumbnail, width: info.width, height: info.height };
  } catch (error) {
    const message = error instanceof Error ? error.message : "";
    if (/pixel limit/i.test(message)) throw tooManyPixels();
    throw new AppError(
      422,
      "attachment.unreadable",
      `This ${contentType === "image/jpeg" ? "JPEG" : contentType === "image/png" ? "PNG" : "WebP"} could not be read: it may be damaged or cut off. Take or export it again and retry.`,
    );
  }
}

const tooManyPixels = () =>
  new AppError(
    422,
    "attachment.too_many_pixels",
    "This photo has more than 100 megapixels. Take it at a lower resolution (or scale it down) and try again.",
  );

/** The 320 px WebP thumbnail of a photo Uplink wrote. */
function makeThumbnail(photo: Buffer): Promise<Buffer> {
  return sharp(photo)
    .resize({
      width: ATTACHMENT_THUMBNAIL_EDGE,
      height: ATTACHMENT_THUMBNAIL_EDGE,
      fit: "inside",
      withoutEnlargement: true,
    })
    .webp({ quality: 70 })
    .toBuffer();
}

/**
 * A HEIC photo (an iPhone's, with its GPS position in EXIF) kept as a JPEG like the other photos:
 * libheif (WebAssembly) decodes the first top-level image — the photo itself on iPhones — to RGBA
 * with its rotation and mirroring (irot/imir) applied, and sharp scales it to at most 2048 px and
 * writes it without any metadata. The size is read from the container before the pixels are
 * decoded, so an oversized canvas is refused before the work. The decode is synchronous
 * WebAssembly on the event loop (about 1 s for a 12 MP photo, see docs/attachments.md).
 */
async function prepareHeic(bytes: Buffer): Promise<PreparedFile> {
  const unreadable = () =>
    new AppError(
      422,
      "attachment.unreadable",
      "This HEIC photo could not be read: it may be damaged or cut off. Export it again as JPEG and retry.",
    );
  let images: Awaited<ReturnType<typeof decodeHeic.all>>;
  try {
    images = await decodeHeic.all({ buffer: bytes });
  } catch {
    throw unreadable();
  }
  try {
    const [photo] = images;
    if (!photo) throw unreadable();
    if (photo.width * photo.height > MAX_INPUT_PIXELS) throw tooManyPixels();
    let decoded: Awaited<ReturnType<typeof photo.decode>>;
    try {
      decoded = await photo.decode();
    } catch {
      throw unreadable();
    }
    const { width, height, data: rgba } = decoded;
    const { data, info } = await sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), {
      raw: { width, height, channels: 4 },
    })
      .resize({ width: ATTACHMENT_MAX_EDGE, height: ATTACHMENT_MAX_EDGE, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .jpeg({ quality: 85 })
      .toBuffer({ resolveWithObject: true });
    const thumbnail = await makeThumbnail(data);
    return {
      contentType: "image/jpeg",
      convertedExtension: "jpg",
      data,
      thumbnail,
      width: info.width,
      height: info.height,
    };
  } finally {
    images.dispose();
  }
}

/** A stored name with another extension: "IMG_1234.HEIC" kept as a JPEG is "IMG_1234.jpg". */
export function withExtension(fileName: string, extension: string): string {
  return `${fileName.replace(/\.[A-Za-z0-9]+$/, "")}.${extension}`;
}

/** Cleans an uploaded file's name for keeping and showing: no path, no control or bidi-override characters. */
export function cleanFileName(name: string | undefined): string {
  const base = (name ?? "").split(/[/\\]/).pop() ?? "";
  const cleaned = base
    .normalize("NFC")
    // Control characters (NUL cannot be stored; CR/LF would split a header) and format characters
    // such as U+202E, which make "photo\u202Egpj.exe" read as "photoexe.jpg".
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "")
    .trim()
    .replace(/^\.+/, "");
  const short = [...cleaned].slice(0, 200).join("");
  return short || "file";
}

/** The name a download offers: the stored name, plus the type's own extension when its own is another. */
export function downloadName(fileName: string, contentType: AttachmentContentType): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  const own = EXTENSIONS[contentType];
  return extension && own.includes(extension) ? fileName : `${fileName}.${own[0]}`;
}

/**
 * `Content-Disposition` of a stored file: photos `inline` (the viewer and a new tab show them),
 * everything else `attachment`; the name as an ASCII fallback and as RFC 8187 UTF-8.
 */
export function contentDisposition(fileName: string, contentType: AttachmentContentType, thumbnail = false): string {
  const disposition = INLINE_ATTACHMENT_TYPES.includes(contentType) || thumbnail ? "inline" : "attachment";
  const name = thumbnail
    ? `${fileName.replace(/\.[A-Za-z0-9]+$/, "")}-thumbnail.webp`
    : downloadName(fileName, contentType);
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
