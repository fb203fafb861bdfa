import { z } from "zod";
import { ZCustomer } from "./customers.js";
import { ZProblem } from "./problem.js";
import { ZTicketDetail } from "./tickets.js";

/** One change a colleague made after the editor's version: who changed which fields, from what to what. */
export const ZConflictChange = z
  .object({
    kind: z.string(),
    fields: z.array(z.string()),
    from: z.string().nullable(),
    to: z.string().nullable(),
    by: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "ConflictChange" });
export type ConflictChange = z.infer<typeof ZConflictChange>;

/**
 * The 409 a stale `version` gets on a ticket edit: the problem, the ticket as it is now, and what
 * changed since the version the editor saw.
 */
export const ZTicketConflict = ZProblem.extend({
  code: z.literal("ticket.version_conflict"),
  current: ZTicketDetail,
  changes: z.array(ZConflictChange),
}).meta({ id: "TicketConflict" });
export type TicketConflict = z.infer<typeof ZTicketConflict>;

/** The 409 a stale `version` gets on a customer edit: the customer as it is now. */
export const ZCustomerConflict = ZProblem.extend({
  code: z.literal("customer.version_conflict"),
  current: ZCustomer,
}).meta({ id: "CustomerConflict" });
export type CustomerConflict = z.infer<typeof ZCustomerConflict>;
