import { randomInt } from "node:crypto";
import type { App } from "../../../src/server/deps.js";
import type { User } from "../../../src/shared/users.js";
import { type Session, signIn } from "../app.js";

let sequence = 0;

/** A staff account the factory made, with the password it was given (to sign in as it). */
export type StaffAccount = User & { password: string };

/**
 * Creates a staff account through the users API (an admin's session) and returns the user JSON
 * plus its password. Defaults: a technician with a unique name and email, no phone; `overrides`
 * replace any field of the create body (`name`, `email`, `role`, `password`, `phone`).
 */
export async function makeStaff(admin: Session, overrides: Record<string, unknown> = {}): Promise<StaffAccount> {
  sequence += 1;
  const body = {
    name: `Staff ${process.pid}-${sequence}`,
    email: `staff-${process.pid}-${sequence}-${randomInt(1_000_000_000)}@isp.test`,
    role: "technician",
    password: "correct-horse-battery",
    ...overrides,
  };
  const response = await admin.post("/api/users", body);
  if (response.statusCode !== 201) throw new Error(`makeStaff failed: ${response.statusCode} ${response.body}`);
  return { ...(response.json() as User), password: String(body.password) };
}

/** A fresh technician, so a test may change or deactivate it without touching the demo accounts. */
export function makeTechnician(admin: Session, overrides: Record<string, unknown> = {}): Promise<StaffAccount> {
  return makeStaff(admin, { role: "technician", ...overrides });
}

/** Signs in as an account a factory made. */
export function signInAs(app: App, staff: StaffAccount): Promise<Session> {
  return signIn(app, { email: staff.email, password: staff.password });
}
