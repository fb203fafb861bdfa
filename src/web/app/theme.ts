import { createTheme } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "blue",
  defaultRadius: "md",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  components: {
    // Comfortable tap targets for technicians on phones.
    Button: { defaultProps: { size: "sm" } },
    // A badge is a word or two that must read whole: Mantine's lets a squeezed table cell or row
    // cut it to "WAITING ON CU…"; at its text's width it wraps to the next line instead.
    Badge: { styles: { root: { minWidth: "max-content" } } },
  },
});
