import { type CountryCode, getExampleNumber, parsePhoneNumberFromString } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { AREA_CODES } from "./vocabulary.js";

/** A multiplier coprime with every space size below: spreads consecutive slots over the space. */
const SPREAD = 104_729;

function assertValid(e164: string, country: string): string {
  const parsed = parsePhoneNumberFromString(e164, country as CountryCode);
  if (!parsed?.isValid()) throw new Error(`generated phone ${e164} is not a valid number for ${country}`);
  return parsed.number;
}

/**
 * Unique, valid mobile numbers in E.164 for DEFAULT_COUNTRY. In the US they are in the 555
 * exchange, which is kept out of service, so a demo with live Twilio credentials never texts a
 * real person; technicians get 555-01xx, the block reserved for fiction. Elsewhere they are
 * variations of the country's example mobile number. Each is checked with libphonenumber-js like
 * every phone the app accepts.
 */
export class PhoneBook {
  private nextSlot = 0;
  private nextStaffSlot = 0;
  private readonly nanp: boolean;
  private readonly used = new Set<string>();
  private readonly prefix: string;
  private readonly varyingDigits: number;

  constructor(
    private readonly country: string,
    capacityNeeded: number,
  ) {
    this.nanp = country === "US";
    const example = getExampleNumber(country as CountryCode, examples);
    if (!example) throw new Error(`no example mobile number is known for country ${country}`);
    const national = example.nationalNumber;
    this.varyingDigits = Math.min(7, national.length - 2);
    this.prefix = `+${example.countryCallingCode}${national.slice(0, national.length - this.varyingDigits)}`;
    if (this.nanp && capacityNeeded > AREA_CODES.length * 9_900) {
      throw new Error(`cannot make ${capacityNeeded} distinct 555 numbers`);
    }
  }

  /** A subscriber's mobile (or alternative) number, never handed out twice. */
  next(): string {
    if (this.nanp) {
      const space = AREA_CODES.length * 10_000;
      for (;;) {
        const slot = (this.nextSlot++ * SPREAD) % space;
        const line = String(slot % 10_000).padStart(4, "0");
        // 555-01xx is the staff block.
        if (line.startsWith("01")) continue;
        return assertValid(`+1${AREA_CODES[Math.floor(slot / 10_000)]}555${line}`, this.country);
      }
    }
    const space = 10 ** this.varyingDigits;
    for (let attempt = 0; attempt < 1000; attempt++) {
      const slot = (this.nextSlot++ * SPREAD) % space;
      const candidate = `${this.prefix}${String(slot).padStart(this.varyingDigits, "0")}`;
      if (this.used.has(candidate)) continue;
      const parsed = parsePhoneNumberFromString(candidate, this.country as CountryCode);
      if (parsed?.isValid()) {
        this.used.add(candidate);
        return parsed.number;
      }
    }
    throw new Error(`could not generate a valid phone number for ${this.country}`);
  }

  /** A staff member's mobile: 555-01xx across the local area codes (US), else like subscribers'. */
  nextStaff(): string {
    if (!this.nanp) return this.next();
    const slot = this.nextStaffSlot++;
    const local = ["303", "720", "719", "970"];
    const area = local[Math.floor(slot / 100) % local.length];
    return assertValid(`+1${area}55501${String(slot % 100).padStart(2, "0")}`, this.country);
  }
}
