import { randomInt } from "node:crypto";
import type { ServicePlan } from "../../../src/shared/plans.js";
import type { Session } from "../app.js";

let sequence = 0;

/**
 * Creates a service plan through the API (an admin's session) and returns the plan JSON.
 * Defaults: a unique name, 100/20 Mbit/s at 49.99 a month; `overrides` replace any field.
 */
export async function makeServicePlan(admin: Session, overrides: Record<string, unknown> = {}): Promise<ServicePlan> {
  sequence += 1;
  const response = await admin.post("/api/service-plans", {
    name: `Plan ${process.pid}-${sequence}-${randomInt(1_000_000)}`,
    downloadMbps: 100,
    uploadMbps: 20,
    monthlyPrice: 49.99,
    ...overrides,
  });
  if (response.statusCode !== 201) {
    throw new Error(`makeServicePlan failed: ${response.statusCode} ${response.body}`);
  }
  return response.json() as ServicePlan;
}
