import { type CSSVariablesResolver, createTheme } from "@mantine/core";
import { READABLE_COLORS } from "./readable-colors.js";

// Contrast (WCAG 2.2 AA: 4.5:1 for text) is settled here (the palettes: readable-palette.ts,
// written out in readable-colors.ts), for both colour schemes, and nowhere else: pages use
// Mantine's colours and variants as they are. Mantine's default palettes are too light for that:
// white on a filled blue button is 3.6:1, the light badges' text on their tint as low as 3.6:1,
// dimmed grey text 3.3:1, and in the dark scheme dimmed text, placeholders and error messages are
// below 4.5:1 too. test/e2e/accessibility.test.ts holds every main page to it.

/**
 * The scheme colours Mantine takes from its light end: grey text (`c="dimmed"`, descriptions),
 * placeholders and field errors. Each is at least 4.6:1 on the surfaces it is drawn on (light: white,
 * the grey of table rows, the tint of a blue alert; dark: the body, cards and inputs).
 */
export const cssVariablesResolver: CSSVariablesResolver = (theme) => ({
  variables: {},
  light: {
    // Shade 9: a link inside an alert sits on the alert's tint, not on white.
    "--mantine-color-anchor": `var(--mantine-color-${theme.primaryColor}-9)`,
    "--mantine-color-dimmed": "#5f666d",
    "--mantine-color-placeholder": "#6c757d",
    "--mantine-color-error": "var(--mantine-color-red-8)",
  },
  dark: {
    "--mantine-color-dimmed": "#a6a6a6",
    "--mantine-color-placeholder": "#a6a6a6",
    "--mantine-color-error": "var(--mantine-color-red-4)",
  },
});

export const theme = createTheme({
  primaryColor: "blue",
  // Filled buttons and badges, links and coloured text use shade 8 (readable-palette.ts).
  primaryShade: { light: 8, dark: 8 },
  colors: READABLE_COLORS,
  defaultRadius: "md",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  components: {
    // A link is told from the text around it by more than its colour (WCAG 1.4.1).
    Anchor: { defaultProps: { underline: "always" } },
    // Mantine's close buttons are an icon only: give each a name (confirmation dialogs included).
    Modal: { defaultProps: { closeButtonProps: { "aria-label": "Close dialog" } } },
    Notification: { defaultProps: { closeButtonProps: { "aria-label": "Dismiss notification" } } },
    Alert: { defaultProps: { closeButtonLabel: "Dismiss" } },
    // Comfortable tap targets for technicians on phones.
    Button: { defaultProps: { size: "sm" } },
    // A badge is a word or two that must read whole: Mantine's lets a squeezed table cell or row
    // cut it to "WAITING ON CU…"; at its text's width it wraps to the next line instead.
    Badge: { styles: { root: { minWidth: "max-content" } } },
  },
});
