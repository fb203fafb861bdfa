import { defineConfig } from "vitest/config";
import type { InlineConfig } from "vitest/node";

/** Shared by the default run (`npm test`) and the security and fault suites. */
export const baseTestOptions: InlineConfig = {
  globalSetup: ["test/support/global-setup.ts"],
  pool: "forks",
  maxWorkers: 2,
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // Each file builds its own database; files in parallel, tests in a file in order.
  fileParallelism: true,
  sequence: { concurrent: false },
};

export default defineConfig({
  test: {
    ...baseTestOptions,
    include: ["test/**/*.test.ts"],
    // The attack and fuzz suites run with `npm run test:security`, the fault suite with `npm run test:faults`.
    exclude: ["**/node_modules/**", "test/security/**", "test/faults/**"],
  },
});
