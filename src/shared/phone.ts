import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";

export type PhoneResult = { ok: true; e164: string } | { ok: false; message: string };

/**
 * Parses what staff type (`(555) 123-4567`, `555.123.4567`, `+1 555 123 4567`) into E.164.
 * Numbers without a country code are read as numbers of `defaultCountry`.
 */
export function normalizePhone(input: string, defaultCountry: string): PhoneResult {
  const trimmed = input.trim();
  const phone = parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode);
  if (!phone?.isValid()) {
    return {
      ok: false,
      message: trimmed.startsWith("+")
        ? "not a valid international number"
        : `not a valid number for ${defaultCountry}`,
    };
  }
  return { ok: true, e164: phone.number };
}

/** Digits only: how phone fragments are compared in search. */
export const phoneDigits = (input: string) => input.replace(/\D+/g, "");
