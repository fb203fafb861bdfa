import { describe, expect, it } from "vitest";
import { countSegments } from "../../src/shared/sms-segments.js";

// Twilio's segment rule: one GSM-7 message holds 160 septets, each part of a longer one 153 (the
// rest is the concatenation header); UCS-2 holds 70 UTF-16 units, 67 per part. A character is never
// split between parts: not an emoji's surrogate pair, not an extension character's escape.
describe("countSegments", () => {
  it("counts nothing for an empty text", () => {
    expect(countSegments("")).toEqual({ encoding: "GSM-7", characters: 0, units: 0, segments: 0, perSegment: 160 });
  });

  it("fits 160 GSM-7 characters in one SMS and splits 161 into two parts of up to 153", () => {
    expect(countSegments("a".repeat(160))).toEqual({
      encoding: "GSM-7",
      characters: 160,
      units: 160,
      segments: 1,
      perSegment: 160,
    });
    expect(countSegments("a".repeat(161))).toEqual({
      encoding: "GSM-7",
      characters: 161,
      units: 161,
      segments: 2,
      perSegment: 153,
    });
    expect(countSegments("a".repeat(306))).toMatchObject({ segments: 2 });
    expect(countSegments("a".repeat(307))).toMatchObject({ segments: 3 });
  });

  it("counts a GSM extension character (€ ^ { } [ ] ~ | \\) as two septets", () => {
    expect(countSegments("€".repeat(80))).toMatchObject({ encoding: "GSM-7", characters: 80, units: 160, segments: 1 });
    expect(countSegments("€".repeat(81))).toMatchObject({ encoding: "GSM-7", units: 162, segments: 2 });
    expect(countSegments("^{}[]~|\\")).toMatchObject({ encoding: "GSM-7", characters: 8, units: 16 });
    // 152 septets then €: its escape and character do not straddle the first part's end.
    expect(countSegments(`${"a".repeat(152)}€${"a".repeat(153)}`)).toMatchObject({ units: 307, segments: 3 });
  });

  it("keeps accented letters of the GSM alphabet in GSM-7 and others in UCS-2", () => {
    expect(countSegments("äöüñéàèÄÖÜÑÉ")).toMatchObject({ encoding: "GSM-7" });
    expect(countSegments("ł")).toMatchObject({ encoding: "UCS-2" });
  });

  it("fits 70 UCS-2 characters in one SMS and splits 71 into two parts of up to 67", () => {
    expect(countSegments("ж".repeat(70))).toEqual({
      encoding: "UCS-2",
      characters: 70,
      units: 70,
      segments: 1,
      perSegment: 70,
    });
    expect(countSegments("ж".repeat(71))).toEqual({
      encoding: "UCS-2",
      characters: 71,
      units: 71,
      segments: 2,
      perSegment: 67,
    });
    expect(countSegments("ж".repeat(134))).toMatchObject({ segments: 2 });
    expect(countSegments("ж".repeat(135))).toMatchObject({ segments: 3 });
  });

  it("never splits an emoji's surrogate pair between two parts: 67 emoji take 3 parts", () => {
    // 134 UTF-16 units would fit in 2 × 67, but a part can hold only 33 whole emoji (66 units).
    expect(countSegments("😀".repeat(67))).toMatchObject({
      encoding: "UCS-2",
      characters: 67,
      units: 134,
      segments: 3,
    });
    expect(countSegments("😀".repeat(35))).toMatchObject({ units: 70, segments: 1 });
    expect(countSegments("😀".repeat(36))).toMatchObject({ units: 72, segments: 2 });
    expect(countSegments(`${"a".repeat(69)}😀`)).toMatchObject({ encoding: "UCS-2", units: 71, segments: 2 });
  });
});
