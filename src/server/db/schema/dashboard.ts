import { bigint, pgTable } from "drizzle-orm/pg-core";
import { customerStatus } from "./enums.js";

/**
 * Customers per status (archived ones left out), kept by triggers on `customers` in the same
 * transaction as every change (migration 0008_dashboard_customer_counts), so the dashboard
 * reads five rows instead of counting hundreds of thousands of customers on every request.
 */
export const dashboardCustomerCounts = pgTable("dashboard_customer_counts", {
  status: customerStatus("status").primaryKey(),
  count: bigint("count", { mode: "number" }).notNull(),
});
