import { config } from "zod";

// Imported first by main.tsx, before any schema exists. zod compiles object checks with
// `new Function` where it may; our CSP forbids eval, and zod's probe for it (when a schema is
// defined) showed up as a CSP violation in every signed-in page's console and in Lighthouse's
// "Issues". The browser's parsing is light enough without the compiled fast path.
config({ jitless: true });
