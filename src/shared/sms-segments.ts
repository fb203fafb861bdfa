import { SegmentedMessage } from "sms-segments-calculator";

// The SMS segment counter on its own, without zod: the web's live counter (SegmentCount) imports
// this module, so the browser bundle that shows it does not load the API schemas in shared/sms.ts.

export interface SegmentInfo {
  encoding: "GSM-7" | "UCS-2";
  /** Characters as the user sees them. */
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2): what the segment limits count. */
  units: number;
  segments: number;
  /** Units that fit in one segment of this encoding. */
  perSegment: number;
}

/**
 * How many SMS segments a text costs, by Twilio's own calculator: 160 septets in one GSM-7 message
 * or 153 per part (an extension character such as € takes two), 70 UTF-16 units in one UCS-2
 * message or 67 per part, and no character (an emoji's surrogate pair, an escape and its
 * character) split across two parts: 67 emoji take 3 parts, not 2.
 */
export function countSegments(text: string): SegmentInfo {
  if (text === "") return { encoding: "GSM-7", characters: 0, units: 0, segments: 0, perSegment: 160 };
  const message = new SegmentedMessage(text);
  const segments = message.segmentsCount;
  const characters = message.numberOfUnicodeScalars;
  if (message.encodingName === "GSM-7") {
    const septets = message.numberOfCharacters;
    return { encoding: "GSM-7", characters, units: septets, segments, perSegment: segments > 1 ? 153 : 160 };
  }
  return { encoding: "UCS-2", characters, units: text.length, segments, perSegment: segments > 1 ? 67 : 70 };
}
