import { describe, inject, it } from "vitest";
import { attackSuite } from "./attack-suite.js";

/** The attacks on every route on the server database from TEST_DATABASE_URL, in parallel with attack.test.ts. */
if (inject("testDatabaseUrl")) attackSuite("postgres");
else describe("attacks on every route (postgres)", () => it.skip("needs TEST_DATABASE_URL"));
