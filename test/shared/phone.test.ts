import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeCallerId, normalizePhone } from "../../src/shared/phone.js";

const ok = (e164: string) => ({ ok: true, e164 });

/** How phone systems, softphones and people write one US number as caller id. */
const US_FORMS = [
  "+12015550142",
  "+1 201-555-0142",
  "(201) 555-0142",
  "201.555.0142",
  "2015550142",
  "12015550142",
  "1 (201) 555-0142",
  "0012015550142",
  "00 1 201 555 0142",
  "01112015550142",
  // "+12015550142" in an unencoded query string: the "+" arrives as a space.
  " 12015550142",
  "tel:+12015550142",
  "sip:+12015550142@pbx.example.net",
];

describe("normalizePhone", () => {
  it.each(US_FORMS)("reads %j as +12015550142 for a US ISP", (input) => {
    expect(normalizePhone(input, "US")).toEqual(ok("+12015550142"));
  });

  it.each([
    ["02071838750", "+442071838750"],
    ["020 7183 8750", "+442071838750"],
    ["+44 20 7183 8750", "+442071838750"],
    ["00442071838750", "+442071838750"],
    // The UK's own country code without "+": libphonenumber reads it as a national number.
    ["442071838750", "+442071838750"],
    // Foreign callers to a UK ISP: the UK's own prefix "00".
    ["0012015550142", "+12015550142"],
    // A Leeds number starts with 011: national numbers win over the North American prefix.
    ["0113 496 0000", "+441134960000"],
  ])("reads %j as %s for a UK ISP", (input, e164) => {
    expect(normalizePhone(input, "GB")).toEqual(ok(e164));
    expect(normalizeCallerId(input, "GB")).toEqual(ok(e164));
  });

  it.each([
    ["12015550142", "+12015550142"],
    ["4930123456789", "+4930123456789"],
  ])("reads the caller id %j (a '+' lost in a URL) as %s for a UK ISP, but never stores it so", (input, e164) => {
    expect(normalizeCallerId(input, "GB")).toEqual(ok(e164));
    expect(normalizePhone(input, "GB")).toEqual({ ok: false, message: "not a valid number for GB" });
  });

  it("keeps a typo an error when storing: one digit too many is no Swiss number", () => {
    // 415-555-01422 reads as +41 55 550 14 22 only if a bare country code is tried.
    expect(normalizePhone("415-555-01422", "US")).toEqual({ ok: false, message: "not a valid number for US" });
  });

  it("does not take a short local number for a foreign one when looking a caller up", () => {
    // 690-2345 would be a Tokelau number (+690 2345) read with a bare country code.
    expect(normalizeCallerId("690-2345", "US")).toEqual({ ok: false, message: "not a valid number for US" });
  });

  it.each([
    ["12", "not a valid number for US"],
    ["555 01", "not a valid number for US"],
    ["555 0100", "not a valid number for US"],
    ["555 123", "not a valid number for US"],
    ["12345", "not a valid number for US"],
    ["call me maybe", "not a valid number for US"],
    ["00", "not a valid number for US"],
    ["011", "not a valid number for US"],
    ["anonymous", "not a valid number for US"],
    ["+99 123", "not a valid international number"],
    ["+0012015550142", "not a valid international number"],
  ])("refuses %j: %s", (input, message) => {
    expect(normalizePhone(input, "US")).toEqual({ ok: false, message });
  });

  // A few numbers from different countries' plans, in E.164.
  const numbers = ["+12015550142", "+14165550123", "+442071838750", "+4930123456", "+33142685300", "+61291234567"];
  const countries = ["US", "GB", "DE", "FR", "AU", "CA"];
  /** The number without "+": country code and national significant number. */
  const bare = (e164: string) => e164.slice(1);

  it("gives every written form of a number the same E.164, whatever the ISP's country", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...numbers),
        fc.constantFrom(...countries),
        fc.constantFrom(
          (n: string) => n,
          (n: string) => `00${bare(n)}`,
          (n: string) => `011${bare(n)}`,
        ),
        (e164, country, write) => {
          const written = write(e164);
          const result = normalizePhone(written, country);
          // A bare "011…" is also a national number in some plans; where it is, that reading wins,
          // so only the forms that are no national number must come back as the E.164.
          if (result.ok && result.e164 !== e164) {
            const digitsOnly = written.replace(/\D/g, "");
            expect(digitsOnly.startsWith("011") || digitsOnly.startsWith("00")).toBe(true);
            return;
          }
          expect(result).toEqual(ok(e164));
        },
      ),
    );
  });

  it("ignores separators: spaces, dots, dashes and brackets between the digits change nothing", () => {
    const separators = fc.constantFrom("", " ", "-", ".", " ", "(", ")");
    fc.assert(
      fc.property(
        fc.constantFrom("+12015550142", "2015550142", "12015550142", "0012015550142", "01112015550142"),
        fc.array(separators, { minLength: 15, maxLength: 15 }),
        (number, gaps) => {
          const [head, ...digits] = number;
          const written = (head ?? "") + digits.map((digit, i) => `${gaps[i] ?? ""}${digit}`).join("");
          expect(normalizePhone(written, "US")).toEqual(ok("+12015550142"));
        },
      ),
    );
  });

  it("is idempotent: a normalised number reads as itself", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9 ()+.-]{0,20}$/), fc.constantFrom(...countries), (input, country) => {
        const first = normalizePhone(input, country);
        if (first.ok) expect(normalizePhone(first.e164, country)).toEqual(first);
      }),
    );
  });
});
