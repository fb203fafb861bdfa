import { createHmac, timingSafeEqual } from "node:crypto";

/** A webhook's form fields; a field sent more than once arrives as an array. */
export type TwilioParams = Record<string, unknown>;

/**
 * Twilio's X-Twilio-Signature: HMAC-SHA1, keyed with the auth token, over the full URL followed by
 * every POST field sorted by name, name and value with no separator, in base64. A repeated field
 * adds each distinct value in sorted order (as Twilio's own helper libraries do).
 */
export function computeTwilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    const values = Array.isArray(value) ? [...new Set(value.map(String))].sort() : [String(value)];
    for (const each of values) data += key + each;
  }
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/**
 * Checks a signature in constant time against the URL as configured and with its default port
 * added or removed: Twilio has signed both forms, so its helper libraries accept either.
 */
export function isValidTwilioSignature(
  authToken: string,
  signature: string,
  url: string,
  params: TwilioParams,
): boolean {
  const given = Buffer.from(signature);
  return urlVariants(url).some((candidate) => {
    const expected = Buffer.from(computeTwilioSignature(authToken, candidate, params));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

function urlVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#:]+)(:\d+)?(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = "", host = "", , rest = ""] = match;
  const port = scheme.toLowerCase() === "https" ? ":443" : ":80";
  return [url, `${scheme}://${host}${rest}`, `${scheme}://${host}${port}${rest}`];
}
