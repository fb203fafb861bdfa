import { DEFAULT_THEME, darken, luminance, type MantineColorsTuple, toRgba } from "@mantine/core";

// How the theme's palettes are made readable (WCAG 2.2 AA: 4.5:1 for text). The app does not run
// this: its result is written out in readable-colors.ts, since working it out in the browser cost
// every page load 25 ms (100 ms on a slowed phone) before its first screen. test/web/theme.test.ts
// fails, and prints the file to write, when that file and this disagree.

/** The WCAG contrast ratio of two colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [lighter, darker] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (lighter + 0.05) / (darker + 0.05);
}

function toHex(color: string): string {
  const { r, g, b } = toRgba(color);
  return `#${[r, g, b].map((channel) => Math.round(channel).toString(16).padStart(2, "0")).join("")}`;
}

/** The colour darkened in small steps until it reaches `ratio` against `background`. */
function darkenUntil(color: string, background: string, ratio: number): string {
  let result = color;
  for (let step = 1; contrastRatio(result, background) < ratio && step <= 50; step += 1) {
    result = toHex(darken(color, step * 0.02));
  }
  return result;
}

/**
 * A palette whose dark end is dark enough for text: shade 8 (filled buttons and badges carry white
 * text on it in both schemes; in the light scheme it is also the colour of `c="red"` text, outline
 * badges and links, on white or the grey of a table row) and shade 9 (the text of light badges,
 * alerts and subtle buttons, on the palette's tint, shade 1). The light end stays Mantine's.
 */
function readablePalette(shades: MantineColorsTuple): MantineColorsTuple {
  const white = "#ffffff";
  const tableRowGrey = DEFAULT_THEME.colors.gray[1];
  const shade8 = darkenUntil(darkenUntil(shades[8], white, 4.6), tableRowGrey, 4.6);
  const shade9 = darkenUntil(darkenUntil(shades[9], shades[1], 4.6), white, contrastRatio(shade8, white) + 0.5);
  return [...shades.slice(0, 8), shade8, shade9] as unknown as MantineColorsTuple;
}

/** Mantine's palettes, each made readable. "dark" is the dark scheme's surfaces, not a colour things are drawn in. */
export function readableColors(colors = DEFAULT_THEME.colors): Record<string, MantineColorsTuple> {
  return Object.fromEntries(
    Object.entries(colors)
      .filter(([name]) => name !== "dark")
      .map(([name, shades]) => [name, readablePalette(shades)]),
  );
}

/** The text of readable-colors.ts for these palettes. */
export function readableColorsModule(colors: Record<string, MantineColorsTuple>): string {
  const lines = Object.entries(colors).map(
    ([name, shades]) => `  ${name}: [${shades.map((shade) => JSON.stringify(shade)).join(", ")}],`,
  );
  return [
    'import type { MantineColorsTuple } from "@mantine/core";',
    "",
    "// Written out from readable-palette.ts (test/web/theme.test.ts checks it): Mantine's palettes",
    "// with a dark end dark enough for text, in both colour schemes.",
    "export const READABLE_COLORS: Record<string, MantineColorsTuple> = {",
    ...lines,
    "};",
    "",
  ].join("\n");
}
