import { Anchor, type AnchorProps } from "@mantine/core";
import { parsePhoneNumberFromString } from "libphonenumber-js/min";

export interface FormattedPhone {
  /** As people in the number's country write it: "(201) 555-0177". */
  display: string;
  /** E.164, for `tel:` links and tooltips: "+12015550177". */
  e164: string;
}

/**
 * A stored number (E.164) in its country's national format. The web does not know the server's
 * DEFAULT_COUNTRY, so the number's own country decides; anything unparsable is shown as stored.
 */
export function formatPhone(phone: string): FormattedPhone {
  const parsed = parsePhoneNumberFromString(phone);
  if (!parsed) return { display: phone, e164: phone };
  return { display: parsed.formatNational(), e164: parsed.number };
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
