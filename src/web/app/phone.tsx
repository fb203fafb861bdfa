import { Anchor, type AnchorProps, Group } from "@mantine/core";
import { type CountryCode, getCountryCallingCode, parsePhoneNumberFromString } from "libphonenumber-js/min";
import { CopyValue } from "./copy-value.js";
import { getIspCountry } from "./format.js";

export interface FormattedPhone {
  /** The ISP's own numbers as its staff write them, "(201) 555-0177"; others "+44 20 7183 8750". */
  display: string;
  /** E.164, for `tel:` links, copying and tooltips: "+12015550177". */
  e164: string;
}

function callingCodeOf(country: string): string | undefined {
  try {
    return getCountryCallingCode(country as CountryCode);
  } catch {
    return undefined;
  }
}

/**
 * A stored number (E.164) as the ISP's staff write it: national format for numbers of the ISP's
 * country (DEFAULT_COUNTRY, or one sharing its calling code: a Canadian number for a US ISP is
 * dialled the same way), international format for the rest. Unparsable input is shown as stored.
 */
export function formatPhone(phone: string, country = getIspCountry()): FormattedPhone {
  const parsed = parsePhoneNumberFromString(phone, country as CountryCode);
  if (!parsed) return { display: phone, e164: phone };
  const domestic = parsed.countryCallingCode === callingCodeOf(country);
  return { display: domestic ? parsed.formatNational() : parsed.formatInternational(), e164: parsed.number };
}

/** A stored phone number as people write it, calling its E.164 form (also shown on hover). */
export function PhoneLink({ phone, ...props }: { phone: string } & AnchorProps) {
  const { display, e164 } = formatPhone(phone);
  return (
    <Anchor href={`tel:${e164}`} title={e164} {...props}>
      {display}
    </Anchor>
  );
}

/** A phone number as text (inside a clickable row, where a link would fight the row), E.164 on hover. */
export function PhoneText({ phone }: { phone: string }) {
  const { display, e164 } = formatPhone(phone);
  return <span title={e164}>{display}</span>;
}

/** A phone number linked for calling, with a button that copies its E.164 form. */
export function PhoneWithCopy({ phone, label }: { phone: string; label: string }) {
  const { e164 } = formatPhone(phone);
  return (
    <Group gap={4} wrap="nowrap" component="span">
      <PhoneLink phone={phone} />
      <CopyValue value={e164} label={label} />
    </Group>
  );
}
