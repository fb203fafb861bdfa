import { defineConfig } from "vitest/config";
import { baseTestOptions } from "./vitest.config.js";

/** `npm run test:security`: the attack and fuzz suites (run by .ci/run after `npm test`). */
export default defineConfig({
  test: { ...baseTestOptions, include: ["test/security/**/*.test.ts"], testTimeout: 120_000 },
});
