import { attackSuite } from "./attack-suite.js";

/** The attacks on every route on the embedded database (the server's run in attack.postgres.test.ts). */
attackSuite("pglite");
