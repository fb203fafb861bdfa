import { z } from "zod";
import { CUSTOMER_SORTS } from "../../shared/customers.js";
import { CONNECTION_TYPES, CUSTOMER_STATUSES } from "../../shared/enums.js";
import { ZCursor, ZLimit } from "../http/pagination.js";

export const ZCustomerId = z.object({ id: z.uuid("id must be a customer id (UUID)") });

/** The list's filters; the CSV export takes the same ones. */
export const ZCustomerFilterQuery = z.object({
  q: z.string().trim().max(200, "q must be at most 200 characters").optional(),
  status: z.enum(CUSTOMER_STATUSES, { error: `status must be one of ${CUSTOMER_STATUSES.join(", ")}` }).optional(),
  servicePlanId: z.uuid("servicePlanId must be a service plan id").optional(),
  siteId: z.uuid("siteId must be a network site id").optional(),
  connectionType: z
    .enum(CONNECTION_TYPES, { error: `connectionType must be one of ${CONNECTION_TYPES.join(", ")}` })
    .optional(),
  archived: z
    .enum(["true", "false", "all"], { error: "archived must be true, false or all" })
    .transform((value) => (value === "all" ? ("all" as const) : value === "true"))
    .optional(),
  sort: z.enum(CUSTOMER_SORTS, { error: `sort must be one of ${CUSTOMER_SORTS.join(", ")}` }).optional(),
});

export const ZCustomerListQuery = ZCustomerFilterQuery.extend({
  limit: ZLimit,
  cursor: ZCursor.optional(),
});
