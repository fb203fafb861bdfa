import { randomInt } from "node:crypto";
import type { TicketDetail } from "../../../src/shared/tickets.js";
import type { Session } from "../app.js";

let sequence = 0;

/**
 * Opens a ticket through the API (so SLA, events and SMS rules apply) and returns the ticket
 * detail JSON (the ticket plus `customer`, `assignee`, `createdBy`). Defaults: a unique subject,
 * no customer, normal priority, unassigned; `overrides` replace any field of the create body
 * (`customerId`, `subject`, `description`, `category`, `priority`, `status`, `assigneeId`).
 */
export async function makeTicket(session: Session, overrides: Record<string, unknown> = {}): Promise<TicketDetail> {
  sequence += 1;
  const response = await session.post("/api/tickets", {
    subject: `Test ticket ${process.pid}-${sequence}-${randomInt(1_000_000)}`,
    ...overrides,
  });
  if (response.statusCode !== 201) {
    throw new Error(`makeTicket failed: ${response.statusCode} ${response.body}`);
  }
  return response.json() as TicketDetail;
}
