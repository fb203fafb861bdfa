import { randomInt } from "node:crypto";
import type { Site } from "../../../src/shared/sites.js";
import type { Session } from "../app.js";

let sequence = 0;

/**
 * Creates a network site through the API (an admin's session) and returns the site JSON.
 * Defaults: a tower with a unique name; `overrides` replace any field.
 */
export async function makeSite(admin: Session, overrides: Record<string, unknown> = {}): Promise<Site> {
  sequence += 1;
  const response = await admin.post("/api/sites", {
    name: `Site ${process.pid}-${sequence}-${randomInt(1_000_000)}`,
    kind: "tower",
    ...overrides,
  });
  if (response.statusCode !== 201) throw new Error(`makeSite failed: ${response.statusCode} ${response.body}`);
  return response.json() as Site;
}
