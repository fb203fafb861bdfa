import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";

export type PhoneResult = { ok: true; e164: string } | { ok: false; message: string };

/**
 * International call prefixes people and phone systems put before a country code instead of "+":
 * "00" (most of the world, and what many PBXs send), "011" (North America). libphonenumber reads
 * only the default country's own prefix, so "0012015550142" fails for a US ISP without this.
 */
const INTERNATIONAL_PREFIXES = ["00", "011"] as const;

/**
 * Parses what staff type (`(555) 123-4567`, `555.123.4567`, `+1 555 123 4567`) and what phone
 * systems send as caller id (`+12015550142`, `12015550142`, `0012015550142`, `01112015550142`,
 * `sip:+12015550142@pbx`) into E.164. A number is first read as a number of `defaultCountry`
 * (so a national number always wins); only if that is no valid number are the international
 * forms without "+" tried: an international prefix, then a bare country code (a caller id whose
 * "+" an unencoded URL turned into a space arrives like that).
 */
export function normalizePhone(input: string, defaultCountry: string): PhoneResult {
  const trimmed = input.trim();
  const national = parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode);
  if (national?.isValid()) return { ok: true, e164: national.number };
  const international = trimmed.startsWith("+") ? undefined : withoutPlus(trimmed);
  if (international) return { ok: true, e164: international };
  return {
    ok: false,
    message: trimmed.startsWith("+") ? "not a valid international number" : `not a valid number for ${defaultCountry}`,
  };
}

/** An international number written without "+": after "00" or "011", or a bare country code. */
function withoutPlus(input: string): string | undefined {
  // Only numbers as phone systems write them: digits with the usual separators, nothing else.
  if (!/^[\d\s().-]+$/.test(input)) return undefined;
  const digits = phoneDigits(input);
  const candidates = [
    ...INTERNATIONAL_PREFIXES.filter((prefix) => digits.startsWith(prefix)).map((prefix) =>
      digits.slice(prefix.length),
    ),
    digits,
  ];
  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(`+${candidate}`);
    if (parsed?.isValid()) return parsed.number;
  }
  return undefined;
}

/** Digits only: how phone fragments are compared in search. */
export const phoneDigits = (input: string) => input.replace(/\D+/g, "");
