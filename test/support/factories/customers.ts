import { randomInt } from "node:crypto";
import type { Customer } from "../../../src/shared/customers.js";
import type { Session } from "../app.js";

let sequence = 0;

const issuedPhones = new Set<string>();

/**
 * A valid US mobile number in E.164 (the 555-01xx block is reserved for fiction), never the same
 * twice in one test process: a stand-in Twilio shared by a file's tests tells messages apart by
 * number, and a repeat (80,000 numbers, ~1 in 1,000 files) once sent one test's SMS to another's.
 */
export function uniquePhone(): string {
  const areaCodes = ["201", "212", "312", "415", "617", "718", "720", "818"];
  for (;;) {
    const area = areaCodes[randomInt(areaCodes.length)];
    const phone = `+1${area}555${String(randomInt(10_000)).padStart(4, "0")}`;
    if (issuedPhones.has(phone)) continue;
    issuedPhones.add(phone);
    return phone;
  }
}

/**
 * Creates a customer through the API (so every rule applies) and returns the customer JSON.
 * Defaults: a unique name and a valid mobile phone; `overrides` replace any field.
 */
export async function makeCustomer(session: Session, overrides: Record<string, unknown> = {}): Promise<Customer> {
  sequence += 1;
  const response = await session.post("/api/customers", {
    name: `Test Customer ${process.pid}-${sequence}-${randomInt(1_000_000)}`,
    phone: uniquePhone(),
    ...overrides,
  });
  if (response.statusCode !== 201) {
    throw new Error(`makeCustomer failed: ${response.statusCode} ${response.body}`);
  }
  const { warnings: _warnings, ...customer } = response.json();
  return customer as Customer;
}
