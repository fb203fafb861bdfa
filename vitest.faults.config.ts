import { defineConfig } from "vitest/config";
import { baseTestOptions } from "./vitest.config.js";

/** `npm run test:faults`: database outages, crashes and Twilio outages, one file at a time. */
export default defineConfig({
  test: {
    ...baseTestOptions,
    include: ["test/faults/**/*.test.ts"],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
