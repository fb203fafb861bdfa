import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";

export type PhoneResult = { ok: true; e164: string } | { ok: false; message: string };

/**
 * International call prefixes people and phone systems put before a country code instead of "+":
 * "00" (most of the world, and what many PBXs send), "011" (North America). libphonenumber reads
 * only the default country's own prefix, so "0012015550142" fails for a US ISP without this.
 */
const INTERNATIONAL_PREFIXES = ["00", "011"] as const;

/**
 * Parses what staff type (`(555) 123-4567`, `555.123.4567`, `+1 555 123 4567`,
 * `0012015550142`) into E.164. A number is first read as a number of `defaultCountry` (so a
 * national number always wins: a Leeds number starts with 011); only if that is no valid number
 * is an international prefix ("00", "011") read as a "+". This is what a stored phone goes
 * through: a typo must stay an error, never become some other country's number.
 */
export function normalizePhone(input: string, defaultCountry: string): PhoneResult {
  return readPhone(input, defaultCountry, false);
}

/**
 * What phone systems send as caller id (`+12015550142`, `12015550142`, `0012015550142`,
 * `01112015550142`, `sip:+12015550142@pbx`), for looking a caller up (never for storing): like
 * `normalizePhone`, and as a last resort a bare country code, because a caller id whose "+" an
 * unencoded URL turned into a space arrives like that. Only numbers long enough to be
 * international (11 digits or more) are read so: a short local number ("690-2345") is not taken
 * for a foreign one.
 */
export function normalizeCallerId(input: string, defaultCountry: string): PhoneResult {
  return readPhone(input, defaultCountry, true);
}

const MIN_BARE_INTERNATIONAL_DIGITS = 11;

function readPhone(input: string, defaultCountry: string, bareCountryCode: boolean): PhoneResult {
  const trimmed = input.trim();
  const national = parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode);
  if (national?.isValid()) return { ok: true, e164: national.number };
  const international = trimmed.startsWith("+") ? undefined : withoutPlus(trimmed, bareCountryCode);
  if (international) return { ok: true, e164: international };
  return {
    ok: false,
    message: trimmed.startsWith("+") ? "not a valid international number" : `not a valid number for ${defaultCountry}`,
  };
}

/** An international number written without "+": after "00" or "011", or (if allowed) a bare country code. */
function withoutPlus(input: string, bareCountryCode: boolean): string | undefined {
  // Only numbers as phone systems write them: digits with the usual separators, nothing else.
  if (!/^[\d\s().-]+$/.test(input)) return undefined;
  const digits = phoneDigits(input);
  const candidates = [
    ...INTERNATIONAL_PREFIXES.filter((prefix) => digits.startsWith(prefix)).map((prefix) =>
      digits.slice(prefix.length),
    ),
    ...(bareCountryCode && digits.length >= MIN_BARE_INTERNATIONAL_DIGITS ? [digits] : []),
  ];
  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(`+${candidate}`);
    if (parsed?.isValid()) return parsed.number;
  }
  return undefined;
}

/** Digits only: how phone fragments are compared in search. */
export const phoneDigits = (input: string) => input.replace(/\D+/g, "");
