import { describe, expect, it } from "vitest";
import { READABLE_COLORS } from "../../src/web/app/readable-colors.js";
import { contrastRatio, readableColors, readableColorsModule } from "../../src/web/app/readable-palette.js";

describe("the theme's readable palettes", () => {
  it("are the ones readable-palette.ts works out from Mantine's (written out, not computed in the browser)", () => {
    const expected = readableColors();
    // On a Mantine upgrade that changes its palettes, write this file out again.
    expect(READABLE_COLORS, `src/web/app/readable-colors.ts should read:\n${readableColorsModule(expected)}`).toEqual(
      expected,
    );
  });

  it("give shade 8 at least 4.5:1 against white, for every colour", () => {
    for (const [name, shades] of Object.entries(READABLE_COLORS)) {
      expect(contrastRatio(shades[8], "#ffffff"), name).toBeGreaterThanOrEqual(4.5);
    }
  });
});
